//! The AI picker over the small seeded catalog (helpers/catalog.rs): Moscow two-room flats a3 (55 m², 9.9 M, P1),
//! e1 (50 m², 10 M, P5) and a2 (60 m², 12 M, P1); P1's two-room median price per m² is (180 000 + 200 000) / 2.

use crate::helpers::catalog::seed;
use crate::helpers::{Problem, TestApp};
use nedvizhimost::config::PickerSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn start(app: &TestApp, visitor: &str) -> i64 {
    let response = app
        .post_json(
            "/picker/conversations",
            None,
            &json!({ "visitor_id": visitor }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["messages"], json!([]));
    assert_eq!(body["filters"]["city"], Value::Null);
    body["id"].as_i64().unwrap()
}

async fn say(app: &TestApp, id: i64, visitor: &str, text: &str) -> Value {
    let response = app
        .post_json(
            &format!("/picker/conversations/{id}/messages"),
            None,
            &json!({ "text": text, "visitor_id": visitor }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{text}");
    response.json().await.unwrap()
}

fn codes(reply: &Value) -> Vec<String> {
    reply["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["apartment"]["code"].as_str().unwrap().to_owned())
        .collect()
}

fn understood<'a>(reply: &'a Value, slot: &str) -> &'a Value {
    reply["understood"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["slot"] == slot)
        .unwrap_or_else(|| panic!("no {slot} in {reply}"))
}

#[tokio::test]
async fn a_conversation_understands_refines_ranks_and_explains() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let id = start(&app, "v-1").await;

    let reply = say(&app, id, "v-1", "Ищу двушку в Москве до 10 млн").await;
    assert_eq!(understood(&reply, "city")["value"], "Москва");
    assert_eq!(understood(&reply, "city")["words"], "в Москве");
    assert_eq!(understood(&reply, "rooms")["value"], json!([2]));
    assert_eq!(understood(&reply, "rooms")["words"], "двушку");
    assert_eq!(understood(&reply, "price_max")["value"], 10_000_000);
    assert_eq!(understood(&reply, "price_max")["words"], "до 10 млн");
    assert_eq!(reply["filters"]["city"], "Москва");
    assert_eq!(reply["filters"]["rooms"], json!([2]));
    assert_eq!(reply["filters"]["price_max"], 10_000_000);
    assert_eq!(reply["question"], Value::Null);
    // Soft budget: up to 10.5 M. a3 is 5.26 % below its cluster median (value 0.76, score 0.75); e1 alone in
    // its cluster (value 0.5, score 0.7); a2 at 12 M is out.
    assert_eq!(reply["total"], 2);
    assert_eq!(codes(&reply), ["a3", "e1"]);
    let best = &reply["matches"][0];
    assert_eq!(best["fit"], 1.0);
    assert_eq!(best["value"], 0.76);
    assert_eq!(best["score"], 0.75);
    assert_eq!(reply["matches"][1]["score"], 0.7);
    let reasons: Vec<&str> = best["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"в бюджете: 9,9 млн ₽ при потолке 10 млн ₽"),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"метр на 5 % дешевле медианы ЖК для такой комнатности"),
        "{reasons:?}"
    );

    // «подешевле» tightens the budget by 10 % and orders by price: nothing left, so the picker asks.
    let reply = say(&app, id, "v-1", "подешевле").await;
    assert_eq!(reply["filters"]["price_max"], 9_000_000);
    assert_eq!(reply["filters"]["sort"], "price");
    assert_eq!(reply["filters"]["city"], "Москва");
    assert_eq!(reply["total"], 0);
    assert!(reply["question"]
        .as_str()
        .unwrap()
        .starts_with("Под эти условия сейчас ничего нет"));

    // A new ceiling keeps the rest; a2 is 500 000 over it but inside the 5 % tolerance.
    let reply = say(&app, id, "v-1", "ладно, до 11,5 млн").await;
    assert_eq!(reply["filters"]["price_max"], 11_500_000);
    assert_eq!(reply["filters"]["rooms"], json!([2]));
    assert_eq!(codes(&reply), ["a3", "e1", "a2"]);
    let over = &reply["matches"][2];
    assert_eq!(over["shortfalls"][0], "на 500 тыс. ₽ дороже бюджета");
    // 500 000 / 11 500 000 = 4.35 % of the 5 % tolerance → fit 1 − 0.87·0.5 = 0.57.
    assert_eq!(over["fit"], 0.57);

    // A city we don't have is said so; the filters keep Moscow.
    let reply = say(&app, id, "v-1", "а в Омске?").await;
    assert_eq!(reply["filters"]["city"], "Москва");
    let question = reply["question"].as_str().unwrap();
    assert!(question.contains("Омск"), "{question}");
    assert!(question.contains("Санкт-Петербург"), "{question}");

    // «а в Питере?» changes only the city: b2 (11.6 M) fits the 11.5 M budget softly.
    let reply = say(&app, id, "v-1", "а в Питере?").await;
    assert_eq!(reply["filters"]["city"], "Санкт-Петербург");
    assert_eq!(codes(&reply), ["b2"]);

    // The history: every message with its answer, in order.
    let history: Value = app
        .get(&format!("/picker/conversations/{id}?visitor_id=v-1"))
        .await
        .json()
        .await
        .unwrap();
    let messages = history["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(messages[0]["text"], "Ищу двушку в Москве до 10 млн");
    assert_eq!(messages[0]["filters"]["price_max"], 10_000_000);
    assert!(messages[0]["message_id"].as_i64().unwrap() > 0);
    assert_eq!(history["filters"]["city"], "Санкт-Петербург");

    // «сбрось» clears everything and asks for the city.
    let reply = say(&app, id, "v-1", "сбрось").await;
    assert_eq!(understood(&reply, "city")["value"], Value::Null);
    assert_eq!(understood(&reply, "sort")["words"], "сбрось");
    assert_eq!(reply["understood"].as_array().unwrap().len(), 4);
    assert_eq!(reply["filters"]["city"], Value::Null);
    assert_eq!(reply["filters"]["price_max"], Value::Null);
    assert!(reply["question"]
        .as_str()
        .unwrap()
        .starts_with("В каком городе ищете?"));
}

#[tokio::test]
async fn only_the_owner_reads_and_writes_a_conversation() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let id = start(&app, "v-owner").await;
    let (_, buyer) = app.quick_buyer("picker-buyer@example.ru").await;
    let (_, other_buyer) = app.quick_buyer("picker-other@example.ru").await;

    let foreign = [
        app.get(&format!("/picker/conversations/{id}?visitor_id=v-stranger"))
            .await,
        app.post_json(
            &format!("/picker/conversations/{id}/messages"),
            None,
            &json!({ "text": "двушка", "visitor_id": "v-stranger" }),
        )
        .await,
        app.get_with(&format!("/picker/conversations/{id}"), Some(&buyer))
            .await,
        app.get(&format!(
            "/picker/conversations/{}?visitor_id=v-owner",
            id + 1000
        ))
        .await,
    ];
    for response in foreign {
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::NOT_FOUND, "{}", problem.body);
    }

    // A signed-in buyer owns by account, not by visitor id.
    let response = app
        .post_json("/picker/conversations", Some(&buyer), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let own: i64 = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let response = app
        .post_json(
            &format!("/picker/conversations/{own}/messages"),
            Some(&buyer),
            &json!({ "text": "студия в Питере" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(codes(&reply), ["b1"]);
    let response = app
        .get_with(&format!("/picker/conversations/{own}"), Some(&other_buyer))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .get(&format!("/picker/conversations/{own}?visitor_id=v-owner"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Staff have no picker.
    let moderator = app.create_moderator("picker-moderator@example.ru").await;
    let problem = Problem::read(
        app.post_json("/picker/conversations", Some(&moderator), &json!({}))
            .await,
    )
    .await;
    assert_eq!(problem.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_messages_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let id = start(&app, "v-bad").await;
    let long = "д".repeat(1001);
    for (body, field) in [
        (json!({ "text": long, "visitor_id": "v-bad" }), "text"),
        (json!({ "text": "   ", "visitor_id": "v-bad" }), "text"),
        (json!({ "text": "двушка" }), "visitor_id"),
        (
            json!({ "text": "двушка", "visitor_id": "v-bad", "city": "Москва" }),
            "city",
        ),
    ] {
        let problem = Problem::read(
            app.post_json(&format!("/picker/conversations/{id}/messages"), None, &body)
                .await,
        )
        .await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem.first_field(), field, "{}", problem.body);
    }
    let problem = Problem::read(
        app.post_json("/picker/conversations", None, &json!({}))
            .await,
    )
    .await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.first_field(), "visitor_id");
    // 1000 characters are fine.
    let reply = say(&app, id, "v-bad", &"а".repeat(1000)).await;
    assert_eq!(reply["filters"]["city"], Value::Null);
}

#[tokio::test]
async fn messages_are_rate_limited_per_visitor() {
    let app = TestApp::builder()
        .picker(PickerSettings {
            messages_per_minute: 3,
            ..PickerSettings::default()
        })
        .spawn()
        .await;
    let id = start(&app, "v-fast").await;
    say(&app, id, "v-fast", "двушка").await;
    say(&app, id, "v-fast", "в Москве").await;
    // The conversation and two messages make three this minute.
    let response = app
        .post_json(
            &format!("/picker/conversations/{id}/messages"),
            None,
            &json!({ "text": "до 10 млн", "visitor_id": "v-fast" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    // Another visitor is not affected.
    let other = start(&app, "v-slow").await;
    say(&app, other, "v-slow", "двушка").await;
}

#[tokio::test]
async fn expired_conversations_are_gone_and_pruned_with_their_messages() {
    let app = TestApp::spawn().await;
    let id = start(&app, "v-old").await;
    say(&app, id, "v-old", "однушка в Москве").await;
    let keep = start(&app, "v-new").await;
    app.db
        .execute(
            "UPDATE picker_conversations SET created_at = now() - interval '8 days',
                    expires_at = now() - interval '1 day' WHERE id = $1",
            &[&id],
        )
        .await;
    let response = app
        .get(&format!("/picker/conversations/{id}?visitor_id=v-old"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let client = app.db.client().await;
    let pruned = nedvizhimost::jobs::picker_pruning::run_once(&client)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let messages: i64 = app
        .db
        .scalar("SELECT count(*) FROM picker_messages", &[])
        .await;
    assert_eq!(messages, 0);
    let left: i64 = app
        .db
        .scalar("SELECT count(*) FROM picker_conversations", &[])
        .await;
    assert_eq!(left, 1);
    let response = app
        .get(&format!("/picker/conversations/{keep}?visitor_id=v-new"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A loopback stand-in for an OpenAI-compatible model: answers `content` (or HTTP 500 when it is `None`) after
/// `delay`, and remembers the Authorization header and the body of each request.
async fn fake_model(
    content: Option<Value>,
    delay: std::time::Duration,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>,
) {
    use axum::http::HeaderMap;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let recorded = recorded.clone();
            let content = content.clone();
            async move {
                let authorization = headers
                    .get("authorization")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                recorded.lock().unwrap().push((authorization, body.0));
                tokio::time::sleep(delay).await;
                match content {
                    Some(content) => (
                        StatusCode::OK,
                        axum::Json(json!({"choices": [{"message": {"role": "assistant",
                                                                   "content": content.to_string()}}]})),
                    ),
                    None => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        axum::Json(json!({"error": "down"})),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/v1/chat/completions"), seen)
}

async fn app_with_model(url: String, timeout_ms: u64) -> TestApp {
    let app = TestApp::builder()
        .picker(PickerSettings {
            llm: Some(nedvizhimost::config::LlmSettings {
                url,
                key: Some(nedvizhimost::config::Secret::new("test-key")),
                model: "test-model".into(),
                timeout: std::time::Duration::from_millis(timeout_ms),
            }),
            ..PickerSettings::default()
        })
        .spawn()
        .await;
    seed(&app.db).await;
    app
}

#[tokio::test]
async fn a_configured_model_fills_the_filters_and_the_parser_answers_when_it_fails() {
    let studio_in_piter = json!({
        "changes": {"city": "Санкт-Петербург", "rooms": [0]},
        "words": {"city": "в Питере", "rooms": "студию"}
    });
    let (url, seen) = fake_model(Some(studio_in_piter), std::time::Duration::ZERO).await;
    let app = app_with_model(url, 2000).await;
    let id = start(&app, "v-llm").await;
    let reply = say(&app, id, "v-llm", "студию в Питере").await;
    assert_eq!(reply["engine"], "llm");
    assert_eq!(reply["filters"]["city"], "Санкт-Петербург");
    assert_eq!(reply["filters"]["rooms"], json!([0]));
    assert_eq!(understood(&reply, "city")["words"], "в Питере");
    assert_eq!(codes(&reply), ["b1"]);
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, "Bearer test-key");
    assert_eq!(requests[0].1["model"], "test-model");
    let user = requests[0].1["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("студию в Питере"), "{user}");

    // Too slow, failing or invalid: the built-in parser understands the same message.
    let slow = fake_model(
        Some(json!({"changes": {"city": "Москва"}})),
        std::time::Duration::from_secs(2),
    )
    .await;
    let failing = fake_model(None, std::time::Duration::ZERO).await;
    let invalid = fake_model(
        Some(json!({"changes": {"floor_min": 500}})),
        std::time::Duration::ZERO,
    )
    .await;
    for (url, _) in [slow, failing, invalid] {
        let app = app_with_model(url, 300).await;
        let id = start(&app, "v-fallback").await;
        let reply = say(&app, id, "v-fallback", "студию в Питере").await;
        assert_eq!(reply["engine"], "rules", "{reply}");
        assert_eq!(reply["filters"]["city"], "Санкт-Петербург");
        assert_eq!(reply["filters"]["rooms"], json!([0]));
        assert_eq!(reply["filters"]["floor_min"], Value::Null);
    }
}

#[tokio::test]
async fn without_a_city_the_picker_asks_for_one_and_does_not_search_the_country() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let id = start(&app, "v-9").await;
    let reply = say(&app, id, "v-9", "двушка до 12 млн").await;
    assert_eq!(reply["filters"]["rooms"], json!([2]));
    assert_eq!(reply["total"], 0, "{reply}");
    assert_eq!(reply["matches"], json!([]));
    let question = reply["question"].as_str().unwrap();
    assert!(question.starts_with("В каком городе ищете?"), "{question}");
    let reply = say(&app, id, "v-9", "в Москве").await;
    assert_eq!(reply["total"], 3, "{reply}");
    assert_eq!(codes(&reply).len(), 3);
}
