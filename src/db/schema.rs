//! Brings a database to this binary's schema: the versioned migrations (state), then the `sql/` files
//! (behaviour), in one transaction under one advisory lock.
use std::collections::HashMap;

use async_trait::async_trait;
use refinery::Migration;
use refinery_core::traits::r#async::{AsyncQuery, AsyncTransaction};
use refinery_core::AsyncMigrate;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio_postgres::{NoTls, Transaction};

use super::describe_error;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// One file of `sql/`, embedded at build time in the order of `sql/manifest.txt`.
#[derive(Debug, Clone, Copy)]
pub struct SqlFile {
    /// Path below `sql/`, e.g. `pricing/reprice_apartments.sql`.
    pub path: &'static str,
    pub text: &'static str,
}

impl SqlFile {
    pub fn checksum(&self) -> String {
        Sha256::digest(self.text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

include!(concat!(env!("OUT_DIR"), "/sql_files.rs"));

/// Key of the transaction-level advisory lock held while the schema is brought up to date: replicas never race.
const MIGRATION_LOCK_KEY: i64 = 0x6e65_6476_6d69_6772;

/// The name the first versioned migration has had since V1–V10 were folded into one baseline.
const BASELINE_NAME: &str = "baseline";

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "база создана миграциями до свёртки в базовую (V1–V10): пересоздайте её — \
         `docker compose down -v` или `DROP DATABASE` и снова `nedvizhimost migrate`"
    )]
    PreBaselineDatabase,
    #[error("база данных: {}", describe_error(.0))]
    Database(#[from] tokio_postgres::Error),
    #[error("версионная миграция: {0}")]
    Refinery(#[from] refinery::Error),
    #[error("файл sql/{path}: {}", describe_error(.source))]
    SqlFile {
        path: &'static str,
        source: tokio_postgres::Error,
    },
}

/// Applies pending versioned migrations, then every `sql/` file whose text changed since it was last
/// applied (all of them after a new versioned migration, which may have dropped what they define), in one
/// transaction. Returns what was applied: migration names and `sql/…` paths.
pub async fn migrate(config: &tokio_postgres::Config) -> Result<Vec<String>, MigrationError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let connection_task = tokio::spawn(connection);
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    refuse_pre_baseline_database(&transaction).await?;
    let report = embedded::migrations::runner()
        .set_abort_divergent(true)
        .run_async(&mut InTransaction(&transaction))
        .await?;
    let mut applied: Vec<String> = report
        .applied_migrations()
        .iter()
        .map(ToString::to_string)
        .collect();
    let sql_files = apply_sql_files(&transaction, !applied.is_empty()).await?;
    applied.extend(sql_files.into_iter().map(|path| format!("sql/{path}")));
    transaction.commit().await?;
    drop(client);
    let _ = connection_task.await;
    Ok(applied)
}

async fn refuse_pre_baseline_database(transaction: &Transaction<'_>) -> Result<(), MigrationError> {
    let history_exists: bool = transaction
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !history_exists {
        return Ok(());
    }
    let first_migration: Option<String> = transaction
        .query_opt(
            "SELECT name FROM refinery_schema_history WHERE version = 1",
            &[],
        )
        .await?
        .map(|row| row.get(0));
    match first_migration {
        Some(name) if name != BASELINE_NAME => Err(MigrationError::PreBaselineDatabase),
        _ => Ok(()),
    }
}

async fn apply_sql_files(
    transaction: &Transaction<'_>,
    apply_all: bool,
) -> Result<Vec<&'static str>, MigrationError> {
    let recorded: HashMap<String, String> = transaction
        .query("SELECT path, checksum FROM sql_files_applied", &[])
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut applied = Vec::new();
    for file in SQL_FILES {
        let checksum = file.checksum();
        if !apply_all && recorded.get(file.path) == Some(&checksum) {
            continue;
        }
        transaction
            .batch_execute(file.text)
            .await
            .map_err(|source| MigrationError::SqlFile {
                path: file.path,
                source,
            })?;
        transaction
            .execute(
                "INSERT INTO sql_files_applied (path, checksum) VALUES ($1, $2) \
                 ON CONFLICT (path) DO UPDATE SET checksum = excluded.checksum, applied_at = now()",
                &[&file.path, &checksum],
            )
            .await?;
        applied.push(file.path);
    }
    let current: Vec<&str> = SQL_FILES.iter().map(|file| file.path).collect();
    transaction
        .execute(
            "DELETE FROM sql_files_applied WHERE path <> ALL($1)",
            &[&current],
        )
        .await?;
    Ok(applied)
}

/// The newest migration version compiled into this binary.
pub fn latest_embedded_migration() -> i32 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|migration| migration.version())
        .max()
        .unwrap_or(0)
}

/// Lets refinery run its statements inside our transaction instead of opening one per migration, so the
/// versioned migrations and the `sql/` files commit or roll back together.
struct InTransaction<'a>(&'a Transaction<'a>);

#[async_trait]
impl AsyncTransaction for InTransaction<'_> {
    type Error = tokio_postgres::Error;

    async fn execute<'a, T: Iterator<Item = &'a str> + Send>(
        &mut self,
        queries: T,
    ) -> Result<usize, Self::Error> {
        let mut count = 0;
        for query in queries {
            self.0.batch_execute(query).await?;
            count += 1;
        }
        Ok(count)
    }
}

#[async_trait]
impl AsyncQuery<Vec<Migration>> for InTransaction<'_> {
    async fn query(&mut self, query: &str) -> Result<Vec<Migration>, Self::Error> {
        let rows = self.0.query(query, &[]).await?;
        Ok(rows
            .iter()
            .map(|row| {
                let applied_on: String = row.get(2);
                let checksum: String = row.get(3);
                Migration::applied(
                    row.get(0),
                    row.get(1),
                    OffsetDateTime::parse(&applied_on, &Rfc3339)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    checksum.parse().unwrap_or_default(),
                )
            })
            .collect())
    }
}

impl AsyncMigrate for InTransaction<'_> {}
