//! `nedvizhimost-bench events`: the batch endpoint under load on loopback, with the pricing cycle alongside.
//!
//! A scratch database gets the synthetic catalog; the real router is served on 127.0.0.1 and `concurrency`
//! clients post batches of `batch_size` views (random apartments, a million random visitors, so nobody is
//! flagged) over keep-alive HTTP/1.1 connections for `seconds`. Meanwhile the minute pricing cycle (aggregates +
//! pass) runs back to back with a short pause, and its durations are recorded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nedvizhimost::auth::AuthKeys;
use nedvizhimost::config::{AuthSettings, PricingSettings, Secret, SignalSettings};
use nedvizhimost::pricing::{run_cycle, CycleRequest, Trigger};
use nedvizhimost::{app, db, AppState};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::loopback_server::LoopbackServer;
use crate::stream_probe::{StreamProbe, StreamReport};
use crate::synthetic_catalog::{
    settle_after_mass_reprice, simulated_now, CatalogSpec, Geography, ScratchDatabase,
};

pub struct EventsBenchOptions {
    pub apartments: u32,
    pub events_per_apartment: u32,
    pub seconds: u64,
    pub concurrency: usize,
    pub batch_size: usize,
    /// Offered load in events per second across all clients; `None` sends as fast as the server answers.
    pub rate: Option<u32>,
    /// Pause between pricing cycles while the load runs.
    pub cycle_pause: Duration,
    /// `EVENTS_BATCH_CONCURRENCY` of the server under test.
    pub batch_concurrency: u32,
    /// Connection to a maintenance database; the benchmark database is created next to it.
    pub admin: tokio_postgres::Config,
    pub keep_database: bool,
    /// Reuse the database kept by an earlier `--keep` run instead of building the catalog again.
    pub reuse_database: bool,
    /// Also run the outbox relay to this Redis and measure how fast `price.changed` reaches a consumer.
    pub redis_url: Option<String>,
}

#[derive(Debug)]
pub struct EventsBenchResult {
    pub events_accepted: u64,
    pub elapsed: Duration,
    pub batches: usize,
    pub batch_p50: Duration,
    pub batch_p99: Duration,
    pub pricing_cycles: Vec<Duration>,
    pub stream: Option<StreamReport>,
}

impl EventsBenchResult {
    pub fn events_per_second(&self) -> f64 {
        self.events_accepted as f64 / self.elapsed.as_secs_f64()
    }

    pub fn summary(&self) -> String {
        let mut cycles: Vec<u128> = self
            .pricing_cycles
            .iter()
            .map(Duration::as_millis)
            .collect();
        cycles.sort_unstable();
        let median = cycles.get(cycles.len() / 2).copied().unwrap_or_default();
        let max = cycles.last().copied().unwrap_or_default();
        format!(
            "events accepted: {} in {:.1} s = {:.0} events/s; batches: {}, p50 {} ms, p99 {} ms; \
             pricing cycles during the load: {} (median {} ms, max {} ms, all {:?})",
            self.events_accepted,
            self.elapsed.as_secs_f64(),
            self.events_per_second(),
            self.batches,
            self.batch_p50.as_millis(),
            self.batch_p99.as_millis(),
            cycles.len(),
            median,
            max,
            cycles
        ) + &self
            .stream
            .as_ref()
            .map_or(String::new(), |stream| format!("\n{}", stream.summary()))
    }
}

const BENCH_SERVICE_TOKEN: &str = "bench-events-service-token-0123456789abcdef";

pub async fn run(options: &EventsBenchOptions) -> Result<EventsBenchResult, String> {
    let spec = CatalogSpec {
        apartments: options.apartments,
        events: options
            .apartments
            .saturating_mul(options.events_per_apartment),
        now: simulated_now(),
        geography: Geography::Moscow,
    };
    let database = ScratchDatabase::prepare(
        &options.admin,
        "signals_bench_events",
        &spec,
        options.reuse_database,
    )
    .await?;
    let pool = db::create_pool(database.config().clone(), options.concurrency + 2);
    let mut pricing_client = pool.get().await.map_err(|error| error.to_string())?;
    let settings = PricingSettings::default();
    // Brings the aggregates up to the clock (on a reused database: hours of simulated time may have passed).
    let first = run_cycle(
        &mut pricing_client,
        &settings,
        &CycleRequest::new(Trigger::Cli),
    )
    .await
    .map_err(|error| db::describe_error(&error))?;
    eprintln!(
        "first pricing cycle before the load: {}",
        first.summary_line()
    );
    settle_after_mass_reprice(&pricing_client, "events").await?;
    let apartments: i64 = pricing_client
        .query_one("SELECT count(*) FROM apartments", &[])
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);
    let apartments = u32::try_from(apartments).map_err(|error| error.to_string())?;

    let state = AppState::new(
        pool.clone(),
        settings.clone(),
        AuthKeys::new(
            &Secret::new("bench-events-jwt-secret-0123456789abcdefghij"),
            AuthSettings::default(),
        ),
        SignalSettings {
            events_service_token: Some(Secret::new(BENCH_SERVICE_TOKEN)),
            batch_ingest_concurrency: options.batch_concurrency,
            ..SignalSettings::default()
        },
    );
    let server = LoopbackServer::start(app(state)).await?;
    let address = server.address;
    let stream_probe = match &options.redis_url {
        Some(url) => {
            let probe = StreamProbe::start(url, database.config().clone()).await?;
            eprintln!("publishing the outbox backlog (the first pass's price changes) to Redis…");
            let drained = probe.wait_drained(&pool).await?;
            Some((probe, drained))
        }
        None => None,
    };
    let load_started_at = chrono::Utc::now();

    let stop = Arc::new(AtomicBool::new(false));
    let pricing_stop = stop.clone();
    let cycle_pause = options.cycle_pause;
    let pricing = tokio::spawn(async move {
        let mut cycles = Vec::new();
        while !pricing_stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            match run_cycle(
                &mut pricing_client,
                &settings,
                &CycleRequest::new(Trigger::Cli),
            )
            .await
            {
                Ok(_) => cycles.push(started.elapsed()),
                Err(error) => eprintln!("pricing cycle failed: {}", db::describe_error(&error)),
            }
            tokio::time::sleep(cycle_pause).await;
        }
        cycles
    });

    // With an offered rate each client sends one batch every `period`: clients × batch / period = rate.
    let period = options.rate.map(|rate| {
        Duration::from_secs_f64(
            (options.concurrency * options.batch_size) as f64 / f64::from(rate.max(1)),
        )
    });
    eprintln!(
        "load: {} clients × batches of {} for {} s, offered {}…",
        options.concurrency,
        options.batch_size,
        options.seconds,
        options
            .rate
            .map_or("as fast as answered".to_owned(), |rate| format!(
                "{rate} events/s"
            )),
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut clients = Vec::new();
    for client_index in 0..options.concurrency {
        let batch_size = options.batch_size;
        // Clients start spread over one period so that their batches do not arrive together.
        let first_send = started
            + period.map_or(Duration::ZERO, |period| {
                period.mul_f64(client_index as f64 / options.concurrency as f64)
            });
        clients.push(tokio::spawn(async move {
            client_loop(
                address,
                client_index as u64,
                apartments,
                batch_size,
                Pace {
                    first_send,
                    period,
                    deadline,
                },
            )
            .await
        }));
    }
    let mut latencies = Vec::new();
    let mut accepted = 0u64;
    for client in clients {
        let (client_latencies, client_accepted) =
            client.await.map_err(|error| error.to_string())??;
        latencies.extend(client_latencies);
        accepted += client_accepted;
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let pricing_cycles = pricing.await.map_err(|error| error.to_string())?;
    let stream = match stream_probe {
        Some((probe, drained)) => Some(probe.finish(load_started_at, drained).await),
        None => None,
    };
    server.stop().await;
    drop(pool);
    database.finish(options.keep_database).await?;
    latencies.sort();
    let percentile = |fraction: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * fraction).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(EventsBenchResult {
        events_accepted: accepted,
        elapsed,
        batches: latencies.len(),
        batch_p50: percentile(0.5),
        batch_p99: percentile(0.99),
        pricing_cycles,
        stream,
    })
}

/// When a client sends: from `first_send`, one batch per `period` (or back to back), until `deadline`.
struct Pace {
    first_send: Instant,
    period: Option<Duration>,
    deadline: Instant,
}

/// One keep-alive connection posting batches until the deadline; (latency per batch, accepted events).
async fn client_loop(
    address: SocketAddr,
    seed: u64,
    apartments: u32,
    batch_size: usize,
    pace: Pace,
) -> Result<(Vec<Duration>, u64), String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| error.to_string())?;
    stream
        .set_nodelay(true)
        .map_err(|error| error.to_string())?;
    let mut stream = BufReader::new(stream);
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut ticks = pace.period.map(|period| {
        let mut ticks = tokio::time::interval_at(pace.first_send.into(), period);
        // A server that falls behind is not flooded with the backlog later: the offered rate stays the rate.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        ticks
    });
    let mut latencies = Vec::new();
    let mut accepted = 0u64;
    loop {
        if let Some(ticks) = ticks.as_mut() {
            ticks.tick().await;
        }
        if Instant::now() >= pace.deadline {
            break;
        }
        let mut body = String::with_capacity(batch_size * 60);
        body.push_str("{\"events\":[");
        for index in 0..batch_size {
            if index > 0 {
                body.push(',');
            }
            let apartment = 1 + next() % u64::from(apartments);
            let visitor = next() % 1_000_000;
            body.push_str(&format!(
                "{{\"apartment_id\":{apartment},\"visitor_id\":\"bench-{visitor}\"}}"
            ));
        }
        body.push_str("]}");
        let request = format!(
            "POST /events:batch HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             X-Service-Token: {BENCH_SERVICE_TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let sent = Instant::now();
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(|error| error.to_string())?;
        let (status, response) = read_response(&mut stream).await?;
        latencies.push(sent.elapsed());
        if status != 200 {
            return Err(format!("batch answered {status}: {response}"));
        }
        let parsed: serde_json::Value =
            serde_json::from_str(&response).map_err(|error| error.to_string())?;
        accepted += parsed["accepted"].as_u64().unwrap_or(0);
    }
    Ok((latencies, accepted))
}

async fn read_response(stream: &mut BufReader<TcpStream>) -> Result<(u16, String), String> {
    let mut status_line = String::new();
    stream
        .read_line(&mut status_line)
        .await
        .map_err(|error| error.to_string())?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        stream
            .read_line(&mut line)
            .await
            .map_err(|error| error.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().map_err(|_| "bad content-length")?;
            }
        }
    }
    let mut body = vec![0u8; content_length];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|error| error.to_string())?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
