use crate::helpers::{Problem, TestApp, TestDb};
use nedvizhimost::seed::{count_rows, seed_demo, SeedOutcome, TableCounts, DEMO_PASSWORD};
use nedvizhimost::validation::{validate_inn, validate_ogrn};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// City, ISO 3166-2 region, centre latitude and longitude.
const DEMO_CITIES: [(&str, &str, f64, f64); 7] = [
    ("Москва", "RU-MOW", 55.7558, 37.6173),
    ("Санкт-Петербург", "RU-SPE", 59.9386, 30.3141),
    ("Екатеринбург", "RU-SVE", 56.8389, 60.6057),
    ("Новосибирск", "RU-NVS", 55.0084, 82.9357),
    ("Казань", "RU-TA", 55.7961, 49.1064),
    ("Краснодар", "RU-KDA", 45.0355, 38.9753),
    ("Нижний Новгород", "RU-NIZ", 56.3269, 44.0059),
];

/// One seed at a time: while one test's seed transaction is open, the xid watermark of
/// `rebuild_apartment_stats` would leave out the events another test has just committed.
static ONE_SEED_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Seeds the demo data into `db` (one seed at a time); the counts it inserted.
pub async fn seed(db: &TestDb) -> TableCounts {
    let mut client = db.client().await;
    let seeding = ONE_SEED_AT_A_TIME.lock().await;
    let outcome = seed_demo(&mut client).await.expect("seed-demo");
    drop(seeding);
    let SeedOutcome::Inserted(counts) = outcome else {
        panic!("a fresh database has no demo data yet");
    };
    counts
}

async fn seeded() -> (TestDb, TableCounts) {
    let db = TestDb::new().await;
    let counts = seed(&db).await;
    (db, counts)
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql, &[]).await
}

#[tokio::test]
async fn second_run_changes_nothing() {
    let (db, first) = seeded().await;
    assert!((5..=6).contains(&first.developers), "{first}");
    assert!((15..=25).contains(&first.projects), "{first}");
    assert!(first.buildings >= 2 * first.projects, "{first}");
    assert!((2_500..=3_500).contains(&first.apartments), "{first}");
    assert!(first.users > 0 && first.interest_events > 10_000, "{first}");
    assert!(first.media >= 5 * first.projects, "{first}");
    assert!(
        first.leads > 0 && first.bookings > 0 && first.promotions > 0,
        "{first}"
    );

    let mut client = db.client().await;
    let second = seed_demo(&mut client).await.unwrap();
    assert_eq!(second, SeedOutcome::AlreadyPresent(first.clone()));
    assert_eq!(count_rows(&client).await.unwrap(), first);
    assert!(
        second.to_string().starts_with("Демо-данные уже есть"),
        "{second}"
    );
}

#[tokio::test]
async fn developers_are_verified_published_and_have_valid_registration_numbers() {
    let (db, counts) = seeded().await;
    let rows = db
        .client()
        .await
        .query(
            "SELECT inn, ogrn FROM developers WHERE verified AND moderation_status = 'published'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len() as i64, counts.developers);
    for row in rows {
        let (inn, ogrn): (String, String) = (row.get(0), row.get(1));
        assert!(validate_inn(&inn).is_ok(), "ИНН {inn}");
        assert!(validate_ogrn(&ogrn).is_ok(), "ОГРН {ogrn}");
    }
}

#[tokio::test]
async fn projects_sit_near_their_city_centre_in_the_right_region() {
    let (db, counts) = seeded().await;
    let client = db.client().await;
    let mut checked = 0;
    for (city, region_code, latitude, longitude) in DEMO_CITIES {
        let row = client
            .query_one(
                "SELECT count(*),
                        count(*) FILTER (WHERE region_code <> $2),
                        coalesce(max(ST_Distance(geo, ST_SetSRID(ST_MakePoint($4, $3), 4326)::geography)), 0),
                        count(*) FILTER (WHERE moderation_status <> 'published' OR published_at > now())
                 FROM projects WHERE city = $1",
                &[&city, &region_code, &latitude, &longitude],
            )
            .await
            .unwrap();
        let (projects, wrong_region, farthest_metres, unpublished): (i64, i64, f64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert!(projects > 0, "no projects in {city}");
        assert_eq!(wrong_region, 0, "{city} projects outside {region_code}");
        assert_eq!(unpublished, 0, "{city}");
        assert!(
            farthest_metres < 25_000.0,
            "{city}: a project {farthest_metres} m from the centre"
        );
        checked += projects;
    }
    assert_eq!(checked, counts.projects, "every project is in a demo city");
    let buildings_per_project_outside_2_to_4 = count(
        &db,
        "SELECT count(*) FROM (SELECT count(b.id) AS buildings FROM projects p
                               LEFT JOIN buildings b ON b.project_id = p.id GROUP BY p.id) counted
         WHERE buildings NOT BETWEEN 2 AND 4",
    )
    .await;
    assert_eq!(buildings_per_project_outside_2_to_4, 0);
}

#[tokio::test]
async fn apartments_have_plausible_areas_prices_and_statuses() {
    let (db, counts) = seeded().await;
    let implausible = count(
        &db,
        "SELECT count(*) FROM apartments a
         JOIN projects p ON p.id = a.project_id
         JOIN buildings b ON b.id = a.building_id
         WHERE NOT (a.rooms BETWEEN 0 AND 4
                    AND a.area_total BETWEEN 18 AND 200
                    AND a.area_living + coalesce(a.area_kitchen, 0) < a.area_total
                    AND (a.rooms = 0) = (a.area_kitchen IS NULL)
                    AND a.ceiling_height BETWEEN 2.5 AND 3.6
                    AND a.floor BETWEEN 1 AND b.floors
                    AND a.base_price = a.current_price
                    AND a.base_price / a.area_total BETWEEN
                        CASE p.city WHEN 'Москва' THEN 300000 WHEN 'Санкт-Петербург' THEN 180000 ELSE 90000 END
                        AND CASE p.city WHEN 'Москва' THEN 650000 WHEN 'Санкт-Петербург' THEN 420000 ELSE 260000 END
                    AND a.moderation_status = 'published'
                    AND a.published_at BETWEEN now() - interval '60 days' AND now())",
    )
    .await;
    assert_eq!(implausible, 0);

    let available = count(
        &db,
        "SELECT count(*) FROM apartments WHERE status = 'available'",
    )
    .await;
    assert!(
        available * 10 > counts.apartments * 8,
        "{available} of {}",
        counts.apartments
    );
    let room_kinds = count(&db, "SELECT count(DISTINCT rooms) FROM apartments").await;
    assert_eq!(room_kinds, 5, "studios and 1–4 rooms");
    let booked_without_one_active_booking = count(
        &db,
        "SELECT count(*) FROM apartments a
         WHERE a.status <> 'sold'
           AND (a.status = 'booked') <> EXISTS (SELECT 1 FROM bookings b
                                               WHERE b.apartment_id = a.id AND b.status IN ('pending', 'confirmed'))",
    )
    .await;
    assert_eq!(booked_without_one_active_booking, 0);
    let sold_by_a_booking_without_its_steps = count(
        &db,
        "SELECT count(*) FROM bookings b JOIN apartments a ON a.id = b.apartment_id
         WHERE b.status IN ('pending', 'confirmed') AND a.status = 'sold'
           AND (b.status <> 'confirmed'
                OR ARRAY(SELECT e.action::text FROM booking_events e WHERE e.booking_id = b.id
                         ORDER BY e.occurred_at, e.id) <> ARRAY['created', 'confirmed', 'sold'])",
    )
    .await;
    assert_eq!(sold_by_a_booking_without_its_steps, 0);
    let bookings_without_history = count(
        &db,
        "SELECT count(*) FROM bookings b
         WHERE NOT EXISTS (SELECT 1 FROM booking_events e WHERE e.booking_id = b.id AND e.action = 'created')",
    )
    .await;
    assert_eq!(bookings_without_history, 0);
}

#[tokio::test]
async fn a_day_of_demand_gives_the_pricing_pass_something_to_decide() {
    let (db, _) = seeded().await;
    let events_outside_last_day = count(
        &db,
        "SELECT count(*) FROM views_log WHERE occurred_at NOT BETWEEN now() - interval '24 hours' AND now()",
    )
    .await;
    assert_eq!(events_outside_last_day, 0);
    let views_in_stats = count(
        &db,
        "SELECT coalesce(sum(views_24h), 0) FROM apartment_stats",
    )
    .await;
    let views_logged = count(&db, "SELECT count(*) FROM views_log WHERE event = 'view'").await;
    assert_eq!(views_in_stats, views_logged);
    assert!(
        count(
            &db,
            "SELECT count(*) FROM cluster_demand WHERE median_demand > 0"
        )
        .await
            > 0
    );

    let decisions = db
        .client()
        .await
        .query(
            "SELECT decision::text, count(*) FROM reprice_apartments(p_dry_run => true) GROUP BY decision",
            &[],
        )
        .await
        .unwrap();
    let decided = |wanted: &str| {
        decisions
            .iter()
            .find(|row| row.get::<_, String>(0) == wanted)
            .map_or(0, |row| row.get::<_, i64>(1))
    };
    assert!(decided("raise") > 0, "hot apartments get more expensive");
    assert!(
        decided("lower") > 0,
        "cold apartments on the site for long get cheaper"
    );
    assert!(
        decided("hold") > decided("raise") + decided("lower"),
        "most stay put"
    );
    assert!(
        decided("recent_booking") > 0,
        "a recent booking freezes the price"
    );
}

#[tokio::test]
async fn every_demo_buyer_can_book_right_after_the_seed() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let cap = i64::from(nedvizhimost::config::SignalSettings::default().buyer_max_active_bookings);
    let most_active_bookings_of_a_demo_buyer = count(
        &app.db,
        "SELECT coalesce(max(active), 0) FROM (
             SELECT count(*) AS active FROM bookings b JOIN users u ON u.id = b.user_id
                                       JOIN apartments a ON a.id = b.apartment_id
             WHERE u.email LIKE 'buyer%@demo.example' AND b.status IN ('pending', 'confirmed')
               AND a.status <> 'sold'
             GROUP BY u.id) per_buyer",
    )
    .await;
    assert!(
        most_active_bookings_of_a_demo_buyer <= 1 && most_active_bookings_of_a_demo_buyer < cap,
        "{most_active_bookings_of_a_demo_buyer}"
    );

    for n in 1..=8 {
        let email = format!("buyer{n}@demo.example");
        let response = app.login(&email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
        let token: Value = response.json().await.unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let on_sale: Value = app
            .get(&format!("/apartments?limit=1&offset={n}"))
            .await
            .json()
            .await
            .unwrap();
        let apartment_id = on_sale["items"][0]["id"].as_i64().unwrap();
        let response = app
            .post_json(
                &format!("/apartments/{apartment_id}/bookings"),
                Some(&token),
                &json!({}),
            )
            .await;
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{email}: {}",
            Problem::read(response).await.body
        );
    }
}

#[tokio::test]
async fn demo_project_cards_show_photos_video_tour_and_layouts() {
    let app = TestApp::spawn().await;
    seed(&app.db).await;
    let projects: Value = app.get("/projects?limit=100").await.json().await.unwrap();
    let ids: Vec<i64> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|project| project["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 15, "{projects}");
    for id in ids {
        let card: Value = app
            .get(&format!("/projects/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let cover = card["cover_image_url"].as_str().unwrap_or_default();
        assert!(cover.starts_with("https://example.com/demo/"), "{card}");
        let media = card["media"].as_array().unwrap();
        for kind in ["photo", "video", "tour_3d", "layout"] {
            assert!(
                media.iter().any(|item| item["kind"] == kind),
                "project {id} has no {kind}: {card}"
            );
        }
        for item in media {
            let url = item["url"].as_str().unwrap();
            assert!(url.starts_with("https://example.com/demo/"), "{url}");
            assert!(!item["title"].as_str().unwrap().is_empty(), "{item}");
        }
        let layout = media.iter().find(|item| item["kind"] == "layout").unwrap();
        let apartment: Value = app
            .get(&format!("/apartments/{}", layout["apartment_id"]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(apartment["layout_image_url"], layout["url"], "{apartment}");
    }
}

#[tokio::test]
async fn demo_promotions_are_approved_and_already_in_search_prices() {
    let (db, counts) = seeded().await;
    assert_eq!(
        counts.promotions, 3,
        "platform 5 %, studios, first 10 bookings"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM promotions WHERE status = 'approved' AND starts_at <= now() AND ends_at > now()"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM promotions WHERE developer_id IS NULL AND conditions ->> 'only_platform_booking' = 'true'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM promotions WHERE (conditions ->> 'first_n_bookings')::int = 10"
        )
        .await,
        1
    );
    // The platform 5 % applies to every apartment on sale; its discount is already in the search copy.
    let on_sale = count(&db, "SELECT count(*) FROM catalog_offers").await;
    assert!(on_sale > 0);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM catalog_offers WHERE promotion_ids <> '{}' AND final_price < current_price"
        )
        .await,
        on_sale
    );
}
