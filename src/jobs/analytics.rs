//! The hourly analytics job: `refresh_analytics()` folds the days touched since the last run into the analytics
//! roll-ups and refreshes the monthly market view. One replica works at a time (the function takes a transaction
//! advisory lock and skips when another refresh holds it), so every replica may run the job.
//!
//! The refresh (30–40 s at 1 M apartments and 10 M events a day) and the minute pricing cycle both want the database's
//! CPU, so the refresh starts right after a pricing cycle has finished and runs in the gap before the next one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::config::SignalSettings;
use crate::jobs::pricing::{slot_of, until_next_slot};

/// How often the roll-ups are refreshed.
pub const PERIOD: Duration = Duration::from_secs(3600);

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AnalyticsReport {
    /// Another refresh was running; this one did nothing.
    pub skipped: bool,
    /// Days of `analytics_daily_demand` recomputed.
    pub days_refolded: i32,
    /// Price changes whose 24 h response was folded.
    pub responses_added: i32,
    /// How long the refresh took inside the database.
    pub took_ms: i32,
}

/// One refresh now. Days older than the raw event retention are final and never recomputed.
pub async fn run_once(
    client: &impl GenericClient,
    settings: &SignalSettings,
) -> Result<AnalyticsReport, tokio_postgres::Error> {
    let retention_seconds = settings.views_retention.as_secs_f64();
    let row = client
        .query_one(
            "SELECT skipped, days_refolded, responses_added, took_ms
               FROM refresh_analytics(now(), now() - make_interval(secs => $1))",
            &[&retention_seconds],
        )
        .await?;
    Ok(AnalyticsReport {
        skipped: row.get("skipped"),
        days_refolded: row.get("days_refolded"),
        responses_added: row.get("responses_added"),
        took_ms: row.get("took_ms"),
    })
}

/// Where the refresh stands against the pricing cycle of its minute slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PricingGap {
    /// The slot's cycle has finished: the refresh runs between two cycles.
    AfterCycle,
    /// No cycle started in the slot (pricing is switched off on every replica, or the slot was skipped).
    NoCycle,
    /// The slot's cycle was still running when the wait ran out: the refresh runs beside it.
    CycleStillRunning,
}

/// How long to wait for the pricing cycle of a slot.
#[derive(Debug, Clone, Copy)]
pub struct GapWait {
    /// A cycle that has not started this long after its slot began is taken as not coming.
    pub no_show: Duration,
    /// The longest wait for a started cycle to finish.
    pub patience: Duration,
    /// How often `pricing_runs` is read.
    pub poll: Duration,
}

impl GapWait {
    /// For a pricing interval: a cycle starts within milliseconds of its slot, and one running longer than half the
    /// interval leaves no gap worth waiting for.
    pub fn for_interval(interval: Duration) -> Self {
        Self {
            no_show: (interval / 12).min(Duration::from_secs(5)),
            patience: interval / 2,
            poll: Duration::from_millis(250),
        }
    }
}

/// Waits until the pricing cycle of `slot` (which has begun) has finished, as `pricing_runs` records it.
pub async fn wait_for_pricing_gap(
    client: &impl GenericClient,
    slot: DateTime<Utc>,
    wait: GapWait,
) -> Result<PricingGap, tokio_postgres::Error> {
    let started = tokio::time::Instant::now();
    loop {
        let finished: Option<bool> = client
            .query_opt(
                "SELECT finished_at IS NOT NULL FROM pricing_runs WHERE scheduled_for = $1",
                &[&slot],
            )
            .await?
            .map(|row| row.get(0));
        let waited = started.elapsed();
        match finished {
            Some(true) => return Ok(PricingGap::AfterCycle),
            None if waited >= wait.no_show => return Ok(PricingGap::NoCycle),
            Some(false) if waited >= wait.patience => return Ok(PricingGap::CycleStillRunning),
            _ => tokio::time::sleep(wait.poll).await,
        }
    }
}

/// Runs [`run_once`] at the first pricing slot after start and then every hour until aborted, each time after the
/// pricing cycle of that slot has finished; a failure is logged and retried next hour.
pub fn spawn(pool: Pool, settings: SignalSettings, pricing_interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(PERIOD);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tracing::info!(job = "analytics", "hourly job started");
        loop {
            ticker.tick().await;
            tokio::time::sleep(until_next_slot(Utc::now(), pricing_interval)).await;
            let slot = slot_of(Utc::now(), pricing_interval);
            let outcome = match pool.get().await {
                Ok(client) => refresh_after_pricing(&client, &settings, slot, pricing_interval)
                    .await
                    .map_err(|error| crate::db::describe_error(&error)),
                Err(error) => Err(format!("database unavailable: {error}")),
            };
            match outcome {
                Ok(report) if report.skipped => {
                    tracing::info!("analytics refresh skipped: another replica is refreshing")
                }
                Ok(report) => tracing::info!(
                    days_refolded = report.days_refolded,
                    responses_added = report.responses_added,
                    took_ms = report.took_ms,
                    "analytics refreshed"
                ),
                Err(error) => {
                    tracing::error!(job = "analytics", error = %error, "analytics refresh failed; retrying next hour")
                }
            }
        }
    })
}

/// One refresh in the gap after the pricing cycle of `slot`; says so when it ran beside a cycle all the same.
async fn refresh_after_pricing(
    client: &impl GenericClient,
    settings: &SignalSettings,
    slot: DateTime<Utc>,
    pricing_interval: Duration,
) -> Result<AnalyticsReport, tokio_postgres::Error> {
    let gap = wait_for_pricing_gap(client, slot, GapWait::for_interval(pricing_interval)).await?;
    if gap == PricingGap::CycleStillRunning {
        tracing::warn!(slot = %slot,
            "цикл цен слота идёт дольше половины интервала: свёртка аналитики начинается рядом с ним и замедлит его");
    }
    let report = run_once(client, settings).await?;
    let next_slot = slot + pricing_interval;
    if !report.skipped && Utc::now() > next_slot {
        tracing::warn!(slot = %slot, took_ms = report.took_ms,
            "свёртка аналитики не уложилась в промежуток между циклами цен: следующий цикл шёл рядом с ней");
    }
    Ok(report)
}
