//! `bench-api`: builds a synthetic catalog (the `bench-pricing` one, spread over 15 cities) in a scratch database,
//! serves the real router on loopback and measures throughput and latency of typical public requests with a
//! closed-loop HTTP client (`concurrency` requests in flight, for `seconds` per scenario).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::auth::AuthKeys;
use crate::config::{AuthSettings, PricingSettings, Secret, SignalSettings};
use crate::{app, db, AppState};

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
}

pub struct ScenarioResult {
    pub name: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub throughput: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub const TABLE_HEADER: &str = "| сценарий | запросов | ошибок | запросов/с | p50, мс | p99, мс |\n|---|---:|---:|---:|---:|---:|";

impl ScenarioResult {
    pub fn table_row(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} |",
            self.name,
            self.requests,
            self.errors,
            self.throughput,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0
        )
    }
}

struct Scenario {
    name: &'static str,
    paths: Vec<String>,
}

fn scenarios(projects: i64) -> Vec<Scenario> {
    let cities = [
        "RU-MOW", "RU-SPE", "RU-NVS", "RU-SVE", "RU-TA", "RU-KDA", "RU-SAM", "RU-PER",
    ];
    let rooms = ["1,2", "0,1", "2,3", "1"];
    let mut search = Vec::new();
    let mut search_city = Vec::new();
    for (index, region) in cities.iter().enumerate() {
        let room_set = rooms[index % rooms.len()];
        search.push(format!(
            "/apartments?region={region}&rooms={room_set}&price_min=9000000&price_max=12000000&sort=price&limit=20"
        ));
        if *region != "RU-MOW" {
            search_city.push(format!(
                "/apartments?region={region}&rooms={room_set}&price_min=9000000&price_max=12000000&sort=price&limit=20"
            ));
        }
    }
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
    vec![
        Scenario {
            name:
                "поиск: регион + комнатность + цена, сортировка по цене (8 регионов, вкл. Москву)",
            paths: search,
        },
        Scenario {
            name: "поиск: то же без Москвы (7 регионов)",
            paths: search_city,
        },
        Scenario {
            name: "поиск внутри ЖК: комнатность, сортировка по цене",
            paths: project_search,
        },
        Scenario {
            name: "карточка ЖК",
            paths: cards,
        },
        Scenario {
            name: "карта города (zoom 10–11)",
            paths: map_city,
        },
        Scenario {
            name: "карта России (zoom 3, весь каталог в окне)",
            paths: map_country,
        },
    ]
}

pub async fn run(options: &BenchApiOptions) -> Result<Vec<ScenarioResult>, String> {
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency)
        .build()
        .map_err(|error| error.to_string())?;
    let mut results = Vec::new();
    for scenario in scenarios(projects) {
        // Warm-up: every path once, so the first plans and pages do not count.
        for path in &scenario.paths {
            let response = client
                .get(format!("http://{address}{path}"))
                .send()
                .await
                .map_err(|error| error.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{path}: HTTP {}", response.status()));
            }
        }
        let result = measure(&client, address, &scenario, options).await;
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
    let script = include_str!("../pricing/bench_catalog.sql")
        .replace("{apartments}", &apartments.to_string())
        .replace("{events}", &apartments.to_string())
        .replace("{now}", &format!("'{}'", Utc::now().to_rfc3339()));
    client
        .batch_execute(&script)
        .await
        .map_err(|error| db::describe_error(&error))?;
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
    let workers: Vec<_> = (0..options.concurrency)
        .map(|worker| {
            let client = client.clone();
            let paths = Arc::clone(&paths);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut next = worker;
                while Instant::now() < deadline {
                    let url = format!("http://{address}{}", paths[next % paths.len()]);
                    next += 1;
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
    }
}
