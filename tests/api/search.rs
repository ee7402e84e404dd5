use std::time::Duration;

use crate::helpers::catalog::{seed, Catalog};
use crate::helpers::{Problem, TestApp, PROBLEM_JSON};
use nedvizhimost::config::{CatalogSettings, PricingSettings};
use nedvizhimost::pricing::{run_cycle, CycleRequest, Trigger};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn seeded() -> (TestApp, Catalog) {
    let app = TestApp::spawn().await;
    let catalog = seed(&app.db).await;
    (app, catalog)
}

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/apartments?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn only_published_apartments_of_published_projects_and_developers_are_public() {
    let (app, catalog) = seeded().await;
    let page = search(&app, "").await;
    assert_eq!(page["total"], 6);
    assert_eq!(codes(&page), ["b1", "a1", "a3", "e1", "b2", "a2"]);
    for hidden in ["a5", "c1", "d1"] {
        let response = app
            .get(&format!("/apartments/{}", catalog.id(hidden)))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{hidden}");
    }
    let visible: Value = app
        .get(&format!("/apartments/{}", catalog.id("a2")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(visible["price_per_m2"], "200000.00");
    assert_eq!(visible["project"]["name"], "P1");
    assert_eq!(visible["building"]["floors"], 25);
    assert_eq!(visible["last_change"], Value::Null);
}

#[tokio::test]
async fn filters_match_hand_computed_sets() {
    let (app, catalog) = seeded().await;
    // `floor_min=-5` matches every flat but sends the query to catalog_offers (apartment filters) instead of the
    // narrow apartment_stats index; `status=available,available` — to the catalog view: all paths must agree.
    let cases: [(&str, &[&str]); 15] = [
        ("rooms=2", &["a3", "e1", "b2", "a2"]),
        ("rooms=2&floor_min=-5", &["a3", "e1", "b2", "a2"]),
        (
            "rooms=2&status=available,available",
            &["a3", "e1", "b2", "a2"],
        ),
        (
            "rooms=2&price_min=9000000&price_max=11600000&floor_min=-5",
            &["a3", "e1", "b2"],
        ),
        (
            "rooms=2&price_min=9000000&price_max=11600000",
            &["a3", "e1", "b2"],
        ),
        ("rooms=0,1", &["b1", "a1"]),
        (
            "city=%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0",
            &["a1", "a3", "e1", "a2"],
        ),
        ("region=RU-SPE", &["b1", "b2"]),
        ("status=sold", &["a4"]),
        ("price_m2_max=190000", &["a3"]),
        ("area_min=55&area_max=60", &["a3", "b2", "a2"]),
        ("floor_min=5&floor_max=8", &["a3", "e1", "b2"]),
        ("class=comfort", &["a1", "a3", "a2"]),
        ("commissioning_to=2027-01-01", &["a1", "a3", "a2"]),
        (
            "commissioning_from=2027-01-01&class=business,econom",
            &["b1", "e1", "b2"],
        ),
    ];
    for (query, expected) in cases {
        let page = search(&app, query).await;
        assert_eq!(codes(&page), expected, "{query}");
        assert_eq!(page["total"], expected.len(), "{query}");
    }
    let page = search(&app, &format!("developer_id={}", catalog.id("D1"))).await;
    assert_eq!(page["total"], 6);
    let page = search(&app, &format!("project_id={}", catalog.id("P2"))).await;
    assert_eq!(codes(&page), ["b1", "b2"]);
    let page = search(&app, &format!("building_id={}", catalog.id("B5"))).await;
    assert_eq!(codes(&page), ["e1"]);
}

#[tokio::test]
async fn with_promotion_keeps_apartments_a_promotion_applies_to() {
    let (app, catalog) = seeded().await;
    // The studio of P2 (b1) qualifies, its 2-room b2 does not; P1's promotion is over.
    app.db
        .execute(
            "INSERT INTO promotions (name, kind, discount_percent, status, starts_at, ends_at, conditions)
             VALUES ('Студии 5 %', 'percent', 5, 'approved', now() - interval '1 day', now() + interval '1 day',
                     jsonb_build_object('project_ids', jsonb_build_array($1::bigint), 'rooms', jsonb_build_array(0))),
                    ('Прошедшая', 'percent', 5, 'approved', now() - interval '3 days', now() - interval '2 days',
                     jsonb_build_object('project_ids', jsonb_build_array($2::bigint)))",
            &[&catalog.id("P2"), &catalog.id("P1")],
        )
        .await;
    app.db
        .execute(
            "SELECT apply_promotion_discounts(NULL, false, now(), 15, 80)",
            &[],
        )
        .await;
    let page = search(&app, "with_promotion=true").await;
    assert_eq!(codes(&page), ["b1"]);
    let page = search(&app, "with_promotion=true&status=available,sold").await;
    assert_eq!(codes(&page), ["b1"]);
}

#[tokio::test]
async fn sorting_and_pages_are_stable_and_totals_exact() {
    let (app, catalog) = seeded().await;
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page = search(&app, &format!("limit=2&offset={offset}")).await;
        assert_eq!(page["total"], 6);
        seen.extend(codes(&page));
    }
    assert_eq!(seen, ["b1", "a1", "a3", "e1", "b2", "a2"]);
    let empty = search(&app, "limit=2&offset=6").await;
    assert_eq!(empty["total"], 6);
    assert_eq!(codes(&empty), Vec::<String>::new());
    // Filter sets not counted yet: a short page tells the total itself, an empty page past the end has it counted.
    let short = search(&app, "limit=4&offset=5&price_min=1").await;
    assert_eq!(
        (short["total"].clone(), codes(&short)),
        (json!(6), vec!["a2".to_owned()])
    );
    let past = search(&app, "limit=2&offset=8&price_min=2").await;
    assert_eq!(
        (past["total"].clone(), codes(&past)),
        (json!(6), Vec::<String>::new())
    );

    assert_eq!(
        codes(&search(&app, "sort=-price").await),
        ["a2", "b2", "e1", "a3", "a1", "b1"]
    );
    assert_eq!(
        codes(&search(&app, "sort=area").await),
        ["b1", "a1", "e1", "a3", "b2", "a2"]
    );
    // Equal price per m² (200 000) is ordered by id: a1, a2, b1, b2, e1 were inserted in this order.
    assert_eq!(
        codes(&search(&app, "sort=price_per_m2").await),
        ["a3", "a1", "a2", "b1", "b2", "e1"]
    );
    assert_eq!(codes(&search(&app, "sort=-commissioning").await)[0], "e1");
    app.db
        .execute(
            "UPDATE apartment_stats SET views_24h = 10 WHERE apartment_id = $1",
            &[&catalog.id("a2")],
        )
        .await;
    app.db
        .execute(
            "UPDATE apartment_stats SET leads_24h = 1 WHERE apartment_id = $1",
            &[&catalog.id("b2")],
        )
        .await;
    let popular = search(&app, "sort=popularity").await;
    assert_eq!(codes(&popular)[..2], ["a2", "b2"]);
    assert_eq!(popular["items"][0]["popularity_24h"], "5.0");
}

#[tokio::test]
async fn the_last_price_change_is_shown_with_its_percentage() {
    let (app, catalog) = seeded().await;
    app.db
        .execute(
            "WITH changed AS (UPDATE apartments SET current_price = 8240000 WHERE id = $1 RETURNING id)
             INSERT INTO price_history (apartment_id, old_price, new_price, reason, changed_at)
             SELECT id, 8000000, 8240000, 'manual', now() - interval '1 hour' FROM changed",
            &[&catalog.id("a1")],
        )
        .await;
    let page = search(&app, "rooms=1").await;
    let item = &page["items"][0];
    assert_eq!(item["code"], "a1");
    assert_eq!(item["current_price"], "8240000.00");
    assert_eq!(item["base_price"], "8000000.00");
    assert_eq!(item["last_change"]["change_percent"], "3.00");
    assert_eq!(item["last_change"]["reason"], "manual");
}

#[tokio::test]
async fn kitchen_balcony_and_not_last_floor_filter_apartments() {
    let (app, catalog) = seeded().await;
    // a2 moves to the top (25th) floor of B1; kitchens: a2 14, b2 12, a3 10 m²; balconies at a2 and b2.
    app.db
        .execute(
            "UPDATE apartments a
                SET area_kitchen = v.kitchen, balcony = v.balcony, floor = coalesce(v.floor, a.floor)
               FROM (VALUES ($1::bigint, 14.00, true, 25), ($2::bigint, 12.00, true, NULL), ($3::bigint, 10.00, false, NULL))
                    AS v(id, kitchen, balcony, floor)
              WHERE a.id = v.id",
            &[&catalog.id("a2"), &catalog.id("b2"), &catalog.id("a3")],
        )
        .await;
    let cases: [(&str, &[&str]); 8] = [
        ("kitchen_area_min=12", &["b2", "a2"]),
        ("kitchen_area_min=12.5", &["a2"]),
        ("kitchen_area_min=10&rooms=2", &["a3", "b2", "a2"]),
        ("balcony=true", &["b2", "a2"]),
        ("balcony=false", &["b1", "a1", "a3", "e1"]),
        ("not_last_floor=true", &["b1", "a1", "a3", "e1", "b2"]),
        (
            "not_last_floor=false",
            &["b1", "a1", "a3", "e1", "b2", "a2"],
        ),
        ("not_last_floor=true&balcony=true&rooms=2", &["b2"]),
    ];
    for (query, expected) in cases {
        let page = search(&app, query).await;
        assert_eq!(codes(&page), expected, "{query}");
        assert_eq!(page["total"], expected.len(), "{query}");
        let view = search(&app, &format!("{query}&{VIEW_PATH}")).await;
        assert_eq!(
            page, view,
            "{query}: catalog_offers and the catalog view agree"
        );
    }
    // The same filters narrow the projects list: only P1 has a kitchen of 13 m² or more.
    let projects: Value = app
        .get("/projects?kitchen_area_min=13")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(projects["total"], 1, "{projects}");
    assert_eq!(projects["items"][0]["name"], "P1");
    for (query, field) in [
        ("kitchen_area_min=0", "kitchen_area_min"),
        ("kitchen_area_min=-3", "kitchen_area_min"),
        ("balcony=maybe", "balcony"),
        ("not_last_floor=1x", "not_last_floor"),
    ] {
        let problem = Problem::read(app.get(&format!("/apartments?{query}")).await).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem.first_field(), field, "{query}: {}", problem.body);
    }
}

#[tokio::test]
async fn bad_filters_and_pages_name_the_field() {
    let (app, _) = seeded().await;
    for (query, field) in [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("offset=10001", "offset"),
        ("rooms=1,x", "rooms"),
        ("rooms=21", "rooms"),
        ("price_min=0", "price_min"),
        ("price_min=10&price_max=5", "price_min"),
        ("class=villa", "class"),
        ("status=lost", "status"),
        ("region=RU-XXX", "region"),
        ("sort=cheapest", "sort"),
        ("floor_min=abc", "floor_min"),
        ("colour=red", "colour"),
        ("city=%D0%9C%00", "city"),
        ("price_min=NaN", "price_min"),
        ("limit=99999999999999999999", "limit"),
        ("rooms=", "rooms"),
    ] {
        let response = app.get(&format!("/apartments?{query}")).await;
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem.content_type, PROBLEM_JSON);
        assert_eq!(problem.first_field(), field, "{query}: {}", problem.body);
    }
}

/// catalog_offers is exactly the apartments on sale of apartment_stats with the region and city of their project and
/// the apartment's own columns the filters read.
async fn assert_region_copies_match(app: &TestApp) {
    let expected = "SELECT s.apartment_id, s.project_id, p.region_code, lower(p.city), s.rooms, s.current_price,
                           a.building_id, a.floor, a.area_total, a.area_kitchen, a.balcony
                      FROM apartment_stats s JOIN projects p ON p.id = s.project_id
                      JOIN apartments a ON a.id = s.apartment_id
                     WHERE s.on_sale";
    let copy = "SELECT apartment_id, project_id, region_code, city_key, rooms, current_price, building_id, floor,
                       area_total, area_kitchen, balcony
                  FROM catalog_offers";
    assert_eq!(
        rows_differing(app, expected, copy).await,
        0,
        "catalog_offers differs from apartment_stats"
    );
    let expected = "SELECT a.id, lower(p.city), a.rooms, popularity_24h(s.views_24h, s.leads_24h, s.bookings_24h)
                      FROM apartments a JOIN projects p ON p.id = a.project_id
                      JOIN apartment_stats s ON s.apartment_id = a.id";
    let copy = "SELECT apartment_id, city_key, rooms, popularity FROM apartment_popularity";
    assert_eq!(
        rows_differing(app, expected, copy).await,
        0,
        "apartment_popularity differs from the apartments and their counters"
    );
    let copies: i64 = app
        .db
        .scalar("SELECT count(*) FROM catalog_offers", &[])
        .await;
    assert!(copies > 0);
}

/// Rows in one of two queries and not in the other.
async fn rows_differing(app: &TestApp, expected: &str, copy: &str) -> i64 {
    app.db
        .scalar(
            &format!(
                "SELECT count(*) FROM (({expected} EXCEPT {copy}) UNION ALL ({copy} EXCEPT {expected})) d"
            ),
            &[],
        )
        .await
}

/// A status filter that matches the flats on sale like the default, but is not `available` alone: the search reads the
/// catalog view instead of the copies.
const VIEW_PATH: &str = "status=available,available";

#[tokio::test]
async fn region_search_by_the_price_index_matches_the_catalog_view_path() {
    let (app, catalog) = seeded().await;
    // A status list of more than `available` alone sends the query down the catalog-view path; this one matches the
    // same flats.
    let queries = [
        ("region=RU-MOW", &["a1", "a3", "e1", "a2"][..]),
        ("region=RU-MOW&rooms=2&sort=-price", &["a2", "e1", "a3"]),
        (
            "region=RU-MOW&rooms=1,2&price_min=8000000&price_max=11000000",
            &["a1", "a3", "e1"],
        ),
        (
            "region=RU-MOW&class=comfort&sort=price",
            &["a1", "a3", "a2"],
        ),
        ("region=RU-MOW&limit=2&offset=1", &["a3", "e1"]),
        ("region=RU-SPE&rooms=0", &["b1"]),
        ("region=RU-KDA", &[]),
        ("city=москва&rooms=2&sort=-price", &["a2", "e1", "a3"]),
        ("city=Санкт-Петербург&rooms=0", &["b1"]),
        ("city=Краснодар", &[]),
        // Without one room count the page is merged from one ordered read per room count.
        ("city=Москва", &["a1", "a3", "e1", "a2"]),
        (
            "city=Москва&rooms=1,2&sort=-price&limit=2&offset=1",
            &["e1", "a3"],
        ),
        (
            "city=Москва&rooms=0,1,2&price_max=10000000",
            &["a1", "a3", "e1"],
        ),
    ];
    for (query, expected) in queries {
        let fast = search(&app, query).await;
        let slow = search(&app, &format!("{query}&{VIEW_PATH}")).await;
        assert_eq!(codes(&fast), expected, "{query}");
        assert_eq!(fast, slow, "{query}: both paths agree");
    }
    // Apartment filters and orders read catalog_offers too.
    for query in [
        "rooms=1,2&area_min=40&sort=-area",
        "floor_min=2&floor_max=9&sort=price_per_m2",
        "region=RU-MOW&balcony=false&area_max=100",
        "balcony=false&rooms=2&sort=-price",
        "not_last_floor=true&sort=popularity",
        "city=Москва&sort=popularity",
        "city=москва&rooms=2&sort=popularity&limit=2",
        "price_m2_max=250000&sort=final_price&limit=2&offset=1",
        &format!("building_id={}&sort=-price_per_m2", catalog.id("B2")),
    ] {
        let fast = search(&app, query).await;
        let slow = search(&app, &format!("{query}&{VIEW_PATH}")).await;
        assert!(fast["total"].as_i64() > Some(0), "{query}: {fast}");
        assert_eq!(fast, slow, "{query}: both paths agree");
    }
    assert_eq!(
        search(&app, "region=RU-MOW&limit=2&offset=1").await["total"],
        4
    );
    assert_region_copies_match(&app).await;

    // The copy follows the project's region, a new flat, a flat moved to another project, price and status
    // changes, a deleted flat and a full rebuild.
    let client = app.db.client().await;
    app.db
        .execute(
            "UPDATE projects SET region_code = 'RU-SPE', city = 'Санкт-Петербург' WHERE id = $1",
            &[&catalog.id("P5")],
        )
        .await;
    app.db
        .execute(
            "UPDATE apartments SET building_id = $1 WHERE id = $2",
            &[&catalog.id("B2"), &catalog.id("a1")],
        )
        .await;
    app.db
        .execute(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price,
                                     moderation_status, published_at)
             VALUES ($1, 'f1', 2, 1, 30, 4000000, 4000000, 'published', now())",
            &[&catalog.id("B2")],
        )
        .await;
    assert_region_copies_match(&app).await;
    let expected = ["f1", "b1", "a1", "e1", "b2"];
    let fast = search(&app, "region=RU-SPE").await;
    assert_eq!(codes(&fast), expected);
    assert_eq!(
        fast,
        search(&app, &format!("region=RU-SPE&{VIEW_PATH}")).await
    );
    assert_eq!(codes(&search(&app, "region=RU-MOW").await), ["a3", "a2"]);
    assert_eq!(codes(&search(&app, "city=Москва").await), ["a3", "a2"]);
    assert_eq!(fast, search(&app, "city=Санкт-Петербург").await);
    client
        .batch_execute(&format!(
            "UPDATE apartments SET current_price = 4500000 WHERE id = {b2};
             UPDATE apartments SET status = 'sold' WHERE id = {e1};
             UPDATE apartments SET status = 'available' WHERE id = {a4};
             INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
             SELECT a.id, 'view', now(), 'viewer-' || v FROM apartments a CROSS JOIN generate_series(1, 3) v
              WHERE a.code <> 'f1';
             SELECT refresh_apartment_stats();
             SELECT sync_apartment_popularity();
             DELETE FROM apartments WHERE code = 'f1';",
            b2 = catalog.id("b2"),
            e1 = catalog.id("e1"),
            a4 = catalog.id("a4"),
        ))
        .await
        .unwrap();
    assert_region_copies_match(&app).await;
    let expected = ["b2", "b1", "a1"];
    let fast = search(&app, "region=RU-SPE").await;
    assert_eq!(codes(&fast), expected);
    assert_eq!(
        fast,
        search(&app, &format!("region=RU-SPE&{VIEW_PATH}")).await
    );
    let moscow = search(&app, "region=RU-MOW").await;
    assert_eq!(codes(&moscow), ["a3", "a2", "a4"]);
    assert_eq!(
        moscow,
        search(&app, &format!("region=RU-MOW&{VIEW_PATH}")).await
    );
    app.db
        .execute("SELECT rebuild_apartment_stats()", &[])
        .await;
    app.db
        .execute("SELECT sync_apartment_popularity()", &[])
        .await;
    assert_region_copies_match(&app).await;
    assert_eq!(codes(&search(&app, "region=RU-SPE").await), expected);
}

/// Popularity pages by city walk the city's flats from the most popular (apartment_popularity) and agree with the
/// catalog view; when fewer flats than a page match among the 2 000 most popular, the page comes from the counters of
/// every matching flat. 2 100 flats in P1 (Москва): flat n has n mod 5 views in 24 h, except the last three, the only
/// ones of 99 m², which have none: the walk ends before them.
#[tokio::test]
async fn popularity_by_city_walks_the_most_popular_first_and_falls_back_for_rare_filters() {
    let (app, catalog) = seeded().await;
    app.db
        .execute(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price,
                                     moderation_status, published_at)
             SELECT $1, 'm' || n, 1 + n % 20, n % 3, CASE WHEN n > 2097 THEN 99 ELSE 30 + n % 40 END,
                    5000000 + n * 1000, 5000000 + n * 1000, 'published', now()
               FROM generate_series(1, 2100) n",
            &[&catalog.id("B1")],
        )
        .await;
    app.db
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
             SELECT a.id, 'view', now() - interval '1 minute', 'viewer-' || v
               FROM apartments a
               CROSS JOIN LATERAL (SELECT substr(a.code, 2)::integer AS n) m
               CROSS JOIN LATERAL generate_series(1, CASE WHEN m.n > 2097 THEN 0 ELSE m.n % 5 END) v
              WHERE a.code LIKE 'm%'",
            &[],
        )
        .await;
    // A pricing cycle refreshes the counters and then moves the changed popularity to apartment_popularity.
    let mut client = app.db.pool.get().await.unwrap();
    let cycle = run_cycle(
        &mut client,
        &PricingSettings::default(),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();
    assert!(cycle.popularity_took > Duration::ZERO, "{cycle:?}");
    assert_region_copies_match(&app).await;
    for query in [
        "city=Москва&sort=popularity&limit=40",
        "city=москва&sort=popularity&rooms=1&limit=20&offset=20",
        "city=Москва&sort=popularity&rooms=0,2&price_max=6000000&limit=30",
        "city=Москва&sort=popularity&area_min=99",
        "city=Москва&sort=popularity&rooms=1,2&area_min=99&limit=1&offset=1",
    ] {
        let fast = search(&app, query).await;
        let slow = search(&app, &format!("{query}&{VIEW_PATH}")).await;
        assert!(!codes(&fast).is_empty(), "{query}: {fast}");
        assert_eq!(fast, slow, "{query}: both paths agree");
    }
    let rare = search(&app, "city=Москва&sort=popularity&area_min=99").await;
    assert_eq!(codes(&rare), ["m2098", "m2099", "m2100"]);
    assert_eq!(rare["total"], 3);
    let top = search(&app, "city=Москва&sort=popularity&limit=3").await;
    assert_eq!(codes(&top), ["m4", "m9", "m14"], "four views each, by id");

    // Counters refreshed outside a cycle: the search order keeps the popularity of the last cycle until the
    // transfer, which takes only the flats whose counters changed.
    app.db
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
             SELECT a.id, 'view', now(), 'late-viewer-' || v FROM apartments a CROSS JOIN generate_series(1, 9) v
              WHERE a.code = 'm2100'",
            &[],
        )
        .await;
    app.db
        .execute("SELECT refresh_apartment_stats()", &[])
        .await;
    assert_eq!(
        codes(&search(&app, "city=Москва&sort=popularity&limit=3").await),
        ["m4", "m9", "m14"]
    );
    let synced: Option<i32> = app
        .db
        .scalar("SELECT sync_apartment_popularity()", &[])
        .await;
    assert_eq!(synced, Some(1));
    assert_region_copies_match(&app).await;
    let top = search(&app, "city=Москва&sort=popularity&limit=3").await;
    assert_eq!(codes(&top), ["m2100", "m4", "m9"], "nine views, then four");
    assert_eq!(
        top,
        search(
            &app,
            &format!("city=Москва&sort=popularity&limit=3&{VIEW_PATH}")
        )
        .await
    );
}

#[tokio::test]
async fn total_is_cached_per_filter_set_for_the_ttl_and_the_page_stays_fresh() {
    let app = TestApp::builder()
        .catalog(CatalogSettings {
            total_cache_ttl: Duration::from_secs(2),
            ..CatalogSettings::default()
        })
        .spawn()
        .await;
    let catalog = seed(&app.db).await;
    let fast = "region=RU-MOW&rooms=2";
    let slow = "region=RU-MOW&rooms=2&floor_min=-5";
    assert_eq!(search(&app, fast).await["total"], 3);
    assert_eq!(search(&app, slow).await["total"], 3);
    app.db
        .execute(
            "UPDATE apartments SET status = 'sold' WHERE id = $1",
            &[&catalog.id("a3")],
        )
        .await;
    // The same filter set in another spelling, sort and page: the total is the cached one, the page is not.
    for query in [
        "rooms=2&region=ru-mow&sort=-price",
        "region=RU-MOW&rooms=2,2&limit=1",
        "rooms=2&region=RU-MOW&floor_min=-5&sort=area",
    ] {
        let page = search(&app, query).await;
        assert_eq!(page["total"], 3, "{query}: counted before the sale");
        assert!(!codes(&page).contains(&"a3".to_owned()), "{query}: {page}");
    }
    // Another filter set is counted now.
    assert_eq!(
        search(&app, "region=RU-MOW&rooms=2&price_max=20000000").await["total"],
        2
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(search(&app, fast).await["total"], 2, "expired");
    assert_eq!(search(&app, slow).await["total"], 2, "expired");
}

#[tokio::test]
async fn zero_ttl_counts_every_total() {
    // The default test app runs with CATALOG_TOTAL_CACHE_SECONDS = 0.
    let (app, catalog) = seeded().await;
    assert_eq!(search(&app, "region=RU-MOW&rooms=2").await["total"], 3);
    app.db
        .execute(
            "UPDATE apartments SET status = 'sold' WHERE id = $1",
            &[&catalog.id("a3")],
        )
        .await;
    assert_eq!(search(&app, "region=RU-MOW&rooms=2").await["total"], 2);
}

#[tokio::test]
async fn past_three_quarters_of_the_ttl_the_total_is_recounted_in_the_background() {
    let app = TestApp::builder()
        .catalog(CatalogSettings {
            total_cache_ttl: Duration::from_secs(4),
            ..CatalogSettings::default()
        })
        .spawn()
        .await;
    let catalog = seed(&app.db).await;
    for query in [
        "region=RU-MOW&rooms=2",
        "region=RU-MOW&rooms=2&floor_min=-5",
    ] {
        assert_eq!(search(&app, query).await["total"], 3, "{query}");
    }
    app.db
        .execute(
            "UPDATE apartments SET status = 'sold' WHERE id = $1",
            &[&catalog.id("a3")],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    for query in [
        "region=RU-MOW&rooms=2",
        "region=RU-MOW&rooms=2&floor_min=-5",
    ] {
        // Served at once from the cache; this request starts the recount.
        assert_eq!(search(&app, query).await["total"], 3, "{query}");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    for query in [
        "region=RU-MOW&rooms=2",
        "region=RU-MOW&rooms=2&floor_min=-5",
    ] {
        assert_eq!(
            search(&app, query).await["total"],
            2,
            "{query}: recounted before the TTL ran out"
        );
    }
}

#[tokio::test]
async fn search_statements_kept_per_connection_are_bounded() {
    // 5 orders × rooms × price from × price to × region = 80 shapes of the page statement on the narrow path (the
    // total is counted every time in the test app, without a prepared statement): more than a connection keeps.
    let (app, _catalog) = seeded().await;
    let mut shapes = 0;
    for sort in [
        "price",
        "-price",
        "commissioning",
        "-commissioning",
        "popularity",
    ] {
        for rooms in ["", "&rooms=2"] {
            for price_min in ["", "&price_min=1000"] {
                for price_max in ["", "&price_max=900000000"] {
                    for region in ["", "&region=RU-MOW"] {
                        let query = format!("sort={sort}{rooms}{price_min}{price_max}{region}");
                        let page = search(&app, &query).await;
                        assert!(page["total"].as_i64().unwrap() > 0, "{query}");
                        shapes += 1;
                    }
                }
            }
        }
    }
    assert_eq!(shapes, 80);
    // Requests one after another reuse one pooled connection; every connection stays within the bound.
    let status = app.db.pool.status();
    let mut connections = Vec::new();
    for _ in 0..status.size {
        connections.push(app.db.pool.get().await.unwrap());
    }
    let largest = connections
        .iter()
        .map(|connection| connection.statement_cache.size())
        .max()
        .unwrap();
    assert!(largest > 8, "the common shapes stay prepared: {largest}");
    assert!(
        largest <= 64,
        "at most 64 statements per connection: {largest}"
    );
}

#[tokio::test]
async fn a_capped_total_stops_counting_at_its_limit_and_is_cached_apart_from_the_exact_one() {
    use nedvizhimost::apartments::search::{search as search_catalog, TotalCount};
    use nedvizhimost::apartments::ApartmentSearchQuery;
    use nedvizhimost::catalog::CatalogCache;
    use nedvizhimost::config::PromotionSettings;

    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let client = app.db.pool.get().await.unwrap();
    let cache = CatalogCache::new(CatalogSettings::default());
    let promotions = PromotionSettings::default();
    // The copies path (region), the apartment_stats path (project filters only) and the catalog view path.
    for (region, status, exact) in [
        (Some("RU-MOW"), None, 4),
        (None, None, 6),
        (None, Some("available,available"), 6),
    ] {
        let query = ApartmentSearchQuery {
            region: region.map(str::to_owned),
            status: status.map(str::to_owned),
            limit: Some(1),
            ..ApartmentSearchQuery::default()
        };
        let capped = search_catalog(
            &app.db.pool,
            &client,
            &cache,
            &promotions,
            &query,
            TotalCount::AtMost(2),
        )
        .await
        .unwrap();
        let counted = search_catalog(
            &app.db.pool,
            &client,
            &cache,
            &promotions,
            &query,
            TotalCount::Exact,
        )
        .await
        .unwrap();
        let label = format!("{region:?} {status:?}");
        assert_eq!(
            serde_json::to_value(&capped).unwrap()["total"],
            2,
            "{label}"
        );
        assert_eq!(
            serde_json::to_value(&counted).unwrap()["total"],
            exact,
            "{label}"
        );
        assert_eq!(
            serde_json::to_value(&capped).unwrap()["items"],
            serde_json::to_value(&counted).unwrap()["items"],
            "{label}: the same page"
        );
    }
}
