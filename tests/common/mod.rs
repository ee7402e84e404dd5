//! Test harness: one migrated template database per migration set, one clone per test, the real router
//! served over loopback HTTP.
#![allow(dead_code)]

pub mod fixtures;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use deadpool_postgres::Pool;
use nedvizhimost::config::PricingSettings;
use nedvizhimost::{app, db, AppState};
use tokio::sync::OnceCell;
use tokio_postgres::{Client, NoTls};

const TEMPLATE_LOCK_KEY: i64 = 0x7465_7374_746d_706c;
const STALE_TEST_DATABASE_SECONDS: u64 = 3 * 3600;

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

fn migrations_fingerprint() -> String {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(directory)
        .expect("migrations directory")
        .map(|entry| entry.expect("migration entry").path())
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .expect("read migration")
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Builds the migrated template once per migration set, shared by concurrent test processes.
async fn template_database() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let template = format!("nedv_template_{}", migrations_fingerprint());
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

fn unix_seconds() -> u64 {
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

    pub async fn client(&self) -> deadpool_postgres::Object {
        self.pool.get().await.expect("test pool connection")
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub address: SocketAddr,
    pub http: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(PricingSettings {
            scheduler_enabled: false,
            ..PricingSettings::default()
        })
        .await
    }

    pub async fn spawn_with(pricing: PricingSettings) -> Self {
        let db = TestDb::new().await;
        let state = AppState {
            pool: db.pool.clone(),
            pricing,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app(state)).await });
        Self {
            db,
            address,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }
}
