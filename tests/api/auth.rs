use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::helpers::{
    content_type, error_fields, Problem, TestApp, PROBLEM_JSON, TEST_JWT_SECRET, TEST_PASSWORD,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nedvizhimost::config::AuthSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims(user_id: i64) -> Value {
    json!({
        "sub": user_id.to_string(),
        "role": "buyer",
        "developer_ids": [],
        "iss": "nedvizhimost",
        "aud": "nedvizhimost-api",
        "iat": now(),
        "exp": now() + 600,
        "jti": "test",
        "typ": "access",
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.post_json(
        "/auth/refresh",
        None,
        &json!({"refresh_token": refresh_token}),
    )
    .await
}

#[tokio::test]
async fn register_login_me_refresh_reuse_and_logout() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/auth/register",
            None,
            &json!({
                "email": "  Ivan.Petrov@Example.RU ",
                "password": TEST_PASSWORD,
                "display_name": "Иван Петров",
                "phone": "8 (916) 123-45-67",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Value = response.json().await.unwrap();
    assert_eq!(registered["token_type"], "Bearer");
    assert_eq!(registered["expires_in"], 900);
    assert_eq!(registered["refresh_token"].as_str().unwrap().len(), 43);

    let response = app.login("IVAN.PETROV@example.ru", TEST_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let login: Value = response.json().await.unwrap();
    let access = login["access_token"].as_str().unwrap();
    let first_refresh = login["refresh_token"].as_str().unwrap();

    let response = app.get_with("/auth/me", Some(access)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], "ivan.petrov@example.ru");
    assert_eq!(me["phone"], "+79161234567");
    assert_eq!(me["display_name"], "Иван Петров");
    assert_eq!(me["role"], "buyer");
    assert_eq!(me["companies"], json!([]));

    let response = refresh(&app, first_refresh).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    let second_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first_refresh);
    let response = app
        .get_with("/auth/me", rotated["access_token"].as_str())
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The used token comes back: theft. It is refused and its whole family dies with it.
    let response = refresh(&app, first_refresh).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = refresh(&app, second_refresh).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let client = app.db.client().await;
    let user_id = me["id"].as_i64().unwrap();
    let families: Vec<(i64, i64)> = client
        .query(
            "SELECT count(*), count(revoked_at) FROM refresh_tokens WHERE user_id = $1
              GROUP BY family_id ORDER BY min(id)",
            &[&user_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        families,
        vec![(1, 0), (2, 2)],
        "only the login family is revoked"
    );
    let reuse_logged: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse' AND entity_id = $1",
            &[&user_id],
        )
        .await;
    assert_eq!(reuse_logged, 1);

    // The registration session is another family and still works until logout.
    let response = refresh(&app, registered["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    let response = app
        .post_json(
            "/auth/logout",
            None,
            &json!({"refresh_token": session["refresh_token"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = refresh(&app, session["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let active: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL",
            &[&user_id],
        )
        .await;
    assert_eq!(active, 0);

    let response = app
        .post_json(
            "/auth/logout",
            None,
            &json!({"refresh_token": "unknown-token"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_sha256() {
    let app = TestApp::spawn().await;
    let tokens = app.register("hash@example.ru", TEST_PASSWORD).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let stored: Vec<u8> = app
        .db
        .scalar("SELECT token_hash FROM refresh_tokens", &[])
        .await;
    assert_eq!(
        stored,
        nedvizhimost::auth::refresh_token_hash(refresh_token)
    );
    assert_eq!(stored.len(), 32);
    assert_eq!(URL_SAFE_NO_PAD.decode(refresh_token).unwrap().len(), 32);
}

#[tokio::test]
async fn forged_and_stale_access_tokens_answer_401() {
    let app = TestApp::spawn().await;
    let tokens = app.register("victim@example.ru", TEST_PASSWORD).await;
    let user_id = app.user_id("victim@example.ru").await;
    let base = claims(user_id);

    let valid = sign(&base, TEST_JWT_SECRET);
    assert_eq!(
        app.get_with("/auth/me", Some(&valid)).await.status(),
        StatusCode::OK
    );
    let within_leeway = sign(
        &with(base.clone(), "exp", json!(now() - 10)),
        TEST_JWT_SECRET,
    );
    assert_eq!(
        app.get_with("/auth/me", Some(&within_leeway))
            .await
            .status(),
        StatusCode::OK,
        "10 s of clock skew is tolerated"
    );

    let unsigned_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(base.to_string());
    let signed_valid_parts: Vec<&str> = valid.split('.').collect();
    let forged = [
        ("alg none", format!("{unsigned_header}.{payload}.")),
        (
            "alg none with a signature",
            format!("{unsigned_header}.{payload}.{}", signed_valid_parts[2]),
        ),
        (
            "wrong secret",
            sign(&base, "another-secret-of-enough-length-0123456789"),
        ),
        (
            "HS512 with the right secret",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS512),
                &base,
                &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
            )
            .unwrap(),
        ),
        (
            "expired beyond leeway",
            sign(
                &with(base.clone(), "exp", json!(now() - 120)),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(
                &with(base.clone(), "aud", json!("other-api")),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            sign(&with(base.clone(), "iss", json!("evil")), TEST_JWT_SECRET),
        ),
        (
            "no audience",
            sign(
                &{
                    let mut claims = base.clone();
                    claims.as_object_mut().unwrap().remove("aud");
                    claims
                },
                TEST_JWT_SECRET,
            ),
        ),
        (
            "typ refresh",
            sign(
                &with(base.clone(), "typ", json!("refresh")),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "refresh token as access token",
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                signed_valid_parts[0],
                URL_SAFE_NO_PAD.encode(with(base.clone(), "role", json!("moderator")).to_string()),
                signed_valid_parts[2]
            ),
        ),
        (
            "unknown user",
            sign(&with(base.clone(), "sub", json!("999999")), TEST_JWT_SECRET),
        ),
        ("garbage", "not-a-token".to_owned()),
    ];
    for (case, token) in forged {
        let response = app.get_with("/auth/me", Some(&token)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(content_type(&response), PROBLEM_JSON, "{case}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{case}"
        );
    }

    let response = app.get("/auth/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no token");
    let response = app
        .http
        .get(app.url("/auth/me"))
        .header("authorization", format!("Basic {valid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "wrong scheme");
}

#[tokio::test]
async fn token_of_a_deleted_user_answers_401() {
    let app = TestApp::spawn().await;
    let access = app.register_buyer("gone@example.ru").await;
    assert_eq!(
        app.get_with("/auth/me", Some(&access)).await.status(),
        StatusCode::OK
    );
    app.db
        .execute("DELETE FROM users WHERE email = 'gone@example.ru'", &[])
        .await;
    assert_eq!(
        app.get_with("/auth/me", Some(&access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn login_answers_the_same_for_unknown_email_and_wrong_password() {
    let app = TestApp::spawn().await;
    app.register_buyer("known@example.ru").await;
    let wrong_password = app.login("known@example.ru", "Неверный-пароль-1").await;
    let unknown_email = app.login("unknown@example.ru", "Неверный-пароль-1").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    let wrong_password: Value = wrong_password.json().await.unwrap();
    let unknown_email: Value = unknown_email.json().await.unwrap();
    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn too_many_failed_logins_for_one_email_answer_429_with_retry_after() {
    let app = TestApp::spawn().await;
    app.register_buyer("target@example.ru").await;
    for attempt in 1..=5 {
        let response = app.login("target@example.ru", "Подбираемый-пароль").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    for password in ["Подбираемый-пароль", TEST_PASSWORD] {
        let response = app.login("Target@Example.ru", password).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        assert_eq!(content_type(&response), PROBLEM_JSON);
    }
    // The lock is per email (and per address, whose limit is higher): others still log in.
    app.register_buyer("neighbour@example.ru").await;
    assert_eq!(
        app.login("neighbour@example.ru", TEST_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // Locked attempts are not recorded: the lock ends with the window, not later.
    let recorded: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM login_attempts WHERE email = 'target@example.ru'",
            &[],
        )
        .await;
    assert_eq!(recorded, 5);
}

#[tokio::test]
async fn a_successful_login_clears_its_own_failures() {
    let app = TestApp::spawn().await;
    app.register_buyer("forgetful@example.ru").await;
    for _ in 0..4 {
        app.login("forgetful@example.ru", "Почти-правильный-пароль")
            .await;
    }
    assert_eq!(
        app.login("forgetful@example.ru", TEST_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    for attempt in 1..=4 {
        let response = app
            .login("forgetful@example.ru", "Почти-правильный-пароль")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
}

#[tokio::test]
async fn too_many_failed_logins_from_one_address_answer_429() {
    let app = TestApp::builder()
        .auth(AuthSettings {
            login_failures_per_email: 100,
            login_failures_per_ip: 3,
            ..AuthSettings::default()
        })
        .spawn()
        .await;
    for n in 0..3 {
        let response = app
            .login(&format!("spray{n}@example.ru"), "Один-пароль-для-всех")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.login("spray9@example.ru", "Один-пароль-для-всех").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let address: String = app
        .db
        .scalar("SELECT DISTINCT host(client_ip) FROM login_attempts", &[])
        .await;
    assert_eq!(address, "127.0.0.1");
}

async fn login_from(app: &TestApp, forwarded_for: &str, email: &str) -> StatusCode {
    app.http
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": "Неверный-пароль-1"}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let limits = AuthSettings {
        login_failures_per_email: 100,
        login_failures_per_ip: 2,
        ..AuthSettings::default()
    };
    let trusting = TestApp::builder()
        .auth(AuthSettings {
            trust_forwarded_for: true,
            ..limits.clone()
        })
        .spawn()
        .await;
    let first_hop = "203.0.113.7, 10.0.0.1";
    assert_eq!(login_from(&trusting, first_hop, "a@example.ru").await, 401);
    assert_eq!(login_from(&trusting, first_hop, "b@example.ru").await, 401);
    assert_eq!(login_from(&trusting, first_hop, "c@example.ru").await, 429);
    assert_eq!(
        login_from(&trusting, "198.51.100.1", "c@example.ru").await,
        401,
        "another client behind the same proxy is not locked"
    );

    let direct = TestApp::builder().auth(limits).spawn().await;
    assert_eq!(
        login_from(&direct, "203.0.113.1", "a@example.ru").await,
        401
    );
    assert_eq!(
        login_from(&direct, "203.0.113.2", "b@example.ru").await,
        401
    );
    assert_eq!(
        login_from(&direct, "203.0.113.3", "c@example.ru").await,
        429,
        "a forged X-Forwarded-For does not escape the socket address limit"
    );
}

#[tokio::test]
async fn stored_password_hash_is_argon2id_with_owasp_parameters() {
    let app = TestApp::spawn().await;
    app.register_buyer("argon@example.ru").await;
    let hash: String = app
        .db
        .scalar(
            "SELECT password_hash FROM users WHERE email = 'argon@example.ru'",
            &[],
        )
        .await;
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(TEST_PASSWORD));
}

#[tokio::test]
async fn registration_validates_and_normalizes_fields() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/auth/register",
            None,
            &json!({"email": "not-an-email", "password": "short", "display_name": " ", "phone": "12345"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(response).await;
    fields.sort();
    assert_eq!(fields, ["display_name", "email", "password", "phone"]);

    let response = app
        .post_json(
            "/auth/register",
            None,
            &json!({"email": "maria.ivanova@example.ru", "password": "maria.ivanova-2024", "display_name": "Мария"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["password"]);

    app.register_buyer("taken@example.ru").await;
    let response = app
        .post_json(
            "/auth/register",
            None,
            &json!({"email": "TAKEN@example.ru", "password": TEST_PASSWORD, "display_name": "Двойник"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_fields(response).await, ["email"]);
}

#[tokio::test]
async fn registration_cannot_choose_a_role() {
    let app = TestApp::spawn().await;
    for (field, value) in [
        ("role", json!("moderator")),
        ("developer_ids", json!([1])),
        ("id", json!(1)),
    ] {
        let mut body = json!({"email": "climber@example.ru", "password": TEST_PASSWORD, "display_name": "Хакер"});
        body[field] = value;
        let response = app.post_json("/auth/register", None, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        assert_eq!(error_fields(response).await, [field]);
    }
    let users: i64 = app.db.scalar("SELECT count(*) FROM users", &[]).await;
    assert_eq!(users, 0);
}

#[tokio::test]
async fn profile_changes_and_password_change_with_the_old_one() {
    let app = TestApp::spawn().await;
    let tokens = app.register("changer@example.ru", TEST_PASSWORD).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let response = app
        .patch_json(
            "/auth/me",
            Some(&access),
            &json!({"display_name": "Новое имя", "phone": "+7 (903) 000-11-22"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["display_name"], "Новое имя");
    assert_eq!(me["phone"], "+79030001122");
    let response = app
        .patch_json("/auth/me", Some(&access), &json!({"phone": null}))
        .await;
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["phone"], Value::Null);
    assert_eq!(me["display_name"], "Новое имя");

    let response = app
        .patch_json("/auth/me", Some(&access), &json!({"role": "moderator"}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .patch_json(
            "/auth/me",
            Some(&access),
            &json!({"email": "other@example.ru"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let new_password = "Совсем-новый-пароль-7";
    let response = app
        .patch_json(
            "/auth/me",
            Some(&access),
            &json!({"new_password": new_password}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["current_password"]);
    let response = app
        .patch_json(
            "/auth/me",
            Some(&access),
            &json!({"new_password": new_password, "current_password": "Неверный-пароль-1"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["current_password"]);

    // Tokens issued before the change must be older than the revocation second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = app
        .patch_json(
            "/auth/me",
            Some(&access),
            &json!({"new_password": new_password, "current_password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    assert_eq!(
        app.get_with("/auth/me", Some(&access)).await.status(),
        StatusCode::UNAUTHORIZED,
        "the old access token is revoked"
    );
    assert_eq!(
        refresh(&app, tokens["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the old refresh token is revoked"
    );
    assert_eq!(
        app.login("changer@example.ru", TEST_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let response = app.login("changer@example.ru", new_password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh: Value = response.json().await.unwrap();
    assert_eq!(
        app.get_with("/auth/me", fresh["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn moderators_grant_the_moderator_role() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("Chief@Assoc.ru").await;
    let buyer = app.register_buyer("future.moderator@example.ru").await;

    let response = app
        .post_json(
            "/auth/moderators",
            Some(&buyer),
            &json!({"email": "future.moderator@example.ru"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = app
        .post_json(
            "/auth/moderators",
            Some(&moderator),
            &json!({"email": "Future.Moderator@example.ru"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let profile: Value = response.json().await.unwrap();
    assert_eq!(profile["role"], "moderator");
    let me: Value = app
        .get_with("/auth/me", Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["role"], "moderator",
        "the role is read fresh on every request"
    );

    let response = app
        .post_json(
            "/auth/moderators",
            Some(&moderator),
            &json!({"email": "nobody@example.ru"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["email"]);
}

#[tokio::test]
async fn create_moderator_is_idempotent_and_resets_the_password() {
    let app = TestApp::spawn().await;
    app.register_buyer("promoted@example.ru").await;
    let client = app.db.client().await;
    let account = nedvizhimost::auth::create_or_promote_moderator(
        &client,
        "Promoted@example.ru",
        "Пароль-модератора-1",
    )
    .await
    .unwrap();
    assert!(!account.created);
    assert_eq!(account.email, "promoted@example.ru");
    assert_eq!(
        app.login("promoted@example.ru", TEST_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let response = app
        .login("promoted@example.ru", "Пароль-модератора-1")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    let me: Value = app
        .get_with("/auth/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "moderator");

    let short =
        nedvizhimost::auth::create_or_promote_moderator(&client, "x@example.ru", "short").await;
    assert!(short.is_err());
}

#[tokio::test]
async fn cli_create_moderator_prints_one_line_without_the_password() {
    let app = TestApp::spawn().await;
    let password = "Пароль-из-файла-42";
    let password_file = std::env::temp_dir().join(format!("moderator-{}.txt", app.db.name));
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    let database_url = app.db.connection_string();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_nedvizhimost"))
            .args([
                "create-moderator",
                "--email",
                "Root@Assoc.ru",
                "--password-file",
            ])
            .arg(&password_file)
            .env("DATABASE_URL", &database_url)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8(first.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("root@assoc.ru") && stdout.contains("создан"),
        "{stdout}"
    );
    assert!(!stdout.contains(password));
    let second = run();
    assert!(second.status.success(), "{second:?}");
    assert!(String::from_utf8(second.stdout)
        .unwrap()
        .contains("назначен, пароль задан"));
    std::fs::remove_file(&password_file).unwrap();

    let response = app.login("root@assoc.ru", password).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn openapi_describes_the_auth_endpoints() {
    let app = TestApp::spawn().await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    for (path, method) in [
        ("/auth/register", "post"),
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/logout", "post"),
        ("/auth/me", "get"),
        ("/auth/me", "patch"),
        ("/auth/moderators", "post"),
        ("/developers", "post"),
        ("/developers/{id}", "patch"),
        ("/developers/{id}/moderation", "post"),
        ("/developers/{id}/members", "post"),
        ("/developers/{id}/members/{user_id}", "delete"),
        ("/apartments/{id}/price", "patch"),
    ] {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path}");
        assert!(operation["summary"].is_string(), "{method} {path}");
    }
    assert_eq!(
        document["paths"]["/auth/me"]["get"]["security"],
        json!([{"bearer": []}])
    );
    let token_response = &document["components"]["schemas"]["TokenResponse"]["properties"];
    for field in ["access_token", "refresh_token", "token_type", "expires_in"] {
        assert!(token_response[field]["description"].is_string(), "{field}");
        assert!(!token_response[field]["example"].is_null(), "{field}");
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_exceed_the_limit() {
    let app = TestApp::spawn().await;
    app.register_buyer("parallel@example.ru").await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..12 {
        let http = app.http.clone();
        let url = app.url("/auth/login");
        guesses.spawn(async move {
            http.post(url)
                .json(&json!({"email": "parallel@example.ru", "password": format!("Догадка-номер-{n}")}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses
        .iter()
        .filter(|status| **status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 7), "{statuses:?}");
}

#[tokio::test]
async fn login_refuses_an_oversized_password_before_hashing_like_registration() {
    let app = TestApp::spawn().await;
    app.register_buyer("long@example.ru").await;
    let oversized = "x".repeat(900 * 1024);
    let registration = Problem::read(
        app.post_json(
            "/auth/register",
            None,
            &json!({"email": "other@example.ru", "password": oversized, "display_name": "Длинный"}),
        )
        .await,
    )
    .await;
    let login = Problem::read(app.login("long@example.ru", &oversized).await).await;
    assert_eq!(login.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(login.content_type, PROBLEM_JSON);
    assert_eq!(login.fields(), ["password"]);
    assert_eq!(login.body["errors"], registration.body["errors"]);
    assert_eq!(
        login.body["errors"][0]["message"],
        "пароль должен быть не длиннее 128 символов"
    );
    let attempts: i64 = app
        .db
        .scalar("SELECT count(*) FROM login_attempts", &[])
        .await;
    assert_eq!(attempts, 0, "refused before the attempt is even counted");
}

/// Log lines written while a test holds the guard of [`CapturedLogs::install`] on its thread.
#[derive(Clone, Default)]
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl CapturedLogs {
    /// The app's logs on this thread (a `#[tokio::test]` serves the app on the test's own thread). Keep both
    /// values for the test: with a single registered dispatcher tracing asks only the current thread's one
    /// whether a callsite is wanted, so a callsite first hit by a test on another thread would stay off for good.
    fn install(&self) -> (tracing::Dispatch, tracing::subscriber::DefaultGuard) {
        let second_dispatcher =
            tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let guard = tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .with_writer(self.clone())
                .with_ansi(false)
                .finish(),
        );
        (second_dispatcher, guard)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn login_limit_warnings_log_a_pseudonym_of_the_email_not_the_email() {
    let logs = CapturedLogs::default();
    let _capturing = logs.install();
    let app = TestApp::builder()
        .auth(AuthSettings {
            login_failures_per_email: 1,
            ..AuthSettings::default()
        })
        .spawn()
        .await;
    app.register_buyer("private.person@example.ru").await;
    let mut statuses = Vec::new();
    for _ in 0..2 {
        statuses.push(
            app.login("Private.Person@example.ru", "Подбираемый-пароль")
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses,
        [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]
    );
    let text = logs.text();
    let warning = text
        .lines()
        .find(|line| line.contains("login attempts over the limit"))
        .unwrap_or_else(|| panic!("no limit warning in:\n{text}"));
    let pseudonym = nedvizhimost::telemetry::pseudonym("private.person@example.ru");
    assert_eq!(pseudonym.len(), 12);
    assert!(warning.contains(&pseudonym), "{warning}");
    assert!(!text.to_lowercase().contains("private.person"), "{text}");
}
