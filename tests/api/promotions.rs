//! Promotions: moderation visibility, stacking, the ceiling and the floor, kopeck rounding, Moscow time windows,
//! search by final price, the booking snapshot, the concurrent "first N bookings" limit and company boundaries.
//! Every expected amount below is computed by hand in the comment next to it.

use crate::helpers::fixtures::{self, rub, ApartmentSpec};
use crate::helpers::{send_concurrently, CatalogRows, Problem, TestApp};
use nedvizhimost::config::PromotionSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Setup {
    app: TestApp,
    developer: String,
    developer_id: i64,
    moderator: String,
    /// One published project with one apartment: 2 rooms, 54.3 m², floor 5, 9 300 000 ₽ (base = current).
    rows: CatalogRows,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (developer, developer_id) = app
        .developer_with_company("owner@promo.example", "ГК Акции")
        .await;
    app.db
        .execute(
            "UPDATE developers SET moderation_status = 'published' WHERE id = $1",
            &[&developer_id],
        )
        .await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    let moderator = app.create_moderator("moderator@promo.example").await;
    Setup {
        app,
        developer,
        developer_id,
        moderator,
        rows,
    }
}

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    json_of(
        app.post_json("/promotions", Some(token), &body).await,
        StatusCode::CREATED,
    )
    .await
}

/// Submits and approves a promotion through the API.
async fn approve(setup: &Setup, token: &str, id: i64) -> Value {
    let app = &setup.app;
    json_of(
        app.post_json(&format!("/promotions/{id}/submit"), Some(token), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    json_of(
        app.post_json(
            &format!("/promotions/{id}/moderation"),
            Some(&setup.moderator),
            &json!({"decision": "publish"}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// An approved promotion of one project written straight in SQL (window: yesterday to tomorrow).
async fn approved_in_sql(
    app: &TestApp,
    developer_id: Option<i64>,
    name: &str,
    kind: &str,
    value: &str,
    stacks: bool,
    project_id: i64,
) -> i64 {
    app.db
        .scalar(
            "INSERT INTO promotions (developer_id, name, kind, discount_percent, discount_amount, stacks, status,
                                     starts_at, ends_at, conditions)
             VALUES ($1, $2, $3::text::promotion_kind,
                     CASE WHEN $3 = 'percent' THEN $4::text::numeric END,
                     CASE WHEN $3 = 'fixed' THEN $4::text::numeric END, $5, 'approved',
                     now() - interval '1 day', now() + interval '1 day',
                     jsonb_build_object('project_ids', jsonb_build_array($6::bigint)))
             RETURNING id",
            &[&developer_id, &name, &kind, &value, &stacks, &project_id],
        )
        .await
}

async fn card(app: &TestApp, apartment_id: i64) -> Value {
    json_of(
        app.get(&format!("/apartments/{apartment_id}")).await,
        StatusCode::OK,
    )
    .await
}

/// (name, amount) of every promotion of a card or booking, in the order given.
fn applied(value: &Value) -> Vec<(String, String)> {
    value["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|promotion| {
            (
                promotion["name"].as_str().unwrap().to_owned(),
                promotion["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    json_of(
        app.get(&format!("/apartments?{query}")).await,
        StatusCode::OK,
    )
    .await
}

async fn run_job(app: &TestApp) -> nedvizhimost::jobs::promotions::PromotionsReport {
    let client = app.db.client().await;
    nedvizhimost::jobs::promotions::run_once(&client, &PromotionSettings::default(), false)
        .await
        .unwrap()
}

#[tokio::test]
async fn buyers_see_a_promotion_only_after_approval_and_not_while_paused() {
    let setup = setup().await;
    let app = &setup.app;
    let apartment = setup.rows.apartment_id;
    let promotion = create(
        app,
        &setup.developer,
        json!({
            "developer_id": setup.developer_id,
            "name": "Минус 3 % на весь ЖК",
            "description": "До конца акции",
            "kind": "percent",
            "value": "3",
            "starts_at": "2020-01-01T00:00:00+03:00",
            "ends_at": "2099-01-01T00:00:00+03:00",
            "conditions": {"project_ids": [setup.rows.project_id]}
        }),
    )
    .await;
    let id = promotion["id"].as_i64().unwrap();
    assert_eq!(promotion["status"], "draft");
    assert_eq!(promotion["funded_by"], "developer");
    assert_eq!(promotion["active"], false);
    // A draft is invisible to buyers: no discount, no public page.
    let before = card(app, apartment).await;
    assert_eq!(before["final_price"], "9300000.00");
    assert_eq!(applied(&before), []);
    assert_eq!(
        app.get(&format!("/promotions/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // The developer cannot approve its own promotion.
    let response = app
        .post_json(
            &format!("/promotions/{id}/moderation"),
            Some(&setup.developer),
            &json!({"decision": "publish"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let approved = approve(&setup, &setup.developer, id).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["active"], true);
    // 9 300 000 × 3 % = 279 000 → 9 021 000.
    let after = card(app, apartment).await;
    assert_eq!(after["current_price"], "9300000.00");
    assert_eq!(after["final_price"], "9021000.00");
    assert_eq!(
        applied(&after),
        [("Минус 3 % на весь ЖК".to_owned(), "279000.00".to_owned())]
    );
    // The project card: the minimum final price and the promotion itself.
    let project = json_of(
        app.get(&format!("/projects/{}", setup.rows.project_id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(project["min_price"], "9300000.00");
    assert_eq!(project["min_final_price"], "9021000.00");
    assert_eq!(project["promotions"][0]["name"], "Минус 3 % на весь ЖК");
    assert_eq!(
        project["promotions"][0]["ends_at"],
        "2099-01-01T00:00:00+03:00"
    );
    // The map: the cheapest final price of the project on every path (the minute summary, rooms, area filters).
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    for query in ["", "&rooms=2", "&rooms=2&price_max=9300000", "&area_min=50"] {
        let map = json_of(
            app.get(&format!("/map/projects?bbox=37,55,38,56&zoom=14{query}"))
                .await,
            StatusCode::OK,
        )
        .await;
        let properties = &map["features"][0]["properties"];
        assert_eq!(properties["min_price"], "9300000.00", "{query}");
        assert_eq!(properties["min_final_price"], "9021000.00", "{query}");
    }
    // Search sees it at once (the approval re-applied the discounts in its own transaction).
    let page = search(app, "region=RU-MOW&with_promotion=true").await;
    assert_eq!(ids_of(&page), [apartment]);
    assert_eq!(page["items"][0]["final_price"], "9021000.00");
    let public: Value = app
        .get(&format!("/promotions/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["history"], json!([]), "history is for staff only");

    // Paused: gone from the card and from search at once.
    let paused = json_of(
        app.post_json(
            &format!("/promotions/{id}/pause"),
            Some(&setup.developer),
            &json!({"comment": "Квоту выбрали"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paused["status"], "paused");
    assert_eq!(card(app, apartment).await["final_price"], "9300000.00");
    assert_eq!(
        ids_of(&search(app, "region=RU-MOW&with_promotion=true").await),
        Vec::<i64>::new()
    );
    let actions: Vec<&str> = paused["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "submitted", "approved", "paused"]);
    // History is append-only.
    let client = app.db.client().await;
    let changed = client
        .execute(
            "DELETE FROM promotion_history WHERE promotion_id = $1",
            &[&id],
        )
        .await;
    assert!(changed.is_err(), "promotion_history must refuse DELETE");
    // A paused promotion cannot be paused again.
    let again = app
        .post_json(
            &format!("/promotions/{id}/pause"),
            Some(&setup.developer),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_best_single_promotion_competes_with_the_sum_of_stacking_ones_under_the_ceiling() {
    let setup = setup().await;
    let app = &setup.app;
    let client = app.db.client().await;
    // Base = current = 10 000 000.
    let apartment =
        fixtures::apartment(&**client, setup.rows.building_id, &ApartmentSpec::default()).await;
    let project = setup.rows.project_id;
    let dev = Some(setup.developer_id);
    approved_in_sql(app, None, "Платформа 5 %", "percent", "5", true, project).await;
    approved_in_sql(app, dev, "Застройщик 3 %", "percent", "3", true, project).await;
    approved_in_sql(app, dev, "Минус 700 000", "fixed", "700000", false, project).await;
    // Stacking 500 000 + 300 000 = 800 000 beats the single 700 000.
    let stacked = card(app, apartment).await;
    assert_eq!(stacked["final_price"], "9200000.00");
    assert_eq!(
        applied(&stacked),
        [
            ("Платформа 5 %".to_owned(), "500000.00".to_owned()),
            ("Застройщик 3 %".to_owned(), "300000.00".to_owned())
        ]
    );
    // A single 9 % (900 000) beats the stacking 800 000 and is applied alone.
    approved_in_sql(app, dev, "Одна 9 %", "percent", "9", false, project).await;
    let single = card(app, apartment).await;
    assert_eq!(single["final_price"], "9100000.00");
    assert_eq!(
        applied(&single),
        [("Одна 9 %".to_owned(), "900000.00".to_owned())]
    );
    // Stacking 10 % + 5 % + 3 % = 1 800 000 beats 900 000 but the ceiling is 15 % = 1 500 000.
    // Shares: 1 500 000 × 1.0/1.8 = 833 333.33; × 1.5/1.8 = 1 250 000 → 416 666.67; the rest 250 000.
    approved_in_sql(app, None, "Платформа 10 %", "percent", "10", true, project).await;
    let capped = card(app, apartment).await;
    assert_eq!(capped["final_price"], "8500000.00");
    assert_eq!(
        applied(&capped),
        [
            ("Платформа 10 %".to_owned(), "833333.33".to_owned()),
            ("Платформа 5 %".to_owned(), "416666.67".to_owned()),
            ("Застройщик 3 %".to_owned(), "250000.00".to_owned())
        ]
    );
}

#[tokio::test]
async fn the_final_price_never_goes_below_the_floor_and_is_rounded_half_up_once() {
    let setup = setup().await;
    let app = &setup.app;
    let client = app.db.client().await;
    // Dynamic pricing lowered it: base 10 000 000, current 9 000 000. 15 % of 9 000 000 = 1 350 000 would give
    // 7 650 000, but the floor is 80 % of base = 8 000 000: the discount is 1 000 000.
    let below_base = fixtures::apartment(
        &**client,
        setup.rows.building_id,
        &ApartmentSpec {
            current_price: rub("9000000"),
            ..ApartmentSpec::default()
        },
    )
    .await;
    approved_in_sql(
        app,
        None,
        "Большая скидка 20 %",
        "percent",
        "20",
        false,
        setup.rows.project_id,
    )
    .await;
    let floored = card(app, below_base).await;
    assert_eq!(floored["final_price"], "8000000.00");
    assert_eq!(
        applied(&floored),
        [("Большая скидка 20 %".to_owned(), "1000000.00".to_owned())]
    );
    // Rounding: 1 000 001.50 × 1 % = 10 000.015 → 990 001.485 → half up once: 990 001.49 (half-even would give .48).
    let (other_project, other_building) =
        fixtures::project(&**client, setup.developer_id, "ЖК Копейки").await;
    let odd = fixtures::apartment(
        &**client,
        other_building,
        &ApartmentSpec {
            base_price: rub("1000001.50"),
            current_price: rub("1000001.50"),
            ..ApartmentSpec::default()
        },
    )
    .await;
    approved_in_sql(
        app,
        None,
        "Один процент",
        "percent",
        "1",
        false,
        other_project,
    )
    .await;
    let rounded = card(app, odd).await;
    assert_eq!(rounded["final_price"], "990001.49");
    assert_eq!(
        applied(&rounded),
        [("Один процент".to_owned(), "10000.01".to_owned())]
    );
}

#[tokio::test]
async fn time_windows_are_moscow_time_and_a_changed_promotion_leaves_search_within_a_job_run() {
    let setup = setup().await;
    let app = &setup.app;
    // Given with a Z offset, shown in Moscow time: 2026-11-30T21:00:00Z = 2026-12-01T00:00:00+03:00.
    let promotion = create(
        app,
        &setup.developer,
        json!({
            "developer_id": setup.developer_id,
            "name": "Декабрь",
            "kind": "fixed",
            "value": "300000",
            "starts_at": "2026-11-30T21:00:00Z",
            "ends_at": "2027-01-01T00:00:00+03:00"
        }),
    )
    .await;
    assert_eq!(promotion["starts_at"], "2026-12-01T00:00:00+03:00");
    assert_eq!(promotion["ends_at"], "2027-01-01T00:00:00+03:00");
    let id = promotion["id"].as_i64().unwrap();
    app.db
        .execute(
            "UPDATE promotions SET status = 'approved' WHERE id = $1",
            &[&id],
        )
        .await;
    // The window is [starts_at, ends_at): at Moscow midnight of 1 December it applies, at 1 January it does not.
    let discount_at = |at: &'static str| {
        let db = &app.db;
        let apartment = setup.rows.apartment_id;
        async move {
            db.scalar::<rust_decimal::Decimal>(
                "SELECT discount FROM promotion_discounts(ARRAY[$1::bigint], $2::text::timestamptz, 15, 80)",
                &[&apartment, &at],
            )
            .await
        }
    };
    assert_eq!(discount_at("2026-11-30T23:59:59+03:00").await, rub("0"));
    assert_eq!(
        discount_at("2026-12-01T00:00:00+03:00").await,
        rub("300000")
    );
    assert_eq!(
        discount_at("2026-12-31T23:59:59+03:00").await,
        rub("300000")
    );
    assert_eq!(discount_at("2027-01-01T00:00:00+03:00").await, rub("0"));

    // The minute job: a promotion running now enters search; once it ends it leaves search at the next run.
    app.db
        .execute(
            "UPDATE promotions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour'
              WHERE id = $1",
            &[&id],
        )
        .await;
    let report = run_job(app).await;
    assert_eq!(report.changed_promotions, 1);
    assert_eq!(
        ids_of(&search(app, "with_promotion=true").await),
        [setup.rows.apartment_id]
    );
    assert_eq!(
        run_job(app).await,
        Default::default(),
        "nothing changed, nothing to do"
    );
    app.db
        .execute(
            "UPDATE promotions SET ends_at = now() - interval '1 second' WHERE id = $1",
            &[&id],
        )
        .await;
    run_job(app).await;
    assert_eq!(
        ids_of(&search(app, "with_promotion=true").await),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn search_filters_and_sorts_by_the_final_price_on_every_path() {
    let setup = setup().await;
    let app = &setup.app;
    let client = app.db.client().await;
    // X: 9 300 000 with 5 % → 8 835 000. Y: 9 000 000 without a promotion (another project).
    let x = setup.rows.apartment_id;
    let (other_project, other_building) =
        fixtures::project(&**client, setup.developer_id, "ЖК Без акций").await;
    let y = fixtures::apartment(
        &**client,
        other_building,
        &ApartmentSpec {
            base_price: rub("9000000"),
            current_price: rub("9000000"),
            ..ApartmentSpec::default()
        },
    )
    .await;
    let promotion = create(
        app,
        &setup.developer,
        json!({
            "developer_id": setup.developer_id,
            "name": "Пять процентов",
            "kind": "percent",
            "value": "5",
            "starts_at": "2020-01-01T00:00:00+03:00",
            "ends_at": "2099-01-01T00:00:00+03:00",
            "conditions": {"project_ids": [setup.rows.project_id]}
        }),
    )
    .await;
    approve(&setup, &setup.developer, promotion["id"].as_i64().unwrap()).await;
    assert_ne!(other_project, setup.rows.project_id);
    // By region (catalog_offers by region), without region (catalog_offers), and the catalog view (status list).
    for base in ["region=RU-MOW", "city=Москва", "status=available,sold"] {
        assert_eq!(
            ids_of(&search(app, &format!("{base}&sort=price")).await),
            [y, x],
            "{base}"
        );
        assert_eq!(
            ids_of(&search(app, &format!("{base}&sort=final_price")).await),
            [x, y],
            "{base}"
        );
        assert_eq!(
            ids_of(&search(app, &format!("{base}&sort=-final_price")).await),
            [y, x],
            "{base}"
        );
        assert_eq!(
            ids_of(&search(app, &format!("{base}&final_price_max=8900000")).await),
            [x],
            "{base}"
        );
        assert_eq!(
            ids_of(&search(app, &format!("{base}&final_price_min=8835000.01")).await),
            [y],
            "{base}"
        );
        assert_eq!(
            ids_of(&search(app, &format!("{base}&with_promotion=true")).await),
            [x],
            "{base}"
        );
    }
    let page = search(app, "sort=final_price").await;
    assert_eq!(page["items"][0]["final_price"], "8835000.00");
    assert_eq!(page["items"][1]["final_price"], "9000000.00");
    let bad = app.get("/apartments?final_price_min=0").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(Problem::read(bad).await.first_field(), "final_price_min");
}

#[tokio::test]
async fn a_price_moved_by_pricing_gets_its_discount_recomputed_by_the_job() {
    let setup = setup().await;
    let app = &setup.app;
    let apartment = setup.rows.apartment_id;
    approved_in_sql(
        app,
        Some(setup.developer_id),
        "Минус 300 000",
        "fixed",
        "300000",
        false,
        setup.rows.project_id,
    )
    .await;
    run_job(app).await;
    let final_price = || async {
        app.db
            .scalar::<rust_decimal::Decimal>(
                "SELECT final_price FROM catalog_offers WHERE apartment_id = $1",
                &[&apartment],
            )
            .await
    };
    assert_eq!(final_price().await, rub("9000000"));
    // The list price moves to 10 000 000 (a pass or a manual change): until the job runs the stored discount is
    // scaled, 300 000 × 10 000 000 / 9 300 000 = 322 580.645… → 322 580.65 → 9 677 419.35.
    app.db
        .execute(
            "UPDATE apartments SET current_price = 10000000 WHERE id = $1",
            &[&apartment],
        )
        .await;
    assert_eq!(final_price().await, rub("9677419.35"));
    let report = run_job(app).await;
    assert_eq!(report.repriced, 1);
    assert_eq!(final_price().await, rub("9700000"));
    // New limits (a restart with another PROMOTION_MAX_TOTAL_DISCOUNT_PERCENT) recompute every apartment: the
    // ceiling of 1 % of 10 000 000 = 100 000 caps the 300 000.
    let client = app.db.client().await;
    let tighter = PromotionSettings {
        max_total_discount_percent: rub("1"),
        ..PromotionSettings::default()
    };
    nedvizhimost::jobs::promotions::run_once(&client, &tighter, false)
        .await
        .unwrap();
    assert_eq!(final_price().await, rub("9900000"));
}

#[tokio::test]
async fn a_booking_keeps_the_list_price_promotions_and_final_price_of_its_moment() {
    let setup = setup().await;
    let app = &setup.app;
    let apartment = setup.rows.apartment_id;
    let promotion = approved_in_sql(
        app,
        None,
        "Платформа 5 %",
        "percent",
        "5",
        true,
        setup.rows.project_id,
    )
    .await;
    let (_, buyer) = app.quick_buyer("buyer@promo.example").await;
    let booking = json_of(
        app.post_json(
            &format!("/apartments/{apartment}/bookings"),
            Some(&buyer),
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // 9 300 000 × 5 % = 465 000 → 8 835 000.
    assert_eq!(booking["list_price"], "9300000.00");
    assert_eq!(booking["final_price"], "8835000.00");
    assert_eq!(booking["price"], "8835000.00");
    assert_eq!(
        applied(&booking),
        [("Платформа 5 %".to_owned(), "465000.00".to_owned())]
    );
    // The promotion ends and the list price moves: the booking keeps its price.
    app.db
        .execute(
            "UPDATE promotions SET status = 'ended' WHERE id = $1",
            &[&promotion],
        )
        .await;
    app.db
        .execute(
            "UPDATE apartments SET current_price = 9500000 WHERE id = $1",
            &[&apartment],
        )
        .await;
    let id = booking["id"].as_i64().unwrap();
    let again = json_of(
        app.get_with(&format!("/bookings/{id}"), Some(&buyer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["final_price"], "8835000.00");
    assert_eq!(again["list_price"], "9300000.00");
    assert_eq!(applied(&again), applied(&booking));
}

#[tokio::test]
async fn fifty_parallel_bookings_never_over_issue_a_first_ten_promotion() {
    let setup = setup().await;
    let app = &setup.app;
    let client = app.db.client().await;
    let mut apartments = Vec::new();
    for _ in 0..50 {
        apartments.push(
            fixtures::apartment(&**client, setup.rows.building_id, &ApartmentSpec::default()).await,
        );
    }
    let promotion: i64 = app
        .db
        .scalar(
            "INSERT INTO promotions (developer_id, name, kind, discount_amount, status, starts_at, ends_at,
                                     conditions)
             VALUES ($1, 'Первым десяти', 'fixed', 300000, 'approved', now() - interval '1 day',
                     now() + interval '1 day', '{\"first_n_bookings\": 10}')
             RETURNING id",
            &[&setup.developer_id],
        )
        .await;
    let mut requests = Vec::new();
    for (index, apartment) in apartments.iter().enumerate() {
        let (_, token) = app
            .quick_buyer(&format!("buyer{index}@promo.example"))
            .await;
        requests.push(
            app.http
                .post(app.url(&format!("/apartments/{apartment}/bookings")))
                .bearer_auth(token)
                .json(&json!({})),
        );
    }
    let responses = send_concurrently(requests).await;
    let mut discounted = 0;
    for response in responses {
        let booking = json_of(response, StatusCode::CREATED).await;
        if booking["final_price"] == "9700000.00" {
            assert_eq!(
                applied(&booking),
                [("Первым десяти".to_owned(), "300000.00".to_owned())]
            );
            discounted += 1;
        } else {
            assert_eq!(booking["final_price"], "10000000.00");
            assert_eq!(applied(&booking), []);
        }
    }
    assert_eq!(discounted, 10);
    let issued: i32 = app
        .db
        .scalar(
            "SELECT issued_bookings FROM promotions WHERE id = $1",
            &[&promotion],
        )
        .await;
    assert_eq!(issued, 10);
    let snapshots: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM booking_promotions WHERE promotion_id = $1",
            &[&promotion],
        )
        .await;
    assert_eq!(snapshots, 10);
}

#[tokio::test]
async fn a_developer_cannot_reach_another_companys_projects_or_promotions() {
    let setup = setup().await;
    let app = &setup.app;
    let (other, other_id) = app
        .developer_with_company("other@promo.example", "ГК Чужая")
        .await;
    let other_rows = app.insert_catalog(other_id).await;
    let body = |conditions: Value| {
        json!({
            "developer_id": setup.developer_id,
            "name": "Чужой ЖК",
            "kind": "percent",
            "value": "3",
            "starts_at": "2026-12-01T00:00:00+03:00",
            "ends_at": "2027-01-01T00:00:00+03:00",
            "conditions": conditions
        })
    };
    for conditions in [
        json!({"project_ids": [other_rows.project_id]}),
        json!({"building_ids": [other_rows.building_id]}),
    ] {
        let response = app
            .post_json("/promotions", Some(&setup.developer), &body(conditions))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    // Another company's id as the owner: 404 as well.
    let mut foreign = body(json!({}));
    foreign["developer_id"] = json!(other_id);
    let response = app
        .post_json("/promotions", Some(&setup.developer), &foreign)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The other company's promotion cannot be seen in the cabinet, changed or paused.
    let theirs = create(
        app,
        &other,
        json!({
            "developer_id": other_id,
            "name": "Их акция",
            "kind": "percent",
            "value": "2",
            "starts_at": "2026-12-01T00:00:00+03:00",
            "ends_at": "2027-01-01T00:00:00+03:00"
        }),
    )
    .await;
    let id = theirs["id"].as_i64().unwrap();
    let response = app
        .patch_json(
            &format!("/promotions/{id}"),
            Some(&setup.developer),
            &json!({"name": "Моя"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post_json(
            &format!("/promotions/{id}/end"),
            Some(&setup.developer),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let cabinet = json_of(
        app.get_with("/cabinet/promotions", Some(&setup.developer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cabinet["total"], 0);
    // A platform promotion is the moderator's.
    let mut platform = body(json!({}));
    platform.as_object_mut().unwrap().remove("developer_id");
    let response = app
        .post_json("/promotions", Some(&setup.developer), &platform)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let created = create(app, &setup.moderator, platform).await;
    assert_eq!(created["funded_by"], "platform");
    assert_eq!(created["developer_id"], Value::Null);
}

#[tokio::test]
async fn conditions_are_typed_and_an_unknown_key_is_named() {
    let setup = setup().await;
    let app = &setup.app;
    let body = |conditions: Value| {
        json!({
            "developer_id": setup.developer_id,
            "name": "Студии",
            "kind": "percent",
            "value": "3",
            "starts_at": "2026-12-01T00:00:00+03:00",
            "ends_at": "2027-01-01T00:00:00+03:00",
            "conditions": conditions
        })
    };
    let response = app
        .post_json(
            "/promotions",
            Some(&setup.developer),
            &body(json!({"rooms": [0], "min_area_total": 25})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = Problem::read(response).await;
    assert!(
        problem
            .fields()
            .iter()
            .any(|field| field.contains("min_area_total")),
        "{}",
        problem.body
    );
    for (conditions, field) in [
        (json!({"rooms": [21]}), "conditions.rooms"),
        (
            json!({"area_min": "50", "area_max": "25"}),
            "conditions.area_min",
        ),
        (
            json!({"first_n_bookings": 0}),
            "conditions.first_n_bookings",
        ),
    ] {
        let response = app
            .post_json("/promotions", Some(&setup.developer), &body(conditions))
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(Problem::read(response).await.first_field(), field);
    }
    let mut too_much = body(json!({}));
    too_much["value"] = json!("100.01");
    let response = app
        .post_json("/promotions", Some(&setup.developer), &too_much)
        .await;
    assert_eq!(Problem::read(response).await.first_field(), "value");
    // Studios from 25 m²: the 2-room apartment of the catalog does not qualify.
    let studios = create(
        app,
        &setup.developer,
        body(json!({"rooms": [0], "area_min": "25"})),
    )
    .await;
    assert_eq!(studios["conditions"]["rooms"], json!([0]));
    assert_eq!(studios["conditions"]["area_min"], "25");
    approve(&setup, &setup.developer, studios["id"].as_i64().unwrap()).await;
    app.db
        .execute(
            "UPDATE promotions SET starts_at = now() - interval '1 day' WHERE id = $1",
            &[&studios["id"].as_i64().unwrap()],
        )
        .await;
    assert_eq!(applied(&card(app, setup.rows.apartment_id).await), []);
}

#[tokio::test]
async fn a_list_price_changed_for_a_promotion_is_a_promo_price_change_naming_it() {
    let setup = setup().await;
    let app = &setup.app;
    let apartment = setup.rows.apartment_id;
    let promotion = approved_in_sql(
        app,
        Some(setup.developer_id),
        "Осенняя распродажа",
        "percent",
        "2",
        false,
        setup.rows.project_id,
    )
    .await;
    let changed = json_of(
        app.patch_json(
            &format!("/apartments/{apartment}/price"),
            Some(&setup.developer),
            &json!({"price": "9000000", "promotion_id": promotion}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // 9 300 000 → 9 000 000 is −3,2 %.
    let explanation = changed["explanation"].as_str().unwrap();
    assert!(
        explanation.starts_with("Цена изменена застройщиком в рамках акции «Осенняя распродажа» ("),
        "{explanation}"
    );
    let reason: String = app
        .db
        .scalar(
            "SELECT reason::text FROM price_history WHERE apartment_id = $1 ORDER BY id DESC LIMIT 1",
            &[&apartment],
        )
        .await;
    assert_eq!(reason, "promo");
    assert_eq!(card(app, apartment).await["last_change"]["reason"], "promo");
    // The discount itself is not a price change: still exactly one history row.
    let rows: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM price_history WHERE apartment_id = $1",
            &[&apartment],
        )
        .await;
    assert_eq!(rows, 1);
    // Another company's promotion cannot be named.
    let (_, other_id) = app
        .developer_with_company("rival@promo.example", "ГК Соседи")
        .await;
    let rows = app.insert_catalog(other_id).await;
    let theirs = approved_in_sql(
        app,
        Some(other_id),
        "Чужая",
        "percent",
        "1",
        false,
        rows.project_id,
    )
    .await;
    let response = app
        .patch_json(
            &format!("/apartments/{apartment}/price"),
            Some(&setup.developer),
            &json!({"price": "8900000", "promotion_id": theirs}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn public_list_cabinet_queue_resume_and_end() {
    let setup = setup().await;
    let app = &setup.app;
    let body = json!({
        "developer_id": setup.developer_id,
        "name": "Весь ЖК минус 2 %",
        "kind": "percent",
        "value": "2",
        "stacks": true,
        "starts_at": "2020-01-01T00:00:00+03:00",
        "ends_at": "2099-01-01T00:00:00+03:00",
        "conditions": {"project_ids": [setup.rows.project_id]}
    });
    let id = create(app, &setup.developer, body).await["id"]
        .as_i64()
        .unwrap();
    json_of(
        app.post_json(
            &format!("/promotions/{id}/submit"),
            Some(&setup.developer),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // The moderator's queue holds it; the public list does not yet.
    let queue = json_of(
        app.get_with(
            "/cabinet/promotions?status=pending_review",
            Some(&setup.moderator),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&queue), [id]);
    let public = json_of(app.get("/promotions").await, StatusCode::OK).await;
    assert_eq!(public["total"], 0);
    // Rejection needs a comment.
    let response = app
        .post_json(
            &format!("/promotions/{id}/moderation"),
            Some(&setup.moderator),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    json_of(
        app.post_json(
            &format!("/promotions/{id}/moderation"),
            Some(&setup.moderator),
            &json!({"decision": "publish"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let listed = json_of(
        app.get(&format!("/promotions?project_id={}", setup.rows.project_id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&listed), [id]);
    let elsewhere = json_of(
        app.get("/promotions?project_id=999999").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(elsewhere["total"], 0);
    // Pause and resume: the discount leaves and comes back at once.
    for (step, final_price) in [("pause", "9300000.00"), ("resume", "9114000.00")] {
        json_of(
            app.post_json(
                &format!("/promotions/{id}/{step}"),
                Some(&setup.developer),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        // 9 300 000 × 2 % = 186 000.
        assert_eq!(
            card(app, setup.rows.apartment_id).await["final_price"],
            final_price,
            "{step}"
        );
    }
    // Editing an approved promotion sends it back to review (and out of prices).
    let edited = json_of(
        app.patch_json(
            &format!("/promotions/{id}"),
            Some(&setup.developer),
            &json!({"value": "3"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["status"], "pending_review");
    assert_eq!(edited["value"], "3.00");
    assert_eq!(
        card(app, setup.rows.apartment_id).await["final_price"],
        "9300000.00"
    );
    // Ended is final.
    let ended = json_of(
        app.post_json(
            &format!("/promotions/{id}/end"),
            Some(&setup.developer),
            &json!({"comment": "Досрочно"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["status"], "ended");
    let response = app
        .patch_json(
            &format!("/promotions/{id}"),
            Some(&setup.developer),
            &json!({"value": "4"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = app
        .post_json(
            &format!("/promotions/{id}/resume"),
            Some(&setup.developer),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    // A buyer has no cabinet.
    let (_, buyer) = app.quick_buyer("nosy@promo.example").await;
    assert_eq!(
        app.get_with("/cabinet/promotions", Some(&buyer))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
