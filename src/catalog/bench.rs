//! `bench-api`: builds a synthetic catalog (the `bench-pricing` one, spread over 15 cities) in a scratch database,
//! serves the real router on loopback and measures throughput and latency of typical public requests with a
//! closed-loop HTTP client (`concurrency` requests in flight, for `seconds` per scenario).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::auth::AuthKeys;
use crate::catalog::CatalogCache;
use crate::config::{AuthSettings, CatalogSettings, PricingSettings, Secret, SignalSettings};
use crate::{app_with_catalog, db, AppState};

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
}

/// The load generator of `bench-api`.
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

struct Scenario {
    name: &'static str,
    paths: Vec<String>,
    /// Refresh `cluster_demand` (what the pricing cycle does every minute) before the scenario.
    refresh_summary: bool,
}

/// Warm-up: every path of a scenario once (at most this many), so the first plans, pages and totals do not
/// count; the scenarios with a new filter set or window per request warm up only their first paths.
const WARM_UP_PATHS: usize = 200;

fn scenarios(projects: i64) -> Vec<Scenario> {
    let cities = [
        "RU-MOW", "RU-SPE", "RU-NVS", "RU-SVE", "RU-TA", "RU-KDA", "RU-SAM", "RU-PER",
    ];
    let rooms = ["1,2", "0,1", "2,3", "1"];
    let brackets = [
        (6_000_000, 9_000_000),
        (8_000_000, 11_000_000),
        (9_000_000, 12_000_000),
        (10_000_000, 15_000_000),
        (12_000_000, 18_000_000),
        (15_000_000, 25_000_000),
    ];
    // 8 regions × 6 price brackets × 4 room sets = 192 filter sets, interleaved so that neighbours differ.
    let mut search = Vec::new();
    for (min, max) in brackets {
        for room_set in rooms {
            for region in cities {
                search.push(format!(
                    "/apartments?region={region}&rooms={room_set}&price_min={min}&price_max={max}&sort=price&limit=20"
                ));
            }
        }
    }
    // Every request with its own price bounds: every total is counted (a cache miss), Moscow every 8th.
    let search_uncached = (0..40_000)
        .map(|index: usize| {
            let region = cities[index % cities.len()];
            let room_set = rooms[(index / cities.len()) % rooms.len()];
            let min = 9_000_000 + index;
            format!(
                "/apartments?region={region}&rooms={room_set}&price_min={min}&price_max=12000000&sort=price&limit=20"
            )
        })
        .collect();
    let project_search = (0..50)
        .map(|index| {
            format!(
                "/apartments?project_id={}&rooms=1,2&sort=price&limit=20",
                1 + (index * 7919) % projects
            )
        })
        .collect();
    let cards = (0..200)
        .map(|index| format!("/projects/{}", 1 + (index * 7919) % projects))
        .collect();
    let map_city = vec![
        "/map/projects?bbox=37.2,55.5,38.0,56.0&zoom=10".to_owned(),
        "/map/projects?bbox=30.0,59.8,30.6,60.1&zoom=10".to_owned(),
        "/map/projects?bbox=49.0,55.7,49.3,55.9&zoom=11".to_owned(),
    ];
    let map_country = vec!["/map/projects?bbox=19.6,41.1,180,82&zoom=3".to_owned()];
    // The same window shifted by a hair each time: the summary is read, the memory of answers never helps.
    let map_country_moving = (0..40_000)
        .map(|index| {
            format!(
                "/map/projects?bbox={:.5},41.1,180,82&zoom=3",
                19.6 + index as f64 * 0.00001
            )
        })
        .collect();
    let map_country_priced =
        vec!["/map/projects?bbox=19.6,41.1,180,82&zoom=3&price_max=12000000".to_owned()];
    vec![
        Scenario {
            name: "поиск: регион + комнатность + цена, сортировка по цене (192 набора фильтров: 8 регионов вкл. Москву × 6 диапазонов цены × 4 набора комнатности)",
            paths: search,
            refresh_summary: false,
        },
        Scenario {
            name: "поиск: то же, у каждого запроса свои границы цены (total каждый раз считается)",
            paths: search_uncached,
            refresh_summary: false,
        },
        Scenario {
            name: "поиск внутри ЖК: комнатность, сортировка по цене",
            paths: project_search,
            refresh_summary: false,
        },
        Scenario {
            name: "карточка ЖК",
            paths: cards,
            refresh_summary: false,
        },
        Scenario {
            name: "карта города (zoom 10–11)",
            paths: map_city,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России (zoom 3, весь каталог в окне)",
            paths: map_country,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России, у каждого запроса своё окно (сводка без памяти ответов)",
            paths: map_country_moving,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России с фильтром цены (точный путь, без сводки)",
            paths: map_country_priced,
            refresh_summary: true,
        },
    ]
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
    let name = format!("catalog_bench_api_{}", options.apartments);
    let (admin, connection) = options
        .admin
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("connect to the maintenance database: {error}"))?;
    tokio::spawn(connection);
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(|error| db::describe_error(&error))?
        .is_some();
    let mut config = options.admin.clone();
    config.dbname(&name);
    if !(options.reuse && exists) {
        build_catalog(&admin, &config, &name, options.apartments).await?;
    }
    let pool = db::create_pool(config, options.pool_size);
    // What the pricing scheduler (off here) does every minute: apartment_stats counters (the first time a full
    // rebuild, which also leaves its pages not all-visible, as the minute-by-minute counter updates do in
    // production) and the cluster_demand summary the map reads.
    eprintln!("[bench-api] refresh_demand_aggregates()…");
    refresh_aggregates(&pool).await?;
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
        PricingSettings {
            scheduler_enabled: false,
            ..PricingSettings::default()
        },
        AuthKeys::new(
            &Secret::new("bench-api-secret-not-for-production-0123456789"),
            AuthSettings::default(),
        ),
        SignalSettings::default(),
    );
    let catalog = CatalogCache::new(CatalogSettings::default());
    let served_catalog = catalog.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app_with_catalog(state, served_catalog)
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

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
            // The map reads cluster_demand while it is fresh; the scheduler (off here) refreshes it every minute.
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
            LoadClient::Builtin => measure(&client, address, &scenario, options).await,
            LoadClient::Wrk => measure_with_wrk(address, &scenario, options)?,
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
    // The server task holds pool connections: wait until it is gone before the database is dropped.
    server.abort();
    let _ = server.await;
    pool.close();
    drop(pool);
    if !options.keep_database {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    Ok(results)
}

/// What the scheduler does every minute, then what autovacuum does soon after: every refresh of the
/// `cluster_demand` materialized view leaves its old rows dead, and autovacuum is off on the CI server, so without
/// the VACUUM each `--reuse` run would read a summary more bloated than the last.
async fn refresh_aggregates(pool: &deadpool_postgres::Pool) -> Result<(), String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    for statement in [
        "SELECT refresh_demand_aggregates()",
        "VACUUM (ANALYZE) cluster_demand",
    ] {
        client
            .batch_execute(statement)
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    Ok(())
}

async fn build_catalog(
    admin: &tokio_postgres::Client,
    config: &tokio_postgres::Config,
    name: &str,
    apartments: u32,
) -> Result<(), String> {
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .batch_execute(&statement)
            .await
            .map_err(|error| db::describe_error(&error))?;
    }
    db::migrate(config)
        .await
        .map_err(|error| error.to_string())?;
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(connection);
    eprintln!("[bench-api] building the catalog: {apartments} apartments…");
    let started = Instant::now();
    crate::pricing::bench::build_catalog(&client, apartments, apartments, Utc::now()).await?;
    client
        .batch_execute(include_str!("bench_cities.sql"))
        .await
        .map_err(|error| db::describe_error(&error))?;
    client
        .batch_execute("VACUUM ANALYZE")
        .await
        .map_err(|error| db::describe_error(&error))?;
    eprintln!(
        "[bench-api] catalog built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn measure(
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

/// Runs `wrk` against the served router: one thread, `concurrency` connections, the scenario's paths in turn
/// (a Lua script per scenario), and reads its summary (`--latency` percentiles).
fn measure_with_wrk(
    address: SocketAddr,
    scenario: &Scenario,
    options: &BenchApiOptions,
) -> Result<ScenarioResult, String> {
    let script_path = std::env::temp_dir().join(format!("bench-api-{}.lua", std::process::id()));
    std::fs::write(&script_path, wrk_script(&scenario.paths))
        .map_err(|error| format!("{}: {error}", script_path.display()))?;
    let output = std::process::Command::new("wrk")
        .args(["--threads", "1", "--latency"])
        .arg(format!("--connections={}", options.concurrency))
        .arg(format!("--duration={}s", options.seconds))
        .arg(format!("--script={}", script_path.display()))
        .arg(format!("http://{address}"))
        .output()
        .map_err(|error| format!("wrk (apt-get install wrk): {error}"))?;
    let _ = std::fs::remove_file(&script_path);
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}{report}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk_report(scenario.name, &report)
}

/// The scenario's paths as a wrk Lua script: every request takes the next path, round robin.
fn wrk_script(paths: &[String]) -> String {
    let quoted: Vec<String> = paths.iter().map(|path| lua_string(path)).collect();
    format!(
        "local paths = {{{}}}\nlocal next_path = 0\nrequest = function()\n  next_path = next_path % #paths + 1\n  return wrk.format(\"GET\", paths[next_path])\nend\n",
        quoted.join(",\n")
    )
}

/// A Lua string literal: quotes, backslashes and every byte outside printable ASCII as decimal escapes.
fn lua_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for byte in text.bytes() {
        match byte {
            b'"' | b'\\' => literal.push_str(&format!("\\{}", byte as char)),
            0x20..=0x7e => literal.push(byte as char),
            _ => literal.push_str(&format!("\\{byte:03}")),
        }
    }
    literal.push('"');
    literal
}

fn parse_wrk_report(name: &'static str, report: &str) -> Result<ScenarioResult, String> {
    let unreadable = || format!("unexpected wrk output:\n{report}");
    let line_starting = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with(prefix))
    };
    let percentile = |label: &str| -> Result<Duration, String> {
        let value = line_starting(label)
            .and_then(|line| line.split_whitespace().nth(1))
            .ok_or_else(unreadable)?;
        parse_wrk_duration(value).ok_or_else(unreadable)
    };
    let requests = report
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|count| count.parse::<usize>().ok())
        .ok_or_else(unreadable)?;
    let throughput = line_starting("Requests/sec:")
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse::<f64>().ok())
        .ok_or_else(unreadable)?;
    let count_after = |prefix: &str| -> usize {
        line_starting(prefix)
            .map(|line| {
                line[prefix.len()..]
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|number| number.parse::<usize>().ok())
                    .sum()
            })
            .unwrap_or(0)
    };
    Ok(ScenarioResult {
        name,
        requests,
        errors: count_after("Non-2xx or 3xx responses:") + count_after("Socket errors:"),
        throughput,
        p50: percentile("50%")?,
        p99: percentile("99%")?,
        cache_hits: None,
    })
}

/// `812.00us`, `1.53ms`, `2.01s`, `1.50m`, `1.00h` → a duration.
fn parse_wrk_duration(value: &str) -> Option<Duration> {
    let (number, seconds_per_unit) = if let Some(number) = value.strip_suffix('h') {
        (number, 3600.0)
    } else if let Some(number) = value.strip_suffix("us") {
        (number, 1e-6)
    } else if let Some(number) = value.strip_suffix("ms") {
        (number, 1e-3)
    } else if let Some(number) = value.strip_suffix('m') {
        (number, 60.0)
    } else {
        (value.strip_suffix('s')?, 1.0)
    };
    Some(Duration::from_secs_f64(
        number.parse::<f64>().ok()? * seconds_per_unit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_REPORT: &str = "Running 15s test @ http://127.0.0.1:40000
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.38ms    9.12ms 120.30ms   70.12%
    Req/Sec     1.51k   120.00     1.80k    75.00%
  Latency Distribution
     50%   19.80ms
     75%   25.10ms
     90%   32.00ms
     99%   48.70ms
  22650 requests in 15.01s, 180.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1509.00
Transfer/sec:     12.00MB
";

    #[test]
    fn a_wrk_summary_gives_throughput_percentiles_and_errors() {
        let result = parse_wrk_report("поиск", WRK_REPORT).unwrap();
        assert_eq!(result.requests, 22_650);
        assert_eq!(result.errors, 7);
        assert!((result.throughput - 1509.0).abs() < 1e-9);
        assert_eq!(result.p50, Duration::from_micros(19_800));
        assert_eq!(result.p99, Duration::from_micros(48_700));
    }

    #[test]
    fn wrk_durations_in_every_unit() {
        assert_eq!(
            parse_wrk_duration("812.00us"),
            Some(Duration::from_micros(812))
        );
        assert_eq!(parse_wrk_duration("2.00s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_wrk_duration("1.50m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_wrk_duration("1.00h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_wrk_duration("fast"), None);
    }

    #[test]
    fn the_wrk_script_walks_every_path_in_turn() {
        let script = wrk_script(&["/a?x=1".to_owned(), "/b".to_owned()]);
        assert!(script.contains("\"/a?x=1\",\n\"/b\""));
        assert!(script.contains("next_path % #paths + 1"));
        assert_eq!(
            lua_string("/a?q=\"ЖК\"\\"),
            "\"/a?q=\\\"\\208\\150\\208\\154\\\"\\\\\""
        );
    }
}
