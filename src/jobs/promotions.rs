//! The promotions job: a promotion that started, ended, was paused, changed or ran out of its "first N bookings"
//! changes the discounts of the search copy (`catalog_offers`) within a minute, and apartments whose price moved
//! (the pricing pass, a manual change) get their discount recomputed (`refresh_promotion_discounts`).

use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;

use crate::config::PromotionSettings;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PromotionsReport {
    /// Promotions that started, ended, paused, changed or ran out since the previous run.
    pub changed_promotions: i32,
    /// Rows of `catalog_offers` whose discount changed.
    pub repriced: i32,
}

/// One run; `full` recomputes every apartment on sale (it happens by itself when the limits differ from those the
/// discounts were computed with).
pub async fn run_once(
    client: &impl GenericClient,
    settings: &PromotionSettings,
    full: bool,
) -> Result<PromotionsReport, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT changed_promotions, repriced FROM refresh_promotion_discounts(now(), $1, $2, $3)",
            &[
                &settings.max_total_discount_percent,
                &settings.floor_share_of_base_price_percent,
                &full,
            ],
        )
        .await?;
    Ok(PromotionsReport {
        changed_promotions: row.get("changed_promotions"),
        repriced: row.get("repriced"),
    })
}

/// Runs [`run_once`] every minute until aborted.
pub fn spawn(pool: Pool, settings: PromotionSettings) -> JoinHandle<()> {
    super::spawn_every_minute("promotions", pool, move |client| {
        let settings = settings.clone();
        async move {
            let report = run_once(&client, &settings, false).await?;
            if report != PromotionsReport::default() {
                tracing::info!(
                    changed_promotions = report.changed_promotions,
                    repriced = report.repriced,
                    "promotion discounts re-applied"
                );
            }
            Ok(())
        }
    })
}
