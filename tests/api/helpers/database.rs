//! One migrated template database per schema, one clone of it per test.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use deadpool_postgres::Pool;
use nedvizhimost::db;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio_postgres::types::{FromSqlOwned, ToSql};
use tokio_postgres::{Client, NoTls};

const TEMPLATE_LOCK_KEY: i64 = 0x7465_7374_746d_706c;
const STALE_TEST_DATABASE_SECONDS: u64 = 10 * 60;
/// Everything that shapes the migrated schema: the migrations and the SQL files they apply.
const SCHEMA_DIRECTORIES: [&str; 2] = ["migrations", "sql"];

pub fn admin_config() -> tokio_postgres::Config {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
        .parse()
        .expect("TEST_DATABASE_URL must be a PostgreSQL URL")
}

pub async fn connect(config: &tokio_postgres::Config) -> Client {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(connection);
    client
}

/// The files below `directory`, at any depth, as paths relative to `root`; none when it does not exist.
fn files_below(root: &Path, directory: &Path) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(root.join(directory)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => panic!("read {}: {error}", directory.display()),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.expect("directory entry");
        let relative = directory.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            files.extend(files_below(root, &relative));
        } else {
            files.push(relative);
        }
    }
    files
}

/// SHA-256 over the relative path and contents of every file of [`SCHEMA_DIRECTORIES`], in path order:
/// any change to the schema sources names a new template. SHA-256 rather than the std hasher, whose output
/// may change between toolchains, so every checkout of the same schema shares one template.
pub fn schema_fingerprint() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = SCHEMA_DIRECTORIES
        .iter()
        .flat_map(|directory| files_below(root, Path::new(directory)))
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let contents = std::fs::read(root.join(&file))
            .unwrap_or_else(|error| panic!("read {}: {error}", file.display()));
        let path = file.to_string_lossy();
        for part in [path.as_bytes(), &contents] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Builds the migrated template once per schema, shared by concurrent test processes.
async fn template_database() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let template = format!("nedv_template_{}", schema_fingerprint());
            let admin = connect(&admin_config()).await;
            admin
                .execute("SELECT pg_advisory_lock($1)", &[&TEMPLATE_LOCK_KEY])
                .await
                .unwrap();
            let exists = admin
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
                .await
                .unwrap()
                .is_some();
            if !exists {
                let building = format!("{template}_building");
                for statement in [
                    format!("DROP DATABASE IF EXISTS {building}"),
                    format!("CREATE DATABASE {building}"),
                ] {
                    admin.batch_execute(&statement).await.unwrap();
                }
                let mut config = admin_config();
                config.dbname(&building);
                db::migrate(&config)
                    .await
                    .expect("migrate the template database");
                admin
                    .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                    .await
                    .unwrap();
            }
            drop_stale_test_databases(&admin).await;
            admin
                .execute("SELECT pg_advisory_unlock($1)", &[&TEMPLATE_LOCK_KEY])
                .await
                .unwrap();
            template
        })
        .await
}

pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn drop_stale_test_databases(admin: &Client) {
    let rows = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'nedv_test_%'",
            &[],
        )
        .await
        .unwrap();
    for row in rows {
        let name: String = row.get(0);
        let created: Option<u64> = name.split('_').nth(2).and_then(|part| part.parse().ok());
        if created.is_some_and(|created| created + STALE_TEST_DATABASE_SECONDS < unix_seconds()) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// Every test's clone goes when the test ends (a background thread, so the test does not wait), not only when the
/// next run finds it stale: a full run makes ~200 of them, and several runs at once filled the disk.
impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok((client, connection)) = admin_config().connect(NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        });
    }
}

/// A fresh database cloned from the migrated template.
pub struct TestDb {
    pub name: String,
    pub config: tokio_postgres::Config,
    pub pool: Pool,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template_database().await;
        let name = format!("nedv_test_{}_{:08x}", unix_seconds(), rand::random::<u32>());
        let admin = connect(&admin_config()).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("clone the template database");
        let mut config = admin_config();
        config.dbname(&name);
        let pool = db::create_pool(config.clone(), 8);
        Self { name, config, pool }
    }

    /// This database as a libpq connection string, for `DATABASE_URL` of a CLI run.
    pub fn connection_string(&self) -> String {
        let config = &self.config;
        let mut url = format!(
            "dbname={} user={} port={}",
            self.name,
            config.get_user().unwrap_or("postgres"),
            config.get_ports().first().copied().unwrap_or(5432),
        );
        if let Some(tokio_postgres::config::Host::Tcp(host)) = config.get_hosts().first() {
            url.push_str(&format!(" host={host}"));
        }
        if let Some(password) = config.get_password() {
            url.push_str(&format!(" password={}", String::from_utf8_lossy(password)));
        }
        url
    }

    pub async fn client(&self) -> deadpool_postgres::Object {
        self.pool.get().await.expect("test pool connection")
    }

    /// The first column of the one row `sql` returns.
    pub async fn scalar<T: FromSqlOwned>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> T {
        self.client()
            .await
            .query_one(sql, params)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .get(0)
    }

    /// The first column of every row `sql` returns, in order.
    pub async fn column<T: FromSqlOwned>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Vec<T> {
        self.client()
            .await
            .query(sql, params)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    /// Runs one statement; the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> u64 {
        self.client()
            .await
            .execute(sql, params)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }
}
