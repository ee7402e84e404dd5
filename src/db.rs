use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Key of the session-level advisory lock held while migrations run: two replicas never race.
const MIGRATION_LOCK_KEY: i64 = 0x6e65_6476_6d69_6772;

pub fn create_pool(config: tokio_postgres::Config, max_size: usize) -> Pool {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .expect("a pool without a runtime-specific hook always builds")
}

/// Connects once, applies pending migrations under an advisory lock, and returns what was applied.
pub async fn migrate(config: &tokio_postgres::Config) -> Result<Vec<String>, MigrationError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let connection_task = tokio::spawn(connection);
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    let report = embedded::migrations::runner()
        .set_abort_divergent(true)
        .run_async(&mut client)
        .await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    drop(client);
    let _ = connection_task.await;
    let applied = report?
        .applied_migrations()
        .iter()
        .map(|migration| migration.to_string())
        .collect();
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

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("migration: {0}")]
    Refinery(#[from] refinery::Error),
}

/// tokio-postgres prints only "db error"; operators need the server's message and where it came from.
pub fn describe_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db_error) => {
            let mut text = format!("{}: {}", db_error.code().code(), db_error.message());
            if let Some(detail) = db_error.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(context) = db_error.where_() {
                text.push_str(&format!(" [{}]", context.lines().last().unwrap_or(context)));
            }
            text
        }
        None => error.to_string(),
    }
}
