//! The jobs of `serve`: the pricing cycle, booking expiry, event and picker pruning and promotion discounts every
//! minute, the outbox relay and the CRM job continuously, the analytics refresh every hour, each switched on or off by
//! its own `JOB_*_ENABLED` setting. A failed run is logged and retried at the next tick; it never stops the job
//! or the HTTP server.

pub mod analytics;
pub mod booking_expiry;
pub mod crm;
pub mod event_pruning;
pub mod picker_pruning;
pub mod pricing;
pub mod promotions;

use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::config::Settings;

/// Starts every enabled job; a disabled one is named in a warning.
pub fn spawn_all(
    pool: &Pool,
    pg_config: &tokio_postgres::Config,
    settings: &Settings,
    crm: Option<&std::sync::Arc<crate::crm::Crm>>,
) {
    let jobs = &settings.jobs;
    if jobs.pricing_enabled {
        pricing::spawn(pool.clone(), settings.pricing.clone());
    } else {
        tracing::warn!("pricing job disabled by JOB_PRICING_ENABLED=false");
    }
    if jobs.booking_expiry_enabled {
        booking_expiry::spawn(pool.clone());
    } else {
        tracing::warn!("booking expiry job disabled by JOB_BOOKING_EXPIRY_ENABLED=false");
    }
    if jobs.event_pruning_enabled {
        event_pruning::spawn(pool.clone(), settings.signals.clone());
    } else {
        tracing::warn!("event pruning job disabled by JOB_EVENT_PRUNING_ENABLED=false");
    }
    if jobs.promotions_enabled {
        promotions::spawn(pool.clone(), settings.promotions.clone());
    } else {
        tracing::warn!("promotions job disabled by JOB_PROMOTIONS_ENABLED=false");
    }
    if jobs.picker_pruning_enabled {
        picker_pruning::spawn(pool.clone());
    } else {
        tracing::warn!("picker pruning job disabled by JOB_PICKER_PRUNING_ENABLED=false");
    }
    if jobs.outbox_relay_enabled {
        crate::outbox::relay::spawn(pg_config.clone(), settings.outbox.clone());
    } else {
        tracing::warn!(
            "outbox relay disabled by JOB_OUTBOX_RELAY_ENABLED=false: events are not published"
        );
    }
    match (jobs.crm_enabled, crm) {
        (true, Some(crm)) => {
            self::crm::spawn(pool.clone(), crm.clone());
        }
        (true, None) => tracing::warn!(
            "CRM_SECRETS_KEY is not set: CRM integration is off (deliveries wait in crm_deliveries, webhooks are stored)"
        ),
        (false, _) => {
            tracing::warn!("CRM job disabled by JOB_CRM_ENABLED=false: nothing is sent to CRMs")
        }
    }
    if jobs.analytics_enabled {
        analytics::spawn(
            pool.clone(),
            settings.signals.clone(),
            settings.pricing.interval,
        );
    } else {
        tracing::warn!("analytics job disabled by JOB_ANALYTICS_ENABLED=false");
    }
}

const MINUTE: Duration = Duration::from_secs(60);

/// Runs `run` on a pooled connection at once and then every minute until the task is aborted.
fn spawn_every_minute<Run, Outcome>(job: &'static str, pool: Pool, run: Run) -> JoinHandle<()>
where
    Run: Fn(Object) -> Outcome + Send + 'static,
    Outcome: Future<Output = Result<(), tokio_postgres::Error>> + Send,
{
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(MINUTE);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tracing::info!(job, "minute job started");
        loop {
            ticker.tick().await;
            let outcome = match pool.get().await {
                Ok(client) => run(client)
                    .await
                    .map_err(|error| crate::db::describe_error(&error)),
                Err(error) => Err(format!("database unavailable: {error}")),
            };
            if let Err(error) = outcome {
                tracing::error!(job, error = %error, "minute job failed; retrying next minute");
            }
        }
    })
}
