use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

mod schema;

pub use schema::{latest_embedded_migration, migrate, MigrationError, SqlFile, SQL_FILES};

/// Session settings of every connection of the service: JIT compilation off. Its 0.2–0.9 s of compiling is paid by
/// any statement the planner costs above `jit_above_cost` — a catalog search over a whole city of a 1 M catalog
/// is one — and never pays back on the service's short statements; the long SQL functions (pricing pass,
/// aggregates, analytics) turn it off themselves (`SET jit = off` in their files).
const SESSION_OPTIONS: &str = "-c jit=off";

pub fn create_pool(mut config: tokio_postgres::Config, max_size: usize) -> Pool {
    let options = match config.get_options() {
        Some(given) if !given.trim().is_empty() => format!("{given} {SESSION_OPTIONS}"),
        _ => SESSION_OPTIONS.to_owned(),
    };
    config.options(&options);
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
        None => describe_client_error(error),
    }
}

/// A failure on the client side (connecting, a lost connection) in Russian, with the OS's cause.
fn describe_client_error(error: &tokio_postgres::Error) -> String {
    let what = match error.to_string().as_str() {
        "error connecting to server" => "не удалось подключиться к серверу PostgreSQL".to_owned(),
        "connection closed" => "соединение с сервером PostgreSQL закрыто".to_owned(),
        "timeout waiting for server" => "сервер PostgreSQL не ответил вовремя".to_owned(),
        other => other.to_owned(),
    };
    let Some(source) = std::error::Error::source(error) else {
        return what;
    };
    let cause = match source
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
    {
        Some(std::io::ErrorKind::ConnectionRefused) => {
            "соединение отклонено: сервер не запущен или слушает другой адрес или порт".to_owned()
        }
        Some(std::io::ErrorKind::TimedOut) => "истекло время ожидания".to_owned(),
        _ => source.to_string(),
    };
    format!("{what} ({cause})")
}

/// Taking a connection from the pool failed: the database's own words when there are some.
pub fn describe_pool_error(error: &deadpool_postgres::PoolError) -> String {
    match error {
        deadpool_postgres::PoolError::Backend(error) => describe_error(error),
        deadpool_postgres::PoolError::Timeout(_) => {
            "нет свободного соединения с базой (истекло время ожидания)".to_owned()
        }
        other => other.to_string(),
    }
}
