use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nedvizhimost::auth::{create_or_promote_moderator, AuthKeys};
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{Settings, SettingsReader};
use nedvizhimost::pricing::report_text;
use nedvizhimost::pricing::{self, CycleRequest, Trigger};
use nedvizhimost::{app_with_catalog, db, jobs, seed, telemetry, AppState};

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
    /// Применить схему базы, запустить HTTP API и минутные задачи (по умолчанию)
    Serve,
    /// Применить недостающие миграции схемы базы и выйти
    Migrate,
    /// Один цикл цен сейчас (пересчёт спроса за 24 ч и проход) и каждое изменение цены
    Reprice {
        /// Показать, что и почему изменится, ничего не записывая
        #[arg(long)]
        dry_run: bool,
    },
    /// Создать первого модератора или повысить существующий аккаунт и задать ему пароль
    CreateModerator {
        /// Email аккаунта модератора
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Файл с паролем (первая строка): пароль не попадёт в историю оболочки
        #[arg(long, value_name = "ФАЙЛ")]
        password_file: PathBuf,
    },
    /// Применить схему и заполнить базу демо-данными: застройщики, ЖК, квартиры, медиа, спрос (повторно ничего не дублирует)
    SeedDemo,
    /// Print the OpenAPI document (as served at /openapi.json) and exit; needs no database
    Openapi,
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli: Cli = nedvizhimost::cli::parse();
    telemetry::exit_code(run(cli.command.unwrap_or(Command::Serve)).await)
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve => serve().await,
        Command::Migrate => run_migrations(&database_config()?).await,
        Command::Reprice { dry_run } => reprice_once(dry_run).await,
        Command::CreateModerator {
            email,
            password_file,
        } => create_moderator(&email, &password_file).await,
        Command::SeedDemo => seed_demo().await,
        Command::Openapi => print_openapi(),
    }
}

fn print_openapi() -> Result<(), String> {
    let document = nedvizhimost::openapi_document()
        .to_pretty_json()
        .map_err(|error| format!("cannot serialise the OpenAPI document: {error}"))?;
    println!("{document}");
    Ok(())
}

fn database_config() -> Result<tokio_postgres::Config, String> {
    SettingsReader::from_env()
        .database()
        .and_then(|database| database.to_pg_config())
        .map_err(|error| error.to_string())
}

async fn create_moderator(email: &str, password_file: &std::path::Path) -> Result<(), String> {
    let password = std::fs::read_to_string(password_file).map_err(|error| {
        format!(
            "не удалось прочитать файл {}: {}",
            password_file.display(),
            nedvizhimost::text::describe_io_error(&error)
        )
    })?;
    let password = password.lines().next().unwrap_or_default();
    let client = db::create_pool(database_config()?, 1)
        .get()
        .await
        .map_err(|error| {
            format!(
                "не удалось подключиться к базе: {}",
                db::describe_pool_error(&error)
            )
        })?;
    let schema_version: Option<i32> = client
        .query_one("SELECT max(version) FROM refinery_schema_history", &[])
        .await
        .map(|row| row.get(0))
        .unwrap_or(None);
    if schema_version.unwrap_or(0) < db::latest_embedded_migration() {
        return Err("схема базы не обновлена: сначала выполните `nedvizhimost migrate`".into());
    }
    let account = create_or_promote_moderator(&client, email, password)
        .await
        .map_err(|error| match error {
            nedvizhimost::error::AppError::Validation(errors) => errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })?;
    let verb = if account.created {
        "создан"
    } else {
        "назначен, пароль задан"
    };
    println!(
        "Модератор {} (id {}) {verb}",
        account.email, account.user_id
    );
    Ok(())
}

async fn seed_demo() -> Result<(), String> {
    let pg_config = database_config()?;
    run_migrations(&pg_config).await?;
    let outcome = seed::run(&pg_config)
        .await
        .map_err(|error| format!("демо-данные не добавлены: {error}"))?;
    println!("{outcome}");
    Ok(())
}

async fn run_migrations(pg_config: &tokio_postgres::Config) -> Result<(), String> {
    let applied = db::migrate(pg_config)
        .await
        .map_err(|error| format!("схема базы не обновлена: {error}"))?;
    if applied.is_empty() {
        tracing::info!("схема базы актуальна");
    }
    for migration in applied {
        tracing::info!(%migration, "применена миграция");
    }
    Ok(())
}

async fn reprice_once(dry_run: bool) -> Result<(), String> {
    let pricing_settings = SettingsReader::from_env()
        .pricing()
        .map_err(|error| error.to_string())?;
    let pg_config = database_config()?;
    run_migrations(&pg_config).await?;
    let pool = db::create_pool(pg_config, pricing_settings.workers + 1);
    let mut client = pool.get().await.map_err(|error| {
        format!(
            "не удалось подключиться к базе: {}",
            db::describe_pool_error(&error)
        )
    })?;
    let request = CycleRequest {
        dry_run,
        ..CycleRequest::new(Trigger::Cli)
    };
    let report = pricing::run_cycle(&mut client, &pricing_settings, &request)
        .await
        .map_err(|error| {
            format!(
                "проход цен не удался: {}",
                pricing::describe_failure_of_database(&error)
            )
        })?;
    for change in &report.changes {
        println!("{}", report_text::change_line(change));
    }
    println!("{}", report_text::summary(&report));
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
    let pool = db::create_pool(pg_config.clone(), 16);
    drop(pool.get().await.map_err(|error| {
        format!(
            "не удалось подключиться к базе: {}",
            db::describe_pool_error(&error)
        )
    })?);

    let crm = nedvizhimost::crm::Crm::from_settings(&settings.crm);
    jobs::spawn_all(&pool, &pg_config, &settings, crm.as_ref());
    let state = AppState::new(
        pool,
        settings.pricing.clone(),
        AuthKeys::new(&settings.jwt_secret, settings.auth.clone()),
        settings.signals.clone(),
    )
    .with_promotions(settings.promotions.clone())
    .with_event_streams_prefix(settings.outbox.stream_prefix.clone())
    .with_crm(crm)
    .with_picker(settings.picker.clone());
    let address = SocketAddr::from(([0, 0, 0, 0], settings.http_port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("не удалось занять адрес {address}: {error}"))?;
    tracing::info!(%address, "API слушает; Swagger UI — /docs");
    axum::serve(
        listener,
        app_with_catalog(state, CatalogCache::new(settings.catalog.clone()))
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|error| format!("ошибка HTTP-сервера: {error}"))
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
    tracing::info!("получен сигнал остановки, завершаем текущие запросы");
}
