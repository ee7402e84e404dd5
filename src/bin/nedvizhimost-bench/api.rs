//! `nedvizhimost-bench api`: the synthetic catalog spread over 15 cities in a scratch database, the real router
//! on loopback, and throughput and latency of typical public requests from a closed-loop HTTP client
//! (`concurrency` requests in flight, for `seconds` per scenario).

mod scenarios;
mod wrk;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use nedvizhimost::auth::AuthKeys;
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{
    AuthSettings, CatalogSettings, PricingSettings, Secret, SignalSettings,
};
use nedvizhimost::{app_with_catalog, db, AppState};

use crate::loopback_server::LoopbackServer;
use crate::synthetic_catalog::{CatalogSpec, Geography, ScratchDatabase};
use scenarios::{scenarios, Scenario, WARM_UP_PATHS};

pub struct BenchApiOptions {
    pub apartments: u32,
    pub seconds: u64,
    pub concurrency: usize,
    pub pool_size: usize,
    /// Connection to a maintenance database; the benchmark database is created next to it.
    pub admin: tokio_postgres::Config,
    pub keep_database: bool,
    /// Reuse an existing benchmark database of the same size instead of building it again.
    pub reuse: bool,
    /// Who sends the requests.
    pub client: LoadClient,
    /// Numbers (from 1) of the scenarios to run; empty — all.
    pub scenarios: Vec<usize>,
    /// Active promotions on the projects of 30 % of the catalog (issue 16: 2 000).
    pub promotions: u32,
}

/// The load generator of `nedvizhimost-bench api`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadClient {
    /// reqwest inside this process: nothing to install, but on a 2-core machine it takes CPU from the server.
    Builtin,
    /// `wrk` (Debian package `wrk`) in its own process: a lean C client, as a load test on loopback usually runs.
    Wrk,
}

pub struct ScenarioResult {
    pub name: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub throughput: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Share of the scenario's `total` lookups (searches) or map answers taken from the service's memory.
    pub cache_hits: Option<f64>,
}

pub const TABLE_HEADER: &str = "| сценарий | запросов | ошибок | запросов/с | p50, мс | p99, мс | из памяти |\n|---|---:|---:|---:|---:|---:|---:|";

impl ScenarioResult {
    pub fn table_row(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {} |",
            self.name,
            self.requests,
            self.errors,
            self.throughput,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.cache_hits
                .map_or("—".to_owned(), |share| format!("{:.0} %", share * 100.0))
        )
    }
}

pub async fn run(options: &BenchApiOptions) -> Result<Vec<ScenarioResult>, String> {
    let scenario_count = scenarios(1).len();
    if let Some(unknown) = options
        .scenarios
        .iter()
        .find(|number| !(1..=scenario_count).contains(*number))
    {
        return Err(format!(
            "--scenarios: no scenario {unknown} (there are {scenario_count})"
        ));
    }
    let spec = CatalogSpec {
        apartments: options.apartments,
        events: options.apartments,
        now: Utc::now(),
        geography: Geography::FifteenCities,
    };
    let name = format!("catalog_bench_api_{}", options.apartments);
    let database = ScratchDatabase::prepare(&options.admin, &name, &spec, options.reuse).await?;
    let pool = db::create_pool(database.config().clone(), options.pool_size);
    // What the pricing job (not running here) does every minute: apartment_stats counters (the first time a full
    // rebuild, which also leaves its pages not all-visible, as the minute-by-minute counter updates do in
    // production) and the cluster_demand summary the map reads.
    eprintln!("[{name}] refresh_demand_aggregates()…");
    refresh_aggregates(&pool).await?;
    eprintln!(
        "[{name}] {} active promotions on 30 % of projects…",
        options.promotions
    );
    seed_promotions(&pool, options.promotions).await?;
    let projects: i64 = pool
        .get()
        .await
        .map_err(|error| error.to_string())?
        .query_one("SELECT count(*) FROM projects", &[])
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);

    let state = AppState::new(
        pool.clone(),
        PricingSettings::default(),
        AuthKeys::new(
            &Secret::new("bench-api-secret-not-for-production-0123456789"),
            AuthSettings::default(),
        ),
        SignalSettings::default(),
    );
    let catalog = CatalogCache::new(CatalogSettings::default());
    let server = LoopbackServer::start(app_with_catalog(state, catalog.clone())).await?;
    let address = server.address;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency)
        .build()
        .map_err(|error| error.to_string())?;
    let mut results = Vec::new();
    for (number, scenario) in scenarios(projects).into_iter().enumerate() {
        if !options.scenarios.is_empty() && !options.scenarios.contains(&(number + 1)) {
            continue;
        }
        if scenario.refresh_summary {
            // The map reads cluster_demand while it is fresh; the pricing job (not here) refreshes it every minute.
            refresh_aggregates(&pool).await?;
        }
        for path in scenario.paths.iter().take(WARM_UP_PATHS) {
            let response = client
                .get(format!("http://{address}{path}"))
                .send()
                .await
                .map_err(|error| error.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{path}: HTTP {}", response.status()));
            }
        }
        let totals_before = catalog.hits_and_misses();
        let maps_before = catalog.map_hits_and_misses();
        let mut result = match options.client {
            LoadClient::Builtin => {
                measure_with_builtin_client(&client, address, &scenario, options).await
            }
            LoadClient::Wrk => wrk::measure(address, &scenario, options)?,
        };
        let share = |(hits, misses): (u64, u64), before: (u64, u64)| {
            let lookups = (hits - before.0) + (misses - before.1);
            (lookups > 0).then(|| (hits - before.0) as f64 / lookups as f64)
        };
        result.cache_hits = share(catalog.hits_and_misses(), totals_before)
            .or_else(|| share(catalog.map_hits_and_misses(), maps_before));
        println!("{}", result.table_row());
        results.push(result);
    }
    server.stop().await;
    pool.close();
    drop(pool);
    database.finish(options.keep_database).await?;
    Ok(results)
}

/// Exactly `count` active promotions of the bench (a `--reuse` run replaces the previous ones), each on one project of
/// the 30 % of projects with `id % 10 < 3`: percent or fixed, some stacking; then the discounts in the search copy,
/// as the promotions job leaves them.
async fn seed_promotions(pool: &deadpool_postgres::Pool, count: u32) -> Result<(), String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    let count = i32::try_from(count).map_err(|_| "--promotions: too many".to_owned())?;
    client
        .batch_execute(
            "UPDATE promotions SET status = 'ended' WHERE name LIKE 'Бенчмарк %' AND status = 'approved'",
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    client
        .execute(
            "WITH chosen AS (
                 SELECT id, developer_id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total
                   FROM projects WHERE id % 10 < 3
             )
             INSERT INTO promotions (developer_id, name, kind, discount_percent, discount_amount, stacks, status,
                                     starts_at, ends_at, conditions)
             SELECT c.developer_id, 'Бенчмарк ' || g,
                    CASE WHEN g % 2 = 0 THEN 'percent' ELSE 'fixed' END::promotion_kind,
                    CASE WHEN g % 2 = 0 THEN 1 + g % 7 END,
                    CASE WHEN g % 2 = 1 THEN 100000 + (g % 5) * 50000 END,
                    g % 3 = 0, 'approved', now() - interval '1 day', now() + interval '30 days',
                    jsonb_build_object('project_ids', jsonb_build_array(c.id))
                      || CASE WHEN g % 4 = 1 THEN '{\"rooms\": [0, 1]}'::jsonb ELSE '{}'::jsonb END
               FROM generate_series(0, $1 - 1) g
               JOIN chosen c ON c.n = g % c.total",
            &[&count],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    let defaults = nedvizhimost::config::PromotionSettings::default();
    client
        .execute(
            "SELECT * FROM refresh_promotion_discounts(now(), $1, $2, true)",
            &[
                &defaults.max_total_discount_percent,
                &defaults.floor_share_of_base_price_percent,
            ],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    for table in ["promotions", "catalog_offers"] {
        client
            .batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    Ok(())
}

/// What the pricing job does every minute, then what autovacuum does soon after: every refresh of the
/// `cluster_demand` materialized view leaves its old rows dead, and autovacuum is off on the CI server, so without
/// the VACUUM each `--reuse` run would read a summary more bloated than the last.
pub(crate) async fn refresh_aggregates(pool: &deadpool_postgres::Pool) -> Result<(), String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    for statement in [
        "SELECT refresh_demand_aggregates()",
        "SELECT sync_apartment_popularity()",
        "VACUUM (ANALYZE) cluster_demand, apartment_popularity",
    ] {
        client
            .batch_execute(statement)
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    Ok(())
}

async fn measure_with_builtin_client(
    client: &reqwest::Client,
    address: SocketAddr,
    scenario: &Scenario,
    options: &BenchApiOptions,
) -> ScenarioResult {
    let paths = Arc::new(scenario.paths.clone());
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let concurrency = options.concurrency;
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let client = client.clone();
            let paths = Arc::clone(&paths);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut next = worker;
                while Instant::now() < deadline {
                    let url = format!("http://{address}{}", paths[next % paths.len()]);
                    // Workers stride by the concurrency: no two of them walk the same sequence of paths.
                    next += concurrency;
                    let sent = Instant::now();
                    let ok = match client.get(url).send().await {
                        Ok(response) => {
                            let success = response.status().is_success();
                            success && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    latencies.push(sent.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((worker_latencies, worker_errors)) = worker.await {
            latencies.extend(worker_latencies);
            errors += worker_errors;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    ScenarioResult {
        name: scenario.name,
        requests: latencies.len(),
        errors,
        throughput: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(0.50),
        p99: percentile(0.99),
        cache_hits: None,
    }
}
