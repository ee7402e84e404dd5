//! Load tools of «Недвижимость 4.0», kept out of the product binary:
//! `cargo run --release --features bench --bin nedvizhimost-bench -- pricing|contention|events|api|analytics|picker [flags]`.
//! Every benchmark builds its synthetic catalog in a scratch database next to the one of `DATABASE_*`.

mod analytics;
mod api;
mod contention;
mod events;
mod loopback_server;
mod picker;
mod pricing;
mod stream_probe;
mod synthetic_catalog;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use nedvizhimost::config::{PricingSettings, SettingsReader, SignalSettings};
use nedvizhimost::telemetry;

#[derive(Parser)]
#[command(
    name = "nedvizhimost-bench",
    version,
    about = "Недвижимость 4.0: нагрузочные тесты на синтетическом каталоге"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Benchmark the pricing cycle on synthetic catalogs, each in its own scratch database
    Pricing {
        /// Catalog sizes to measure, comma-separated
        #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000, 1_000_000])]
        apartments: Vec<u32>,
        /// Interest events in the last 24 h per apartment (10 → 10 M events at 1 M apartments)
        #[arg(long, default_value_t = 10)]
        events_per_apartment: u32,
        /// Steady-state minutes to simulate after the first cycle
        #[arg(long, default_value_t = 5)]
        steady_cycles: u32,
        /// Keep the benchmark databases for inspection
        #[arg(long)]
        keep: bool,
        #[command(flatten)]
        pass: PassFlags,
    },
    /// The first pricing pass while clients book and edit single apartments: pass time, deadlocks, write waits
    Contention {
        /// Catalog size (apartments)
        #[arg(long, default_value_t = 1_000_000)]
        apartments: u32,
        /// Interest events in the last 24 h per apartment
        #[arg(long, default_value_t = 10)]
        events_per_apartment: u32,
        /// Runs, each on a fresh copy of the same catalog
        #[arg(long, default_value_t = 10)]
        runs: u32,
        /// Clients writing single apartments during the pass
        #[arg(long, default_value_t = 10)]
        writers: usize,
        /// Each client writes once per this many milliseconds
        #[arg(long, default_value_t = 500)]
        write_interval_ms: u64,
        /// Keep the prepared catalog (nedv_bench_contention_<size>) for a later --reuse
        #[arg(long)]
        keep: bool,
        /// Reuse the catalog kept by an earlier --keep run
        #[arg(long)]
        reuse: bool,
        #[command(flatten)]
        pass: PassFlags,
    },
    /// Load-test POST /events:batch on loopback while the pricing cycle runs, in a scratch database
    Events {
        /// Catalog size (apartments)
        #[arg(long, default_value_t = 100_000)]
        apartments: u32,
        /// Interest events in the last 24 h per apartment before the load
        #[arg(long, default_value_t = 10)]
        events_per_apartment: u32,
        /// How long to send batches, seconds
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Concurrent HTTP clients
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Events per batch (1–1000)
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
        /// Offered load, events per second across all clients (default: as fast as the server answers)
        #[arg(long)]
        rate: Option<u32>,
        /// Pause between pricing cycles during the load, seconds
        #[arg(long, default_value_t = 2)]
        cycle_pause: u64,
        /// Batches written to the database at once (EVENTS_BATCH_CONCURRENCY of the server under test)
        #[arg(long, default_value_t = SignalSettings::default().batch_ingest_concurrency)]
        batch_concurrency: u32,
        /// Keep the benchmark database for inspection or a later --reuse
        #[arg(long)]
        keep: bool,
        /// Reuse the database kept by an earlier --keep run (no catalog rebuild)
        #[arg(long)]
        reuse: bool,
        /// Also run the outbox relay to this Redis (e.g. redis://127.0.0.1:6379/7) and measure how fast a price
        /// change reaches a consumer group
        #[arg(long)]
        redis_url: Option<String>,
    },
    /// Benchmark the public catalog API (search, project card, map) on a synthetic catalog in a scratch database
    Api {
        /// Catalog size in apartments
        #[arg(long, default_value_t = 1_000_000)]
        apartments: u32,
        /// Seconds of load per scenario
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Requests in flight at once
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Database connections of the API under test
        #[arg(long, default_value_t = 16)]
        pool_size: usize,
        /// Keep the benchmark database (catalog_bench_api_<size>) for inspection or --reuse
        #[arg(long)]
        keep: bool,
        /// Reuse a kept benchmark database of the same size instead of building it again
        #[arg(long)]
        reuse: bool,
        /// Load generator: the built-in client, or wrk in its own process (apt-get install wrk)
        #[arg(long, value_enum, default_value = "builtin")]
        client: api::LoadClient,
        /// Run only these scenarios (numbers from 1, comma-separated; default: all)
        #[arg(long, value_delimiter = ',')]
        scenarios: Vec<usize>,
        /// Active promotions on the projects of 30 % of the catalog (0 — none); every scenario pays for them
        #[arg(long, default_value_t = 2000)]
        promotions: u32,
    },
    /// Time the hourly analytics refresh and the analytics API on a synthetic catalog with days of history
    Analytics {
        /// Catalog size (apartments)
        #[arg(long, default_value_t = 100_000)]
        apartments: u32,
        /// Interest events per apartment per day (10 → 10 M events a day at 1 M apartments)
        #[arg(long, default_value_t = 10)]
        events_per_apartment: u32,
        /// Days of event history before the last 24 h (the target: 90)
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Simulated hours after the first refresh (odd hours: refresh after the minute pricing cycle; even: beside it)
        #[arg(long, default_value_t = 2)]
        hours: u32,
        /// Sequential requests per API scenario
        #[arg(long, default_value_t = 50)]
        requests: usize,
        /// Days of rollups (analytics_daily_demand, analytics_daily_supply) written directly with SQL before the
        /// raw history, as if that many days had been folded (0 — none); the API period covers them
        #[arg(long, default_value_t = 0)]
        rollup_days: u32,
        /// Keep the benchmark database (nedv_bench_analytics_<size>) for inspection or --reuse
        #[arg(long)]
        keep: bool,
        /// Reuse a kept benchmark database instead of building it again
        #[arg(long)]
        reuse: bool,
    },
    /// Latency of AI picker messages (the deterministic path) on a synthetic catalog in a scratch database
    Picker {
        /// Catalog size in apartments
        #[arg(long, default_value_t = 1_000_000)]
        apartments: u32,
        /// Seconds of load
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Conversations in flight at once
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Database connections of the API under test
        #[arg(long, default_value_t = 16)]
        pool_size: usize,
        /// Keep the benchmark database (catalog_bench_api_<size>, the same as `api`) for --reuse
        #[arg(long)]
        keep: bool,
        /// Reuse a kept benchmark database of the same size
        #[arg(long)]
        reuse: bool,
    },
}

/// How the measured passes run (the service reads the same from PRICING_WORKERS and PRICING_BATCH_APARTMENTS).
#[derive(clap::Args)]
struct PassFlags {
    /// Connections repricing batches at once
    #[arg(long, default_value_t = PricingSettings::default().workers)]
    workers: usize,
    /// Apartments on sale per batch of whole projects
    #[arg(long, default_value_t = PricingSettings::default().batch_apartments)]
    batch_apartments: i32,
}

impl PassFlags {
    fn settings(&self) -> PricingSettings {
        PricingSettings {
            workers: self.workers.clamp(1, 32),
            batch_apartments: self.batch_apartments.max(1),
            ..PricingSettings::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    telemetry::exit_code(run(Cli::parse().command).await)
}

async fn run(command: Command) -> Result<(), String> {
    let admin = maintenance_database()?;
    match command {
        Command::Pricing {
            apartments,
            events_per_apartment,
            steady_cycles,
            keep,
            pass,
        } => {
            let options = pricing::PricingBenchOptions {
                sizes: apartments,
                events_per_apartment,
                steady_cycles,
                pricing: pass.settings(),
                admin,
                keep_databases: keep,
            };
            println!("{}", pricing::TABLE_HEADER);
            pricing::run(&options).await.map(drop)
        }
        Command::Contention {
            apartments,
            events_per_apartment,
            runs,
            writers,
            write_interval_ms,
            keep,
            reuse,
            pass,
        } => {
            let options = contention::ContentionBenchOptions {
                apartments,
                events_per_apartment,
                runs: runs.max(1),
                writers: writers.max(1),
                write_interval: Duration::from_millis(write_interval_ms.max(1)),
                pricing: pass.settings(),
                admin,
                keep_database: keep || reuse,
                reuse_database: reuse,
            };
            contention::run(&options).await
        }
        Command::Events {
            apartments,
            events_per_apartment,
            seconds,
            concurrency,
            batch_size,
            rate,
            cycle_pause,
            batch_concurrency,
            keep,
            reuse,
            redis_url,
        } => {
            let options = events::EventsBenchOptions {
                apartments,
                events_per_apartment,
                seconds,
                concurrency: concurrency.max(1),
                batch_size: batch_size.clamp(1, nedvizhimost::events::MAX_BATCH_EVENTS),
                rate,
                cycle_pause: Duration::from_secs(cycle_pause),
                batch_concurrency: batch_concurrency.clamp(1, 64),
                admin,
                keep_database: keep || reuse,
                reuse_database: reuse,
                redis_url,
            };
            let result = events::run(&options).await?;
            println!("{}", result.summary());
            Ok(())
        }
        Command::Api {
            apartments,
            seconds,
            concurrency,
            pool_size,
            keep,
            reuse,
            client,
            scenarios,
            promotions,
        } => {
            let options = api::BenchApiOptions {
                promotions,
                apartments,
                seconds,
                concurrency,
                pool_size,
                admin,
                keep_database: keep,
                reuse,
                client,
                scenarios,
            };
            println!("{}", api::TABLE_HEADER);
            api::run(&options).await.map(drop)
        }
        Command::Analytics {
            apartments,
            events_per_apartment,
            days,
            hours,
            requests,
            rollup_days,
            keep,
            reuse,
        } => {
            let options = analytics::AnalyticsBenchOptions {
                apartments,
                events_per_apartment,
                days: days.max(1),
                hours: hours.max(1),
                requests: requests.max(1),
                rollup_days,
                admin,
                keep_database: keep || reuse,
                reuse,
            };
            analytics::run(&options).await
        }
        Command::Picker {
            apartments,
            seconds,
            concurrency,
            pool_size,
            keep,
            reuse,
        } => {
            let options = picker::PickerBenchOptions {
                apartments,
                seconds,
                concurrency: concurrency.max(1),
                pool_size,
                admin,
                keep_database: keep || reuse,
                reuse,
            };
            println!("{}", picker::TABLE_HEADER);
            println!("{}", picker::run(&options).await?);
            Ok(())
        }
    }
}

/// The database of `DATABASE_*`: scratch databases are created next to it and dropped from it.
fn maintenance_database() -> Result<tokio_postgres::Config, String> {
    SettingsReader::from_env()
        .database()
        .and_then(|database| database.to_pg_config())
        .map_err(|error| error.to_string())
}
