//! Favourites: idempotent add and remove for buyers, the list, and the `favourite` interest event.

use crate::helpers::{send_concurrently, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn favourite_events(app: &TestApp, apartment_id: i64) -> i64 {
    app.db
        .scalar(
            "SELECT count(*) FROM views_log WHERE apartment_id = $1 AND event = 'favourite'",
            &[&apartment_id],
        )
        .await
}

#[tokio::test]
async fn a_buyer_adds_lists_and_removes_favourites_idempotently() {
    let app = TestApp::spawn().await;
    let (developer, developer_id) = app
        .developer_with_company("owner@fav.ru", "ГК Избранное")
        .await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    let draft = app.insert_catalog(developer_id).await;
    let (_, buyer) = app.quick_buyer("buyer@fav.ru").await;
    let path = format!("/apartments/{}/favourite", rows.apartment_id);

    let first = app
        .request(Method::PUT, &path, Some(&buyer))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["added"], true);
    let again: Value = app
        .request(Method::PUT, &path, Some(&buyer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["added"], false);
    assert_eq!(again["added_at"], first["added_at"]);
    assert_eq!(favourite_events(&app, rows.apartment_id).await, 1);

    let list: Value = app
        .get_with("/me/favourites", Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let list = &list["items"];
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["apartment_id"], rows.apartment_id);
    assert_eq!(list[0]["project_name"], "ЖК Тестовый");
    assert_eq!(list[0]["current_price"], "9300000.00");

    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    let favourites_24h: i32 = app
        .db
        .scalar(
            "SELECT favourites_24h FROM apartment_stats WHERE apartment_id = $1",
            &[&rows.apartment_id],
        )
        .await;
    assert_eq!(favourites_24h, 1);

    for _ in 0..2 {
        let removed = app.delete_with(&path, Some(&buyer)).await;
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    }
    let list: Value = app
        .get_with("/me/favourites", Some(&buyer))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    // Re-adding within the dedup window does not count twice.
    app.request(Method::PUT, &path, Some(&buyer))
        .send()
        .await
        .unwrap();
    assert_eq!(favourite_events(&app, rows.apartment_id).await, 1);

    let to_draft = app
        .request(
            Method::PUT,
            &format!("/apartments/{}/favourite", draft.apartment_id),
            Some(&buyer),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(to_draft.status(), StatusCode::NOT_FOUND);
    let unknown = app
        .request(Method::PUT, "/apartments/999999/favourite", Some(&buyer))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let as_developer = app
        .request(Method::PUT, &path, Some(&developer))
        .send()
        .await
        .unwrap();
    assert_eq!(as_developer.status(), StatusCode::FORBIDDEN);
    let anonymous = app.request(Method::PUT, &path, None).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let big_page = app.get_with("/me/favourites?limit=201", Some(&buyer)).await;
    assert_eq!(big_page.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn concurrent_adds_of_the_same_favourite_all_succeed_and_add_once() {
    let app = TestApp::spawn().await;
    let (_, developer_id) = app
        .developer_with_company("owner@favrace.ru", "ГК Гонка")
        .await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    let (_, buyer) = app.quick_buyer("buyer@favrace.ru").await;
    let path = format!("/apartments/{}/favourite", rows.apartment_id);
    let requests = (0..20)
        .map(|_| app.request(Method::PUT, &path, Some(&buyer)))
        .collect();
    let responses = send_concurrently(requests).await;
    let mut added = 0;
    let mut dates = std::collections::HashSet::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        if body["added"] == true {
            added += 1;
        }
        dates.insert(body["added_at"].to_string());
    }
    assert_eq!(added, 1, "exactly one request adds the favourite");
    assert_eq!(dates.len(), 1, "every answer carries the same date");
    assert_eq!(favourite_events(&app, rows.apartment_id).await, 1);
}
