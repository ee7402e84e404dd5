//! The hourly analytics job: `refresh_analytics()` folds the days touched since the last run into the analytics
//! roll-ups and refreshes the monthly market view. One replica works at a time (the function takes a transaction
//! advisory lock and skips when another refresh holds it), so every replica may run the job.

use std::time::Duration;

use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::config::SignalSettings;

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

/// Runs [`run_once`] at start and then every hour until aborted; a failure is logged and retried next hour.
pub fn spawn(pool: Pool, settings: SignalSettings) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(PERIOD);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tracing::info!(job = "analytics", "hourly job started");
        loop {
            ticker.tick().await;
            let outcome = match pool.get().await {
                Ok(client) => run_once(&client, &settings)
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
