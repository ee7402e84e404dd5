//! The event pruning job: raw interest events past their retention and booking idempotency keys past their
//! time to live are deleted.

use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;

use crate::config::SignalSettings;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PruningReport {
    pub pruned_events: i64,
    pub pruned_idempotency_keys: i64,
}

pub async fn run_once(
    client: &impl GenericClient,
    settings: &SignalSettings,
) -> Result<PruningReport, tokio_postgres::Error> {
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
    Ok(PruningReport {
        pruned_events,
        pruned_idempotency_keys,
    })
}

/// Runs [`run_once`] every minute until aborted.
pub fn spawn(pool: Pool, settings: SignalSettings) -> JoinHandle<()> {
    super::spawn_every_minute("event pruning", pool, move |client| {
        let settings = settings.clone();
        async move {
            let report = run_once(&client, &settings).await?;
            if report != PruningReport::default() {
                tracing::info!(
                    pruned_events = report.pruned_events,
                    pruned_idempotency_keys = report.pruned_idempotency_keys,
                    "old events pruned"
                );
            }
            Ok(())
        }
    })
}
