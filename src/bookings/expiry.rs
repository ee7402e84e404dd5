//! The minute job of demand signals and bookings: expire overdue holds, prune old raw events.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::config::SignalSettings;

pub const INTERVAL: Duration = Duration::from_secs(60);

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub expired_bookings: i64,
    pub pruned_events: i64,
    pub pruned_idempotency_keys: i64,
}

/// Expires overdue pending bookings (apartments back to sale), prunes raw events past retention and
/// booking idempotency keys past their time to live.
pub async fn run_once(
    client: &impl deadpool_postgres::GenericClient,
    settings: &SignalSettings,
) -> Result<MaintenanceReport, tokio_postgres::Error> {
    let expired_bookings: i64 = client
        .query_one("SELECT count(*) FROM expire_overdue_bookings(now())", &[])
        .await?
        .get(0);
    let retention_seconds = settings.views_retention.as_secs_f64();
    let pruned_events: i64 = client
        .query_one(
            "SELECT views_deleted FROM prune_interest_events(now(), make_interval(secs => $1))",
            &[&retention_seconds],
        )
        .await?
        .get(0);
    let key_ttl_seconds = settings.idempotency_key_ttl.as_secs_f64();
    let pruned_idempotency_keys: i64 = client
        .query_one(
            "SELECT prune_booking_idempotency_keys(now(), make_interval(secs => $1))",
            &[&key_ttl_seconds],
        )
        .await?
        .get(0);
    Ok(MaintenanceReport {
        expired_bookings,
        pruned_events,
        pruned_idempotency_keys,
    })
}

/// Runs [`run_once`] every minute until aborted; failures are logged and retried at the next tick.
pub fn spawn(pool: Pool, settings: SignalSettings) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tracing::info!("booking expiry and event pruning scheduler started");
        loop {
            ticker.tick().await;
            let outcome = match pool.get().await {
                Ok(client) => run_once(&client, &settings)
                    .await
                    .map_err(|error| crate::db::describe_error(&error)),
                Err(error) => Err(format!("database unavailable: {error}")),
            };
            match outcome {
                Ok(report) if report != MaintenanceReport::default() => tracing::info!(
                    expired_bookings = report.expired_bookings,
                    pruned_events = report.pruned_events,
                    pruned_idempotency_keys = report.pruned_idempotency_keys,
                    "maintenance tick"
                ),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %error, "maintenance tick failed; retrying next minute")
                }
            }
        }
    })
}
