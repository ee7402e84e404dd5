//! `nedvizhimost-bench pricing`: times the minute cycle on synthetic catalogs, each in a scratch database.
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use nedvizhimost::config::PricingSettings;
use nedvizhimost::db;
use nedvizhimost::pricing::{run_cycle, CycleReport, CycleRequest, Trigger};

use crate::synthetic_catalog::{
    settle_after_mass_reprice, simulated_now, CatalogSpec, Geography, ScratchDatabase,
};

pub struct PricingBenchOptions {
    pub sizes: Vec<u32>,
    pub events_per_apartment: u32,
    pub steady_cycles: u32,
    pub pricing: PricingSettings,
    /// Connection to a maintenance database; benchmark databases are created next to it.
    pub admin: tokio_postgres::Config,
    pub keep_databases: bool,
}

#[derive(Debug)]
pub struct BenchResult {
    pub apartments: u32,
    pub events: u32,
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

pub async fn run(options: &PricingBenchOptions) -> Result<Vec<BenchResult>, String> {
    let mut results = Vec::new();
    for &apartments in &options.sizes {
        let result = bench_one(options, apartments).await?;
        println!("{}", result.table_row());
        results.push(result);
    }
    Ok(results)
}

async fn bench_one(options: &PricingBenchOptions, apartments: u32) -> Result<BenchResult, String> {
    let events = apartments.saturating_mul(options.events_per_apartment);
    let base = simulated_now();
    let spec = CatalogSpec {
        apartments,
        events,
        now: base,
        geography: Geography::Moscow,
    };
    let name = format!("nedv_bench_{apartments}");
    let database = ScratchDatabase::prepare(&options.admin, &name, &spec, false).await?;
    let pool = db::create_pool(database.config().clone(), options.pricing.workers + 1);
    let mut client = pool.get().await.map_err(|error| error.to_string())?;

    let settings = options.pricing.clone();
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
    database.finish(options.keep_databases).await?;
    Ok(BenchResult {
        apartments,
        events,
        first,
        steady,
    })
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
