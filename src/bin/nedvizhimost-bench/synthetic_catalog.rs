//! The synthetic catalog every benchmark runs on. It lives in a scratch database of its own, created next to
//! the maintenance database of `DATABASE_*`, migrated, then filled with developers, projects, buildings,
//! apartments, interest events and leads of the requested size (`synthetic_catalog.sql`).

use std::fmt::Display;
use std::time::Instant;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use nedvizhimost::db;
use tokio_postgres::{Client, Config, NoTls};

pub struct CatalogSpec {
    pub apartments: u32,
    /// Interest events spread over the 24 h before `now`.
    pub events: u32,
    pub now: DateTime<Utc>,
    pub geography: Geography,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Geography {
    /// Every project in Moscow, one price band: enough for the pricing cycle.
    Moscow,
    /// Projects over 15 Russian cities (a fifth in Moscow), areas and prices spread (`synthetic_cities.sql`):
    /// what search by city, price and the country map need.
    FifteenCities,
}

/// Ten minutes behind the clock, on a whole minute: the simulated minutes a benchmark adds after it are never
/// "in the future".
pub fn simulated_now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::minutes(1))
        .expect("a minute divides the current time")
        - TimeDelta::minutes(10)
}

pub struct ScratchDatabase {
    admin: Client,
    name: String,
    config: Config,
}

impl ScratchDatabase {
    /// Creates the database `name` (dropping an older one) with the catalog of `spec`. With `reuse`, a database
    /// kept by an earlier `--keep` run is taken as it is, only pending migrations applied.
    pub async fn prepare(
        admin_config: &Config,
        name: &str,
        spec: &CatalogSpec,
        reuse: bool,
    ) -> Result<Self, String> {
        let admin = connect(admin_config)
            .await
            .map_err(|error| format!("connect to the maintenance database: {error}"))?;
        let mut config = admin_config.clone();
        config.dbname(name);
        let database = Self {
            admin,
            name: name.to_owned(),
            config,
        };
        if reuse && database.exists().await? {
            eprintln!("[{name}] reusing the kept database");
            migrate(&database.config).await?;
        } else {
            database.create_empty().await?;
            database.fill(spec).await?;
        }
        Ok(database)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Drops the database unless it is kept for inspection or a later `--reuse`.
    pub async fn finish(self, keep: bool) -> Result<(), String> {
        if keep {
            eprintln!("[{}] database kept", self.name);
            return Ok(());
        }
        self.execute_as_admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .await
    }

    async fn exists(&self) -> Result<bool, String> {
        let row = self
            .admin
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&self.name],
            )
            .await
            .map_err(|error| db::describe_error(&error))?;
        Ok(row.is_some())
    }

    async fn create_empty(&self) -> Result<(), String> {
        self.execute_as_admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .await?;
        self.execute_as_admin(&format!("CREATE DATABASE {}", self.name))
            .await?;
        migrate(&self.config).await
    }

    async fn fill(&self, spec: &CatalogSpec) -> Result<(), String> {
        let client = connect(&self.config)
            .await
            .map_err(|error| db::describe_error(&error))?;
        eprintln!(
            "[{}] building the catalog: {} apartments, {} events…",
            self.name, spec.apartments, spec.events
        );
        let started = Instant::now();
        execute(&client, &catalog_script(spec)).await?;
        if spec.geography == Geography::FifteenCities {
            execute(&client, include_str!("synthetic_cities.sql")).await?;
            // The spread rewrote every apartment: no dead row versions and a fresh visibility map before a
            // measurement (autovacuum may be off, as on the CI server).
            execute(&client, "VACUUM ANALYZE").await?;
        }
        eprintln!(
            "[{}] catalog built in {:.1} s",
            self.name,
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    async fn execute_as_admin(&self, statement: &str) -> Result<(), String> {
        execute(&self.admin, statement).await
    }
}

/// The first pass leaves one dead row version per changed price in `apartments` and `apartment_stats` (~580 k at
/// 1 M apartments). In service autovacuum removes them within a minute or two (`apartment_stats` is vacuumed at
/// 2 % dead rows, V8); a benchmark does the same deterministically, so that "steady" means steady. Until then
/// every full read of `apartment_stats` also reads the dead versions (~2.2 s instead of ~1.5 s per minute at 1 M).
pub async fn settle_after_mass_reprice(client: &Client, label: impl Display) -> Result<(), String> {
    let started = Instant::now();
    execute(
        client,
        "VACUUM (ANALYZE) apartments, apartment_stats, price_history",
    )
    .await?;
    eprintln!(
        "[{label}] VACUUM after the mass re-price (what autovacuum does next): {} ms",
        started.elapsed().as_millis()
    );
    Ok(())
}

/// `synthetic_catalog.sql` with its placeholders filled (numbers and one timestamp only).
fn catalog_script(spec: &CatalogSpec) -> String {
    include_str!("synthetic_catalog.sql")
        .replace("{apartments}", &spec.apartments.to_string())
        .replace("{events}", &spec.events.to_string())
        .replace("{now}", &format!("'{}'", spec.now.to_rfc3339()))
}

async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn migrate(config: &Config) -> Result<(), String> {
    db::migrate(config)
        .await
        .map(drop)
        .map_err(|error| format!("migrations failed: {error}"))
}

async fn execute(client: &Client, statements: &str) -> Result<(), String> {
    client
        .batch_execute(statements)
        .await
        .map_err(|error| db::describe_error(&error))
}
