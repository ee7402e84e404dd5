//! The ground every other area stands on: schema, migrations, configuration, errors, readiness, OpenAPI.

use std::collections::HashMap;

use crate::helpers::{
    admin_config, connect, content_type, fixtures, unix_seconds, TestApp, TestDb, PROBLEM_JSON,
    TEST_JWT_SECRET,
};
use axum::response::IntoResponse;
use nedvizhimost::config::{AuthSettings, ConfigError, PricingSettings, Secret, SettingsReader};
use nedvizhimost::error::AppError;
use nedvizhimost::{app, db, AppState};
use serde_json::Value;

#[tokio::test]
async fn migrations_apply_on_an_empty_database_and_a_second_run_is_a_no_op() {
    let admin = connect(&admin_config()).await;
    let name = format!(
        "nedv_test_{}_empty{:04x}",
        unix_seconds(),
        rand::random::<u16>()
    );
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut config = admin_config();
    config.dbname(&name);
    let first = db::migrate(&config).await.unwrap();
    assert!(first.len() >= 3, "{first:?}");
    assert!(first[0].starts_with("V1__"), "{first:?}");
    let second = db::migrate(&config).await.unwrap();
    assert!(second.is_empty(), "{second:?}");
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn every_table_of_the_request_exists_with_its_named_columns_and_comments() {
    let db = TestDb::new().await;
    let expected: HashMap<&str, &[&str]> = HashMap::from([
        (
            "users",
            &[
                "id",
                "email",
                "password_hash",
                "role",
                "display_name",
                "phone",
                "created_at",
                "updated_at",
            ][..],
        ),
        (
            "developers",
            &[
                "id",
                "name",
                "legal_name",
                "inn",
                "ogrn",
                "logo_url",
                "website",
                "verified",
                "created_at",
            ][..],
        ),
        (
            "projects",
            &[
                "id",
                "developer_id",
                "name",
                "city",
                "region_code",
                "address",
                "geo",
                "class",
                "commissioning_date",
                "cover_image_url",
                "description",
                "created_at",
            ][..],
        ),
        (
            "buildings",
            &[
                "id",
                "project_id",
                "name",
                "number",
                "sections",
                "floors",
                "commissioning_quarter",
                "commissioning_year",
                "created_at",
            ][..],
        ),
        (
            "apartments",
            &[
                "id",
                "building_id",
                "code",
                "floor",
                "rooms",
                "area_total",
                "area_living",
                "area_kitchen",
                "ceiling_height",
                "balcony",
                "layout_image_url",
                "base_price",
                "current_price",
                "currency",
                "status",
                "tour_url",
                "created_at",
                "updated_at",
                "extra",
                "published_at",
            ][..],
        ),
        (
            "price_history",
            &[
                "id",
                "apartment_id",
                "changed_at",
                "old_price",
                "new_price",
                "reason",
            ][..],
        ),
        (
            "views_log",
            &["id", "apartment_id", "user_id", "event", "occurred_at"][..],
        ),
        (
            "apartment_stats",
            &["apartment_id", "views_24h", "bookings_24h", "updated_at"][..],
        ),
        (
            "bookings",
            &[
                "id",
                "apartment_id",
                "user_id",
                "status",
                "booked_at",
                "expires_at",
                "crm_external_id",
            ][..],
        ),
        (
            "promotions",
            &[
                "id",
                "name",
                "discount_percent",
                "starts_at",
                "ends_at",
                "conditions",
            ][..],
        ),
        (
            "webhook_inbox",
            &["id", "source", "payload", "received_at", "processed"][..],
        ),
        (
            "dynamic_pricing_config",
            &["id", "k1", "k2", "enabled", "created_at"][..],
        ),
        (
            "developer_members",
            &["developer_id", "user_id", "company_role"][..],
        ),
        ("leads", &["id", "apartment_id", "created_at"][..]),
        (
            "refresh_tokens",
            &["id", "user_id", "family_id", "token_hash", "revoked_at"][..],
        ),
        (
            "pricing_runs",
            &["id", "trigger", "started_at", "finished_at"][..],
        ),
        (
            "audit_log",
            &["id", "actor_user_id", "action", "entity", "entity_id"][..],
        ),
    ]);
    for (table, columns) in &expected {
        let present: Vec<String> = db
            .column(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                &[table],
            )
            .await;
        for column in *columns {
            assert!(
                present.iter().any(|name| name == column),
                "{table}.{column} is missing"
            );
        }
    }
    let uncommented: Vec<String> = db
        .column(
            "SELECT c.relname || coalesce('.' || a.attname, '')
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relkind IN ('r', 'v', 'm')
               AND c.relname NOT IN ('refinery_schema_history', 'spatial_ref_sys', 'geography_columns',
                                     'geometry_columns')
               AND col_description(c.oid, coalesce(a.attnum, 0)) IS NULL
               AND (a.attnum IS NOT NULL OR obj_description(c.oid, 'pg_class') IS NULL)",
            &[],
        )
        .await
        .into_iter()
        .filter(|name: &String| name.contains('.') || !name.is_empty())
        .collect();
    assert!(
        uncommented.is_empty(),
        "tables or columns without COMMENT ON: {uncommented:?}"
    );
    let functions_without_comment: Vec<String> = db
        .column(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
             LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
             WHERE d.objid IS NULL AND obj_description(p.oid, 'pg_proc') IS NULL",
            &[],
        )
        .await;
    assert!(
        functions_without_comment.is_empty(),
        "functions without COMMENT ON: {functions_without_comment:?}"
    );
}

#[tokio::test]
async fn constraint_violations_answer_409_or_422_naming_the_field() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let developer = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building) = fixtures::project(&**client, developer, "ЖК").await;
    let cases = [
        (
            "INSERT INTO developers (name, legal_name, inn, ogrn) VALUES ('x', 'x', '7707083893', '1027700132196')",
            409,
            "inn",
        ),
        (
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, area_living, base_price, current_price)
             VALUES ($1, 'A1', 1, 1, 40, 50, 100, 100)",
            422,
            "area_living",
        ),
        (
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price)
             VALUES ($1, 'A2', 1, 1, 40, -5, 100)",
            422,
            "base_price",
        ),
        (
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price)
             VALUES ($1::bigint + 1000, 'A3', 1, 1, 40, 100, 100)",
            422,
            "building_id",
        ),
    ];
    for (sql, status, field) in cases {
        let error = if sql.contains("$1") {
            client.execute(sql, &[&building]).await.unwrap_err()
        } else {
            client.execute(sql, &[]).await.unwrap_err()
        };
        let response = AppError::from(error).into_response();
        assert_eq!(response.status().as_u16(), status, "{sql}");
        assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{sql}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(field));
    }
}

fn test_state(pool: deadpool_postgres::Pool) -> AppState {
    AppState::new(
        pool,
        PricingSettings::default(),
        nedvizhimost::auth::AuthKeys::new(&Secret::new(TEST_JWT_SECRET), AuthSettings::default()),
        nedvizhimost::config::SignalSettings::default(),
    )
}

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    format!("http://{address}")
}

#[tokio::test]
async fn ready_answers_503_when_the_database_is_down_or_not_migrated() {
    let mut unreachable = admin_config();
    unreachable
        .port(1)
        .connect_timeout(std::time::Duration::from_secs(2));
    let base = serve(test_state(db::create_pool(unreachable, 1))).await;
    let response = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(content_type(&response), PROBLEM_JSON);
    assert_eq!(
        reqwest::get(format!("{base}/health"))
            .await
            .unwrap()
            .status(),
        200
    );

    let base = serve(test_state(db::create_pool(admin_config(), 1))).await;
    let response = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(
        response.status(),
        503,
        "the maintenance database has no schema"
    );

    let app = TestApp::spawn().await;
    let ready: Value = app.get("/ready").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["schema_version"], db::latest_embedded_migration());
}

#[test]
fn configuration_errors_name_the_variable_and_never_print_secrets() {
    let read = |pairs: &[(&str, &str)]| {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SettingsReader::new(move |name| map.get(name).cloned()).settings()
    };
    let strong = "s3cr3t-Value-with-enough-distinct-bytes-0123456789";
    assert!(matches!(
        read(&[]).unwrap_err(),
        ConfigError::Missing { name: "JWT_SECRET" }
    ));
    let error = read(&[("JWT_SECRET", strong), ("PORT", "eighty")]).unwrap_err();
    assert!(error.to_string().contains("PORT"), "{error}");
    let error = read(&[
        ("JWT_SECRET", strong),
        ("DATABASE_PASSWORD_FILE", "/nonexistent/db_password"),
    ])
    .unwrap_err();
    assert!(
        error.to_string().contains("DATABASE_PASSWORD_FILE"),
        "{error}"
    );
    let error = read(&[("JWT_SECRET", "short")]).unwrap_err();
    assert!(
        error.to_string().contains("JWT_SECRET") && !error.to_string().contains("short"),
        "{error}"
    );
    let error = read(&[("JWT_SECRET", strong), ("ELASTICITY_CAP", "3")]).unwrap_err();
    assert!(error.to_string().contains("ELASTICITY_CAP"), "{error}");

    let settings = read(&[("JWT_SECRET", strong), ("DATABASE_PASSWORD", "hunter2-db")]).unwrap();
    let printed = format!("{settings:?}");
    assert!(
        !printed.contains(strong) && !printed.contains("hunter2-db"),
        "{printed}"
    );
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_4xx_problems() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@example.ru").await;
    let huge = format!("{{\"comment\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = app
        .request(reqwest::Method::PUT, "/pricing/config", Some(&moderator))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let response = app
        .request(reqwest::Method::PUT, "/pricing/config", Some(&moderator))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(content_type(&response), PROBLEM_JSON);
    let response = app
        .request(reqwest::Method::PUT, "/pricing/config", Some(&moderator))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(app.get("/no-such-page").await.status(), 404);
}

/// Walks the whole document, so the rule holds for every future endpoint too.
#[tokio::test]
async fn every_schema_property_has_a_russian_description_and_an_example() {
    let app = TestApp::spawn().await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(document["info"]["description"]
        .as_str()
        .unwrap()
        .contains("Недвижимость"));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let has_cyrillic = |text: &str| {
        text.chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap()))
    };
    let mut problems = Vec::new();
    for (schema_name, schema) in schemas {
        let Some(properties) = schema["properties"].as_object() else {
            if schema["description"]
                .as_str()
                .is_none_or(|text| !has_cyrillic(text))
            {
                problems.push(format!("{schema_name}: no Russian description"));
            }
            continue;
        };
        for (property, definition) in properties {
            let referenced = definition["$ref"]
                .as_str()
                .or_else(|| definition["allOf"][0]["$ref"].as_str())
                .or_else(|| definition["oneOf"][0]["$ref"].as_str())
                .or_else(|| definition["items"]["$ref"].as_str())
                .and_then(|reference| reference.rsplit('/').next())
                .map(|name| &schemas[name]);
            let description = definition["description"]
                .as_str()
                .or_else(|| referenced.and_then(|schema| schema["description"].as_str()));
            if description.is_none_or(|text| !has_cyrillic(text)) {
                problems.push(format!("{schema_name}.{property}: no Russian description"));
            }
            let example = !definition["example"].is_null()
                || definition.get("example").is_some()
                || definition.get("examples").is_some()
                || referenced.is_some()
                || definition["items"].get("example").is_some();
            if !example {
                problems.push(format!("{schema_name}.{property}: no example"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            assert!(
                operation["tags"]
                    .as_array()
                    .is_some_and(|tags| !tags.is_empty()),
                "{method} {path}: no tag"
            );
            assert!(
                operation["summary"].as_str().is_some_and(has_cyrillic),
                "{method} {path}: no Russian summary"
            );
        }
    }
    let swagger = app.get("/docs/").await;
    assert_eq!(swagger.status(), 200);
    assert!(swagger.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn service_connections_run_without_jit_and_keep_options_given_in_the_url() {
    let mut given = admin_config();
    given.options("-c statement_timeout=12345");
    let pool = db::create_pool(given, 1);
    let client = pool.get().await.unwrap();
    let jit: String = client.query_one("SHOW jit", &[]).await.unwrap().get(0);
    assert_eq!(jit, "off");
    let timeout: String = client
        .query_one("SHOW statement_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(timeout, "12345ms");
}
