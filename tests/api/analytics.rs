//! Analytics over a small hand-built catalog: every metric below is computed by hand in the comments next to
//! the assertion. Days are Moscow days: D is the day before yesterday, D0 the day before D (never "today", so a
//! run near midnight cannot move an event across days).

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::{Problem, TestApp};
use serde_json::Value;

/// A moment `days_ago` Moscow days back at `time` (HH:MM, Moscow), as an SQL expression.
fn msk(days_ago: i32, time: &str) -> String {
    format!(
        "((date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') - interval '{days_ago} days' + time '{time}') \
         AT TIME ZONE 'Europe/Moscow')"
    )
}

/// A JSON number or decimal string as f64.
fn num(value: &Value) -> f64 {
    match value {
        Value::String(text) => text.parse().unwrap(),
        Value::Number(number) => number.as_f64().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

struct Demand {
    app: TestApp,
    moderator: String,
    buyer: String,
    token_a: String,
    token_b: String,
    project_a: i64,
    project_b: i64,
    a1: i64,
    a2: i64,
    a3: i64,
    a4: i64,
    day: String,
    day_before: String,
}

/// Company A: «ЖК «Речной»» (Москва, comfort), one building, apartments
///
/// | name | rooms | area | base → current | status | published |
/// |---|---|---|---|---|---|
/// | a1 | 1 | 40 | 8 000 000 | booked | D−10 13:00 |
/// | a2 | 2 | 60 | 12 000 000 | sold | D−10 13:00 |
/// | a3 | 2 | 50 | 10 000 000 | available | now − 30 d 1 h |
/// | a4 | 3 | 80 | 10 000 000 → 9 300 000 (−7 %, the floor) | available | now − 100 d 1 h |
///
/// Company B: «ЖК Б», apartment b1 (rooms 1, 10 000 000).
///
/// Events on D (12:00 unless said): a1 — views v1×4, v2×3, v3×2, v4×1 (10 views, 4 visitors), favourites v1 and
/// v2, leads v1 and v2, flagged bot `v:bot` ×20 views; a2 — views v1, v5, v5, v6, v7 (5 views, 4 visitors), a lead
/// of the bot; b1 — 7 views of v9. On D0: a1 — 3 views of v8. Now − 1 min: a3 — 6 views of v10.
/// Bookings: a1 booked D 13:00, confirmed D 14:00; a2 booked D 01:00, confirmed D 15:00, sold D 16:00 for
/// 11 500 000.
async fn demand() -> Demand {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@analytics.ru").await;
    let buyer = app.register_buyer("buyer@analytics.ru").await;
    let (token_a, company_a) = app.developer_with_company("owner@a.example", "ГК А").await;
    let (token_b, company_b) = app.developer_with_company("owner@b.example", "ГК Б").await;
    let client = app.db.client().await;
    let (project_a, building_a) = fixtures::project(&**client, company_a, "ЖК «Речной»").await;
    let (project_b, building_b) = fixtures::project(&**client, company_b, "ЖК Б").await;
    let buyer1 = fixtures::user(&**client, "buyer1@analytics.ru").await;
    let buyer2 = fixtures::user(&**client, "buyer2@analytics.ru").await;
    let apartment = |code: &str,
                     rooms: i16,
                     area: &str,
                     base: &str,
                     current: &str,
                     status: &str,
                     published: String| {
        format!(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price, status,
                                     moderation_status, published_at)
             VALUES ($1, '{code}', 3, {rooms}, {area}, {base}, {current}, '{status}', 'published', {published})
             RETURNING id"
        )
    };
    let published_d10 = msk(12, "13:00");
    let a1: i64 = app
        .db
        .scalar(
            &apartment(
                "a1",
                1,
                "40",
                "8000000",
                "8000000",
                "booked",
                published_d10.clone(),
            ),
            &[&building_a],
        )
        .await;
    let a2: i64 = app
        .db
        .scalar(
            &apartment("a2", 2, "60", "12000000", "12000000", "sold", published_d10),
            &[&building_a],
        )
        .await;
    let a3: i64 = app
        .db
        .scalar(
            &apartment(
                "a3",
                2,
                "50",
                "10000000",
                "10000000",
                "available",
                "now() - interval '30 days 1 hour'".into(),
            ),
            &[&building_a],
        )
        .await;
    let a4: i64 = app
        .db
        .scalar(
            &apartment(
                "a4",
                3,
                "80",
                "10000000",
                "9300000",
                "available",
                "now() - interval '100 days 1 hour'".into(),
            ),
            &[&building_a],
        )
        .await;
    let b1 = fixtures::apartment(&**client, building_b, &ApartmentSpec::default()).await;

    let d = msk(2, "12:00");
    let views = |apartment: i64, visitor: &str, count: i32, at: &str| {
        format!(
            "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
             SELECT {apartment}, '{visitor}', 'view', {at} FROM generate_series(1, {count})"
        )
    };
    for (apartment, visitor, count) in [
        (a1, "v1", 4),
        (a1, "v2", 3),
        (a1, "v3", 2),
        (a1, "v4", 1),
        (a1, "bot", 20),
        (a2, "v1", 1),
        (a2, "v5", 2),
        (a2, "v6", 1),
        (a2, "v7", 1),
        (b1, "v9", 7),
    ] {
        app.db
            .execute(&views(apartment, visitor, count, &d), &[])
            .await;
    }
    app.db
        .execute(&views(a1, "v8", 3, &msk(3, "12:00")), &[])
        .await;
    app.db
        .execute(&views(a3, "v10", 6, "now() - interval '1 minute'"), &[])
        .await;
    app.db
        .execute(
            &format!(
                "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
                 VALUES ({a1}, 'v1', 'favourite', {d}), ({a1}, 'v2', 'favourite', {d})"
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:bot', 120)",
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "INSERT INTO leads (apartment_id, visitor_id, name, phone, created_at)
                 VALUES ({a1}, 'v1', 'Иван', '+79990000001', {d}), ({a1}, 'v2', 'Пётр', '+79990000002', {d}),
                        ({a2}, 'bot', 'Бот', '+79990000003', {d})"
            ),
            &[],
        )
        .await;
    let booking = |apartment: i64, user: i64, price: &str, booked: String| {
        format!(
            "INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
             VALUES ({apartment}, {user}, 'confirmed', {price}, {price}, {booked}, {booked} + interval '48 hours')
             RETURNING id"
        )
    };
    let booking1: i64 = app
        .db
        .scalar(&booking(a1, buyer1, "8000000", msk(2, "13:00")), &[])
        .await;
    let booking2: i64 = app
        .db
        .scalar(&booking(a2, buyer2, "11500000", msk(2, "01:00")), &[])
        .await;
    app.db
        .execute(
            &format!(
                "INSERT INTO booking_events (booking_id, action, occurred_at)
                 VALUES ({booking1}, 'created', {}), ({booking1}, 'confirmed', {}),
                        ({booking2}, 'created', {}), ({booking2}, 'confirmed', {}), ({booking2}, 'sold', {})",
                msk(2, "13:00"),
                msk(2, "14:00"),
                msk(2, "01:00"),
                msk(2, "15:00"),
                msk(2, "16:00"),
            ),
            &[],
        )
        .await;
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    let report = app.run_analytics_refresh().await;
    assert!(!report.skipped);
    let day: String = app
        .db
        .scalar(
            "SELECT ((now() AT TIME ZONE 'Europe/Moscow')::date - 2)::text",
            &[],
        )
        .await;
    let day_before: String = app
        .db
        .scalar(
            "SELECT ((now() AT TIME ZONE 'Europe/Moscow')::date - 3)::text",
            &[],
        )
        .await;
    drop(client);
    Demand {
        app,
        moderator,
        buyer,
        token_a,
        token_b,
        project_a,
        project_b,
        a1,
        a2,
        a3,
        a4,
        day,
        day_before,
    }
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get_with(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn counts(row: &Value) -> [i64; 9] {
    [
        "views",
        "unique_visitors",
        "favourites",
        "leads",
        "bookings",
        "confirmed",
        "sold",
        "flagged_views",
        "flagged_leads",
    ]
    .map(|name| row[name].as_i64().unwrap())
}

#[tokio::test]
async fn the_funnel_counts_each_step_keeps_bots_apart_and_converts() {
    let t = demand().await;
    let day = &t.day;
    let report = get_json(
        &t.app,
        &format!("/analytics/funnel?date_from={day}&date_to={day}&group_by=project"),
        &t.token_a,
    )
    .await;
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only company A's project: {report}");
    let row = &rows[0];
    assert_eq!(row["project_id"], t.project_a);
    assert_eq!(row["project_name"], "ЖК «Речной»");
    // views 10 + 5 = 15; visitors 4 (a1: v1..v4) + 4 (a2: v1, v5, v6, v7) by cell; favourites 2; leads 2 (the
    // bot's lead apart); bookings 2, both confirmed; a2 sold; the bot's 20 views and 1 lead apart.
    assert_eq!(counts(row), [15, 8, 2, 2, 2, 2, 1, 20, 1]);
    assert_eq!(counts(&report["total"]), [15, 8, 2, 2, 2, 2, 1, 20, 1]);
    let conversion = &row["conversion"];
    assert_eq!(num(&conversion["favourites_per_view"]), 0.1333); // 2 / 15
    assert_eq!(num(&conversion["leads_per_view"]), 0.1333); // 2 / 15
    assert_eq!(num(&conversion["bookings_per_lead"]), 1.0); // 2 / 2
    assert_eq!(num(&conversion["confirmed_per_booking"]), 1.0); // 2 / 2
    assert_eq!(num(&conversion["sold_per_confirmed"]), 0.5); // 1 / 2
    assert_eq!(num(&conversion["sold_per_view"]), 0.0667); // 1 / 15
    assert!(report["refreshed_at"].is_string());

    let by_rooms = get_json(
        &t.app,
        &format!("/analytics/funnel?date_from={day}&date_to={day}&group_by=rooms"),
        &t.token_a,
    )
    .await;
    let rows = by_rooms["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["rooms"].as_i64(), rows[0]["project_id"].is_null()),
        (Some(1), true)
    );
    assert_eq!(counts(&rows[0]), [10, 4, 2, 2, 1, 1, 0, 20, 0]);
    assert_eq!(rows[1]["rooms"], 2);
    assert_eq!(counts(&rows[1]), [5, 4, 0, 0, 1, 1, 1, 0, 1]);
    assert!(
        rows[1]["conversion"]["leads_per_view"] == 0
            || num(&rows[1]["conversion"]["leads_per_view"]) == 0.0
    );
    assert!(
        rows[1]["conversion"]["bookings_per_lead"].is_null(),
        "0 leads: no rate"
    );

    let by_day = get_json(
        &t.app,
        &format!(
            "/analytics/funnel?date_from={}&date_to={day}&group_by=day",
            t.day_before
        ),
        &t.token_a,
    )
    .await;
    let rows = by_day["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["day"], t.day_before.as_str());
    assert_eq!(counts(&rows[0]), [3, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(rows[1]["day"], day.as_str());
    assert_eq!(rows[1]["views"], 15);
}

#[tokio::test]
async fn a_company_sees_only_its_own_funnel_and_a_buyer_none() {
    let t = demand().await;
    let day = &t.day;
    let path = format!("/analytics/funnel?date_from={day}&date_to={day}");
    let of_b = get_json(&t.app, &path, &t.token_b).await;
    let rows = of_b["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["project_id"], t.project_b);
    assert_eq!(counts(&rows[0]), [7, 1, 0, 0, 0, 0, 0, 0, 0]);

    let foreign = t
        .app
        .get_with(
            &format!("{path}&project_id={}", t.project_a),
            Some(&t.token_b),
        )
        .await;
    assert_eq!(
        foreign.status(),
        404,
        "another company's project is not found"
    );
    let foreign_chart = t
        .app
        .get_with(
            &format!("/analytics/funnel/chart.svg?project_id={}", t.project_a),
            Some(&t.token_b),
        )
        .await;
    assert_eq!(foreign_chart.status(), 404);
    for endpoint in ["funnel", "popular", "sales", "prices/clusters", "market"] {
        let refused = t
            .app
            .get_with(&format!("/analytics/{endpoint}"), Some(&t.buyer))
            .await;
        assert_eq!(refused.status(), 403, "{endpoint}");
    }
    let popular_of_b = get_json(&t.app, "/analytics/popular", &t.token_b).await;
    let ids: Vec<i64> = popular_of_b["apartments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["apartment_id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&t.a1) && ids.len() == 1, "{ids:?}");

    let all = get_json(&t.app, &path, &t.moderator).await;
    assert_eq!(
        all["rows"].as_array().unwrap().len(),
        2,
        "a moderator sees both"
    );
    assert_eq!(all["total"]["views"], 22); // 15 + 7

    let backwards = t
        .app
        .get_with(
            &format!("/analytics/funnel?date_from={day}&date_to={}", t.day_before),
            Some(&t.token_a),
        )
        .await;
    assert_eq!(backwards.status(), 422);
    assert_eq!(Problem::read(backwards).await.fields(), ["date_from"]);

    // The finest grouping is bounded to 92 days: 93 days is refused, 92 answered.
    let too_fine = t
        .app
        .get_with(
            "/analytics/funnel?date_from=2026-01-01&date_to=2026-04-03&group_by=cell",
            Some(&t.token_a),
        )
        .await;
    assert_eq!(too_fine.status(), 422);
    assert_eq!(Problem::read(too_fine).await.fields(), ["group_by"]);
    let fine = t
        .app
        .get_with(
            "/analytics/funnel?date_from=2026-01-01&date_to=2026-04-02&group_by=cell",
            Some(&t.token_a),
        )
        .await;
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn popular_ranks_by_demand_and_finds_slow_clusters_and_the_floor() {
    let t = demand().await;
    let report = get_json(&t.app, "/analytics/popular", &t.token_a).await;
    let apartments = report["apartments"].as_array().unwrap();
    let order: Vec<i64> = apartments
        .iter()
        .map(|a| a["apartment_id"].as_i64().unwrap())
        .collect();
    // a3 has 6 views in 24 h: demand 0.5 × 6 = 3; the rest 0, by id.
    assert_eq!(order, [t.a3, t.a1, t.a2, t.a4]);
    let a3 = &apartments[0];
    assert_eq!(a3["views_24h"], 6);
    assert_eq!(num(&a3["demand"]), 3.0);
    // cluster «ЖК × 2 rooms» on sale is a3 alone: median 3, demand_norm 3 / 3 = 1.
    assert_eq!(num(&a3["cluster_median"]), 3.0);
    assert_eq!(num(&a3["demand_norm"]), 1.0);
    assert_eq!(a3["days_on_site"], 30);
    assert!(a3["days_to_booking"].is_null());
    assert_eq!(a3["at_floor"], false);
    // a1 published D−10 13:00, booked D 13:00: 10 days; a2 booked D 01:00: 9.5 days.
    assert_eq!(num(&apartments[1]["days_to_booking"]), 10.0);
    assert_eq!(num(&apartments[2]["days_to_booking"]), 9.5);
    // a4: 9 300 000 = 10 000 000 × (1 − 0.07), the floor of the corridor.
    assert_eq!(apartments[3]["at_floor"], true);
    let stuck: Vec<i64> = report["stuck_at_floor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["apartment_id"].as_i64().unwrap())
        .collect();
    assert_eq!(stuck, [t.a4]);
    let slow = report["slow_clusters"].as_array().unwrap();
    assert_eq!(slow.len(), 2, "{slow:?}");
    assert_eq!(
        (slow[0]["rooms"].as_i64(), slow[0]["on_sale"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(num(&slow[0]["avg_days_on_site"]), 100.0);
    assert_eq!(slow[0]["max_days_on_site"], 100);
    assert_eq!(slow[1]["rooms"], 2);
    assert_eq!(num(&slow[1]["avg_days_on_site"]), 30.0);

    let two_rooms = get_json(&t.app, "/analytics/popular?rooms=2&limit=1", &t.token_a).await;
    assert_eq!(two_rooms["apartments"].as_array().unwrap().len(), 1);
    assert_eq!(two_rooms["apartments"][0]["apartment_id"], t.a3);
    let too_many = t
        .app
        .get_with("/analytics/popular?limit=201", Some(&t.token_a))
        .await;
    assert_eq!(too_many.status(), 422);
    assert_eq!(Problem::read(too_many).await.fields(), ["limit"]);
}

#[tokio::test]
async fn sales_pace_months_of_inventory_and_share_sold() {
    let t = demand().await;
    let report = get_json(&t.app, "/analytics/sales", &t.token_a).await;
    let projects = report["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    // 4 published: a1 booked, a2 sold, a3 and a4 on sale.
    assert_eq!(
        [
            &p["lots_total"],
            &p["lots_on_sale"],
            &p["lots_sold"],
            &p["sold_90_days"]
        ]
        .map(|v| v.as_i64().unwrap()),
        [4, 2, 1, 1]
    );
    assert_eq!(num(&p["share_sold"]), 0.25); // 1 / 4
    assert_eq!(num(&p["avg_monthly_sales"]), 0.33); // 1 sale in 90 days ÷ 3
    assert_eq!(num(&p["months_of_inventory"]), 6.0); // 2 on sale ÷ (1 / 3)
                                                     // Months with any demand are listed (D0 may fall in the month before D, with no sales); one sale in all.
    let months = p["months"].as_array().unwrap();
    let with_sales: Vec<&Value> = months.iter().filter(|m| m["sold"] != 0).collect();
    assert_eq!(with_sales.len(), 1, "{months:?}");
    assert_eq!(with_sales[0]["sold"], 1);
    // 11 500 000 ÷ 60 m² = 191 666.666… → 191 666.67
    assert_eq!(num(&with_sales[0]["deals_price_per_m2"]), 191_666.67);
    assert!(months
        .iter()
        .filter(|m| m["sold"] == 0)
        .all(|m| m["deals_price_per_m2"].is_null()));

    let chart = t
        .app
        .get_with("/analytics/sales/chart.svg", Some(&t.token_a))
        .await;
    assert_eq!(chart.status(), 200);
    let text = chart.text().await.unwrap();
    let document = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
    assert!(document
        .descendants()
        .any(|node| node.text().is_some_and(|text| text.contains("Темп продаж"))));
}

#[tokio::test]
async fn funnel_csv_has_russian_headers_and_text_and_the_chart_is_svg() {
    let t = demand().await;
    let day = &t.day;
    let response = t
        .app
        .request(
            reqwest::Method::GET,
            &format!("/analytics/funnel?date_from={day}&date_to={day}"),
            Some(&t.token_a),
        )
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 byte order mark for Excel"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("Сутки;ЖК;Название ЖК;Корпус"),
        "{}",
        lines[0]
    );
    let cells: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(cells[1], t.project_a.to_string());
    assert_eq!(cells[2], "ЖК «Речной»");
    assert_eq!(cells[6], "15");
    assert_eq!(lines.len(), 3, "header, one row, empty after the last CRLF");

    let chart = t
        .app
        .get_with(
            &format!("/analytics/funnel/chart.svg?date_from={day}&date_to={day}"),
            Some(&t.token_a),
        )
        .await;
    assert_eq!(chart.status(), 200);
    assert!(chart.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = chart.text().await.unwrap();
    let document = roxmltree::Document::parse(&svg).expect("the chart is well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = document
        .descendants()
        .filter(|node| node.tag_name().name() == "text")
        .filter_map(|node| node.text())
        .map(str::trim)
        .collect();
    for label in ["Просмотры", "Заявки", "Продано"] {
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    assert!(texts.iter().any(|text| text.starts_with("Воронка спроса")));
    // the bars: one <rect> per step besides the background and the frame
    let bars = document
        .descendants()
        .filter(|node| node.tag_name().name() == "rect")
        .count();
    assert!(bars >= 6, "{bars} rects");
}

/// A dynamic price change of `apartment` at `at` (an SQL expression), as the pricing pass would write it.
fn dynamic_change(apartment: i64, old: &str, new: &str, at: &str) -> String {
    format!(
        "INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id,
                                    views_24h, favourites_24h, leads_24h, bookings_24h, demand, config_id)
         SELECT {apartment}, {at}, {old}, {new}, 'dynamic',
                (SELECT id FROM pricing_runs ORDER BY id LIMIT 1), 0, 0, 0, 0, 0,
                (SELECT id FROM dynamic_pricing_config ORDER BY id LIMIT 1)"
    )
}

/// Today 00:00 Moscow plus `seconds`: today's day and month whenever the test runs (past the first minute).
fn today_plus(seconds: i32) -> String {
    format!("({} + interval '{seconds} seconds')", msk(0, "00:00"))
}

/// The market: Москва comfort holds companies A, B, C (one cell of three); Казань business holds D alone.
///
/// | company | apartment | price | status | notes |
/// |---|---|---|---|---|
/// | A | x1 | 10 000 000 | available | |
/// | A | x2 | 9 000 000 | sold | published 20 days before its booking, sold today for 9 000 000 |
/// | B | y1 | 8 500 000 | available | published 10 days before a booking that was cancelled; 6 views today |
/// | C | z1 | 9 000 000 | available | first published today; the algorithm moved it +2 % and −2 % today |
/// | D | w1 | 6 000 000 | available | Казань, business |
///
/// Every apartment has 42.5 m².
#[tokio::test]
async fn the_market_by_month_and_its_cells_hidden_from_developers_below_three_companies() {
    use crate::helpers::{random_inn, random_ogrn};
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@market.ru").await;
    let (token_a, company_a) = app.developer_with_company("owner@a.example", "ГК А").await;
    let client = app.db.client().await;
    let company_b = fixtures::developer(&**client, &random_inn(), &random_ogrn()).await;
    let company_c = fixtures::developer(&**client, &random_inn(), &random_ogrn()).await;
    let company_d = fixtures::developer(&**client, &random_inn(), &random_ogrn()).await;
    let price = |amount: &str| ApartmentSpec {
        base_price: amount.parse().unwrap(),
        current_price: amount.parse().unwrap(),
        ..ApartmentSpec::default()
    };
    let (_, building_a) = fixtures::project(&**client, company_a, "ЖК А").await;
    let (_, building_b) = fixtures::project(&**client, company_b, "ЖК Б").await;
    let (_, building_c) = fixtures::project(&**client, company_c, "ЖК В").await;
    let (project_d, building_d) = fixtures::project(&**client, company_d, "ЖК Г").await;
    app.db
        .execute(
            "UPDATE projects SET city = 'Казань', region_code = 'RU-TA', class = 'business' WHERE id = $1",
            &[&project_d],
        )
        .await;
    let _x1 = fixtures::apartment(&**client, building_a, &price("10000000")).await;
    let x2 = fixtures::apartment(
        &**client,
        building_a,
        &ApartmentSpec {
            status: "sold",
            ..price("9000000")
        },
    )
    .await;
    let y1 = fixtures::apartment(&**client, building_b, &price("8500000")).await;
    let z1 = fixtures::apartment(&**client, building_c, &price("9000000")).await;
    let _w1 = fixtures::apartment(&**client, building_d, &price("6000000")).await;
    let buyer = fixtures::user(&**client, "buyer@market.ru").await;
    let buyer2 = fixtures::user(&**client, "buyer2@market.ru").await;
    let sold_booking: i64 = app
        .db
        .scalar(
            &format!(
                "INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
                 VALUES ({x2}, {buyer}, 'confirmed', 9000000, 9000000, {at}, {at} + interval '48 hours') RETURNING id",
                at = today_plus(1)
            ),
            &[],
        )
        .await;
    let cancelled_booking: i64 = app
        .db
        .scalar(
            &format!(
                "INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
                 VALUES ({y1}, {buyer2}, 'cancelled', 8500000, 8500000, {at}, {at} + interval '48 hours') RETURNING id",
                at = today_plus(3)
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "INSERT INTO booking_events (booking_id, action, occurred_at)
                 VALUES ({sold_booking}, 'sold', {}), ({cancelled_booking}, 'cancelled', {})",
                today_plus(2),
                today_plus(4)
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "UPDATE apartments SET published_at = {} - interval '20 days' WHERE id = {x2}",
                today_plus(1)
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "UPDATE apartments SET published_at = {} - interval '10 days' WHERE id = {y1}",
                today_plus(3)
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "UPDATE apartments SET published_at = {} WHERE id = {z1}",
                today_plus(1)
            ),
            &[],
        )
        .await;
    app.db
        .execute(
            &format!(
                "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
                 SELECT {y1}, 'v' || n, 'view', {} FROM generate_series(1, 6) n",
                today_plus(5)
            ),
            &[],
        )
        .await;
    app.db
        .execute("INSERT INTO pricing_runs (trigger) VALUES ('manual')", &[])
        .await;
    app.db
        .execute(
            &dynamic_change(z1, "9000000", "9180000", &today_plus(6)),
            &[],
        )
        .await;
    app.db
        .execute(
            &dynamic_change(z1, "9180000", "8996400", &today_plus(7)),
            &[],
        )
        .await;
    drop(client);
    app.run_analytics_refresh().await;

    let of_moderator = get_json(&app, "/analytics/market", &moderator).await;
    let cells = of_moderator["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "{of_moderator}");
    let moscow = cells.iter().find(|c| c["city"] == "Москва").unwrap();
    let kazan = cells.iter().find(|c| c["city"] == "Казань").unwrap();
    assert_eq!(
        (moscow["class"].as_str(), moscow["region_code"].as_str()),
        (Some("comfort"), Some("RU-MOW"))
    );
    assert_eq!(moscow["suppressed"], false);
    assert_eq!(moscow["companies"], 3);
    assert_eq!(moscow["lots_on_sale"], 3); // x1, y1, z1
    assert_eq!(num(&moscow["area_on_sale"]), 127.5); // 3 × 42.5
    assert_eq!(num(&moscow["price_per_m2_on_sale"]), 215_686.27); // 27 500 000 ÷ 127.5
    assert_eq!(moscow["new_lots"], 1); // z1
    assert_eq!(moscow["sold"], 1); // x2
    assert_eq!(num(&moscow["price_per_m2_deals"]), 211_764.71); // 9 000 000 ÷ 42.5
    assert_eq!(num(&moscow["avg_monthly_sales"]), 0.33); // 1 sale in 3 months
    assert_eq!(num(&moscow["months_of_inventory"]), 9.0); // 3 ÷ (1 / 3)
    assert_eq!(num(&moscow["median_exposure_days"]), 15.0); // median of 20 and 10 days
    assert_eq!(num(&moscow["share_sold"]), 0.25); // 1 of 4
    assert_eq!(num(&moscow["demand_per_lot"]), 2.0); // 6 views ÷ 3 lots
    assert_eq!(
        (
            moscow["price_raises"].as_i64(),
            moscow["price_lowers"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(num(&moscow["avg_raise_pct"]), 2.0);
    assert_eq!(num(&moscow["avg_lower_pct"]), 2.0);
    assert_eq!(moscow["cancelled"], 1);
    assert_eq!(kazan["companies"], 1);
    assert_eq!(num(&kazan["price_per_m2_on_sale"]), 141_176.47); // 6 000 000 ÷ 42.5

    let of_developer = get_json(&app, "/analytics/market", &token_a).await;
    let cells = of_developer["cells"].as_array().unwrap();
    let moscow = cells.iter().find(|c| c["city"] == "Москва").unwrap();
    let kazan = cells.iter().find(|c| c["city"] == "Казань").unwrap();
    assert_eq!(moscow["suppressed"], false, "three companies: shown");
    assert_eq!(num(&moscow["price_per_m2_on_sale"]), 215_686.27);
    assert_eq!(kazan["suppressed"], true, "one company would be exposed");
    for field in [
        "companies",
        "lots_on_sale",
        "price_per_m2_on_sale",
        "sold",
        "share_sold",
    ] {
        assert!(kazan[field].is_null(), "{field}: {kazan}");
    }

    let only_kazan = get_json(
        &app,
        "/analytics/market?region=ru-ta&class=business",
        &moderator,
    )
    .await;
    assert_eq!(only_kazan["cells"].as_array().unwrap().len(), 1);

    let csv = app
        .request(reqwest::Method::GET, "/analytics/market", Some(&token_a))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with("Месяц;Регион;Город;Класс;Скрыто;Компаний"),
        "{}",
        lines[0]
    );
    let kazan_line = lines.iter().find(|line| line.contains("Казань")).unwrap();
    let cells: Vec<&str> = kazan_line.split(';').collect();
    assert_eq!((cells[4], cells[5], cells[8]), ("да", "", ""));

    let chart = app
        .get_with("/analytics/market/chart.svg", Some(&moderator))
        .await;
    assert_eq!(chart.status(), 200);
    let svg = chart.text().await.unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = document
        .descendants()
        .filter_map(|node| node.text())
        .map(str::trim)
        .collect();
    for label in ["комфорт", "бизнес", "Цена м² предложения по классам"]
    {
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
}

/// Five price moves of e1 (48 h apart, none overlapping), views 24 h before → after, elasticity
/// ln((after + 1) ÷ (before + 1)) ÷ ln(new ÷ old), 4 places:
///
/// | move | price | views | elasticity |
/// |---|---|---|---|
/// | D−12 | 10 000 000 → 10 300 000 | 9 → 7 | ln(8/10) ÷ ln(1.03) = −7.5491 |
/// | D−10 | 10 300 000 → 10 609 000 | 7 → 5 | ln(6/8) ÷ ln(1.03) = −9.7325 |
/// | D−8 | 10 609 000 → 10 290 730 | 5 → 8 | ln(9/6) ÷ ln(0.97) = −13.3117 |
/// | D−6 | 10 290 730 → 10 599 451.90 | 8 → 8 | 0 |
/// | D−4 | 10 599 451.90 → 10 281 468.34 | 8 → 11 | ln(12/9) ÷ ln(0.97) = −9.4448 |
///
/// Mean −8.00762 → −8.008; sample sd 4.937; 95 % CI with t(4) = 2.776: −8.008 ± 2.776 × 4.937 ÷ √5 = −14.137 …
/// −1.878. e2 (2 rooms) moved once: not enough data.
#[tokio::test]
async fn price_clusters_estimate_elasticity_with_its_interval_or_say_there_is_not_enough_data() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@prices.ru").await;
    let (token, company) = app.developer_with_company("owner@a.example", "ГК А").await;
    let client = app.db.client().await;
    let (project, building) = fixtures::project(&**client, company, "ЖК «Речной»").await;
    let e1: i64 = app
        .db
        .scalar(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price,
                                     moderation_status, published_at)
             VALUES ($1, 'e1', 3, 1, 50, 10000000, 10281468.34, 'published', now() - interval '60 days')
             RETURNING id",
            &[&building],
        )
        .await;
    let e2 = fixtures::apartment(
        &**client,
        building,
        &ApartmentSpec {
            rooms: 2,
            ..ApartmentSpec::default()
        },
    )
    .await;
    app.db
        .execute("INSERT INTO pricing_runs (trigger) VALUES ('manual')", &[])
        .await;
    let moves = [
        (14, "10000000", "10300000", 9, 7),
        (12, "10300000", "10609000", 7, 5),
        (10, "10609000", "10290730", 5, 8),
        (8, "10290730", "10599451.90", 8, 8),
        (6, "10599451.90", "10281468.34", 8, 11),
    ];
    for (days_ago, old, new, before, after) in moves {
        let at = msk(days_ago, "12:00");
        app.db
            .execute(&dynamic_change(e1, old, new, &at), &[])
            .await;
        app.db
            .execute(
                &format!(
                    "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
                     SELECT {e1}, 'b' || n, 'view'::interest_event, {at} - interval '2 hours' FROM generate_series(1, {before}) n
                     UNION ALL
                     SELECT {e1}, 'a' || n, 'view', {at} + interval '2 hours' FROM generate_series(1, {after}) n"
                ),
                &[],
            )
            .await;
    }
    app.db
        .execute(
            &dynamic_change(e2, "10000000", "10300000", &msk(5, "12:00")),
            &[],
        )
        .await;
    drop(client);
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    let report = app.run_analytics_refresh().await;
    assert_eq!(report.responses_added, 6);
    let again = app.run_analytics_refresh().await;
    assert_eq!(again.responses_added, 0, "each change is folded once");

    let clusters = get_json(&app, "/analytics/prices/clusters", &token).await;
    let clusters = clusters["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    let one_room = &clusters[0];
    assert_eq!(
        (one_room["project_id"].as_i64(), one_room["rooms"].as_i64()),
        (Some(project), Some(1))
    );
    let estimate = &one_room["elasticity"];
    assert_eq!(estimate["responses"], 5);
    assert_eq!(estimate["enough_data"], true);
    assert_eq!(num(&estimate["elasticity"]), -8.008);
    assert_eq!(num(&estimate["ci_low"]), -14.137);
    assert_eq!(num(&estimate["ci_high"]), -1.878);
    assert!(estimate["summary"]
        .as_str()
        .unwrap()
        .contains("по 5 изменениям"));
    // 10 281 468.34 ÷ 50 m² = 205 629.3668 → 205 629.37; no demand in 24 h, median 0: the rule holds the price.
    assert_eq!(num(&one_room["price_per_m2"]), 205_629.37);
    assert_eq!(num(&one_room["base_price_per_m2"]), 200_000.0);
    assert_eq!(num(&one_room["steering_price_per_m2"]), 205_629.37);
    assert_eq!(
        (one_room["to_raise"].as_i64(), one_room["to_lower"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(
        one_room["market_price_per_m2"].is_null(),
        "one company in Москва comfort: hidden"
    );

    let two_rooms = &clusters[1]["elasticity"];
    assert_eq!(two_rooms["responses"], 1);
    assert_eq!(two_rooms["enough_data"], false);
    assert!(two_rooms["elasticity"].is_null() && two_rooms["ci_low"].is_null());
    assert!(two_rooms["summary"]
        .as_str()
        .unwrap()
        .starts_with("Недостаточно данных"));

    let of_moderator = get_json(&app, "/analytics/prices/clusters", &moderator).await;
    // Москва comfort: e1 10 281 468.34 + e2 10 000 000 over 50 + 42.5 m² = 20 281 468.34 ÷ 92.5 = 219 259.12
    assert_eq!(
        num(&of_moderator["clusters"][0]["market_price_per_m2"]),
        219_259.12
    );
}

/// Where the pricing rule steers each cluster, decided by the hourly refresh on its snapshot. The last pricing pass
/// ran with ELASTICITY_CAP 0.02, so Δ = min(step 0.03, cap 0.03, 0.02) = 0.02; the corridor is base ± 7 %.
/// «ЖК «Речной»», one-room flats (42.5 m², base 10 000 000), views in the last 24 h, demand = 0.5 × views:
///
/// | flat | views | demand | current | published | next step |
/// |---|---:|---:|---:|---|---|
/// | r1 | 10 | 5 | 10 000 000 | 30 d | demand > 1.3 × 2: +2 % → 10 200 000 |
/// | r2 | 4 | 2 | 10 000 000 | 30 d | at the median: holds |
/// | r3 | 4 | 2 | 10 000 000 | 30 d | holds |
/// | r4 | 0 | 0 | 9 400 000 | 30 d | demand < 0.7 × 2: −2 % = 9 212 000, below the floor 9 300 000 → 9 300 000 |
/// | r5 | 0 | 0 | 10 000 000 | 5 d | too new to lower (min_days_on_site 14): holds |
/// | r6 | 10 | 5 | 10 700 000 | 30 d | at the ceiling 10 700 000: holds |
///
/// Median of 0, 0, 2, 2, 5, 5 = 2. Σ current 60 100 000 ÷ 255 m² = 235 686.27; Σ after the step 60 200 000 ÷ 255 =
/// 236 078.43; Σ base 60 000 000 ÷ 255 = 235 294.12; one to raise, one to lower. Once pricing is switched off,
/// the next snapshot says the rule moves nothing: 235 686.27, none to raise or lower.
#[tokio::test]
async fn price_clusters_show_where_the_rule_steers_by_the_hourly_snapshot() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("owner@a.example", "ГК А").await;
    let client = app.db.client().await;
    let (project, building) = fixtures::project(&**client, company, "ЖК «Речной»").await;
    let flat = |current: i64, days_on_site: i32| ApartmentSpec {
        current_price: rust_decimal::Decimal::new(current, 0),
        days_on_site,
        ..ApartmentSpec::default()
    };
    let mut views = Vec::new();
    for (count, current, days_on_site) in [
        (10, 10_000_000, 30),
        (4, 10_000_000, 30),
        (4, 10_000_000, 30),
        (0, 9_400_000, 30),
        (0, 10_000_000, 5),
        (10, 10_700_000, 30),
    ] {
        let id = fixtures::apartment(&**client, building, &flat(current, days_on_site)).await;
        views.push((id, count));
    }
    drop(client);
    for (apartment, count) in views {
        app.db
            .execute(
                &format!(
                    "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
                     SELECT {apartment}, 'v' || n, 'view', now() - interval '1 hour' FROM generate_series(1, {count}) n"
                ),
                &[],
            )
            .await;
    }
    app.db
        .execute(
            "INSERT INTO pricing_runs (trigger, elasticity_ceiling) VALUES ('manual', 0.02)",
            &[],
        )
        .await;

    app.run_analytics_refresh().await;
    let before_medians = get_json(&app, "/analytics/prices/clusters", &token).await;
    let cluster = &before_medians["clusters"][0];
    assert_eq!(cluster["on_sale"], 6);
    assert!(
        cluster["steering_price_per_m2"].is_null() && cluster["to_raise"].is_null(),
        "no pricing cycle yet, no medians: not estimated, {cluster}"
    );

    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    app.run_analytics_refresh().await;
    let report = get_json(&app, "/analytics/prices/clusters", &token).await;
    assert!(report["refreshed_at"].is_string());
    let clusters = report["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    let steered = &clusters[0];
    assert_eq!(steered["project_id"].as_i64(), Some(project));
    assert_eq!(steered["on_sale"], 6);
    assert_eq!(num(&steered["price_per_m2"]), 235_686.27);
    assert_eq!(num(&steered["base_price_per_m2"]), 235_294.12);
    assert_eq!(num(&steered["steering_price_per_m2"]), 236_078.43);
    assert_eq!(
        (steered["to_raise"].as_i64(), steered["to_lower"].as_i64()),
        (Some(1), Some(1))
    );

    app.db
        .execute(
            "INSERT INTO dynamic_pricing_config (enabled, comment) VALUES (false, 'Выключено')",
            &[],
        )
        .await;
    app.run_analytics_refresh().await;
    let switched_off = get_json(&app, "/analytics/prices/clusters", &token).await;
    let held = &switched_off["clusters"][0];
    assert_eq!(num(&held["steering_price_per_m2"]), 235_686.27);
    assert_eq!(
        (held["to_raise"].as_i64(), held["to_lower"].as_i64()),
        (Some(0), Some(0))
    );
}

/// The hourly refresh folds only the days new events touched: a late event for an old day, a viewer flagged
/// after the fact; days past the raw-event retention are never folded; a second refresh at the same time skips.
#[tokio::test]
async fn the_refresh_refolds_touched_days_only_and_one_at_a_time() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("owner@a.example", "ГК А").await;
    let client = app.db.client().await;
    let (_, building) = fixtures::project(&**client, company, "ЖК А").await;
    let apartment = fixtures::apartment(&**client, building, &ApartmentSpec::default()).await;
    drop(client);
    let views = |visitor: &str, count: i32, at: String| {
        format!(
            "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
             SELECT {apartment}, '{visitor}', 'view', {at} FROM generate_series(1, {count})"
        )
    };
    app.db.execute(&views("v1", 3, msk(5, "12:00")), &[]).await;
    app.db.execute(&views("v2", 2, msk(5, "12:00")), &[]).await;
    app.db
        .execute(&views("v3", 4, msk(100, "12:00")), &[])
        .await;
    let first = app.run_analytics_refresh().await;
    // day D−5 and today's supply day; the day 100 days back is past the 90-day retention: never folded
    assert_eq!(first.days_refolded, 1);
    let day_views = |days_ago: i32| {
        format!(
            "SELECT coalesce(sum(views), -1)::bigint FROM analytics_daily_demand
             WHERE day = (now() AT TIME ZONE 'Europe/Moscow')::date - {days_ago}"
        )
    };
    assert_eq!(app.db.scalar::<i64>(&day_views(5), &[]).await, 5);
    assert_eq!(app.db.scalar::<i64>(&day_views(100), &[]).await, -1);

    let second = app.run_analytics_refresh().await;
    assert!(
        second.days_refolded <= 2,
        "only today (and yesterday in the first hour): {second:?}"
    );

    // A late event for D−5 (sent by the front end hours later) is folded into its own day.
    app.db.execute(&views("v4", 1, msk(5, "18:00")), &[]).await;
    let third = app.run_analytics_refresh().await;
    assert!(third.days_refolded >= 1);
    assert_eq!(app.db.scalar::<i64>(&day_views(5), &[]).await, 6);

    // v1 turns out to be a bot: its 3 views on D−5 move to flagged_views.
    app.db
        .execute(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:v1', 90)",
            &[],
        )
        .await;
    app.run_analytics_refresh().await;
    let (counted, flagged, visitors): (i64, i64, i64) = {
        let row = app
            .db
            .client()
            .await
            .query_one(
                "SELECT sum(views)::bigint, sum(flagged_views)::bigint, sum(unique_visitors)::bigint
                   FROM analytics_daily_demand WHERE day = (now() AT TIME ZONE 'Europe/Moscow')::date - 5",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!((counted, flagged, visitors), (3, 3, 2)); // v2 ×2 + v4; v1 ×3 apart; visitors v2, v4
    let funnel = get_json(
        &app,
        &format!(
            "/analytics/funnel?date_from={}&group_by=day",
            app.db
                .scalar::<String>(
                    "SELECT ((now() AT TIME ZONE 'Europe/Moscow')::date - 5)::text",
                    &[]
                )
                .await
        ),
        &token,
    )
    .await;
    assert_eq!(funnel["rows"][0]["views"], 3);
    assert_eq!(funnel["rows"][0]["flagged_views"], 3);

    // While one refresh runs, another skips instead of waiting or doing the work twice.
    let mut holder = app.db.client().await;
    let transaction = holder.transaction().await.unwrap();
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtext('refresh_analytics'))",
            &[],
        )
        .await
        .unwrap();
    let skipped = app.run_analytics_refresh().await;
    assert!(skipped.skipped);
    transaction.rollback().await.unwrap();
    assert!(!app.run_analytics_refresh().await.skipped);
}

/// The hourly fold adds only the views it has not seen to the days' rows (unique visitors through the set of
/// viewers of yesterday and today), and the result equals a refold of everything from the raw events: new views
/// of today (a viewer already counted in the cell, a new one, another cell), a late view for yesterday and one for
/// D−5, a flagged bot, a viewer flagged after its views were folded, a lead and a booking's steps.
#[tokio::test]
async fn an_hourly_fold_after_new_events_equals_a_full_refold() {
    let app = TestApp::spawn().await;
    let (_, company) = app.developer_with_company("owner@a.example", "ГК А").await;
    let (buyer, _) = app.quick_buyer("buyer@a.example").await;
    let client = app.db.client().await;
    let (_, building) = fixtures::project(&**client, company, "ЖК А").await;
    let one = fixtures::apartment(&**client, building, &ApartmentSpec::default()).await;
    let two = fixtures::apartment(
        &**client,
        building,
        &ApartmentSpec {
            rooms: 2,
            ..ApartmentSpec::default()
        },
    )
    .await;
    drop(client);
    // Minutes ago, but never before today's Moscow midnight: the test may run just after it.
    let today = |minutes: i32| {
        format!(
            "greatest(now() - interval '{minutes} minutes', \
             date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow')"
        )
    };
    let views = |apartment: i64, visitor: &str, count: i32, at: &str| {
        format!(
            "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
             SELECT {apartment}, '{visitor}', 'view', {at} FROM generate_series(1, {count})"
        )
    };
    app.db
        .execute(
            "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:bot', 90)",
            &[],
        )
        .await;
    for sql in [
        views(one, "v1", 3, &today(20)),
        views(one, "v2", 1, &today(19)),
        views(two, "v1", 2, &today(18)),
        views(one, "bot", 5, &today(17)),
        views(one, "v3", 2, &msk(1, "12:00")),
        views(one, "v4", 1, &msk(5, "12:00")),
        format!(
            "INSERT INTO views_log (apartment_id, visitor_id, event, occurred_at)
             VALUES ({one}, 'v2', 'favourite', {})",
            today(16)
        ),
        format!(
            "INSERT INTO leads (apartment_id, visitor_id, name, phone, created_at)
             VALUES ({one}, 'v1', 'Покупатель', '+79990000000', {})",
            today(15)
        ),
    ] {
        app.db.execute(&sql, &[]).await;
    }
    app.run_analytics_refresh().await;

    for sql in [
        views(one, "v1", 2, &today(1)), // already counted in this cell today
        views(one, "v5", 1, &today(1)), // a new visitor of the cell
        views(two, "v2", 1, &today(1)), // counted in the other cell, new here
        views(one, "bot", 3, &today(1)),
        views(one, "v6", 1, &msk(1, "18:00")), // late, for yesterday: folded into yesterday's row
        views(one, "v3", 1, &msk(1, "19:00")), // late and already counted yesterday
        views(two, "v7", 1, &msk(5, "18:00")), // late, for D−5: that day is refolded from the raw events
        // v2 turns out to be a bot: its views already folded today move to flagged_views
        "INSERT INTO flagged_visitors (viewer, peak_events_per_minute) VALUES ('v:v2', 90)".to_owned(),
        format!(
            "INSERT INTO leads (apartment_id, visitor_id, name, phone, created_at)
             VALUES ({two}, 'bot', 'Покупатель', '+79990000000', {})",
            today(1)
        ),
        format!(
            "WITH booked AS (
                 INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
                 VALUES ({two}, {buyer}, 'cancelled', 10000000, 10000000, {}, now() + interval '2 days')
                 RETURNING id)
             INSERT INTO booking_events (booking_id, action, occurred_at)
             SELECT id, 'cancelled', {} FROM booked",
            today(2),
            today(1)
        ),
    ] {
        app.db.execute(&sql, &[]).await;
    }
    let hourly = app.run_analytics_refresh().await;
    assert!(hourly.days_refolded >= 2, "{hourly:?}");
    let rows = "SELECT string_agg(format('%s %s %s %s: %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s', day,
                                         project_id, building_id, rooms, views, unique_visitors, favourites, leads,
                                         bookings, confirmed, sold, cancelled, expired, deals_price_sum,
                                         deals_area_sum, flagged_views, flagged_leads, price_raises, price_lowers,
                                         raise_pct_sum, lower_pct_sum),
                           E'\\n' ORDER BY day, project_id, building_id, rooms)
                FROM analytics_daily_demand";
    let folded_hourly: String = app.db.scalar(rows, &[]).await;
    let totals =
        "SELECT sum(views)::bigint, sum(unique_visitors)::bigint, sum(flagged_views)::bigint,
                         sum(leads)::bigint, sum(flagged_leads)::bigint, sum(cancelled)::bigint
                  FROM analytics_daily_demand";
    let row = app.db.client().await.query_one(totals, &[]).await.unwrap();
    let totals_of = |row: &tokio_postgres::Row| -> [i64; 6] { std::array::from_fn(|i| row.get(i)) };
    // views: today 3+2+1 (v1, v5) + 2 (v1), yesterday 2+1+1, D−5 1+1 = 14; visitors: today cell one {v1, v5}, cell
    // two {v1}, yesterday {v3, v6}, D−5 {v4} and {v7} = 7; the bot's 8 views and v2's 2 apart, the bot's lead apart
    assert_eq!(totals_of(&row), [14, 7, 10, 1, 1, 1]);

    app.db
        .execute(
            "UPDATE analytics_refresh_state
                SET folded_snapshot = NULL, refreshed_at = NULL, views_folded_until = NULL, responses_until = NULL",
            &[],
        )
        .await;
    app.db
        .execute("DELETE FROM analytics_daily_demand", &[])
        .await;
    app.db
        .execute("TRUNCATE analytics_daily_viewers", &[])
        .await;
    app.run_analytics_refresh().await;
    let refolded: String = app.db.scalar(rows, &[]).await;
    assert_eq!(folded_hourly, refolded);
}

/// Draws an SVG chart the way a browser would (resvg, DejaVu Sans for `sans-serif`) into PNG; returns the PNG,
/// how many text elements it has and how many of them got drawn outlines (a font was found for their letters).
fn render_png(svg: &str) -> (Vec<u8>, usize, usize) {
    use resvg::usvg;
    fn texts(group: &usvg::Group, total: &mut usize, drawn: &mut usize) {
        for node in group.children() {
            match node {
                usvg::Node::Group(group) => texts(group, total, drawn),
                usvg::Node::Text(text) => {
                    *total += 1;
                    if text
                        .flattened()
                        .children()
                        .iter()
                        .any(|path| path.abs_bounding_box().width() > 0.0)
                    {
                        *drawn += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    options.fontdb_mut().set_sans_serif_family("DejaVu Sans");
    options.font_family = "DejaVu Sans".into();
    let tree = usvg::Tree::from_str(svg, &options).expect("the chart is SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let (mut total, mut drawn) = (0, 0);
    texts(tree.root(), &mut total, &mut drawn);
    (pixmap.encode_png().unwrap(), total, drawn)
}

/// The three charts render to PNG with their Russian labels drawn. With `ANALYTICS_CHART_SAMPLES=docs` the
/// SVG and PNG are written to docs/ as the samples docs/analytics.md shows.
#[tokio::test]
async fn the_charts_render_to_png_with_their_russian_labels() {
    let t = demand().await;
    // Five earlier months of supply history, so the market chart has lines: comfort (project A) from 200 000 ₽/m²
    // up by 2 500 a month, business (project B, made business here) from 280 000 up by 4 000.
    t.app
        .db
        .execute(
            "UPDATE projects SET class = 'business' WHERE id = $1",
            &[&t.project_b],
        )
        .await;
    t.app
        .db
        .execute(
            "INSERT INTO analytics_daily_supply (day, project_id, rooms, lots_total, lots_on_sale, lots_booked,
                                                lots_sold, area_on_sale, price_sum_on_sale, base_sum_on_sale,
                                                new_lots, refreshed_at)
             SELECT (date_trunc('month', now() AT TIME ZONE 'Europe/Moscow') - make_interval(months => k))::date + 14,
                    p.id, 1, 20, 20, 0, 0, 1000, 1000 * (p.start + p.step * (5 - k)), 1000 * p.start, 0, now()
             FROM generate_series(1, 5) k
             CROSS JOIN (VALUES ($1::bigint, 200000, 2500), ($2::bigint, 280000, 4000)) AS p (id, start, step)",
            &[&t.project_a, &t.project_b],
        )
        .await;
    t.app.run_analytics_refresh().await;
    let half_a_year_ago: String = t
        .app
        .db
        .scalar(
            "SELECT (date_trunc('month', now() AT TIME ZONE 'Europe/Moscow') - interval '5 months')::date::text",
            &[],
        )
        .await;
    let charts = [
        (
            "funnel",
            format!(
                "/analytics/funnel/chart.svg?date_from={}&date_to={}",
                t.day_before, t.day
            ),
        ),
        (
            "sales",
            format!("/analytics/sales/chart.svg?date_from={half_a_year_ago}"),
        ),
        (
            "market",
            format!("/analytics/market/chart.svg?date_from={half_a_year_ago}"),
        ),
    ];
    for (name, path) in charts {
        let response = t.app.get_with(&path, Some(&t.moderator)).await;
        assert_eq!(response.status(), 200, "{path}");
        let svg = response.text().await.unwrap();
        let (png, texts, drawn) = render_png(&svg);
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        // Title, axis name, tick labels: every one is drawn; none would mean no font with Cyrillic.
        assert!(texts >= 3, "{name}: {texts} texts");
        assert_eq!(
            drawn, texts,
            "{name}: texts without outlines — is fonts-dejavu-core installed?"
        );
        if let Ok(directory) = std::env::var("ANALYTICS_CHART_SAMPLES") {
            let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(directory);
            std::fs::write(base.join(format!("analytics-{name}.svg")), &svg).unwrap();
            std::fs::write(base.join(format!("analytics-{name}.png")), &png).unwrap();
        }
    }
}

/// The `analyst` role reads the analytics roll-ups and nothing else: no raw events, leads, users or bookings.
#[tokio::test]
async fn the_analyst_role_reads_the_roll_ups_and_nothing_personal() {
    let app = TestApp::spawn().await;
    app.run_analytics_refresh().await;
    let mut client = app.db.client().await;
    let transaction = client.transaction().await.unwrap();
    transaction
        .batch_execute("SET LOCAL ROLE analyst")
        .await
        .unwrap();
    for readable in [
        "analytics_daily_demand",
        "analytics_daily_supply",
        "analytics_price_responses",
        "analytics_price_elasticity",
        "analytics_market_monthly",
        "analytics_refresh_state",
    ] {
        transaction
            .query(&format!("SELECT * FROM {readable} LIMIT 1"), &[])
            .await
            .unwrap_or_else(|error| panic!("analyst cannot read {readable}: {error}"));
    }
    drop(transaction);
    for personal in [
        "leads",
        "users",
        "views_log",
        "bookings",
        "flagged_visitors",
        "apartments",
        "analytics_daily_viewers",
    ] {
        let transaction = client.transaction().await.unwrap();
        transaction
            .batch_execute("SET LOCAL ROLE analyst")
            .await
            .unwrap();
        let error = transaction
            .query(&format!("SELECT * FROM {personal} LIMIT 1"), &[])
            .await
            .expect_err(personal);
        assert_eq!(
            error.code(),
            Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{personal}: {error}"
        );
    }
}

/// The hourly refresh starts in the gap after a pricing cycle: it does not wait for a cycle that never started,
/// waits while the slot's cycle runs and goes as soon as it has finished, and gives up on a cycle that runs too long.
#[tokio::test]
async fn the_refresh_waits_for_the_pricing_cycle_of_its_slot() {
    use std::time::Duration;

    use chrono::{DateTime, TimeDelta, Utc};
    use nedvizhimost::jobs::analytics::{wait_for_pricing_gap, GapWait, PricingGap};
    use tokio::time::Instant;

    let db = crate::helpers::TestDb::new().await;
    let client = db.client().await;
    let wait = GapWait {
        no_show: Duration::from_millis(200),
        patience: Duration::from_secs(10),
        poll: Duration::from_millis(20),
    };
    let slot: DateTime<Utc> = "2026-12-03T12:00:00Z".parse().unwrap();
    let start_cycle = "INSERT INTO pricing_runs (trigger, scheduled_for) VALUES ('schedule', $1)";

    let started = Instant::now();
    let gap = wait_for_pricing_gap(&client, slot, wait).await.unwrap();
    assert_eq!(gap, PricingGap::NoCycle);
    assert!(started.elapsed() >= wait.no_show);

    db.execute(start_cycle, &[&slot]).await;
    let pricing = db.client().await;
    let finisher = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        pricing
            .execute(
                "UPDATE pricing_runs SET finished_at = clock_timestamp() WHERE scheduled_for = $1",
                &[&slot],
            )
            .await
            .unwrap();
    });
    let started = Instant::now();
    let gap = wait_for_pricing_gap(&client, slot, wait).await.unwrap();
    assert_eq!(gap, PricingGap::AfterCycle);
    assert!(started.elapsed() >= Duration::from_millis(300));
    finisher.await.unwrap();

    let long_slot = slot + TimeDelta::minutes(1);
    db.execute(start_cycle, &[&long_slot]).await;
    let impatient = GapWait {
        patience: Duration::from_millis(200),
        ..wait
    };
    let gap = wait_for_pricing_gap(&client, long_slot, impatient)
        .await
        .unwrap();
    assert_eq!(gap, PricingGap::CycleStillRunning);
}
