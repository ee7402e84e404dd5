//! What a client hears about a malformed request: Russian, the field named once, what is expected instead; text
//! PostgreSQL cannot store (NUL, invalid UTF-8) is refused up front.

use crate::helpers::{Problem, TestApp, PROBLEM_JSON};
use reqwest::StatusCode;
use serde_json::json;

/// English that serde, serde_urlencoded or axum would leak.
const ENGLISH: [&str; 9] = [
    "invalid",
    "expected",
    "missing",
    "unknown",
    "EOF",
    "field",
    "Failed",
    "deserialize",
    "string",
];

/// A 422 naming `field` once, in Russian, with `expected` in its message.
fn assert_russian_field_error(problem: &Problem, field: &str, expected: &str) {
    assert_eq!(
        problem.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        problem.body
    );
    assert_eq!(problem.content_type, PROBLEM_JSON);
    assert_eq!(problem.fields(), [field], "{}", problem.body);
    let message = problem.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(expected), "{message}");
    let detail = problem.detail();
    assert_eq!(
        detail.matches(field).count(),
        1,
        "the field is named once: {detail}"
    );
    for english in ENGLISH {
        assert!(!detail.contains(english), "{english} in {detail}");
    }
}

#[tokio::test]
async fn query_complaints_are_russian_and_state_what_the_parameter_expects() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "/apartments?limit=abc",
            "limit",
            "ожидается целое число от 1 до 100, получено «abc»",
        ),
        (
            "/apartments?floor_max=99999999999",
            "floor_max",
            "ожидается целое число от -5 до 200",
        ),
        (
            "/apartments?floor_max=2147483646",
            "floor_max",
            "ожидается этаж от -5 до 200",
        ),
        (
            "/map/projects?zoom=3",
            "bbox",
            "обязательное поле: ожидается строка",
        ),
        (
            "/apartments?colour=red",
            "colour",
            "неизвестное поле; допустимые поля: area_max, area_min, balcony, building_id",
        ),
        (
            "/apartments?with_promotion=yes",
            "with_promotion",
            "ожидается true или false, получено «yes»",
        ),
        (
            "/apartments?commissioning_from=2027-13-01",
            "commissioning_from",
            "ожидается дата в формате ГГГГ-ММ-ДД",
        ),
    ];
    for (path, field, expected) in cases {
        let problem = Problem::read(app.get(path).await).await;
        assert_russian_field_error(&problem, field, expected);
    }
}

#[tokio::test]
async fn body_complaints_are_russian_and_state_what_the_field_expects() {
    let app = TestApp::spawn().await;
    let app = &app;
    let register =
        |body: serde_json::Value| async move { app.post_json("/auth/register", None, &body).await };
    let problem = Problem::read(
        register(json!({"email": "a@b.ru", "password": "x", "display_name": 5})).await,
    )
    .await;
    assert_russian_field_error(
        &problem,
        "display_name",
        "ожидается строка от 1 до 200 символов, получено число 5",
    );
    let problem = Problem::read(register(json!({"email": "a@b.ru", "password": "x"})).await).await;
    assert_russian_field_error(&problem, "display_name", "обязательное поле");
    let problem = Problem::read(
        register(json!({"email": "a@b.ru", "password": "x", "display_name": "И", "colour": 1}))
            .await,
    )
    .await;
    assert_russian_field_error(
        &problem,
        "colour",
        "неизвестное поле; допустимые поля: display_name, email",
    );

    let response = app
        .request(reqwest::Method::POST, "/auth/register", None)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let problem = Problem::read(response).await;
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert_eq!(problem.content_type, PROBLEM_JSON);
    assert_eq!(
        problem.detail(),
        "Тело запроса не является корректным JSON: JSON обрывается: не хватает закрывающей скобки или кавычки (строка 1, символ 10)"
    );
    let response = app
        .request(reqwest::Method::POST, "/auth/register", None)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let problem = Problem::read(response).await;
    assert_eq!(problem.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        problem.detail().contains("application/json"),
        "{}",
        problem.body
    );
}

#[tokio::test]
async fn nul_in_any_text_is_a_422_naming_the_field_not_a_postgresql_error() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/auth/register",
            None,
            &json!({"email": "nul@example.ru", "password": "Ромашка-весна-2024", "display_name": "Иван\u{0}"}),
        )
        .await;
    let problem = Problem::read(response).await;
    assert_russian_field_error(&problem, "display_name", "NUL");

    let problem = Problem::read(app.get("/apartments?city=%D0%9C%00").await).await;
    assert_russian_field_error(&problem, "city", "NUL");
    let registered: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM users WHERE email = 'nul@example.ru'",
            &[],
        )
        .await;
    assert_eq!(registered, 0);
}

#[tokio::test]
async fn invalid_utf8_in_the_query_string_is_a_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let problem = Problem::read(app.get("/apartments?city=%FF%FE").await).await;
    assert_russian_field_error(&problem, "city", "UTF-8");
    let problem = Problem::read(app.get("/map/projects?bbox=%C3%28&zoom=3").await).await;
    assert_russian_field_error(&problem, "bbox", "UTF-8");
}
