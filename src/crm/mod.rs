//! Integration with the developers' CRMs (amoCRM, Bitrix24): connections with credentials sealed at rest, the
//! outbound sink of the event outbox (`crm_deliveries`, sent by `dispatcher`), incoming webhooks stored raw in
//! `webhook_inbox` first and processed asynchronously (`webhooks`), and the views a developer and a moderator need.

pub mod clients;
pub mod connections;
pub mod dispatcher;
mod inbox;
pub mod limiter;
pub mod secrets;
pub mod types;
pub mod webhooks;

use std::sync::Arc;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use types::CrmKind;

use crate::config::CrmSettings;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What the CRM features need at run time; `None` in `AppState` when `CRM_SECRETS_KEY` is not set.
pub struct Crm {
    pub settings: CrmSettings,
    pub secrets: secrets::SecretBox,
    pub http: reqwest::Client,
    pub limiters: limiter::Limiters,
}

impl Crm {
    /// `None` without a key: nothing can be sealed or opened.
    pub fn from_settings(settings: &CrmSettings) -> Option<Arc<Self>> {
        let key = settings.secrets_key.as_ref()?;
        Some(Arc::new(Self {
            secrets: secrets::SecretBox::new(key, settings.previous_secrets_key.as_ref()),
            http: clients::http_client(settings.request_timeout),
            limiters: limiter::Limiters::default(),
            settings: settings.clone(),
        }))
    }

    /// The rate limiter of a connection: amoCRM 7 in any second, Bitrix24 2/s with bursts of 50 (or the settings).
    pub fn limiter(&self, connection_id: i64, kind: CrmKind) -> limiter::RateLimiter {
        let settings = &self.settings;
        self.limiters.for_connection(connection_id, || match kind {
            CrmKind::Amocrm => limiter::RateLimiter::window(
                settings.amocrm_requests_per_second,
                settings.amocrm_window,
            ),
            CrmKind::Bitrix24 => limiter::RateLimiter::bucket(
                settings.bitrix24_requests_per_second,
                settings.bitrix24_burst,
                settings.bitrix24_window,
            ),
        })
    }
}

pub(crate) fn configured(state: &AppState) -> AppResult<&Arc<Crm>> {
    state.crm.as_ref().ok_or_else(|| {
        AppError::ServiceUnavailable(
            "интеграция с CRM не настроена: администратор не задал CRM_SECRETS_KEY_FILE".into(),
        )
    })
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            connections::get_connection,
            connections::put_connection,
            connections::delete_connection
        ))
        .routes(routes!(connections::check_connection))
        .routes(routes!(connections::company_deliveries))
        .routes(routes!(connections::requeue_delivery))
        .routes(routes!(connections::moderation_deliveries))
        .routes(routes!(webhooks::amocrm_webhook))
        .routes(routes!(webhooks::bitrix24_event))
        .routes(routes!(inbox::list_inbox))
        .routes(routes!(inbox::get_inbox_entry))
        .routes(routes!(inbox::reprocess_inbox_entry))
}
