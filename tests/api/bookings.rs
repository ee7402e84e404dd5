//! Online booking: one winner under concurrency, idempotency, the lifecycle, expiry, the buyer cap and the
//! pricing guard.

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::{
    content_type, random_inn, random_ogrn, send_concurrently, test_signal_settings, CatalogRows,
    Problem, TestApp, TestDb, PROBLEM_JSON,
};
use nedvizhimost::config::SignalSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A developer (token, company id) with one published apartment of its own.
async fn developer_with_apartment(app: &TestApp, email: &str) -> (String, i64, CatalogRows) {
    let (token, developer_id) = app.developer_with_company(email, "ГК Брони").await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    (token, developer_id, rows)
}

fn book(app: &TestApp, apartment_id: i64, token: &str) -> reqwest::RequestBuilder {
    app.http
        .post(app.url(&format!("/apartments/{apartment_id}/bookings")))
        .bearer_auth(token)
        .json(&json!({}))
}

/// Books the apartment (asserting 201); the new booking's id.
async fn booked(app: &TestApp, apartment_id: i64, token: &str) -> i64 {
    let response = book(app, apartment_id, token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let booking: Value = response.json().await.unwrap();
    booking["id"].as_i64().unwrap()
}

async fn apartment_status(app: &TestApp, apartment_id: i64) -> String {
    app.db
        .scalar(
            "SELECT status::text FROM apartments WHERE id = $1",
            &[&apartment_id],
        )
        .await
}

async fn active_bookings(app: &TestApp, apartment_id: i64) -> i64 {
    app.db
        .scalar(
            "SELECT count(*) FROM bookings WHERE apartment_id = $1 AND status IN ('pending', 'confirmed')",
            &[&apartment_id],
        )
        .await
}

fn actions(booking: &Value) -> Vec<String> {
    booking["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_hundred_concurrent_bookings_of_one_apartment_have_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let (_, _, rows) = developer_with_apartment(&app, "owner@race.ru").await;
    let mut requests = Vec::new();
    for index in 0..100 {
        let (_, token) = app.quick_buyer(&format!("buyer{index}@race.ru")).await;
        requests.push(book(&app, rows.apartment_id, &token));
    }
    let responses = send_concurrently(requests).await;
    let mut created = 0;
    let mut conflicts = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(content_type(&response), PROBLEM_JSON);
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!((created, conflicts), (1, 99));
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 1);
    assert_eq!(apartment_status(&app, rows.apartment_id).await, "booked");
}

#[tokio::test]
async fn the_same_idempotency_key_ten_times_makes_one_booking_with_identical_answers() {
    let app = TestApp::spawn().await;
    let (_, _, rows) = developer_with_apartment(&app, "owner@idem.ru").await;
    let (_, token) = app.quick_buyer("buyer@idem.ru").await;
    let requests = (0..10)
        .map(|_| {
            app.http
                .post(app.url(&format!("/apartments/{}/bookings", rows.apartment_id)))
                .bearer_auth(&token)
                .header("Idempotency-Key", "order-42")
                .json(&json!({"comment": "Посмотрим в субботу"}))
        })
        .collect();
    let responses = send_concurrently(requests).await;
    let mut bodies = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        bodies.push(response.text().await.unwrap());
    }
    assert!(bodies.iter().all(|body| body == &bodies[0]), "{bodies:#?}");
    let count: i64 = app.db.scalar("SELECT count(*) FROM bookings", &[]).await;
    assert_eq!(count, 1);

    let different_body = app
        .http
        .post(app.url(&format!("/apartments/{}/bookings", rows.apartment_id)))
        .bearer_auth(&token)
        .header("Idempotency-Key", "order-42")
        .json(&json!({"comment": "Другой комментарий"}))
        .send()
        .await
        .unwrap();
    let problem = Problem::read(different_body).await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.first_field(), "Idempotency-Key");

    // The key is remembered for its time to live, then the minute job forgets it.
    let settings = test_signal_settings();
    let report = app.run_event_pruning().await;
    assert_eq!(report.pruned_idempotency_keys, 0);
    app.db
        .execute(
            "UPDATE booking_idempotency_keys SET created_at = now() - $1::float8 * interval '1 second' - interval '1 minute'",
            &[&settings.idempotency_key_ttl.as_secs_f64()],
        )
        .await;
    let report = app.run_event_pruning().await;
    assert_eq!(report.pruned_idempotency_keys, 1);
    let keys: i64 = app
        .db
        .scalar("SELECT count(*) FROM booking_idempotency_keys", &[])
        .await;
    assert_eq!(keys, 0);
}

#[tokio::test]
async fn the_lifecycle_is_recorded_and_the_booked_price_is_locked() {
    let app = TestApp::spawn().await;
    let (developer, developer_id, rows) = developer_with_apartment(&app, "owner@life.ru").await;
    let (other_developer, other_company) = app
        .developer_with_company("stranger@life.ru", "ГК Чужая")
        .await;
    let (buyer_id, buyer) = app.quick_buyer("buyer@life.ru").await;
    let (_, other_buyer) = app.quick_buyer("other@life.ru").await;

    let response = book(&app, rows.apartment_id, &buyer).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let booking: Value = response.json().await.unwrap();
    let id = booking["id"].as_i64().unwrap();
    assert_eq!(booking["status"], "pending");
    assert_eq!(booking["price"], "9300000.00");
    assert_eq!(booking["user_id"], buyer_id);
    assert_eq!(actions(&booking), ["created"]);

    app.db
        .execute(
            "UPDATE apartments SET current_price = 9900000 WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    let seen: Value = app
        .get_with(&format!("/bookings/{id}"), Some(&developer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["price"], "9300000.00", "the buyer's price is locked");
    for stranger in [&other_buyer, &other_developer] {
        assert_eq!(
            app.get_with(&format!("/bookings/{id}"), Some(stranger))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    let confirm = |token: &str| {
        app.request(
            reqwest::Method::POST,
            &format!("/bookings/{id}/confirm"),
            Some(token),
        )
        .json(&json!({"comment": "Ждём в офисе продаж"}))
        .send()
    };
    assert_eq!(
        confirm(&buyer).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        confirm(&other_developer).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let confirmed: Value = confirm(&developer).await.unwrap().json().await.unwrap();
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["history"][1]["actor_role"], "developer");
    assert_eq!(confirmed["history"][1]["comment"], "Ждём в офисе продаж");
    assert_eq!(
        confirm(&developer).await.unwrap().status(),
        StatusCode::CONFLICT
    );

    // A confirmed booking never expires.
    app.db
        .execute(
            "UPDATE bookings SET booked_at = now() - interval '3 days', expires_at = now() - interval '1 day' WHERE id = $1",
            &[&id],
        )
        .await;
    let report = app.run_booking_expiry().await;
    assert_eq!(report.expired_bookings, 0);

    let sold = app
        .post_json(
            &format!("/bookings/{id}/sell"),
            Some(&developer),
            &json!({}),
        )
        .await;
    assert_eq!(sold.status(), StatusCode::OK);
    let sold: Value = sold.json().await.unwrap();
    assert_eq!(actions(&sold), ["created", "confirmed", "sold"]);
    assert_eq!(apartment_status(&app, rows.apartment_id).await, "sold");
    assert_eq!(
        app.post_json(&format!("/bookings/{id}/cancel"), Some(&buyer), &json!({}))
            .await
            .status(),
        StatusCode::CONFLICT
    );

    let mine: Value = app
        .get_with("/me/bookings", Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!((&mine["limit"], &mine["offset"]), (&json!(50), &json!(0)));
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["id"], id);
    let past_the_end: Value = app
        .get_with("/me/bookings?offset=5", Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        past_the_end["total"], 1,
        "the total is known past the last page"
    );
    assert!(past_the_end["items"].as_array().unwrap().is_empty());
    let theirs: Value = app
        .get_with("/me/bookings", Some(&other_buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let company: Value = app
        .get_with(
            &format!(
                "/developers/{developer_id}/bookings?status=confirmed&project_id={}",
                rows.project_id
            ),
            Some(&developer),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(company["items"][0]["id"], id);
    assert_eq!(company["total"], 1);
    let pending_only: Value = app
        .get_with(
            &format!("/developers/{developer_id}/bookings?status=pending"),
            Some(&developer),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(pending_only["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_with(
            &format!("/developers/{developer_id}/bookings"),
            Some(&other_developer)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(
            &format!("/developers/{other_company}/bookings?limit=500"),
            Some(&other_developer)
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let moderator = app.create_moderator("moderator@life.ru").await;
    assert_eq!(
        app.get_with(&format!("/bookings/{id}"), Some(&moderator))
            .await
            .status(),
        StatusCode::OK
    );
}

/// An app whose buyers may hold one booking at a time, a developer with two published apartments, and a buyer
/// who has just booked the first of them.
struct BuyerAtCapOfOne {
    app: TestApp,
    developer: String,
    developer_id: i64,
    rows: CatalogRows,
    second: CatalogRows,
    buyer: String,
    booking_id: i64,
}

async fn buyer_at_cap_of_one(domain: &str) -> BuyerAtCapOfOne {
    let app = TestApp::builder()
        .signals(SignalSettings {
            buyer_max_active_bookings: 1,
            ..test_signal_settings()
        })
        .spawn()
        .await;
    let (developer, developer_id, rows) =
        developer_with_apartment(&app, &format!("owner@{domain}")).await;
    let second = app.insert_catalog(developer_id).await;
    app.publish_catalog(&second).await;
    let (_, buyer) = app.quick_buyer(&format!("buyer@{domain}")).await;
    let booking_id = booked(&app, rows.apartment_id, &buyer).await;
    BuyerAtCapOfOne {
        app,
        developer,
        developer_id,
        rows,
        second,
        buyer,
        booking_id,
    }
}

#[tokio::test]
async fn expiry_returns_the_apartment_to_sale_and_the_buyer_cap_holds() {
    let BuyerAtCapOfOne {
        app,
        developer,
        rows,
        second,
        buyer,
        booking_id: id,
        ..
    } = buyer_at_cap_of_one("expiry.ru").await;
    let capped = book(&app, second.apartment_id, &buyer)
        .send()
        .await
        .unwrap();
    let problem = Problem::read(capped).await;
    assert_eq!(problem.status, StatusCode::CONFLICT);
    assert_eq!(problem.content_type, PROBLEM_JSON);
    assert!(
        problem
            .detail()
            .starts_with("У вас уже 1 активная бронь, а можно не больше 1: отмените одну из них"),
        "{}",
        problem.detail()
    );

    app.db
        .execute(
            "UPDATE bookings SET booked_at = now() - interval '49 hours', expires_at = now() - interval '1 hour' WHERE id = $1",
            &[&id],
        )
        .await;
    let report = app.run_booking_expiry().await;
    assert_eq!(report.expired_bookings, 1);
    assert_eq!(apartment_status(&app, rows.apartment_id).await, "available");
    let expired: Value = app
        .get_with(&format!("/bookings/{id}"), Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["status"], "expired");
    assert_eq!(actions(&expired), ["created", "expired"]);
    assert!(expired["history"][1]["actor_id"].is_null());
    assert_eq!(
        app.post_json(
            &format!("/bookings/{id}/confirm"),
            Some(&developer),
            &json!({})
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );

    // The cap counts active bookings only: the expired one no longer blocks a new booking.
    let again = book(&app, second.apartment_id, &buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    let cancelled = app
        .post_json(
            &format!("/bookings/{}/cancel", again["id"]),
            Some(&buyer),
            &json!({"comment": "Передумал"}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["history"][1]["actor_role"], "buyer");
    assert_eq!(
        apartment_status(&app, second.apartment_id).await,
        "available"
    );
}

#[tokio::test]
async fn bookings_need_a_published_available_apartment_and_a_buyer() {
    let app = TestApp::spawn().await;
    let (developer, developer_id, rows) = developer_with_apartment(&app, "owner@rules.ru").await;
    let draft = app.insert_catalog(developer_id).await;
    let (_, buyer) = app.quick_buyer("buyer@rules.ru").await;
    assert_eq!(
        book(&app, draft.apartment_id, &buyer)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        book(&app, 999_999, &buyer).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        book(&app, rows.apartment_id, &developer)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let unknown_field = app
        .post_json(
            &format!("/apartments/{}/bookings", rows.apartment_id),
            Some(&buyer),
            &json!({"price": 1}),
        )
        .await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 0);
}

/// A published apartment of a new project with 30 views beside two neighbours of 10: demand enough for a raise.
async fn in_demand_apartment(db: &TestDb, project_name: &str) -> i64 {
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, &random_inn(), &random_ogrn()).await;
    let (_, building_id) = fixtures::project(&**client, developer_id, project_name).await;
    for _ in 0..2 {
        let neighbour =
            fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        fixtures::views(&**client, neighbour, 10).await;
    }
    let target = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
    fixtures::views(&**client, target, 30).await;
    target
}

async fn decision(db: &TestDb, apartment_id: i64) -> String {
    db.execute("SELECT refresh_demand_aggregates()", &[]).await;
    db.scalar(
        "SELECT decision::text FROM reprice_apartments(p_dry_run => true) WHERE apartment_id = $1",
        &[&apartment_id],
    )
    .await
}

#[tokio::test]
async fn a_booking_through_the_api_blocks_repricing_for_a_day_even_when_cancelled() {
    let app = TestApp::spawn().await;
    let target = in_demand_apartment(&app.db, "ЖК Спрос").await;
    assert_eq!(
        decision(&app.db, target).await,
        "raise",
        "high demand without a booking"
    );

    let (_, buyer) = app.quick_buyer("buyer@guard.ru").await;
    let booking: Value = book(&app, target, &buyer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cancelled = app
        .post_json(
            &format!("/bookings/{}/cancel", booking["id"]),
            Some(&buyer),
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(apartment_status(&app, target).await, "available");
    assert_eq!(decision(&app.db, target).await, "recent_booking");
}

#[tokio::test]
async fn a_booking_comment_with_a_nul_character_is_a_field_error() {
    let app = TestApp::spawn().await;
    let (_, _, rows) = developer_with_apartment(&app, "owner@nul.ru").await;
    let (_, buyer) = app.quick_buyer("buyer@nul.ru").await;
    let response = app
        .post_json(
            &format!("/apartments/{}/bookings", rows.apartment_id),
            Some(&buyer),
            &json!({"comment": "позвоните\u{0}"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert!(problem.to_string().contains("comment"), "{problem}");
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 0);
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_problem_json_field_error() {
    let app = TestApp::spawn().await;
    let (_, buyer) = app.quick_buyer("buyer@path.ru").await;
    for (method, path) in [
        (reqwest::Method::POST, "/apartments/abc/bookings"),
        (reqwest::Method::GET, "/bookings/99999999999999999999"),
        (reqwest::Method::POST, "/apartments/1x/views"),
        (reqwest::Method::PUT, "/apartments/abc/favourite"),
    ] {
        let response = app
            .request(method, path, Some(&buyer))
            .json(&json!({"visitor_id": "v"}))
            .send()
            .await
            .unwrap();
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(problem.content_type, PROBLEM_JSON, "{path}");
        assert_eq!(problem.first_field(), "id", "{path}: {}", problem.body);
    }
}

#[tokio::test]
async fn the_buyer_cap_holds_under_concurrent_bookings_of_different_apartments() {
    let app = TestApp::builder()
        .signals(SignalSettings {
            buyer_max_active_bookings: 2,
            ..test_signal_settings()
        })
        .spawn()
        .await;
    let (_, developer_id) = app.developer_with_company("owner@cap.ru", "ГК Лимит").await;
    let (_, buyer) = app.quick_buyer("buyer@cap.ru").await;
    let mut requests = Vec::new();
    for _ in 0..8 {
        let rows = app.insert_catalog(developer_id).await;
        app.publish_catalog(&rows).await;
        requests.push(book(&app, rows.apartment_id, &buyer));
    }
    let statuses: Vec<StatusCode> = send_concurrently(requests)
        .await
        .iter()
        .map(|response| response.status())
        .collect();
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 2, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|status| [StatusCode::CREATED, StatusCode::CONFLICT].contains(status)));
    let booked: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM apartments WHERE status = 'booked'",
            &[],
        )
        .await;
    assert_eq!(booked, 2, "refused bookings leave their apartments on sale");
}

#[tokio::test]
async fn confirmations_racing_the_expiry_job_never_leave_a_confirmed_booking_expired() {
    let app = TestApp::spawn().await;
    let (developer, developer_id) = app
        .developer_with_company("owner@racejob.ru", "ГК Гонка")
        .await;
    let mut ids = Vec::new();
    for index in 0..10 {
        let rows = app.insert_catalog(developer_id).await;
        app.publish_catalog(&rows).await;
        let (_, buyer) = app.quick_buyer(&format!("b{index}@racejob.ru")).await;
        ids.push(booked(&app, rows.apartment_id, &buyer).await);
    }
    // Holds that end in a moment: some confirmations win, the job expires the rest — never both.
    let client = app.db.client().await;
    app.db
        .execute(
            "UPDATE bookings SET expires_at = now() + interval '8 milliseconds' * (id - (SELECT min(id) FROM bookings))",
            &[],
        )
        .await;
    let confirms: Vec<_> = ids
        .iter()
        .map(|id| {
            app.http
                .post(app.url(&format!("/bookings/{id}/confirm")))
                .bearer_auth(&developer)
                .json(&json!({}))
        })
        .collect();
    let job = {
        let db = app.db.client().await;
        tokio::spawn(async move {
            for _ in 0..20 {
                nedvizhimost::jobs::booking_expiry::run_once(&db)
                    .await
                    .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let statuses: Vec<StatusCode> = send_concurrently(confirms)
        .await
        .iter()
        .map(|response| response.status())
        .collect();
    job.await.unwrap();
    app.run_booking_expiry().await;
    assert!(statuses
        .iter()
        .all(|status| [StatusCode::OK, StatusCode::CONFLICT].contains(status)));
    let rows = client
        .query(
            "SELECT b.status::text, a.status::text,
                    (SELECT array_agg(e.action::text ORDER BY e.id) FROM booking_events e WHERE e.booking_id = b.id)
             FROM bookings b JOIN apartments a ON a.id = b.apartment_id",
            &[],
        )
        .await
        .unwrap();
    let confirmed = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(
        rows.iter()
            .filter(|row| row.get::<_, String>(0) == "confirmed")
            .count(),
        confirmed
    );
    for row in rows {
        let (booking, apartment, history): (String, String, Vec<String>) =
            (row.get(0), row.get(1), row.get(2));
        match booking.as_str() {
            "confirmed" => {
                assert_eq!(apartment, "booked");
                assert_eq!(history, ["created", "confirmed"]);
            }
            "expired" => {
                assert_eq!(apartment, "available");
                assert_eq!(history, ["created", "expired"]);
            }
            other => panic!("unexpected status {other}"),
        }
    }
}

#[tokio::test]
async fn the_same_idempotency_key_with_different_bodies_concurrently_books_once_and_the_others_get_422(
) {
    let app = TestApp::spawn().await;
    let (_, _, rows) = developer_with_apartment(&app, "owner@idemmix.ru").await;
    let (_, token) = app.quick_buyer("buyer@idemmix.ru").await;
    let requests = (0..10)
        .map(|index| {
            app.http
                .post(app.url(&format!("/apartments/{}/bookings", rows.apartment_id)))
                .bearer_auth(&token)
                .header("Idempotency-Key", "order-mixed")
                .json(&json!({"comment": format!("тело {}", index % 2)}))
        })
        .collect();
    let mut created = Vec::new();
    let mut rejected = 0;
    for response in send_concurrently(requests).await {
        match response.status() {
            StatusCode::CREATED => created.push(response.text().await.unwrap()),
            StatusCode::UNPROCESSABLE_ENTITY => {
                let problem = Problem::read(response).await;
                assert_eq!(problem.first_field(), "Idempotency-Key");
                rejected += 1;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(
        (created.len(), rejected),
        (5, 5),
        "the winner's body is replayed, the other body is 422"
    );
    assert!(created.iter().all(|body| body == &created[0]));
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 1);
}

#[tokio::test]
async fn the_partial_unique_index_answers_409_when_the_apartment_status_lies() {
    let app = TestApp::spawn().await;
    let (_, _, rows) = developer_with_apartment(&app, "owner@index.ru").await;
    let (_, first) = app.quick_buyer("first@index.ru").await;
    let (_, second) = app.quick_buyer("second@index.ru").await;
    assert_eq!(
        book(&app, rows.apartment_id, &first)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    // Someone put the apartment back on sale by hand while the hold is active: the database still refuses.
    app.db
        .execute(
            "UPDATE apartments SET status = 'available' WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    let response = book(&app, rows.apartment_id, &second).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(content_type(&response), PROBLEM_JSON);
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 1);
}

#[tokio::test]
async fn an_expired_booking_still_blocks_repricing_until_a_day_has_passed() {
    let app = TestApp::spawn().await;
    let target = in_demand_apartment(&app.db, "ЖК Истёкший").await;
    let (_, buyer) = app.quick_buyer("buyer@expired-guard.ru").await;
    let id = booked(&app, target, &buyer).await;
    app.db
        .execute(
            "UPDATE bookings SET booked_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1",
            &[&id],
        )
        .await;
    let report = app.run_booking_expiry().await;
    assert_eq!(report.expired_bookings, 1);
    assert_eq!(apartment_status(&app, target).await, "available");
    assert_eq!(decision(&app.db, target).await, "recent_booking");

    app.db
        .execute(
            "UPDATE bookings SET booked_at = now() - interval '25 hours', expires_at = now() - interval '23 hours' WHERE id = $1",
            &[&id],
        )
        .await;
    // The guard reads apartments.last_booked_at (kept by a trigger on insert): age it the same way.
    app.db
        .execute(
            "UPDATE apartments SET last_booked_at = now() - interval '25 hours' WHERE id = $1",
            &[&target],
        )
        .await;
    app.db
        .execute("SELECT rebuild_apartment_stats()", &[])
        .await;
    assert_eq!(
        decision(&app.db, target).await,
        "raise",
        "a day later the guard is off"
    );
}

#[tokio::test]
async fn a_sale_ends_the_hold_and_no_longer_counts_against_the_buyer_cap() {
    let BuyerAtCapOfOne {
        app,
        developer,
        developer_id,
        rows,
        second,
        buyer,
        booking_id: id,
    } = buyer_at_cap_of_one("deal.ru").await;
    for step in ["confirm", "sell"] {
        let response = app
            .post_json(
                &format!("/bookings/{id}/{step}"),
                Some(&developer),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
    }
    assert_eq!(apartment_status(&app, rows.apartment_id).await, "sold");

    let next = book(&app, second.apartment_id, &buyer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        next.status(),
        StatusCode::CREATED,
        "{}",
        Problem::read(next).await.body
    );
    let third = app.insert_catalog(developer_id).await;
    app.publish_catalog(&third).await;
    let capped = Problem::read(book(&app, third.apartment_id, &buyer).send().await.unwrap()).await;
    assert_eq!(capped.status, StatusCode::CONFLICT);
    assert!(
        capped
            .detail()
            .contains("1 активная бронь, а можно не больше 1"),
        "{}",
        capped.detail()
    );
}

#[tokio::test]
async fn only_the_bookings_own_steps_change_the_status_of_a_held_apartment() {
    let app = TestApp::spawn().await;
    let (developer, developer_id, rows) = developer_with_apartment(&app, "owner@held.ru").await;
    let (_, buyer) = app.quick_buyer("buyer@held.ru").await;
    let (_, next_buyer) = app.quick_buyer("next@held.ru").await;
    let id = booked(&app, rows.apartment_id, &buyer).await;
    let apartment = format!("/apartments/{}", rows.apartment_id);

    for status in ["available", "sold"] {
        let response = app
            .patch_json(&apartment, Some(&developer), &json!({"status": status}))
            .await;
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::CONFLICT, "{status}");
        assert_eq!(problem.content_type, PROBLEM_JSON);
        assert!(
            problem.detail().contains(&format!("бронь №{id}"))
                && problem.detail().contains("шагами брони"),
            "{}",
            problem.detail()
        );
        assert_eq!(apartment_status(&app, rows.apartment_id).await, "booked");
    }
    let code: String = app
        .db
        .scalar(
            "SELECT code FROM apartments WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    let bulk = app
        .put_json(
            &format!("/developers/{developer_id}/apartments:bulk"),
            Some(&developer),
            &json!({"apartments": [{"building_id": rows.building_id, "code": code, "floor": 5, "rooms": 2,
                                    "area_total": "54.3", "base_price": "9300000", "status": "available"}]}),
        )
        .await;
    let problem = Problem::read(bulk).await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.fields(), ["apartments[0].status"]);
    assert!(
        problem.detail().contains(&format!("бронь №{id}")),
        "{}",
        problem.detail()
    );
    assert_eq!(apartment_status(&app, rows.apartment_id).await, "booked");
    assert_eq!(active_bookings(&app, rows.apartment_id).await, 1);

    // The catalog keeps it off sale: the next buyer is told it is taken, not that a value is in use.
    let taken = Problem::read(
        book(&app, rows.apartment_id, &next_buyer)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.detail(), "Квартира уже забронирована или продана");

    // Other fields, and the status the booking already gave it, stay editable.
    let edited = app
        .patch_json(
            &apartment,
            Some(&developer),
            &json!({"status": "booked", "balcony": true}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);

    let cancelled = app
        .post_json(&format!("/bookings/{id}/cancel"), Some(&buyer), &json!({}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let response = app
        .patch_json(&apartment, Some(&developer), &json!({"status": "sold"}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "without an active booking the developer sets the status by hand"
    );
}
