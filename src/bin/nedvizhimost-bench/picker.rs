//! `nedvizhimost-bench picker`: latency of `POST /picker/conversations/{id}/messages` on the deterministic path.
//! The synthetic catalog over 15 cities in a scratch database, the real router on loopback; `concurrency`
//! clients each start a conversation and send the buyer messages of the picker corpus one after another (so
//! follow-ups refine a state), for `seconds`. Every message is timed from send to the whole answer read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use nedvizhimost::auth::AuthKeys;
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{
    AuthSettings, CatalogSettings, PickerSettings, PricingSettings, Secret, SignalSettings,
};
use nedvizhimost::{app_with_catalog, db, AppState};
use serde_json::{json, Value};

use crate::loopback_server::LoopbackServer;
use crate::synthetic_catalog::{CatalogSpec, Geography, ScratchDatabase};

pub struct PickerBenchOptions {
    pub apartments: u32,
    pub seconds: u64,
    pub concurrency: usize,
    pub pool_size: usize,
    pub admin: tokio_postgres::Config,
    pub keep_database: bool,
    pub reuse: bool,
}

pub const TABLE_HEADER: &str =
    "| квартир | сообщений | ошибок | сообщений/с | p50, мс | p99, мс | макс., мс |\n|---:|---:|---:|---:|---:|---:|---:|";

/// The buyer messages of the corpus, in its order.
fn corpus_messages() -> Vec<String> {
    include_str!("../../../tests/fixtures/picker_corpus.jsonl")
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|row| row["text"].as_str().map(str::to_owned))
        .collect()
}

pub async fn run(options: &PickerBenchOptions) -> Result<String, String> {
    let spec = CatalogSpec {
        apartments: options.apartments,
        events: options.apartments,
        now: Utc::now(),
        geography: Geography::FifteenCities,
    };
    // The same catalog as `api`: a database kept by `api --keep` of the same size is reused.
    let name = format!("catalog_bench_api_{}", options.apartments);
    let database = ScratchDatabase::prepare(&options.admin, &name, &spec, options.reuse).await?;
    let pool = db::create_pool(database.config().clone(), options.pool_size);
    crate::api::refresh_aggregates(&pool).await?;
    let state = AppState::new(
        pool.clone(),
        PricingSettings::default(),
        AuthKeys::new(
            &Secret::new("bench-picker-secret-not-for-production-0123456789"),
            AuthSettings::default(),
        ),
        SignalSettings::default(),
    )
    // The limits are the service's protection, not what is measured: runs one after another send tens of thousands
    // of messages a minute from one address.
    .with_picker(PickerSettings {
        messages_per_minute: 1_000_000,
        messages_per_ip_per_minute: 1_000_000,
        ..PickerSettings::default()
    });
    let server = LoopbackServer::start(app_with_catalog(
        state,
        CatalogCache::new(CatalogSettings::default()),
    ))
    .await?;
    let address = server.address;
    let client = reqwest::Client::new();
    let messages = Arc::new(corpus_messages());
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency)
        .map(|worker| {
            let client = client.clone();
            let messages = Arc::clone(&messages);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut next = worker * 37;
                let mut conversation = 0;
                while Instant::now() < deadline {
                    // A new conversation every 8 messages: follow-ups refine, then a fresh start.
                    if latencies.len() % 8 == 0 {
                        let visitor = format!("bench-{worker}-{}", latencies.len());
                        let created = client
                            .post(format!("http://{address}/picker/conversations"))
                            .json(&json!({ "visitor_id": visitor }))
                            .send()
                            .await;
                        conversation = match created {
                            Ok(response) => response
                                .json::<Value>()
                                .await
                                .ok()
                                .and_then(|body| body["id"].as_i64())
                                .unwrap_or(0),
                            Err(_) => 0,
                        };
                    }
                    let visitor = format!("bench-{worker}-{}", latencies.len() / 8 * 8);
                    let text = &messages[next % messages.len()];
                    next += 1;
                    let sent = Instant::now();
                    let ok = match client
                        .post(format!(
                            "http://{address}/picker/conversations/{conversation}/messages"
                        ))
                        .json(&json!({ "text": text, "visitor_id": visitor }))
                        .send()
                        .await
                    {
                        Ok(response) => {
                            response.status().is_success() && response.bytes().await.is_ok()
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
            .as_secs_f64()
            * 1000.0
    };
    let row = format!(
        "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
        options.apartments,
        latencies.len(),
        errors,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    server.stop().await;
    pool.close();
    drop(pool);
    database.finish(options.keep_database).await?;
    Ok(row)
}
