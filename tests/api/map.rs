use std::time::Duration;

use crate::helpers::catalog::seed;
use crate::helpers::{Problem, TestApp};
use nedvizhimost::config::CatalogSettings;
use reqwest::StatusCode;
use serde_json::Value;

/// The RFC 7946 shape: a FeatureCollection of Point features with [lon, lat] inside the window.
fn assert_geojson(body: &Value, bbox: [f64; 4]) {
    assert_eq!(body["type"], "FeatureCollection");
    for feature in body["features"].as_array().unwrap() {
        assert_eq!(feature["type"], "Feature");
        assert!(feature["id"].is_string());
        assert_eq!(feature["geometry"]["type"], "Point");
        let coordinates = feature["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(coordinates.len(), 2);
        let (lon, lat) = (
            coordinates[0].as_f64().unwrap(),
            coordinates[1].as_f64().unwrap(),
        );
        assert!((bbox[0]..=bbox[2]).contains(&lon), "lon {lon}");
        assert!((bbox[1]..=bbox[3]).contains(&lat), "lat {lat}");
        assert!(feature["properties"].is_object());
        let min_price = feature["properties"]["min_price"].as_str().unwrap();
        assert!(
            money_pattern().is_match(min_price),
            "money is a decimal string like everywhere: {min_price}"
        );
    }
}

async fn map(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/map/projects?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    response.json().await.unwrap()
}

fn sum(body: &Value, property: &str) -> i64 {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature["properties"][property].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn low_zoom_clusters_sum_to_the_projects_in_the_window() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let russia = [19.6, 41.1, 180.0, 82.0];
    let body = map(&app, "bbox=19.6,41.1,180,82&zoom=3").await;
    assert_geojson(&body, russia);
    assert_eq!(
        sum(&body, "projects"),
        3,
        "P1, P2, P5; P3 and P4 are not public"
    );
    let cluster = &body["features"][0];
    assert_eq!(cluster["properties"]["kind"], "cluster");
    assert_eq!(cluster["properties"]["min_price"], "5000000.00");

    // Moscow only, at street level: one feature per project.
    let moscow = [37.0, 55.0, 38.0, 56.0];
    let body = map(&app, "bbox=37,55,38,56&zoom=14").await;
    assert_geojson(&body, moscow);
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    for feature in features {
        assert_eq!(feature["properties"]["kind"], "project");
        assert_eq!(feature["properties"]["projects"], 1);
    }
    let p1 = features
        .iter()
        .find(|feature| feature["properties"]["name"] == "P1")
        .unwrap();
    assert_eq!(p1["geometry"]["coordinates"][0], 37.62);
    assert_eq!(p1["geometry"]["coordinates"][1], 55.75);
    assert_eq!(p1["properties"]["min_price"], "8000000.00");
    assert_eq!(p1["properties"]["class"], "comfort");
}

#[tokio::test]
async fn catalog_filters_apply_to_the_map() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let body = map(
        &app,
        "bbox=19.6,41.1,180,82&zoom=14&rooms=2&price_max=10000000",
    )
    .await;
    let names: Vec<&str> = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"P1") && names.contains(&"P5"));
    let min_prices: Vec<f64> = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| price(&feature["properties"]["min_price"]))
        .collect();
    assert!(
        min_prices.contains(&9_900_000.0),
        "a3 is the cheapest 2-room flat of P1"
    );
    assert!(min_prices.contains(&10_000_000.0), "e1 of P5");
    // The catalog view path (a filter the narrow index does not cover) agrees.
    let slow = map(
        &app,
        "bbox=19.6,41.1,180,82&zoom=14&rooms=2&price_max=10000000&floor_min=-5",
    )
    .await;
    assert_eq!(slow["features"], body["features"]);
}

#[tokio::test]
async fn many_projects_never_exceed_the_feature_limit() {
    let app = TestApp::spawn().await;
    let client = app.db.client().await;
    client
        .batch_execute(
            "INSERT INTO developers (name, legal_name, inn, ogrn, verified, moderation_status)
             VALUES ('Массовый', 'ООО «Массовый»', '7707083893', '1027700132195', true, 'published');
             INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date,
                                   moderation_status, published_at)
             SELECT 1, 'ЖК ' || g, 'Москва', 'RU-MOW', 'ул. ' || g,
                    ST_SetSRID(ST_MakePoint(37 + (g % 40) * 0.02, 55 + (g / 40) * 0.02), 4326)::geography,
                    'comfort', '2027-01-01', 'published', now()
               FROM generate_series(0, 799) g;
             INSERT INTO buildings (project_id, name, floors) SELECT id, 'К1', 10 FROM projects;
             INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price,
                                     moderation_status, published_at)
             SELECT id, 'A', 1, 1, 40, 5000000, 5000000, 'published', now() FROM buildings;",
        )
        .await
        .unwrap();
    let body = map(&app, "bbox=36.9,54.9,38,55.5&zoom=18").await;
    let features = body["features"].as_array().unwrap().len();
    assert!(features <= 500, "{features} features");
    assert!(features > 1);
    assert_eq!(sum(&body, "projects"), 800);
}

#[tokio::test]
async fn bad_windows_name_the_field() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("bbox=1,2,3&zoom=3", "bbox"),
        ("bbox=170,50,-170,60&zoom=3", "bbox"),
        ("bbox=0,91,10,95&zoom=3", "bbox"),
        ("bbox=30,50,40,60&zoom=23", "zoom"),
        ("zoom=3", "bbox"),
    ] {
        let response = app.get(&format!("/map/projects?{query}")).await;
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem.first_field(), field, "{query}: {}", problem.body);
    }
}

async fn refresh_summary(app: &TestApp) {
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
}

fn min_price_of(body: &Value, name: &str) -> Option<f64> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|feature| feature["properties"]["name"] == name)
        .map(|feature| price(&feature["properties"]["min_price"]))
}

/// A price of the map: a decimal string, as money is everywhere.
fn price(value: &Value) -> f64 {
    value.as_str().unwrap().parse().unwrap()
}

fn money_pattern() -> regex::Regex {
    regex::Regex::new(nedvizhimost::openapi::schemas::MONEY_PATTERN).unwrap()
}

#[tokio::test]
async fn the_summary_map_matches_the_exact_path_on_a_refreshed_catalog() {
    let app = TestApp::spawn().await;
    let catalog = seed(&app.db).await;
    refresh_summary(&app).await;
    // `price_min=1` matches every flat but is an apartment-level filter: the exact path.
    for query in [
        "bbox=19.6,41.1,180,82&zoom=3",
        "bbox=19.6,41.1,180,82&zoom=14",
        "bbox=37,55,38,56&zoom=14",
        "bbox=19.6,41.1,180,82&zoom=14&rooms=2",
        "bbox=19.6,41.1,180,82&zoom=14&rooms=0,1",
        "bbox=19.6,41.1,180,82&zoom=14&class=comfort,business",
        "bbox=19.6,41.1,180,82&zoom=3&region=RU-MOW",
    ] {
        let summary = map(&app, query).await;
        let exact = map(&app, &format!("{query}&price_min=1")).await;
        assert_eq!(summary, exact, "{query}");
    }
    let body = map(&app, "bbox=19.6,41.1,180,82&zoom=3").await;
    assert_eq!(sum(&body, "projects"), 3, "P1, P2, P5 as before");

    // The summary is up to a minute old for prices: a new price shows on the exact path at once and on
    // the summary path after the next refresh.
    app.db
        .execute(
            "UPDATE apartments SET current_price = 1000000 WHERE id = $1",
            &[&catalog.id("b1")],
        )
        .await;
    let all = "bbox=19.6,41.1,180,82&zoom=14";
    assert_eq!(min_price_of(&map(&app, all).await, "P2"), Some(5_000_000.0));
    let exact = map(&app, &format!("{all}&price_min=1")).await;
    assert_eq!(min_price_of(&exact, "P2"), Some(1_000_000.0));
    refresh_summary(&app).await;
    assert_eq!(min_price_of(&map(&app, all).await, "P2"), Some(1_000_000.0));

    // Publication is checked now, not from the summary: nothing unpublished leaks.
    app.db
        .execute(
            "UPDATE projects SET moderation_status = 'draft' WHERE id = $1",
            &[&catalog.id("P1")],
        )
        .await;
    app.db
        .execute(
            "UPDATE developers SET moderation_status = 'draft' WHERE id = $1",
            &[&catalog.id("D1")],
        )
        .await;
    let body = map(&app, all).await;
    assert_eq!(body["features"], serde_json::json!([]), "{body}");
    let body = map(&app, "bbox=19.6,41.1,180,82&zoom=3").await;
    assert_eq!(body["features"], serde_json::json!([]), "{body}");
}

#[tokio::test]
async fn a_stale_or_disabled_summary_falls_back_to_the_exact_path() {
    let app = TestApp::builder()
        .catalog(CatalogSettings {
            map_summary_max_age: Duration::ZERO,
            ..CatalogSettings::default()
        })
        .spawn()
        .await;
    let catalog = seed(&app.db).await;
    refresh_summary(&app).await;
    app.db
        .execute(
            "UPDATE apartments SET current_price = 1000000 WHERE id = $1",
            &[&catalog.id("b1")],
        )
        .await;
    let all = "bbox=19.6,41.1,180,82&zoom=14";
    assert_eq!(
        min_price_of(&map(&app, all).await, "P2"),
        Some(1_000_000.0),
        "summary disabled: exact"
    );

    // A summary older than MAP_SUMMARY_MAX_AGE_SECONDS (the pricing cycle stopped) is not used.
    let app = TestApp::builder()
        .catalog(CatalogSettings {
            map_summary_max_age: Duration::from_secs(1),
            ..CatalogSettings::default()
        })
        .spawn()
        .await;
    let catalog = seed(&app.db).await;
    refresh_summary(&app).await;
    app.db
        .execute(
            "UPDATE apartments SET current_price = 1000000 WHERE id = $1",
            &[&catalog.id("b1")],
        )
        .await;
    assert_eq!(
        min_price_of(&map(&app, all).await, "P2"),
        Some(5_000_000.0),
        "a fresh summary is used"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        min_price_of(&map(&app, all).await, "P2"),
        Some(1_000_000.0),
        "a stale summary is not"
    );
}

#[tokio::test]
async fn summary_answers_are_reused_only_while_projects_and_the_summary_are_unchanged() {
    let app = TestApp::spawn().await;
    let catalog = seed(&app.db).await;
    refresh_summary(&app).await;
    let all = "bbox=19.6,41.1,180,82&zoom=14";
    let first = map(&app, all).await;
    assert_eq!(map(&app, all).await, first);
    assert_eq!(
        app.catalog.map_hits_and_misses(),
        (1, 1),
        "the second from memory"
    );

    // Any change of a project is seen at once: its name, then its publication.
    app.db
        .execute(
            "UPDATE projects SET name = 'P1 новый' WHERE id = $1",
            &[&catalog.id("P1")],
        )
        .await;
    let renamed = map(&app, all).await;
    assert_eq!(min_price_of(&renamed, "P1 новый"), Some(8_000_000.0));
    assert_eq!(min_price_of(&renamed, "P1"), None);
    app.db
        .execute(
            "UPDATE projects SET moderation_status = 'draft' WHERE id = $1",
            &[&catalog.id("P5")],
        )
        .await;
    assert_eq!(min_price_of(&map(&app, all).await, "P5"), None);
    // So is a refreshed summary, and an apartment-level filter never uses the memory.
    refresh_summary(&app).await;
    map(&app, all).await;
    map(&app, &format!("{all}&price_min=1")).await;
    map(&app, &format!("{all}&price_min=1")).await;
    assert_eq!(app.catalog.map_hits_and_misses(), (1, 4));
}
