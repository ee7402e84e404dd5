//! Interest events: views with the dedup window, leads, the batch endpoint, flood flagging and its effect on demand.

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::{
    content_type, error_fields, random_inn, random_ogrn, send_concurrently, test_signal_settings,
    Problem, TestApp, PROBLEM_JSON, TEST_SERVICE_TOKEN,
};
use nedvizhimost::config::SignalSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A published project with `count` published apartments; returns (developer id, apartment ids).
async fn published_apartments(app: &TestApp, count: usize) -> (i64, Vec<i64>) {
    let client = app.db.client().await;
    let developer_id = fixtures::developer(&**client, &random_inn(), &random_ogrn()).await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК События").await;
    let mut ids = Vec::new();
    for _ in 0..count {
        ids.push(fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await);
    }
    (developer_id, ids)
}

async fn unpublished_apartment(app: &TestApp, developer_id: i64) -> i64 {
    let rows = app.insert_catalog(developer_id).await;
    rows.apartment_id
}

async fn views_logged(app: &TestApp, apartment_id: i64) -> i64 {
    app.db
        .scalar(
            "SELECT count(*) FROM views_log WHERE apartment_id = $1",
            &[&apartment_id],
        )
        .await
}

/// A column of the apartment's `apartment_stats` row as it stands, without a refresh.
async fn stats_column(app: &TestApp, column: &str, apartment_id: i64) -> i32 {
    app.db
        .scalar(
            &format!("SELECT {column} FROM apartment_stats WHERE apartment_id = $1"),
            &[&apartment_id],
        )
        .await
}

async fn views_24h(app: &TestApp, apartment_id: i64) -> i32 {
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    stats_column(app, "views_24h", apartment_id).await
}

async fn leads_24h(app: &TestApp, apartment_id: i64) -> i32 {
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    stats_column(app, "leads_24h", apartment_id).await
}

async fn view(app: &TestApp, apartment_id: i64, visitor: &str) -> reqwest::Response {
    app.post_json(
        &format!("/apartments/{apartment_id}/views"),
        None,
        &json!({"visitor_id": visitor}),
    )
    .await
}

fn batch_request(app: &TestApp, events: Value) -> reqwest::RequestBuilder {
    app.http
        .post(app.url("/events:batch"))
        .header("X-Service-Token", TEST_SERVICE_TOKEN)
        .json(&json!({"events": events}))
}

async fn batch(app: &TestApp, events: Value) -> reqwest::Response {
    batch_request(app, events).send().await.unwrap()
}

#[tokio::test]
async fn the_same_viewer_counts_once_per_window_and_unknown_apartments_are_rejected() {
    let app = TestApp::spawn().await;
    let (developer_id, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];

    let first = view(&app, apartment, "visitor-a").await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["outcome"], "counted");
    assert_eq!(first["counted"], true);

    let again: Value = view(&app, apartment, "visitor-a")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["counted"], false);
    let other: Value = view(&app, apartment, "visitor-b")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["outcome"], "counted");

    let buyer = app.register_buyer("viewer@example.ru").await;
    let signed_in = app
        .post_json(
            &format!("/apartments/{apartment}/views"),
            Some(&buyer),
            &json!({}),
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::ACCEPTED);
    assert_eq!(views_24h(&app, apartment).await, 3);

    let anonymous = app
        .post_json(&format!("/apartments/{apartment}/views"), None, &json!({}))
        .await;
    let problem = Problem::read(anonymous).await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.first_field(), "visitor_id");

    assert_eq!(
        view(&app, 999_999, "visitor-a").await.status(),
        StatusCode::NOT_FOUND
    );
    let draft = unpublished_apartment(&app, developer_id).await;
    assert_eq!(
        view(&app, draft, "visitor-a").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(views_logged(&app, draft).await, 0);
}

#[tokio::test]
async fn concurrent_views_of_one_viewer_count_once() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    let requests = (0..20)
        .map(|_| {
            app.http
                .post(app.url(&format!("/apartments/{apartment}/views")))
                .json(&json!({"visitor_id": "racer"}))
        })
        .collect();
    let responses = send_concurrently(requests).await;
    let mut counted = 0;
    for response in responses {
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let body: Value = response.json().await.unwrap();
        if body["counted"] == true {
            counted += 1;
        }
    }
    assert_eq!(counted, 1);
    assert_eq!(views_logged(&app, apartment).await, 1);
}

#[tokio::test]
async fn the_batch_answers_per_item_and_only_the_front_end_or_a_moderator_may_send_it() {
    let app = TestApp::spawn().await;
    let (developer_id, apartments) = published_apartments(&app, 2).await;
    let draft = unpublished_apartment(&app, developer_id).await;
    let long_visitor = "x".repeat(129);
    let response = batch(
        &app,
        json!([
            {"apartment_id": apartments[0], "visitor_id": "v1"},
            {"apartment_id": apartments[0], "visitor_id": "v1"},
            {"apartment_id": apartments[1], "event": "view", "visitor_id": "v1"},
            {"apartment_id": 999_999, "visitor_id": "v1"},
            {"apartment_id": draft, "visitor_id": "v1"},
            {"apartment_id": apartments[0]},
            {"apartment_id": apartments[0], "visitor_id": long_visitor},
            {"apartment_id": apartments[1], "visitor_id": "v2", "occurred_at": "2020-01-01T00:00:00Z"},
            {"apartment_id": apartments[1], "user_id": 987_654},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let outcomes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "counted",
            "duplicate",
            "counted",
            "unknown_apartment",
            "not_published",
            "no_viewer",
            "invalid",
            "stale",
            "unknown_user"
        ]
    );
    assert_eq!(body["accepted"], 3);
    assert_eq!(body["rejected"], 6);
    assert_eq!(body["items"][1]["accepted"], true);
    assert_eq!(body["items"][3]["accepted"], false);
    assert!(body["items"][3]["message"]
        .as_str()
        .unwrap()
        .contains("квартиры"));

    let unauthenticated = app
        .post_json(
            "/events:batch",
            None,
            &json!({"events": [{"apartment_id": apartments[0], "visitor_id": "v"}]}),
        )
        .await;
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    let wrong_token = app
        .http
        .post(app.url("/events:batch"))
        .header(
            "X-Service-Token",
            "not-the-token-not-the-token-not-the-token",
        )
        .json(&json!({"events": [{"apartment_id": apartments[0], "visitor_id": "v"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), StatusCode::UNAUTHORIZED);
    let buyer = app.register_buyer("not-a-service@example.ru").await;
    let as_buyer = app
        .post_json(
            "/events:batch",
            Some(&buyer),
            &json!({"events": [{"apartment_id": apartments[0], "visitor_id": "v"}]}),
        )
        .await;
    assert_eq!(as_buyer.status(), StatusCode::FORBIDDEN);
    let moderator = app.create_moderator("moderator@example.ru").await;
    let as_moderator = app
        .post_json(
            "/events:batch",
            Some(&moderator),
            &json!({"events": [{"apartment_id": apartments[0], "visitor_id": "v3"}]}),
        )
        .await;
    assert_eq!(as_moderator.status(), StatusCode::OK);

    let too_many: Vec<Value> = (0..1001)
        .map(|index| json!({"apartment_id": apartments[0], "visitor_id": format!("v{index}")}))
        .collect();
    let response = batch(&app, json!(too_many)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let empty = batch(&app, json!([])).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // 1000 distinct visitors in one batch: all stored by one call.
    let full: Vec<Value> = (0..1000)
        .map(|index| json!({"apartment_id": apartments[1], "visitor_id": format!("bulk-{index}")}))
        .collect();
    let body: Value = batch(&app, json!(full)).await.json().await.unwrap();
    assert_eq!(body["accepted"], 1000);
    assert_eq!(views_24h(&app, apartments[1]).await, 1001);
}

#[tokio::test]
async fn a_flooding_visitor_is_flagged_excluded_from_demand_and_visible_to_moderators() {
    let app = TestApp::builder()
        .signals(SignalSettings {
            flood_events_per_minute: 5,
            ..test_signal_settings()
        })
        .spawn()
        .await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    assert_eq!(
        view(&app, apartment, "honest").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        view(&app, apartment, "bot").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(views_24h(&app, apartment).await, 2);

    let flood: Vec<Value> = (0..10)
        .map(|_| json!({"apartment_id": apartment, "visitor_id": "bot"}))
        .collect();
    let body: Value = batch(&app, json!(flood)).await.json().await.unwrap();
    assert_eq!(
        body["accepted"], 10,
        "a flagged visitor's events are still stored"
    );
    assert_eq!(
        views_24h(&app, apartment).await,
        1,
        "the bot's view left the demand"
    );

    let moderator = app.create_moderator("moderator@example.ru").await;
    let listed: Value = app
        .get_with("/moderation/flagged-visitors", Some(&moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    let listed = &listed["items"];
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["viewer"], "v:bot");
    assert_eq!(listed[0]["flagged"], true);
    assert_eq!(listed[0]["events_24h"], 1);
    assert!(listed[0]["peak_events_per_minute"].as_i64().unwrap() > 5);

    let buyer = app.register_buyer("curious@example.ru").await;
    assert_eq!(
        app.get_with("/moderation/flagged-visitors", Some(&buyer))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let id = listed[0]["id"].as_i64().unwrap();
    let unflagged = app
        .post_json(
            &format!("/moderation/flagged-visitors/{id}/unflag"),
            Some(&moderator),
            &json!({}),
        )
        .await;
    assert_eq!(unflagged.status(), StatusCode::OK);
    let unflagged: Value = unflagged.json().await.unwrap();
    assert_eq!(unflagged["flagged"], false);
    assert!(unflagged["unflagged_by"].is_i64());
    assert_eq!(
        views_24h(&app, apartment).await,
        2,
        "unflagging brings the view back"
    );
    let still_listed: Value = app
        .get_with("/moderation/flagged-visitors", Some(&moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still_listed["total"], 0);
    assert_eq!(still_listed["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.post_json(
            "/moderation/flagged-visitors/424242/unflag",
            Some(&moderator),
            &json!({})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    // The full rebuild agrees with the incremental path.
    app.db
        .execute("SELECT rebuild_apartment_stats()", &[])
        .await;
    assert_eq!(stats_column(&app, "views_24h", apartment).await, 2);
}

#[tokio::test]
async fn leads_normalise_the_phone_and_count_in_demand() {
    let app = TestApp::spawn().await;
    let (developer_id, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    let path = format!("/apartments/{apartment}/leads");

    let anonymous = app
        .post_json(
            &path,
            None,
            &json!({"name": "Анна", "phone": "8 (916) 123-45-67", "comment": "После 18:00", "visitor_id": "anna"}),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::CREATED);
    let lead: Value = anonymous.json().await.unwrap();
    assert_eq!(lead["phone"], "+79161234567");

    let repeated = app
        .post_json(
            &path,
            None,
            &json!({"name": "Анна", "phone": "+79161234567", "visitor_id": "anna"}),
        )
        .await;
    assert_eq!(
        repeated.status(),
        StatusCode::CONFLICT,
        "one lead a day per visitor"
    );
    let buyer = app.register_buyer("lead@example.ru").await;
    let signed_in = app
        .post_json(
            &path,
            Some(&buyer),
            &json!({"name": "Пётр", "phone": "+7 903 000 11 22"}),
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::CREATED);

    let bad = app
        .post_json(
            &path,
            None,
            &json!({"name": " ", "phone": "12345", "visitor_id": "anna"}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(bad).await, ["name", "phone"]);
    let no_visitor = app
        .post_json(
            &path,
            None,
            &json!({"name": "Анна", "phone": "+79161234567"}),
        )
        .await;
    assert_eq!(no_visitor.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (developer, _) = app
        .developer_with_company("dev@example.ru", "ГК Заявки")
        .await;
    let as_developer = app
        .post_json(
            &path,
            Some(&developer),
            &json!({"name": "Анна", "phone": "+79161234567"}),
        )
        .await;
    assert_eq!(as_developer.status(), StatusCode::FORBIDDEN);
    let draft = unpublished_apartment(&app, developer_id).await;
    let to_draft = app
        .post_json(
            &format!("/apartments/{draft}/leads"),
            None,
            &json!({"name": "Анна", "phone": "+79161234567", "visitor_id": "anna"}),
        )
        .await;
    assert_eq!(to_draft.status(), StatusCode::NOT_FOUND);

    assert_eq!(leads_24h(&app, apartment).await, 2);
}

#[tokio::test]
async fn pruning_removes_only_events_past_retention() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    let client = app.db.client().await;
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    app.db
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
             VALUES ($1, 'view', now() - interval '100 days', 'old'), ($1, 'view', now() - interval '1 hour', 'new')",
            &[&apartment],
        )
        .await;
    let report = app.run_event_pruning().await;
    assert_eq!(report.pruned_events, 1);
    let left: Vec<String> = app
        .db
        .column(
            "SELECT visitor_id FROM views_log WHERE apartment_id = $1",
            &[&apartment],
        )
        .await;
    assert_eq!(left, ["new"]);
    let too_short = client
        .execute(
            "SELECT * FROM prune_interest_events(now(), interval '1 day')",
            &[],
        )
        .await;
    assert!(too_short.is_err());
}

#[tokio::test]
async fn control_characters_in_text_fields_are_field_errors_not_500() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];

    let response = view(&app, apartment, "bad\u{0}visitor").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert!(problem.to_string().contains("visitor_id"), "{problem}");

    let response = app
        .post_json(
            &format!("/apartments/{apartment}/leads"),
            None,
            &json!({"name": "Ан\u{0}на", "phone": "+79161234567", "comment": "a\u{0}", "visitor_id": "anna"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert!(problem.to_string().contains("\"name\""), "{problem}");
    assert!(problem.to_string().contains("\"comment\""), "{problem}");

    // NUL is refused by the JSON extractor for every body alike, before the batch looks at its items.
    let response = batch(
        &app,
        json!([
            {"apartment_id": apartment, "visitor_id": "nul\u{0}"},
            {"apartment_id": apartment, "visitor_id": "fine"},
        ]),
    )
    .await;
    let problem = Problem::read(response).await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.fields(), ["events[0].visitor_id"]);
}

#[tokio::test]
async fn a_batch_item_of_the_wrong_shape_is_rejected_alone() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    let response = batch(
        &app,
        json!([
            {"apartment_id": apartment, "visitor_id": "first"},
            {"apartment_id": "not a number", "visitor_id": "second"},
            {"apartment_id": apartment, "visitor_id": "third", "surprise": 1},
            {"apartment_id": apartment, "event": "like", "visitor_id": "fourth"},
            42,
            {"apartment_id": apartment, "visitor_id": "sixth"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let accepted: Vec<bool> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["accepted"].as_bool().unwrap())
        .collect();
    assert_eq!(accepted, [true, false, false, false, false, true], "{body}");
    assert_eq!(body["items"][1]["outcome"], "invalid");
    assert!(
        body["items"][2]["message"]
            .as_str()
            .unwrap()
            .contains("surprise"),
        "{body}"
    );
    assert_eq!(body["accepted"], 2);
    assert_eq!(body["rejected"], 4);
}

/// apartment_stats must equal a full rebuild even when a viewer's flag changes in the same refresh in which
/// that viewer's last event leaves the 24 h window.
#[tokio::test]
async fn a_flag_change_stays_exact_when_the_viewers_event_leaves_the_window() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 2).await;
    let (flagged_later, unflagged_later) = (apartments[0], apartments[1]);
    let client = app.db.client().await;
    app.db
        .execute(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:unflagged-later', 100)",
            &[],
        )
        .await;
    let almost_a_day_ago = chrono::Utc::now() - chrono::Duration::minutes(23 * 60 + 58);
    let body: Value = batch(
        &app,
        json!([
            {"apartment_id": flagged_later, "visitor_id": "flagged-later", "occurred_at": almost_a_day_ago},
            {"apartment_id": unflagged_later, "visitor_id": "unflagged-later", "occurred_at": almost_a_day_ago},
        ]),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["accepted"], 2, "{body}");
    app.db
        .execute("SELECT rebuild_apartment_stats(now())", &[])
        .await;
    let views = |apartment_id: i64| stats_column(&app, "views_24h", apartment_id);
    assert_eq!(views(flagged_later).await, 1);
    assert_eq!(views(unflagged_later).await, 0);

    client
        .batch_execute(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:flagged-later', 100);
             UPDATE flagged_visitors SET flagged = false, changed_xid = pg_current_xact_id()
             WHERE viewer = 'v:unflagged-later';
             SELECT refresh_apartment_stats(now() + interval '5 minutes');",
        )
        .await
        .unwrap();
    assert_eq!(
        views(flagged_later).await,
        0,
        "the counted event left the window"
    );
    assert_eq!(
        views(unflagged_later).await,
        0,
        "an event never counted is never subtracted"
    );
}

#[tokio::test]
async fn leads_of_a_flagged_visitor_are_excluded_from_demand_until_unflagged() {
    let app = TestApp::spawn().await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    assert_eq!(leads_24h(&app, apartment).await, 0);
    let flag_id: i64 = app
        .db
        .scalar(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:bot', 100) RETURNING id",
            &[],
        )
        .await;
    for visitor in ["bot", "honest"] {
        let response = app
            .post_json(
                &format!("/apartments/{apartment}/leads"),
                None,
                &json!({"name": "Иван", "phone": "+79161234567", "visitor_id": visitor}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(
        leads_24h(&app, apartment).await,
        1,
        "the flagged visitor's lead is not demand"
    );

    let moderator = app.create_moderator("mod@leads-flag.ru").await;
    let response = app
        .post_json(
            &format!("/moderation/flagged-visitors/{flag_id}/unflag"),
            Some(&moderator),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        leads_24h(&app, apartment).await,
        2,
        "unflagged: the lead counts again"
    );
    app.db
        .execute("SELECT rebuild_apartment_stats()", &[])
        .await;
    assert_eq!(stats_column(&app, "leads_24h", apartment).await, 2);
}

#[tokio::test]
async fn anonymous_views_and_leads_are_limited_per_client_address() {
    let app = TestApp::builder()
        .signals(SignalSettings {
            anonymous_events_per_ip_per_minute: 3,
            ..test_signal_settings()
        })
        .spawn()
        .await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];
    // The counter is per calendar minute: do not start right before it turns.
    let second = chrono::Timelike::second(&chrono::Utc::now());
    if second > 50 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    // Fresh visitor ids do not help: the address is what is counted.
    for visitor in ["a", "b", "c"] {
        assert_eq!(
            view(&app, apartment, visitor).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let limited = view(&app, apartment, "d").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(content_type(&limited), PROBLEM_JSON);
    let lead = app
        .post_json(
            &format!("/apartments/{apartment}/leads"),
            None,
            &json!({"name": "Иван", "phone": "+79161234567", "visitor_id": "e"}),
        )
        .await;
    assert_eq!(lead.status(), StatusCode::TOO_MANY_REQUESTS);

    let (_, buyer) = app.quick_buyer("buyer@limit.ru").await;
    let signed_in = app
        .post_json(
            &format!("/apartments/{apartment}/views"),
            Some(&buyer),
            &json!({}),
        )
        .await;
    assert_eq!(
        signed_in.status(),
        StatusCode::ACCEPTED,
        "buyers are bounded by flagging, not by address"
    );
}

#[tokio::test]
async fn batches_beyond_the_writer_limit_wait_for_a_free_writer() {
    let app = TestApp::builder()
        .signals(SignalSettings {
            batch_ingest_concurrency: 1,
            ..test_signal_settings()
        })
        .spawn()
        .await;
    let (_, apartments) = published_apartments(&app, 1).await;
    let apartment = apartments[0];

    // The first batch blocks inside the database on a visitor_activity row locked by this test.
    let mut holder = app.db.pool.get().await.unwrap();
    let lock = holder.transaction().await.unwrap();
    lock.execute(
        "INSERT INTO visitor_activity (viewer, minute, events) VALUES ('v:held', date_trunc('minute', now()), 1)",
        &[],
    )
    .await
    .unwrap();
    let send = |visitor: &str| {
        let request = batch_request(
            &app,
            json!([{"apartment_id": apartment, "visitor_id": visitor}]),
        );
        tokio::spawn(async move { request.send().await.unwrap().status() })
    };
    let first = send("held");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = send("free");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(
        !second.is_finished(),
        "with one writer the second batch waits although its visitor is not locked"
    );

    lock.rollback().await.unwrap();
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    assert_eq!(second.await.unwrap(), StatusCode::OK);
    assert_eq!(views_24h(&app, apartment).await, 2);
}
