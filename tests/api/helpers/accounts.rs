//! Buyers, moderators and developer companies, made through the API or, when many are needed, straight in SQL.

use nedvizhimost::auth::AuthKeys;
use nedvizhimost::config::{AuthSettings, Secret};
use serde_json::{json, Value};

use super::{TestApp, TEST_JWT_SECRET};

/// Password of the accounts made by the helpers below.
pub const TEST_PASSWORD: &str = "Тестовый-пароль-2025";

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
        let user_id: i64 = self
            .db
            .scalar(
                "INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'not-a-login', 'Покупатель')
                 RETURNING id",
                &[&email],
            )
            .await;
        let keys = AuthKeys::new(&Secret::new(TEST_JWT_SECRET), AuthSettings::default());
        let token = keys
            .issue_access_token(user_id, nedvizhimost::auth::Role::Buyer, &[])
            .unwrap();
        (user_id, token)
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

    /// The id of the user with this email, whatever its case.
    pub async fn user_id(&self, email: &str) -> i64 {
        self.db
            .scalar(
                "SELECT id FROM users WHERE lower(email) = lower($1)",
                &[&email],
            )
            .await
    }
}
