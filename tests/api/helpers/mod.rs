//! Test harness: one migrated template database per migration set, one clone per test, the real router
//! served over loopback HTTP.
#![allow(dead_code)]

pub mod catalog;
pub mod fixtures;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use deadpool_postgres::Pool;
use nedvizhimost::auth::AuthKeys;
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{
    AuthSettings, CatalogSettings, PricingSettings, Secret, SignalSettings,
};
use nedvizhimost::{app_with_catalog, db, AppState};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use tokio_postgres::{Client, NoTls};

/// The JWT secret of every `TestApp`; sign with anything else to forge a token.
pub const TEST_JWT_SECRET: &str = "nedvizhimost-test-jwt-secret-0123456789-abcdef";
/// Password of the accounts made by the helpers below.
pub const TEST_PASSWORD: &str = "Тестовый-пароль-2025";

const TEMPLATE_LOCK_KEY: i64 = 0x7465_7374_746d_706c;
const STALE_TEST_DATABASE_SECONDS: u64 = 30 * 60;

pub fn admin_config() -> tokio_postgres::Config {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
        .parse()
        .expect("TEST_DATABASE_URL must be a PostgreSQL URL")
}

pub async fn connect(config: &tokio_postgres::Config) -> Client {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(connection);
    client
}

fn migrations_fingerprint() -> String {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(directory)
        .expect("migrations directory")
        .map(|entry| entry.expect("migration entry").path())
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .expect("read migration")
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Builds the migrated template once per migration set, shared by concurrent test processes.
async fn template_database() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let template = format!("nedv_template_{}", migrations_fingerprint());
            let admin = connect(&admin_config()).await;
            admin
                .execute("SELECT pg_advisory_lock($1)", &[&TEMPLATE_LOCK_KEY])
                .await
                .unwrap();
            let exists = admin
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
                .await
                .unwrap()
                .is_some();
            if !exists {
                let building = format!("{template}_building");
                for statement in [
                    format!("DROP DATABASE IF EXISTS {building}"),
                    format!("CREATE DATABASE {building}"),
                ] {
                    admin.batch_execute(&statement).await.unwrap();
                }
                let mut config = admin_config();
                config.dbname(&building);
                db::migrate(&config)
                    .await
                    .expect("migrate the template database");
                admin
                    .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                    .await
                    .unwrap();
            }
            drop_stale_test_databases(&admin).await;
            admin
                .execute("SELECT pg_advisory_unlock($1)", &[&TEMPLATE_LOCK_KEY])
                .await
                .unwrap();
            template
        })
        .await
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn drop_stale_test_databases(admin: &Client) {
    let rows = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'nedv_test_%'",
            &[],
        )
        .await
        .unwrap();
    for row in rows {
        let name: String = row.get(0);
        let created: Option<u64> = name.split('_').nth(2).and_then(|part| part.parse().ok());
        if created.is_some_and(|created| created + STALE_TEST_DATABASE_SECONDS < unix_seconds()) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// A fresh database cloned from the migrated template.
pub struct TestDb {
    pub name: String,
    pub config: tokio_postgres::Config,
    pub pool: Pool,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template_database().await;
        let name = format!("nedv_test_{}_{:08x}", unix_seconds(), rand::random::<u32>());
        let admin = connect(&admin_config()).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("clone the template database");
        let mut config = admin_config();
        config.dbname(&name);
        let pool = db::create_pool(config.clone(), 8);
        Self { name, config, pool }
    }

    pub async fn client(&self) -> deadpool_postgres::Object {
        self.pool.get().await.expect("test pool connection")
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub address: SocketAddr,
    pub http: reqwest::Client,
    /// The served app's catalog cache (`total` and map answers), to look at its hit counters.
    pub catalog: CatalogCache,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(PricingSettings {
            scheduler_enabled: false,
            ..PricingSettings::default()
        })
        .await
    }

    pub async fn spawn_with(pricing: PricingSettings) -> Self {
        Self::spawn_with_settings(pricing, AuthSettings::default()).await
    }

    /// Default pricing (scheduler off) with custom token lifetimes or login limits.
    pub async fn spawn_with_auth(auth: AuthSettings) -> Self {
        Self::spawn_with_settings(
            PricingSettings {
                scheduler_enabled: false,
                ..PricingSettings::default()
            },
            auth,
        )
        .await
    }

    pub async fn spawn_with_settings(pricing: PricingSettings, auth: AuthSettings) -> Self {
        Self::spawn_full(pricing, auth, test_signal_settings()).await
    }

    /// Default pricing and auth with custom demand-signal and booking settings.
    pub async fn spawn_with_signals(signals: SignalSettings) -> Self {
        Self::spawn_full(
            PricingSettings {
                scheduler_enabled: false,
                ..PricingSettings::default()
            },
            AuthSettings::default(),
            signals,
        )
        .await
    }

    pub async fn spawn_full(
        pricing: PricingSettings,
        auth: AuthSettings,
        signals: SignalSettings,
    ) -> Self {
        Self::spawn_with_everything(pricing, auth, signals, test_catalog_settings()).await
    }

    /// Default pricing, auth and signals with custom catalog settings (the `total` cache, the map summary).
    pub async fn spawn_with_catalog(catalog: CatalogSettings) -> Self {
        Self::spawn_with_everything(
            PricingSettings {
                scheduler_enabled: false,
                ..PricingSettings::default()
            },
            AuthSettings::default(),
            test_signal_settings(),
            catalog,
        )
        .await
    }

    pub async fn spawn_with_everything(
        pricing: PricingSettings,
        auth: AuthSettings,
        signals: SignalSettings,
        catalog: CatalogSettings,
    ) -> Self {
        let db = TestDb::new().await;
        let state = AppState::new(
            db.pool.clone(),
            pricing,
            AuthKeys::new(&Secret::new(TEST_JWT_SECRET), auth),
            signals,
        );
        let catalog = CatalogCache::new(catalog);
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
        Self {
            db,
            address,
            http: reqwest::Client::new(),
            catalog,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }
}

/// The `X-Service-Token` accepted by every `TestApp` on `POST /events:batch`.
pub const TEST_SERVICE_TOKEN: &str = "nedvizhimost-test-service-token-0123456789";

/// Catalog settings of every `TestApp` unless a test asks otherwise: no `total` cache (tests change the catalog
/// and search again at once), the map summary as in production.
pub fn test_catalog_settings() -> CatalogSettings {
    CatalogSettings {
        total_cache_ttl: std::time::Duration::ZERO,
        ..CatalogSettings::default()
    }
}

pub fn test_signal_settings() -> SignalSettings {
    SignalSettings {
        events_service_token: Some(Secret::new(TEST_SERVICE_TOKEN)),
        ..SignalSettings::default()
    }
}

/// Rows of a minimal catalog made directly in SQL: one project, building and apartment.
#[derive(Debug, Clone, Copy)]
pub struct CatalogRows {
    pub project_id: i64,
    pub building_id: i64,
    pub apartment_id: i64,
}

/// A random ИНН (10 digits) with a valid check digit, found with the service's own validator.
pub fn random_inn() -> String {
    loop {
        let body = format!("77{:07}", rand::random::<u32>() % 10_000_000);
        if let Some(inn) = (0..10)
            .map(|digit| format!("{body}{digit}"))
            .find(|inn| nedvizhimost::validation::validate_inn(inn).is_ok())
        {
            return inn;
        }
    }
}

/// A random ОГРН (13 digits) with a valid check digit.
pub fn random_ogrn() -> String {
    let body = format!("10277{:07}", rand::random::<u32>() % 10_000_000);
    (0..10)
        .map(|digit| format!("{body}{digit}"))
        .find(|ogrn| nedvizhimost::validation::validate_ogrn(ogrn).is_ok())
        .expect("one of ten check digits fits")
}

impl TestApp {
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

    pub async fn get_with(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, token)
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

    /// `POST /auth/register`; the token response as JSON (status asserted 201).
    pub async fn register(&self, email: &str, password: &str) -> Value {
        let response = self
            .post_json(
                "/auth/register",
                None,
                &json!({"email": email, "password": password, "display_name": "Тестовый покупатель"}),
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        response.json().await.unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/auth/login",
            None,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// A new buyer with [`TEST_PASSWORD`]; returns an access token.
    pub async fn register_buyer(&self, email: &str) -> String {
        self.register(email, TEST_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A moderator made like the `create-moderator` CLI does; returns an access token.
    pub async fn create_moderator(&self, email: &str) -> String {
        let client = self.db.client().await;
        nedvizhimost::auth::create_or_promote_moderator(&client, email, TEST_PASSWORD)
            .await
            .expect("create a moderator");
        self.access_token(email).await
    }

    /// Logs in with [`TEST_PASSWORD`]; returns an access token.
    pub async fn access_token(&self, email: &str) -> String {
        let response = self.login(email, TEST_PASSWORD).await;
        assert_eq!(response.status(), 200, "login {email}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A buyer inserted straight into the database with a freshly signed access token: no argon2,
    /// so a test can have a hundred buyers. Returns (user id, access token).
    pub async fn quick_buyer(&self, email: &str) -> (i64, String) {
        let client = self.db.client().await;
        let user_id: i64 = client
            .query_one(
                "INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'not-a-login', 'Покупатель')
                 RETURNING id",
                &[&email],
            )
            .await
            .unwrap()
            .get(0);
        let keys = AuthKeys::new(&Secret::new(TEST_JWT_SECRET), AuthSettings::default());
        let token = keys
            .issue_access_token(user_id, nedvizhimost::auth::Role::Buyer, &[])
            .unwrap();
        (user_id, token)
    }

    /// Publishes the apartments of a catalog made by [`TestApp::insert_catalog`].
    pub async fn publish_catalog(&self, rows: &CatalogRows) {
        let client = self.db.client().await;
        client
            .execute(
                "UPDATE projects SET moderation_status = 'published', published_at = now() - interval '30 days'
                 WHERE id = $1",
                &[&rows.project_id],
            )
            .await
            .unwrap();
        client
            .execute(
                "UPDATE apartments SET moderation_status = 'published', published_at = now() - interval '30 days'
                 WHERE building_id = $1",
                &[&rows.building_id],
            )
            .await
            .unwrap();
    }

    /// A developer user owning a new (unverified) company; returns an access token and the company id.
    pub async fn developer_with_company(&self, email: &str, company_name: &str) -> (String, i64) {
        let buyer_token = self.register_buyer(email).await;
        let response = self
            .post_json(
                "/developers",
                Some(&buyer_token),
                &json!({
                    "name": company_name,
                    "legal_name": format!("ООО «{company_name}»"),
                    "inn": random_inn(),
                    "ogrn": random_ogrn(),
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "register company {company_name}");
        let company: Value = response.json().await.unwrap();
        (
            self.access_token(email).await,
            company["id"].as_i64().unwrap(),
        )
    }

    /// One project, building and apartment of `developer_id`, inserted directly (the catalog API
    /// belongs to another module).
    pub async fn insert_catalog(&self, developer_id: i64) -> CatalogRows {
        let client = self.db.client().await;
        let project_id: i64 = client
            .query_one(
                "INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date)
                 VALUES ($1, 'ЖК Тестовый', 'Москва', 'RU-MOW', 'ул. Тестовая, 1',
                         ST_SetSRID(ST_MakePoint(37.62, 55.75), 4326)::geography, 'comfort', '2027-12-31')
                 RETURNING id",
                &[&developer_id],
            )
            .await
            .unwrap()
            .get(0);
        let building_id: i64 = client
            .query_one(
                "INSERT INTO buildings (project_id, name, floors) VALUES ($1, 'Корпус 1', 17) RETURNING id",
                &[&project_id],
            )
            .await
            .unwrap()
            .get(0);
        let apartment_id: i64 = client
            .query_one(
                "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price)
                 VALUES ($1, 'A-' || floor(random() * 1e9)::bigint::text, 5, 2, 54.3, 9300000, 9300000)
                 RETURNING id",
                &[&building_id],
            )
            .await
            .unwrap()
            .get(0);
        CatalogRows {
            project_id,
            building_id,
            apartment_id,
        }
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
