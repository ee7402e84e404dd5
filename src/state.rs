use std::sync::Arc;

use deadpool_postgres::Pool;
use tokio::sync::Semaphore;

use crate::config::{PricingSettings, PromotionSettings, SignalSettings};

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub pricing: PricingSettings,
    pub auth: crate::auth::AuthKeys,
    pub signals: SignalSettings,
    /// Batches of interest events written to the database at once (`EVENTS_BATCH_CONCURRENCY`): the rest wait,
    /// so a flood from the front end cannot take every core from the pricing cycle and the public API.
    pub event_batches: Arc<Semaphore>,
    /// The ceiling and the floor of promotion discounts (`PROMOTION_*`); defaults until [`Self::with_promotions`].
    pub promotions: PromotionSettings,
    /// `EVENTS_STREAM_PREFIX`: the Redis stream names the AsyncAPI document gives.
    pub event_streams_prefix: String,
    /// The AI picker: its settings and the catalog's cities.
    pub picker: crate::picker::PickerState,
    /// The CRM integrations; `None` without `CRM_SECRETS_KEY` (their endpoints answer 503).
    pub crm: Option<Arc<crate::crm::Crm>>,
}

impl AppState {
    pub fn new(
        pool: Pool,
        pricing: PricingSettings,
        auth: crate::auth::AuthKeys,
        signals: SignalSettings,
    ) -> Self {
        let event_batches = Arc::new(Semaphore::new(signals.batch_ingest_concurrency as usize));
        Self {
            pool,
            pricing,
            auth,
            signals,
            event_batches,
            promotions: PromotionSettings::default(),
            event_streams_prefix: crate::config::OutboxSettings::default().stream_prefix,
            crm: None,
            picker: crate::picker::PickerState::default(),
        }
    }

    pub fn with_picker(mut self, settings: crate::config::PickerSettings) -> Self {
        self.picker = crate::picker::PickerState::new(settings);
        self
    }

    pub fn with_crm(mut self, crm: Option<Arc<crate::crm::Crm>>) -> Self {
        self.crm = crm;
        self
    }

    /// The same state with the given promotion limits.
    pub fn with_promotions(mut self, promotions: PromotionSettings) -> Self {
        self.promotions = promotions;
        self
    }

    pub fn with_event_streams_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.event_streams_prefix = prefix.into();
        self
    }
}
