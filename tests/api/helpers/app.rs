//! The real router served over loopback HTTP on a fresh database, and the requests tests send it.

use std::net::SocketAddr;
use std::time::Duration;

use nedvizhimost::auth::AuthKeys;
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{
    AuthSettings, CatalogSettings, CrmSettings, PickerSettings, PricingSettings, Secret,
    SignalSettings,
};
use nedvizhimost::crm::Crm;
use nedvizhimost::jobs::analytics::AnalyticsReport;
use nedvizhimost::jobs::booking_expiry::ExpiryReport;
use nedvizhimost::jobs::event_pruning::PruningReport;
use nedvizhimost::{app_with_catalog, AppState};
use serde_json::Value;

use super::TestDb;

/// The JWT secret of every `TestApp`; sign with anything else to forge a token.
pub const TEST_JWT_SECRET: &str = "nedvizhimost-test-jwt-secret-0123456789-abcdef";
/// The `X-Service-Token` accepted by every `TestApp` on `POST /events:batch`.
pub const TEST_SERVICE_TOKEN: &str = "nedvizhimost-test-service-token-0123456789";

/// Signal settings of every `TestApp` unless a test asks otherwise: production values with a service token.
pub fn test_signal_settings() -> SignalSettings {
    SignalSettings {
        events_service_token: Some(Secret::new(TEST_SERVICE_TOKEN)),
        ..SignalSettings::default()
    }
}

/// Catalog settings of every `TestApp` unless a test asks otherwise: no `total` cache (tests change the catalog
/// and search again at once), the map summary as in production.
fn test_catalog_settings() -> CatalogSettings {
    CatalogSettings {
        total_cache_ttl: Duration::ZERO,
        ..CatalogSettings::default()
    }
}

/// Pricing of every `TestApp`: production values. The app runs no minute jobs (`serve` starts them), so prices
/// change only when a test runs a pass.
fn test_pricing_settings() -> PricingSettings {
    PricingSettings::default()
}

pub struct TestApp {
    pub db: TestDb,
    pub address: SocketAddr,
    pub http: reqwest::Client,
    /// The served app's catalog cache (`total` and map answers), to look at its hit counters.
    pub catalog: CatalogCache,
    /// The served app's CRM integration, when the test configured one (to run the dispatcher and the inbox).
    pub crm: Option<std::sync::Arc<Crm>>,
}

/// The settings of a [`TestApp`] to spawn; what a test does not set keeps the test default.
pub struct TestAppBuilder {
    auth: AuthSettings,
    signals: SignalSettings,
    catalog: CatalogSettings,
    picker: PickerSettings,
    crm: Option<CrmSettings>,
}

impl Default for TestAppBuilder {
    fn default() -> Self {
        Self {
            auth: AuthSettings::default(),
            signals: test_signal_settings(),
            catalog: test_catalog_settings(),
            picker: PickerSettings::default(),
            crm: None,
        }
    }
}

impl TestAppBuilder {
    /// Token lifetimes, login limits, trusted proxies.
    pub fn auth(mut self, auth: AuthSettings) -> Self {
        self.auth = auth;
        self
    }

    /// Demand signals and booking limits.
    pub fn signals(mut self, signals: SignalSettings) -> Self {
        self.signals = signals;
        self
    }

    /// The `total` cache and the map summary.
    pub fn catalog(mut self, catalog: CatalogSettings) -> Self {
        self.catalog = catalog;
        self
    }

    /// The AI picker's expiry and rate limits.
    pub fn picker(mut self, picker: PickerSettings) -> Self {
        self.picker = picker;
        self
    }

    /// CRM integrations (a key, the allowed hosts); without it their endpoints answer 503.
    pub fn crm(mut self, crm: CrmSettings) -> Self {
        self.crm = Some(crm);
        self
    }

    pub async fn spawn(self) -> TestApp {
        let db = TestDb::new().await;
        let crm = self.crm.as_ref().and_then(Crm::from_settings);
        let state = AppState::new(
            db.pool.clone(),
            test_pricing_settings(),
            AuthKeys::new(&Secret::new(TEST_JWT_SECRET), self.auth),
            self.signals,
        )
        .with_crm(crm.clone())
        .with_picker(self.picker);
        let catalog = CatalogCache::new(self.catalog);
        let served_catalog = catalog.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app_with_catalog(state, served_catalog)
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        TestApp {
            db,
            address,
            http: reqwest::Client::new(),
            catalog,
            crm,
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// An app with every test default.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        self.request(reqwest::Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        self.request(reqwest::Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        self.request(reqwest::Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_with(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::DELETE, path, token)
            .send()
            .await
            .unwrap()
    }

    /// One run of the minute maintenance job (booking expiry, pruning) with the test signal settings.
    /// One run of the booking expiry job.
    pub async fn run_booking_expiry(&self) -> ExpiryReport {
        let client = self.db.client().await;
        nedvizhimost::jobs::booking_expiry::run_once(&client)
            .await
            .unwrap()
    }

    /// One run of the hourly analytics refresh with the test signal settings (90 days of raw events kept).
    pub async fn run_analytics_refresh(&self) -> AnalyticsReport {
        let client = self.db.client().await;
        nedvizhimost::jobs::analytics::run_once(&client, &test_signal_settings())
            .await
            .unwrap()
    }

    /// One run of the event pruning job (old events and idempotency keys).
    pub async fn run_event_pruning(&self) -> PruningReport {
        let client = self.db.client().await;
        nedvizhimost::jobs::event_pruning::run_once(&client, &test_signal_settings())
            .await
            .unwrap()
    }
}

/// Sends every request at once (one task each) and returns the responses in order.
pub async fn send_concurrently(requests: Vec<reqwest::RequestBuilder>) -> Vec<reqwest::Response> {
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| tokio::spawn(async move { request.send().await.unwrap() }))
        .collect();
    let mut responses = Vec::with_capacity(handles.len());
    for handle in handles {
        responses.push(handle.await.unwrap());
    }
    responses
}
