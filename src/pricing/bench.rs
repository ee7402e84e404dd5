//! `bench-pricing`: builds a synthetic catalog in its own database and times the minute cycle on it.
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::cycle::{run_cycle, CycleReport, CycleRequest, Trigger};
use crate::config::PricingSettings;
use crate::db;

pub struct BenchOptions {
    pub sizes: Vec<u32>,
    pub events_per_apartment: u32,
    pub steady_cycles: u32,
    /// Connection to a maintenance database; benchmark databases are created next to it.
    pub admin: tokio_postgres::Config,
    pub keep_databases: bool,
}

#[derive(Debug)]
pub struct BenchResult {
    pub apartments: u32,
    pub events: u32,
    pub catalog_build: Duration,
    pub first: CycleReport,
    pub steady: Vec<CycleReport>,
}

impl BenchResult {
    fn steady_median(&self, pick: impl Fn(&CycleReport) -> Duration) -> Duration {
        let mut values: Vec<Duration> = self.steady.iter().map(pick).collect();
        values.sort();
        values.get(values.len() / 2).copied().unwrap_or_default()
    }

    pub fn table_row(&self) -> String {
        let steady_aggregates = self.steady_median(|report| report.aggregates_took);
        let steady_pass = self.steady_median(|report| report.pass_took);
        let steady_changes: usize = self
            .steady
            .iter()
            .map(|report| report.changes.len())
            .max()
            .unwrap_or(0);
        format!(
            "| {apartments} | {events} | {first_aggregates} | {first_pass} | {first_changes} | {steady_aggregates} | {steady_pass} | **{steady_total}** | {steady_changes} |",
            apartments = self.apartments,
            events = self.events,
            first_aggregates = self.first.aggregates_took.as_millis(),
            first_pass = self.first.pass_took.as_millis(),
            first_changes = self.first.changes.len(),
            steady_aggregates = steady_aggregates.as_millis(),
            steady_pass = steady_pass.as_millis(),
            steady_total = (steady_aggregates + steady_pass).as_millis(),
        )
    }
}

pub const TABLE_HEADER: &str = "| квартир | событий за 24 ч | 1-й цикл: агрегаты, мс | 1-й цикл: проход, мс | изменено | минута: агрегаты, мс | минута: проход, мс | минута: всего, мс | изменено |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

pub async fn run(options: &BenchOptions) -> Result<Vec<BenchResult>, String> {
    let mut results = Vec::new();
    for &apartments in &options.sizes {
        let result = bench_one(options, apartments).await?;
        println!("{}", result.table_row());
        results.push(result);
    }
    Ok(results)
}

async fn bench_one(options: &BenchOptions, apartments: u32) -> Result<BenchResult, String> {
    let events = apartments.saturating_mul(options.events_per_apartment);
    let name = format!("nedv_bench_{apartments}");
    let (admin, connection) = options
        .admin
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("connect to the maintenance database: {error}"))?;
    tokio::spawn(connection);
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .batch_execute(&statement)
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    let mut config = options.admin.clone();
    config.dbname(&name);
    db::migrate(&config)
        .await
        .map_err(|error| error.to_string())?;
    let pool = db::create_pool(config, 2);
    let mut client = pool.get().await.map_err(|error| error.to_string())?;

    // Simulated time runs ten minutes behind the clock so that the minutes we add are never "in the future".
    let base = Utc::now().duration_trunc(TimeDelta::minutes(1)).unwrap() - TimeDelta::minutes(10);
    eprintln!("[{apartments}] building the catalog: {apartments} apartments, {events} events…");
    let started = Instant::now();
    build_catalog(&client, apartments, events, base).await?;
    let catalog_build = started.elapsed();

    let settings = PricingSettings::default();
    let at = |minute: i64| -> CycleRequest {
        CycleRequest {
            now: Some(base + TimeDelta::minutes(minute)),
            ..CycleRequest::new(Trigger::Cli)
        }
    };
    eprintln!("[{apartments}] first cycle (full rebuild of the 24 h aggregates, many changes)…");
    let first = run_cycle(&mut client, &settings, &at(0))
        .await
        .map_err(|error| db::describe_error(&error))?;
    settle_after_mass_reprice(&client, apartments).await?;
    let events_per_minute = (events / 1440).max(1);
    let mut steady = Vec::new();
    for minute in 1..=i64::from(options.steady_cycles) {
        add_minute_of_events(&client, apartments, events_per_minute, base, minute).await?;
        let report = run_cycle(&mut client, &settings, &at(minute))
            .await
            .map_err(|error| db::describe_error(&error))?;
        eprintln!("[{apartments}] minute {minute}: {}", report.summary_line());
        steady.push(report);
    }
    drop(client);
    drop(pool);
    if !options.keep_databases {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    Ok(BenchResult {
        apartments,
        events,
        catalog_build,
        first,
        steady,
    })
}

/// Fills an empty, migrated database with the synthetic catalog of `bench_catalog.sql`: `apartments` apartments
/// and `events` interest events over the 24 h before `now`.
pub async fn build_catalog(
    client: &tokio_postgres::Client,
    apartments: u32,
    events: u32,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let script = include_str!("bench_catalog.sql")
        .replace("{apartments}", &apartments.to_string())
        .replace("{events}", &events.to_string())
        .replace("{now}", &format!("'{}'", now.to_rfc3339()));
    client
        .batch_execute(&script)
        .await
        .map_err(|error| db::describe_error(&error))
}

/// The first pass leaves one dead row version per changed price in `apartments` and `apartment_stats` (~580 k at
/// 1 M apartments). In service autovacuum removes them within a minute or two (`apartment_stats` is vacuumed at
/// 2 % dead rows, V8); the benchmark does the same deterministically, so that "steady" means steady. Until then
/// every full read of `apartment_stats` also reads the dead versions (~2.2 s instead of ~1.5 s per minute at 1 M).
pub async fn settle_after_mass_reprice(
    client: &deadpool_postgres::Object,
    label: impl std::fmt::Display,
) -> Result<(), String> {
    let started = Instant::now();
    client
        .batch_execute("VACUUM (ANALYZE) apartments, apartment_stats, price_history")
        .await
        .map_err(|error| db::describe_error(&error))?;
    eprintln!(
        "[{label}] VACUUM after the mass re-price (what autovacuum does next): {} ms",
        started.elapsed().as_millis()
    );
    Ok(())
}

async fn add_minute_of_events(
    client: &deadpool_postgres::Object,
    apartments: u32,
    count: u32,
    base: DateTime<Utc>,
    minute: i64,
) -> Result<(), String> {
    let minute_start = base + TimeDelta::minutes(minute - 1);
    let apartments = i64::from(apartments);
    let count = i64::from(count);
    client
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at)
             SELECT 1 + ((floor(power(random(), 2.5) * $1::bigint)::bigint * 7919) % $1::bigint), 'view',
                    $3::timestamptz + random() * interval '1 minute'
             FROM generate_series(1, $2::bigint)",
            &[&apartments, &count, &minute_start],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    Ok(())
}
