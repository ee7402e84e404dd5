use crate::helpers::catalog::seed;
use crate::helpers::{error_fields, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn project_body(developer_id: i64) -> Value {
    json!({
        "developer_id": developer_id,
        "name": "ЖК «Северный парк»",
        "city": "Москва",
        "region_code": "ru-mow",
        "address": "ул. Лесная, 5",
        "latitude": 55.75,
        "longitude": 37.62,
        "class": "comfort",
        "commissioning_date": "2027-06-30",
        "description": "Квартал у парка",
    })
}

#[tokio::test]
async fn a_project_is_public_only_after_moderation_of_it_and_its_company() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("dev@sever.ru", "Север").await;
    let moderator = app.create_moderator("moderator@assoc.ru").await;

    let mut bad = project_body(company);
    bad["region_code"] = json!("RU-XXX");
    bad["latitude"] = json!(48.85);
    bad["longitude"] = json!(2.35);
    bad["cover_image_url"] = json!("ftp://x");
    bad["commissioning_date"] = json!("1990-01-01");
    let response = app.post_json("/projects", Some(&token), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(response).await,
        [
            "region_code",
            "longitude",
            "commissioning_date",
            "cover_image_url"
        ]
    );

    let response = app
        .post_json("/projects", Some(&token), &project_body(company))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let project: Value = response.json().await.unwrap();
    let id = project["id"].as_i64().unwrap();
    assert_eq!(project["moderation_status"], "draft");
    assert_eq!(project["region_code"], "RU-MOW");
    assert_eq!(project["longitude"], 37.62);

    let path = format!("/projects/{id}");
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    let list: Value = app.get("/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 0);

    let (stranger, _) = app.developer_with_company("dev@other.ru", "Другой").await;
    let response = app
        .patch_json(&path, Some(&stranger), &json!({"name": "Чужой"}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let buyer = app.register_buyer("buyer@mail.ru").await;
    let response = app
        .post_json("/projects", Some(&buyer), &project_body(company))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let submit = format!("/projects/{id}/submit");
    let response = app.post_json(&submit, Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.post_json(&submit, Some(&token), &json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    let moderation = format!("/projects/{id}/moderation");
    let response = app
        .post_json(&moderation, Some(&token), &json!({"decision": "publish"}))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(error_fields(response).await, ["comment"]);
    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "reject", "comment": "Нет фотографий"}),
        )
        .await;
    let rejected: Value = response.json().await.unwrap();
    assert_eq!(rejected["moderation_status"], "rejected");
    assert_eq!(rejected["moderation_comment"], "Нет фотографий");
    app.post_json(&submit, Some(&token), &json!({})).await;
    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "publish"}),
        )
        .await;
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["moderation_status"], "published");
    assert!(published["published_at"].is_string());

    // The company itself is still unverified: its project stays hidden.
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    let response = app
        .post_json(
            &format!("/developers/{company}/moderation"),
            Some(&moderator),
            &json!({"decision": "verify"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(card["name"], "ЖК «Северный парк»");
    assert_eq!(card["moderation_comment"], Value::Null);
    let list: Value = app.get("/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 1);

    // An edit by the developer sends the project back to review and out of the catalog.
    let response = app
        .patch_json(
            &path,
            Some(&token),
            &json!({"description": "Новое описание"}),
        )
        .await;
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["moderation_status"], "pending_review");
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn buildings_media_and_the_full_card() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("dev@sever.ru", "Север").await;
    let project: Value = app
        .post_json("/projects", Some(&token), &project_body(company))
        .await
        .json()
        .await
        .unwrap();
    let id = project["id"].as_i64().unwrap();
    let buildings = format!("/projects/{id}/buildings");
    let response = app
        .post_json(
            &buildings,
            Some(&token),
            &json!({"name": "Корпус 1", "floors": 0, "commissioning_quarter": 5, "commissioning_year": 2027}),
        )
        .await;
    assert_eq!(
        error_fields(response).await,
        ["floors", "commissioning_quarter"]
    );
    let response = app
        .post_json(
            &buildings,
            Some(&token),
            &json!({"name": "Корпус 1", "floors": 12, "commissioning_quarter": 4, "commissioning_year": 2027}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let building: Value = response.json().await.unwrap();
    let building_id = building["id"].as_i64().unwrap();
    let apartment: Value = app
        .post_json(
            &format!("/buildings/{building_id}/apartments"),
            Some(&token),
            &json!({"code": "1-101", "floor": 10, "rooms": 1, "area_total": "40.5", "base_price": "7000000"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let apartment_id = apartment["id"].as_i64().unwrap();

    // Floors cannot go below an existing apartment.
    let response = app
        .patch_json(
            &format!("/buildings/{building_id}"),
            Some(&token),
            &json!({"floors": 9}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["floors"]);

    let media = format!("/projects/{id}/media");
    let response = app
        .put_json(
            &media,
            Some(&token),
            &json!({"items": [
                {"kind": "photo", "url": "https://cdn.sever.ru/1.jpg", "title": "Двор"},
                {"kind": "layout", "url": "https://cdn.sever.ru/l.png"},
            ]}),
        )
        .await;
    assert_eq!(error_fields(response).await, ["items[1].apartment_id"]);
    let response = app
        .put_json(&media, Some(&token), &json!({"items": [
            {"kind": "photo", "url": "https://cdn.sever.ru/1.jpg", "title": "Двор"},
            {"kind": "photo", "url": "https://cdn.sever.ru/2.jpg"},
            {"kind": "tour_3d", "url": "https://avalin.ru/tour/sever"},
            {"kind": "layout", "url": "https://cdn.sever.ru/l.png", "apartment_id": apartment_id},
        ]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Value = response.json().await.unwrap();
    let media_items = card["media"].as_array().unwrap();
    assert_eq!(media_items.len(), 4);
    let photos: Vec<(&str, i64)> = media_items
        .iter()
        .filter(|item| item["kind"] == "photo")
        .map(|item| {
            (
                item["url"].as_str().unwrap(),
                item["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        photos,
        [
            ("https://cdn.sever.ru/1.jpg", 0),
            ("https://cdn.sever.ru/2.jpg", 1)
        ]
    );
    assert_eq!(card["buildings"][0]["commissioning_quarter"], 4);
    assert_eq!(card["developer"]["id"], company);

    // A project with buildings cannot be deleted; an empty building can.
    let response = app
        .delete_with(&format!("/projects/{id}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = app
        .delete_with(&format!("/apartments/{apartment_id}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .delete_with(&format!("/buildings/{building_id}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_project_list_aggregates_apartments_under_the_filters() {
    let app = TestApp::spawn().await;
    let catalog = seed(&app.db).await;
    let list: Value = app.get("/projects?sort=price").await.json().await.unwrap();
    assert_eq!(list["total"], 3);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P2", "P1", "P5"]);
    let p1 = &list["items"][1];
    assert_eq!(p1["apartments_on_sale"], 3);
    assert_eq!(p1["min_price"], "8000000.00");
    assert_eq!(p1["max_price"], "12000000.00");
    assert_eq!(p1["min_price_per_m2"], "180000.00");
    assert_eq!(
        p1["rooms"],
        json!([
            {"rooms": 1, "apartments": 1, "min_price": "8000000.00", "max_price": "8000000.00",
             "min_area": "40.00", "max_area": "40.00", "min_price_per_m2": "200000.00",
             "min_final_price": "8000000.00"},
            {"rooms": 2, "apartments": 2, "min_price": "9900000.00", "max_price": "12000000.00",
             "min_area": "55.00", "max_area": "60.00", "min_price_per_m2": "180000.00",
             "min_final_price": "9900000.00"},
        ])
    );
    let studios: Value = app.get("/projects?rooms=0").await.json().await.unwrap();
    assert_eq!(studios["total"], 1);
    assert_eq!(studios["items"][0]["name"], "P2");
    assert_eq!(studios["items"][0]["apartments_on_sale"], 1);
    let moscow: Value = app
        .get("/projects?region=RU-MOW&sort=-commissioning&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moscow["total"], 2);
    assert_eq!(moscow["items"][0]["name"], "P5");

    let card: Value = app
        .get(&format!("/projects/{}", catalog.id("P1")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(card["apartments_on_sale"], 3);
    assert_eq!(card["buildings"][0]["apartments_on_sale"], 3);
    assert_eq!(card["developer"]["name"], "Девелопер Один");
    for hidden in ["P3", "P4"] {
        let response = app.get(&format!("/projects/{}", catalog.id(hidden))).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{hidden}");
    }
    let response = app.get("/projects?limit=500").await;
    assert_eq!(error_fields(response).await, ["limit"]);
}

#[tokio::test]
async fn the_public_card_hides_layouts_of_unpublished_apartments() {
    let app = TestApp::spawn().await;
    let catalog = seed(&app.db).await;
    let project = catalog.id("P1");
    app.db
        .execute(
            "INSERT INTO project_media (project_id, apartment_id, kind, url, position)
             VALUES ($1, $2, 'layout', 'https://cdn.example.ru/a1.png', 0),
                    ($1, $3, 'layout', 'https://cdn.example.ru/a5-draft.png', 1),
                    ($1, NULL, 'photo', 'https://cdn.example.ru/facade.jpg', 0)",
            &[&project, &catalog.id("a1"), &catalog.id("a5")],
        )
        .await;
    let card: Value = app
        .get(&format!("/projects/{project}"))
        .await
        .json()
        .await
        .unwrap();
    let urls: Vec<&str> = card["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://cdn.example.ru/facade.jpg",
            "https://cdn.example.ru/a1.png"
        ],
        "the draft apartment a5 and its layout stay hidden"
    );
}
