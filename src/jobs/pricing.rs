//! The pricing job: one pricing cycle per wall-clock slot of `PRICING_INTERVAL_SECONDS`; replicas tick on the same
//! slots and the first one to start a slot runs it.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::PricingSettings;
use crate::pricing::{log_report, run_cycle, CycleReport, CycleRequest, Trigger};

/// Every replica ticks on the same wall-clock boundaries; the slot makes the first one win.
pub fn slot_of(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    let interval_ms = interval.as_millis().max(1) as i64;
    let slot_ms = now.timestamp_millis().div_euclid(interval_ms) * interval_ms;
    Utc.timestamp_millis_opt(slot_ms).single().unwrap_or(now)
}

fn until_next_slot(now: DateTime<Utc>, interval: Duration) -> Duration {
    let next = slot_of(now, interval) + interval;
    (next - now).to_std().unwrap_or_default()
}

/// Runs the pricing cycle every `settings.interval` until the task is aborted. Failures are logged and
/// retried at the next tick; they never stop the scheduler or the HTTP server.
pub fn spawn(pool: Pool, settings: PricingSettings) -> JoinHandle<()> {
    tokio::spawn(async move {
        let first_tick = Instant::now() + until_next_slot(Utc::now(), settings.interval);
        let mut ticker = tokio::time::interval_at(first_tick, settings.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tracing::info!(
            interval_seconds = settings.interval.as_secs(),
            "pricing scheduler started"
        );
        loop {
            ticker.tick().await;
            let slot = slot_of(Utc::now(), settings.interval);
            match tick(&pool, &settings, slot).await {
                Ok(report) => log_report(&report),
                Err(error) => tracing::error!(
                    slot = %slot,
                    error = %error,
                    "pricing cycle failed; prices unchanged, retrying at the next tick"
                ),
            }
        }
    })
}

async fn tick(
    pool: &Pool,
    settings: &PricingSettings,
    slot: DateTime<Utc>,
) -> Result<CycleReport, String> {
    let mut client = pool
        .get()
        .await
        .map_err(|error| format!("database unavailable: {error}"))?;
    let request = CycleRequest {
        scheduled_for: Some(slot),
        ..CycleRequest::new(Trigger::Schedule)
    };
    run_cycle(&mut client, settings, &request)
        .await
        .map_err(|error| crate::db::describe_error(&error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_wall_clock_aligned() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 34, 56).unwrap();
        let minute = Duration::from_secs(60);
        assert_eq!(
            slot_of(now, minute),
            Utc.with_ymd_and_hms(2026, 11, 23, 12, 34, 0).unwrap()
        );
        assert_eq!(until_next_slot(now, minute), Duration::from_secs(4));
    }
}
