use crate::helpers::{error_fields, send_concurrently, Problem, TestApp, PROBLEM_JSON};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Cabinet {
    app: TestApp,
    token: String,
    moderator: String,
    company: i64,
    project: i64,
    building: i64,
}

/// A verified company with a published project and one 10-floor building.
async fn cabinet() -> Cabinet {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("dev@sever.ru", "Север").await;
    let moderator = app.create_moderator("moderator@assoc.ru").await;
    app.post_json(
        &format!("/developers/{company}/moderation"),
        Some(&moderator),
        &json!({"decision": "verify"}),
    )
    .await;
    let project: Value = app
        .post_json(
            "/projects",
            Some(&token),
            &json!({
                "developer_id": company, "name": "ЖК Север", "city": "Казань", "region_code": "RU-TA",
                "address": "ул. Баумана, 1", "latitude": 55.79, "longitude": 49.12, "class": "business",
                "commissioning_date": "2026-09-30",
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let project = project["id"].as_i64().unwrap();
    app.post_json(
        &format!("/projects/{project}/submit"),
        Some(&token),
        &json!({}),
    )
    .await;
    app.post_json(
        &format!("/projects/{project}/moderation"),
        Some(&moderator),
        &json!({"decision": "publish"}),
    )
    .await;
    let building: Value = app
        .post_json(
            &format!("/projects/{project}/buildings"),
            Some(&token),
            &json!({"name": "Корпус 1", "floors": 10}),
        )
        .await
        .json()
        .await
        .unwrap();
    Cabinet {
        app,
        token,
        moderator,
        company,
        project,
        building: building["id"].as_i64().unwrap(),
    }
}

async fn total(app: &TestApp, query: &str) -> i64 {
    let page: Value = app
        .get(&format!("/apartments?{query}"))
        .await
        .json()
        .await
        .unwrap();
    page["total"].as_i64().unwrap()
}

#[tokio::test]
async fn apartments_are_validated_moderated_and_priced_by_their_developer() {
    let Cabinet {
        app,
        token,
        moderator,
        project,
        building,
        ..
    } = cabinet().await;
    let create = format!("/buildings/{building}/apartments");
    let response = app
        .post_json(
            &create,
            Some(&token),
            &json!({"code": "101", "floor": 11, "rooms": 2, "area_total": "60", "area_living": "45",
                    "area_kitchen": "20", "base_price": "0", "tour_url": "avalin.ru/x"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(response).await,
        [
            "floor",
            "area_living",
            "tour_url",
            "base_price",
            "current_price"
        ]
    );
    let response = app
        .post_json(
            &create,
            Some(&token),
            &json!({"code": "101", "floor": 5, "rooms": 2, "area_total": "60", "area_living": "35",
                    "area_kitchen": "12", "base_price": "12000000"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let apartment: Value = response.json().await.unwrap();
    let id = apartment["id"].as_i64().unwrap();
    assert_eq!(apartment["moderation_status"], "draft");
    assert_eq!(apartment["current_price"], "12000000.00");
    assert_eq!(apartment["price_per_m2"], "200000.00");
    let response = app
        .post_json(
            &create,
            Some(&token),
            &json!({"code": "101", "floor": 6, "rooms": 1, "area_total": "40", "base_price": "8000000"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_fields(response).await, ["code"]);
    assert_eq!(total(&app, &format!("project_id={project}")).await, 0);

    app.post_json(
        &format!("/apartments/{id}/submit"),
        Some(&token),
        &json!({}),
    )
    .await;
    let response = app
        .post_json(
            &format!("/apartments/{id}/moderation"),
            Some(&moderator),
            &json!({"decision": "publish"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(total(&app, &format!("project_id={project}")).await, 1);

    // Price and status of a published apartment apply at once and are recorded.
    let path = format!("/apartments/{id}");
    let response = app
        .patch_json(&path, Some(&token), &json!({"current_price": "12600000"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["moderation_status"], "published");
    assert_eq!(changed["current_price"], "12600000.00");
    assert_eq!(changed["last_change"]["reason"], "manual");
    assert_eq!(changed["last_change"]["change_percent"], "5.00");
    let manual_changes: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM price_history WHERE apartment_id = $1 AND reason = 'manual'",
            &[&id],
        )
        .await;
    assert_eq!(manual_changes, 1);
    let cooldown: bool = app
        .db
        .scalar(
            "SELECT price_changed_at > now() - interval '1 minute' FROM apartment_stats WHERE apartment_id = $1",
            &[&id],
        )
        .await;
    assert!(
        cooldown,
        "a manual price change starts the pricing cooldown"
    );
    assert_eq!(total(&app, "price_min=12500000").await, 1);

    let (stranger, _) = app.developer_with_company("dev@other.ru", "Другой").await;
    let response = app
        .patch_json(&path, Some(&stranger), &json!({"current_price": "1"}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Any other edit sends it back to review and out of the catalog.
    let response = app
        .patch_json(&path, Some(&token), &json!({"area_total": "61"}))
        .await;
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["moderation_status"], "pending_review");
    assert_eq!(total(&app, &format!("project_id={project}")).await, 0);
}

fn row(building: i64, code: &str, floor: i32, price: &str) -> Value {
    json!({"building_id": building, "code": code, "floor": floor, "rooms": 1, "area_total": "40",
           "base_price": price})
}

#[tokio::test]
async fn bulk_upsert_applies_everything_or_nothing() {
    let Cabinet {
        app,
        token,
        company,
        building,
        ..
    } = cabinet().await;
    let path = format!("/developers/{company}/apartments:bulk");
    let put = |body: Value| {
        app.request(reqwest::Method::PUT, &path, Some(&token))
            .json(&body)
            .send()
    };
    let response = put(json!({"apartments": [
        row(building, "A1", 1, "5000000"), row(building, "A2", 2, "6000000"), row(building, "A3", 3, "7000000"),
    ]}))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["created"].as_array().unwrap().len(), 3);
    assert_eq!(result["created"][2]["index"], 2);
    assert_eq!(result["updated"], json!([]));

    let mut changed = row(building, "A2", 2, "6000000");
    changed["current_price"] = json!("6300000");
    changed["status"] = json!("booked");
    let response = put(json!({"apartments": [changed, row(building, "A4", 4, "8000000")]}))
        .await
        .unwrap();
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["created"][0]["code"], "A4");
    assert_eq!(result["updated"][0]["code"], "A2");
    assert_eq!(result["prices_changed"], 1);
    let client = app.db.client().await;
    let history: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM price_history h JOIN apartments a ON a.id = h.apartment_id
              WHERE a.code = 'A2' AND h.reason = 'manual' AND h.new_price = 6300000",
            &[],
        )
        .await;
    assert_eq!(history, 1);

    // A later upload without `status` keeps A2 booked (like PATCH); a new row without it is for sale.
    let response = put(json!({"apartments": [row(building, "A2", 2, "6000000"), row(building, "A8", 8, "6000000")]}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let statuses: Vec<(String, String)> = client
        .query(
            "SELECT code, status::text FROM apartments WHERE code IN ('A2', 'A8') ORDER BY code",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        statuses,
        [
            ("A2".to_owned(), "booked".to_owned()),
            ("A8".to_owned(), "available".to_owned())
        ]
    );

    let (_, other_company) = app.developer_with_company("dev@other.ru", "Другой").await;
    let before: i64 = app.db.scalar("SELECT count(*) FROM apartments", &[]).await;
    let response = put(json!({"apartments": [
        row(building, "A5", 5, "5000000"),
        row(building, "A6", 99, "5000000"),
        row(building, "A5", 6, "5000000"),
        row(building, "A7", 1, "-1"),
    ]}))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(response).await,
        [
            "apartments[1].floor",
            "apartments[2].code",
            "apartments[3].base_price",
            "apartments[3].current_price"
        ]
    );
    let after: i64 = app.db.scalar("SELECT count(*) FROM apartments", &[]).await;
    assert_eq!(after, before, "nothing is half-applied");

    let response = app
        .put_json(
            &format!("/developers/{other_company}/apartments:bulk"),
            Some(&token),
            &json!({"apartments": [row(building, "X", 1, "1000000")]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = put(json!({"apartments": []})).await.unwrap();
    assert_eq!(error_fields(response).await, ["apartments"]);
}

#[tokio::test]
async fn bulk_takes_five_thousand_apartments_in_one_request() {
    let Cabinet {
        app,
        token,
        company,
        building,
        ..
    } = cabinet().await;
    // Long layout links make the body ~1.7 MB: more than the default 1 MiB limit of other endpoints.
    let layout = format!("https://cdn.sever.ru/layouts/{}.png", "x".repeat(200));
    let rows: Vec<Value> = (0..5_000)
        .map(|index| {
            let mut apartment = row(building, &format!("F{index:05}"), 1 + index % 10, "5000000");
            apartment["layout_image_url"] = json!(layout);
            apartment
        })
        .collect();
    assert!(
        serde_json::to_vec(&json!({"apartments": rows}))
            .unwrap()
            .len()
            > 1024 * 1024
    );
    let response = app
        .put_json(
            &format!("/developers/{company}/apartments:bulk"),
            Some(&token),
            &json!({"apartments": rows}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["created"].as_array().unwrap().len(), 5_000);
}

#[tokio::test]
async fn the_cabinet_lists_own_objects_in_every_state_and_the_moderator_queue() {
    let Cabinet {
        app,
        token,
        moderator,
        company,
        project,
        building,
    } = cabinet().await;
    let create = format!("/buildings/{building}/apartments");
    for code in ["Q1", "Q2"] {
        app.post_json(
            &create,
            Some(&token),
            &json!({"code": code, "floor": 2, "rooms": 1, "area_total": "40", "base_price": "5000000"}),
        )
        .await;
    }
    let drafts: Value = app
        .get_with("/cabinet/apartments?moderation_status=draft", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(drafts["total"], 2);
    let q1 = drafts["items"][0]["id"].as_i64().unwrap();
    app.post_json(
        &format!("/apartments/{q1}/submit"),
        Some(&token),
        &json!({}),
    )
    .await;
    let queue: Value = app
        .get_with(
            "/cabinet/apartments?moderation_status=pending_review",
            Some(&moderator),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["code"], "Q1");

    let (stranger, _) = app.developer_with_company("dev@other.ru", "Другой").await;
    let foreign: Value = app
        .get_with("/cabinet/apartments", Some(&stranger))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        foreign["total"], 0,
        "another company's apartments never leak"
    );
    let projects: Value = app
        .get_with(
            &format!("/cabinet/projects?developer_id={company}"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(projects["total"], 1);
    assert_eq!(projects["items"][0]["id"], project);
    assert_eq!(projects["items"][0]["apartments"], 2);
    assert_eq!(projects["items"][0]["moderation_status"], "published");
    let buyer = app.register_buyer("buyer@mail.ru").await;
    let response = app.get_with("/cabinet/projects", Some(&buyer)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_companys_projects_buildings_and_apartments_answer_404_and_stay_unchanged() {
    let Cabinet {
        app,
        token,
        project,
        building,
        ..
    } = cabinet().await;
    let apartment: Value = app
        .post_json(
            &format!("/buildings/{building}/apartments"),
            Some(&token),
            &json!({"code": "201", "floor": 2, "rooms": 1, "area_total": "40", "base_price": "8000000"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let apartment = apartment["id"].as_i64().unwrap();
    let (stranger, stranger_company) = app.developer_with_company("dev@yug.ru", "Юг").await;

    let snapshot = || async {
        let client = app.db.client().await;
        client
            .query_one(
                "SELECT (SELECT row_to_json(p)::text FROM projects p WHERE p.id = $1)
                        || (SELECT row_to_json(b)::text FROM buildings b WHERE b.id = $2)
                        || (SELECT row_to_json(a)::text FROM apartments a WHERE a.id = $3)
                        || (SELECT count(*)::text FROM buildings WHERE project_id = $1)
                        || (SELECT count(*)::text FROM apartments WHERE building_id = $2)",
                &[&project, &building, &apartment],
            )
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    let before = snapshot().await;

    let attempts = [
        (
            reqwest::Method::PATCH,
            format!("/projects/{project}"),
            json!({"name": "Захват"}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/projects/{project}"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/projects/{project}/buildings"),
            json!({"name": "Чужой корпус", "floors": 5}),
        ),
        (
            reqwest::Method::PATCH,
            format!("/buildings/{building}"),
            json!({"floors": 3}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/buildings/{building}"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/buildings/{building}/apartments"),
            json!({"code": "X-1", "floor": 1, "rooms": 1, "area_total": "30", "base_price": "5000000"}),
        ),
        (
            reqwest::Method::PATCH,
            format!("/apartments/{apartment}"),
            json!({"rooms": 3}),
        ),
        (
            reqwest::Method::PATCH,
            format!("/apartments/{apartment}/price"),
            json!({"price": "1000000"}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/apartments/{apartment}"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/apartments/{apartment}/submit"),
            json!({}),
        ),
    ];
    for (method, path, body) in attempts {
        let mut request = app.request(method.clone(), &path, Some(&stranger));
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{method} {path} by another company"
        );
    }
    assert_eq!(snapshot().await, before, "the owner's rows are unchanged");

    let response = app.get_with("/cabinet/apartments", Some(&stranger)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["total"], 0, "another company's cabinet: {page}");
    let response = app
        .get_with(
            &format!("/cabinet/apartments?developer_id={}", stranger_company - 1),
            Some(&stranger),
        )
        .await;
    if response.status() == StatusCode::OK {
        let page: Value = response.json().await.unwrap();
        assert_eq!(
            page["total"], 0,
            "a foreign developer_id filter shows nothing: {page}"
        );
    } else {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
}

#[tokio::test]
async fn concurrent_bulk_uploads_of_the_same_new_codes_do_not_deadlock() {
    let Cabinet {
        app,
        token,
        company,
        building,
        ..
    } = cabinet().await;
    let path = format!("/developers/{company}/apartments:bulk");
    for round in 0..3 {
        let rows: Vec<Value> = (0..300)
            .map(|index| row(building, &format!("C{round}-{index:04}"), 1, "5000000"))
            .collect();
        let reversed: Vec<Value> = rows.iter().rev().cloned().collect();
        let responses = send_concurrently(vec![
            app.request(reqwest::Method::PUT, &path, Some(&token))
                .json(&json!({"apartments": rows})),
            app.request(reqwest::Method::PUT, &path, Some(&token))
                .json(&json!({"apartments": reversed})),
        ])
        .await;
        let mut created = 0;
        for response in responses {
            assert_eq!(response.status(), StatusCode::OK, "round {round}");
            let result: Value = response.json().await.unwrap();
            created += result["created"].as_array().unwrap().len();
        }
        assert_eq!(created, 300, "each new code is created exactly once");
    }
}

#[tokio::test]
async fn bulk_rejects_control_characters_naming_the_row_and_field() {
    let Cabinet {
        app,
        token,
        company,
        building,
        ..
    } = cabinet().await;
    let mut rows: Vec<Value> = (0..4_001)
        .map(|index| row(building, &format!("N{index:05}"), 1, "5000000"))
        .collect();
    rows[4_000]["code"] = json!("N\u{0}4000");
    rows[3_999]["layout_image_url"] = json!("https://cdn.sever.ru/\u{0}.png");
    let response = app
        .put_json(
            &format!("/developers/{company}/apartments:bulk"),
            Some(&token),
            &json!({"apartments": rows}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(response).await,
        ["apartments[3999].layout_image_url", "apartments[4000].code"]
    );
    let written: i64 = app
        .db
        .scalar("SELECT count(*) FROM apartments WHERE code LIKE 'N%'", &[])
        .await;
    assert_eq!(written, 0, "nothing is half-applied");
}

#[tokio::test]
async fn bulk_keeps_the_price_of_a_sold_apartment_like_patch_does() {
    let Cabinet {
        app,
        token,
        company,
        building,
        ..
    } = cabinet().await;
    let path = format!("/developers/{company}/apartments:bulk");
    let mut sold = row(building, "S1", 1, "5000000");
    sold["status"] = json!("sold");
    let response = app
        .put_json(&path, Some(&token), &json!({"apartments": [sold.clone()]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    sold["current_price"] = json!("4000000");
    let response = app
        .put_json(
            &path,
            Some(&token),
            &json!({"apartments": [row(building, "S2", 1, "5000000"), sold]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(response).await,
        ["apartments[1].current_price"]
    );
    let prices: Vec<String> = app
        .db
        .column(
            "SELECT code || ':' || current_price::text FROM apartments WHERE code IN ('S1', 'S2') ORDER BY code",
            &[],
        )
        .await;
    assert_eq!(prices, ["S1:5000000.00"], "nothing is applied, S2 included");
}

#[tokio::test]
async fn a_malformed_id_in_a_catalog_path_is_a_problem_json_field_error() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@assoc.ru").await;
    for path in [
        "/projects/abc",
        "/apartments/abc",
        "/apartments/99999999999999999999/pricing",
        "/developers/abc",
        "/buildings/abc",
    ] {
        let method = if path.starts_with("/buildings") {
            reqwest::Method::DELETE
        } else {
            reqwest::Method::GET
        };
        let response = app
            .request(method, path, Some(&moderator))
            .send()
            .await
            .unwrap();
        let problem = Problem::read(response).await;
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(problem.content_type, PROBLEM_JSON, "{path}");
        assert_eq!(problem.fields(), ["id"], "{path}");
    }
}
