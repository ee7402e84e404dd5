use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nedvizhimost::config::{Settings, SettingsReader};
use nedvizhimost::{app, db, seed, telemetry, AppState};

#[derive(Parser)]
#[command(
    name = "nedvizhimost",
    version,
    about = "Недвижимость 4.0: API маркетплейса новостроек и динамическое ценообразование"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, start the HTTP API and the pricing scheduler (default)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Apply migrations and fill the database with demo developers, projects, apartments and demand (idempotent)
    SeedDemo,
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Migrate => migrate_only().await,
        Command::SeedDemo => seed_demo().await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate_only() -> Result<(), String> {
    let database = SettingsReader::from_env()
        .database()
        .map_err(|error| error.to_string())?;
    let pg_config = database.to_pg_config().map_err(|error| error.to_string())?;
    run_migrations(&pg_config).await
}

async fn seed_demo() -> Result<(), String> {
    let database = SettingsReader::from_env()
        .database()
        .map_err(|error| error.to_string())?;
    let pg_config = database.to_pg_config().map_err(|error| error.to_string())?;
    run_migrations(&pg_config).await?;
    let outcome = seed::run(&pg_config)
        .await
        .map_err(|error| format!("seed-demo failed: {error}"))?;
    println!("{outcome}");
    Ok(())
}

async fn run_migrations(pg_config: &tokio_postgres::Config) -> Result<(), String> {
    let applied = db::migrate(pg_config)
        .await
        .map_err(|error| format!("migrations failed: {error}"))?;
    if applied.is_empty() {
        tracing::info!("database schema is up to date");
    }
    for migration in applied {
        tracing::info!(%migration, "migration applied");
    }
    Ok(())
}

async fn serve() -> Result<(), String> {
    let settings: Settings = SettingsReader::from_env()
        .settings()
        .map_err(|error| error.to_string())?;
    let pg_config = settings
        .database
        .to_pg_config()
        .map_err(|error| error.to_string())?;
    run_migrations(&pg_config).await?;
    let pool = db::create_pool(pg_config, 16);
    drop(
        pool.get()
            .await
            .map_err(|error| format!("cannot connect to the database: {error}"))?,
    );

    let state = AppState {
        pool,
        pricing: settings.pricing.clone(),
    };
    let address = SocketAddr::from(([0, 0, 0, 0], settings.http_port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    tracing::info!(%address, "listening; Swagger UI at /docs");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| format!("server error: {error}"))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}
