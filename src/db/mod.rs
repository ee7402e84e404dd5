use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

mod schema;

pub use schema::{latest_embedded_migration, migrate, MigrationError, SqlFile, SQL_FILES};

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
