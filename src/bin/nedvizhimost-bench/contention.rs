//! `nedvizhimost-bench contention`: the first pricing pass of a large catalog while buyers book and developers
//! edit single apartments. Prints, per run, the pass time, the deadlocks (must be 0) and how long the single
//! writes waited (p50 / p99 / max). Every run starts from the same catalog: a copy of one prepared database.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nedvizhimost::config::PricingSettings;
use nedvizhimost::db;
use nedvizhimost::pricing::{run_cycle, CycleReport, CycleRequest, Trigger};
use rand::Rng;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use crate::synthetic_catalog::{simulated_now, CatalogSpec, Geography, ScratchDatabase};

pub struct ContentionBenchOptions {
    pub apartments: u32,
    pub events_per_apartment: u32,
    pub runs: u32,
    /// Clients writing single apartments during the pass.
    pub writers: usize,
    /// Each client writes once per this interval.
    pub write_interval: Duration,
    pub pricing: PricingSettings,
    pub admin: tokio_postgres::Config,
    pub keep_database: bool,
    pub reuse_database: bool,
}

pub const TABLE_HEADER: &str = "| прогон | проход, мс | агрегаты, мс | изменено | пачек | самая долгая пачка, мс | записей | ожидание p50, мс | p99, мс | max, мс | > 1 с | взаимоблокировок |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

struct RunResult {
    report: CycleReport,
    longest_batch_ms: i32,
    waits: Vec<Duration>,
    deadlocks: u32,
    other_errors: Vec<String>,
}

impl RunResult {
    fn percentile(&self, fraction: f64) -> Duration {
        let mut waits = self.waits.clone();
        waits.sort();
        let index = ((waits.len() as f64 - 1.0) * fraction).round() as usize;
        waits.get(index).copied().unwrap_or_default()
    }

    fn table_row(&self, run: u32) -> String {
        format!(
            "| {run} | {pass} | {aggregates} | {changed} | {batches} | {longest} | {writes} | {p50:.1} | {p99:.1} | {max:.1} | {over_second} | {deadlocks} |",
            pass = self.report.pass_took.as_millis(),
            aggregates = self.report.aggregates_took.as_millis(),
            changed = self.report.changes.len(),
            batches = self.report.batches,
            longest = self.longest_batch_ms,
            writes = self.waits.len(),
            p50 = milliseconds(self.percentile(0.5)),
            p99 = milliseconds(self.percentile(0.99)),
            max = milliseconds(self.percentile(1.0)),
            over_second = self.waits.iter().filter(|wait| **wait > Duration::from_secs(1)).count(),
            deadlocks = self.deadlocks,
        )
    }
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub async fn run(options: &ContentionBenchOptions) -> Result<(), String> {
    let prepared = prepare_catalog(options).await?;
    println!("{TABLE_HEADER}");
    let mut results = Vec::new();
    for run in 1..=options.runs {
        let result = run_once(options, &prepared, run).await?;
        println!("{}", result.table_row(run));
        for error in &result.other_errors {
            eprintln!("[run {run}] write failed: {error}");
        }
        results.push(result);
    }
    print_summary(&results);
    prepared.database.finish(options.keep_database).await
}

struct PreparedCatalog {
    database: ScratchDatabase,
    name: String,
    now: chrono::DateTime<chrono::Utc>,
}

/// Builds the catalog once, folds its 24 h aggregates (the bootstrap rebuild is not the minute being measured)
/// and leaves it without connections, to be copied for every run.
async fn prepare_catalog(options: &ContentionBenchOptions) -> Result<PreparedCatalog, String> {
    let now = simulated_now();
    let spec = CatalogSpec {
        apartments: options.apartments,
        events: options
            .apartments
            .saturating_mul(options.events_per_apartment),
        now,
        geography: Geography::Moscow,
    };
    let name = format!("nedv_bench_contention_{}", options.apartments);
    let database =
        ScratchDatabase::prepare(&options.admin, &name, &spec, options.reuse_database).await?;
    let (client, connection) = database
        .config()
        .connect(NoTls)
        .await
        .map_err(|error| db::describe_error(&error))?;
    let connection = tokio::spawn(connection);
    let started = Instant::now();
    client
        .execute(
            "SELECT refresh_demand_aggregates($1::timestamptz - interval '1 minute')",
            &[&now],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    client
        .batch_execute("VACUUM ANALYZE")
        .await
        .map_err(|error| db::describe_error(&error))?;
    eprintln!(
        "[{name}] aggregates folded and vacuumed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(client);
    let _ = connection.await;
    Ok(PreparedCatalog {
        database,
        name,
        now,
    })
}

async fn run_once(
    options: &ContentionBenchOptions,
    prepared: &PreparedCatalog,
    run: u32,
) -> Result<RunResult, String> {
    let copy = format!("{}_run", prepared.name);
    let admin = connect(&options.admin).await?;
    let started = Instant::now();
    execute(
        &admin,
        &format!("DROP DATABASE IF EXISTS {copy} WITH (FORCE)"),
    )
    .await?;
    execute(
        &admin,
        &format!(
            "CREATE DATABASE {copy} TEMPLATE {} STRATEGY FILE_COPY",
            prepared.name
        ),
    )
    .await?;
    eprintln!(
        "[run {run}] copy of the catalog in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut config = prepared.database.config().clone();
    config.dbname(&copy);
    let pool = db::create_pool(config, options.pricing.workers + options.writers + 1);

    let on_sale: Vec<i64> = pool
        .get()
        .await
        .map_err(|error| error.to_string())?
        .query(
            "SELECT apartment_id FROM apartment_stats WHERE on_sale",
            &[],
        )
        .await
        .map_err(|error| db::describe_error(&error))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let on_sale = Arc::new(on_sale);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..options.writers)
        .map(|writer| {
            tokio::spawn(write_single_apartments(
                pool.clone(),
                Arc::clone(&on_sale),
                Arc::clone(&stop),
                writer,
                options.write_interval,
            ))
        })
        .collect();

    tokio::time::sleep(options.write_interval * 2).await;
    let mut coordinator = pool.get().await.map_err(|error| error.to_string())?;
    let pass_started = Instant::now();
    let pass = run_cycle(
        &mut coordinator,
        &options.pricing,
        &CycleRequest {
            now: Some(prepared.now),
            ..CycleRequest::new(Trigger::Cli)
        },
    )
    .await;
    let pass_window = pass_started..Instant::now();
    tokio::time::sleep(options.write_interval * 2).await;
    stop.store(true, Ordering::Relaxed);

    let mut result = RunResult {
        report: CycleReport::default(),
        longest_batch_ms: 0,
        waits: Vec::new(),
        deadlocks: 0,
        other_errors: Vec::new(),
    };
    for writer in writers {
        let outcome = writer.await.map_err(|error| error.to_string())?;
        result.deadlocks += outcome.deadlocks;
        result.other_errors.extend(outcome.errors);
        result.waits.extend(
            outcome
                .writes
                .into_iter()
                .filter(|(started, _)| pass_window.contains(started))
                .map(|(_, waited)| waited),
        );
    }
    match pass {
        Ok(report) => result.report = report,
        Err(error) if error.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED) => {
            result.deadlocks += 1;
            eprintln!(
                "[run {run}] the pass was a deadlock victim: {}",
                db::describe_error(&error)
            );
        }
        Err(error) => return Err(format!("the pass failed: {}", db::describe_error(&error))),
    }
    if let Some(run_id) = result.report.run_id {
        result.longest_batch_ms = coordinator
            .query_one(
                "SELECT coalesce(max(took_ms), 0) FROM pricing_run_batches WHERE run_id = $1",
                &[&run_id],
            )
            .await
            .map_err(|error| db::describe_error(&error))?
            .get(0);
    }
    drop(coordinator);
    pool.close();
    execute(
        &admin,
        &format!("DROP DATABASE IF EXISTS {copy} WITH (FORCE)"),
    )
    .await?;
    Ok(result)
}

#[derive(Default)]
struct WriterOutcome {
    /// When each write started and how long it took.
    writes: Vec<(Instant, Duration)>,
    deadlocks: u32,
    errors: Vec<String>,
}

/// Every `interval`, one write of one random apartment on sale in its own transaction: a booking (status) or a
/// developer's edit (base price), the two kinds of single-row writers the pass meets.
async fn write_single_apartments(
    pool: deadpool_postgres::Pool,
    on_sale: Arc<Vec<i64>>,
    stop: Arc<AtomicBool>,
    writer: usize,
    interval: Duration,
) -> WriterOutcome {
    let mut outcome = WriterOutcome::default();
    let Ok(client) = pool.get().await else {
        outcome.errors.push("no connection".into());
        return outcome;
    };
    let mut ticker = tokio::time::interval(interval);
    let mut write = 0usize;
    while !stop.load(Ordering::Relaxed) {
        ticker.tick().await;
        let apartment = on_sale[rand::rng().random_range(0..on_sale.len())];
        let statement = if (writer + write).is_multiple_of(2) {
            "UPDATE apartments SET status = 'booked' WHERE id = $1 AND status = 'available'"
        } else {
            "UPDATE apartments SET base_price = base_price + 1 WHERE id = $1"
        };
        write += 1;
        let started = Instant::now();
        match client.execute(statement, &[&apartment]).await {
            Ok(_) => outcome.writes.push((started, started.elapsed())),
            Err(error) if error.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED) => {
                outcome.deadlocks += 1
            }
            Err(error) => outcome.errors.push(db::describe_error(&error)),
        }
    }
    outcome
}

fn print_summary(results: &[RunResult]) {
    let mut passes: Vec<u128> = results
        .iter()
        .map(|result| result.report.pass_took.as_millis())
        .collect();
    passes.sort();
    let worst_p99 = results
        .iter()
        .map(|result| milliseconds(result.percentile(0.99)))
        .fold(0.0, f64::max);
    let worst_max = results
        .iter()
        .map(|result| milliseconds(result.percentile(1.0)))
        .fold(0.0, f64::max);
    println!(
        "\nruns: {runs}; deadlocks: {deadlocks}; pass median {median} ms (max {slowest} ms); single writes during \
         the pass: worst p99 {worst_p99:.1} ms, worst max {worst_max:.1} ms",
        runs = results.len(),
        deadlocks = results.iter().map(|result| result.deadlocks).sum::<u32>(),
        median = passes.get(passes.len() / 2).copied().unwrap_or_default(),
        slowest = passes.last().copied().unwrap_or_default(),
    );
}

async fn connect(config: &tokio_postgres::Config) -> Result<tokio_postgres::Client, String> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|error| db::describe_error(&error))?;
    tokio::spawn(connection);
    Ok(client)
}

async fn execute(client: &tokio_postgres::Client, statement: &str) -> Result<(), String> {
    client
        .batch_execute(statement)
        .await
        .map_err(|error| db::describe_error(&error))
}
