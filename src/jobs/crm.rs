//! The CRM job of every replica, once a second: send due deliveries (a connection at a time per replica, see
//! `crm::dispatcher`), process received webhooks; every 5 minutes reconcile Bitrix24 deals (it does not retry its
//! events); every 10 minutes re-seal credentials left under the previous key after a rotation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::crm::{connections, dispatcher, webhooks, Crm};

const TICK: Duration = Duration::from_secs(1);
const RECONCILE_EVERY: Duration = Duration::from_secs(300);
const RESEAL_EVERY: Duration = Duration::from_secs(600);
const INBOX_PER_TICK: i64 = 100;

pub fn spawn(pool: Pool, crm: Arc<Crm>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut reconciled_at: Option<Instant> = None;
        let mut resealed_at: Option<Instant> = None;
        tracing::info!("CRM job started");
        loop {
            ticker.tick().await;
            if let Err(error) = dispatcher::dispatch_due(&pool, &crm).await {
                tracing::error!(job = "crm", error = %error, "CRM dispatch failed; retrying next second");
            }
            if let Err(error) = webhooks::process_inbox(&pool, &crm, INBOX_PER_TICK).await {
                tracing::error!(job = "crm", error = %error, "CRM webhook processing failed; retrying next second");
            }
            if reconciled_at.is_none_or(|at| at.elapsed() >= RECONCILE_EVERY) {
                reconciled_at = Some(Instant::now());
                match webhooks::reconcile_bitrix24(&pool, &crm).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "Bitrix24 deals queued by reconciliation"),
                    Err(error) => {
                        tracing::error!(job = "crm", error = %error, "Bitrix24 reconciliation failed")
                    }
                }
            }
            if resealed_at.is_none_or(|at| at.elapsed() >= RESEAL_EVERY) {
                resealed_at = Some(Instant::now());
                match connections::reseal_with_current_key(&pool, &crm).await {
                    Ok(0) => {}
                    Ok(resealed) => {
                        tracing::info!(resealed, "CRM credentials re-sealed with the current key")
                    }
                    Err(error) => {
                        tracing::error!(job = "crm", error = %error, "CRM credentials re-sealing failed")
                    }
                }
            }
        }
    })
}
