use deadpool_postgres::Pool;

use crate::config::{PricingSettings, SignalSettings};

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub pricing: PricingSettings,
    pub auth: crate::auth::AuthKeys,
    pub signals: SignalSettings,
}
