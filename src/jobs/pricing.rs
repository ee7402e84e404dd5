//! The pricing job: one pricing cycle per wall-clock slot of `PRICING_INTERVAL_SECONDS`; replicas tick on the same
//! slots and the first one to start a slot runs it.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::PricingSettings;
use crate::pricing::{log_report, run_cycle, CycleFailure, CycleReport, CycleRequest, Trigger};

/// Every replica ticks on the same wall-clock boundaries; the slot makes the first one win.
pub fn slot_of(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    let interval_ms = interval.as_millis().max(1) as i64;
    let slot_ms = now.timestamp_millis().div_euclid(interval_ms) * interval_ms;
    Utc.timestamp_millis_opt(slot_ms).single().unwrap_or(now)
}

/// How long until the next slot begins.
pub fn until_next_slot(now: DateTime<Utc>, interval: Duration) -> Duration {
    let next = slot_of(now, interval) + interval;
    (next - now).to_std().unwrap_or_default()
}

/// Runs the pricing cycle every `settings.interval` until the task is aborted. A failed slot is retried once
/// when enough of it is left (the retry continues the slot's interrupted run); failures never stop the job or the
/// HTTP server, and every log line names the cause in Russian.
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
            run_slot(&pool, &settings, slot_of(Utc::now(), settings.interval)).await;
        }
    })
}

async fn run_slot(pool: &Pool, settings: &PricingSettings, slot: DateTime<Utc>) {
    let failure = match tick(pool, settings, slot).await {
        Ok(report) => return log_report(&report),
        Err(failure) => failure,
    };
    let pause = retry_pause(settings.interval);
    if !retry_fits_in_slot(Utc::now(), slot, settings.interval) {
        tracing::error!(slot = %slot, cause = %failure,
            "проход цен не удался; повтор — в следующем слоте расписания");
        return;
    }
    tracing::warn!(slot = %slot, cause = %failure, retry_in_seconds = pause.as_secs(),
        "проход цен не удался; повтор в этом же слоте (готовые пачки уже применены)");
    tokio::time::sleep(pause).await;
    match tick(pool, settings, slot).await {
        Ok(report) => log_report(&report),
        Err(failure) => tracing::error!(slot = %slot, cause = %failure,
            "повтор прохода цен тоже не удался; следующий слот — по расписанию"),
    }
}

/// A quarter of the interval: long enough for a restarting database, short enough to retry within the slot.
fn retry_pause(interval: Duration) -> Duration {
    interval / 4
}

/// The retry must start in the first half of the slot, so that it ends before the next one begins.
fn retry_fits_in_slot(now: DateTime<Utc>, slot: DateTime<Utc>, interval: Duration) -> bool {
    let retry_starts = now + retry_pause(interval);
    retry_starts <= slot + interval / 2
}

async fn tick(
    pool: &Pool,
    settings: &PricingSettings,
    slot: DateTime<Utc>,
) -> Result<CycleReport, CycleFailure> {
    let mut client = pool.get().await.map_err(CycleFailure::Pool)?;
    let request = CycleRequest {
        scheduled_for: Some(slot),
        ..CycleRequest::new(Trigger::Schedule)
    };
    Ok(run_cycle(&mut client, settings, &request).await?)
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

    #[test]
    fn a_failed_slot_is_retried_only_in_its_first_half() {
        let slot = Utc.with_ymd_and_hms(2026, 11, 23, 12, 34, 0).unwrap();
        let minute = Duration::from_secs(60);
        assert!(retry_fits_in_slot(
            slot + chrono::Duration::seconds(2),
            slot,
            minute
        ));
        assert!(retry_fits_in_slot(
            slot + chrono::Duration::seconds(15),
            slot,
            minute
        ));
        assert!(!retry_fits_in_slot(
            slot + chrono::Duration::seconds(16),
            slot,
            minute
        ));
        assert_eq!(retry_pause(minute), Duration::from_secs(15));
    }
}
