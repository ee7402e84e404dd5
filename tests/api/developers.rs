use crate::helpers::{error_fields, random_inn, random_ogrn, TestApp, TEST_PASSWORD};
use nedvizhimost::auth::{
    apartment_of_company, apartment_of_company_for_update, building_of_company, project_of_company,
    CurrentUser, Role,
};
use nedvizhimost::error::AppError;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every column of the row as JSON text, to prove that nothing changed.
async fn snapshot(app: &TestApp, table: &str, id: i64) -> String {
    app.db
        .scalar(
            &format!("SELECT row_to_json(t)::text FROM {table} t WHERE id = $1"),
            &[&id],
        )
        .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db.scalar(sql, &[]).await
}

#[tokio::test]
async fn a_buyer_registers_a_company_and_becomes_its_owner() {
    let app = TestApp::spawn().await;
    let token = app.register_buyer("founder@primer-dev.ru").await;
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &json!({
                "name": "ГК «Пример»",
                "legal_name": "ПАО Сбербанк",
                "inn": "7707083893",
                "ogrn": "1027700132195",
                "website": "https://primer-dev.ru",
                "logo_url": "https://primer-dev.ru/logo.svg",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let company: Value = response.json().await.unwrap();
    assert_eq!(company["verified"], false);
    assert_eq!(company["moderation_status"], "pending_review");
    assert_eq!(company["inn"], "7707083893");

    let me: Value = app
        .get_with("/auth/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "developer");
    assert_eq!(
        me["companies"],
        json!([{"developer_id": company["id"], "name": "ГК «Пример»", "company_role": "owner", "verified": false}])
    );
    let id = company["id"].as_i64().unwrap();
    let response = app
        .get_with(&format!("/developers/{id}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get_with("/developers", Some(&token)).await;
    let mine: Value = response.json().await.unwrap();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // A refreshed access token carries the new role and company in its claims.
    let response = app.login("founder@primer-dev.ru", TEST_PASSWORD).await;
    let tokens: Value = response.json().await.unwrap();
    let payload = tokens["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["role"], "developer");
    assert_eq!(claims["developer_ids"], json!([id]));
    assert_eq!(claims["typ"], "access");
    for claim in ["iss", "aud", "exp", "iat", "jti", "sub"] {
        assert!(!claims[claim].is_null(), "{claim}");
    }
}

#[tokio::test]
async fn inn_and_ogrn_are_checked_by_checksum() {
    let app = TestApp::spawn().await;
    let token = app.register_buyer("checker@example.ru").await;
    let company = |inn: &str, ogrn: &str| json!({"name": "Проверка", "legal_name": "ООО «Проверка»", "inn": inn, "ogrn": ogrn});
    for (inn, ogrn, fields) in [
        ("7707083894", "1027700132195", vec!["inn"]),
        ("7707083893", "1027700132196", vec!["ogrn"]),
        ("77070838", "10277001321", vec!["inn", "ogrn"]),
        ("500100732259", "1027700132195", vec!["ogrn"]),
    ] {
        let response = app
            .post_json("/developers", Some(&token), &company(inn, ogrn))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{inn} {ogrn}"
        );
        assert_eq!(error_fields(response).await, fields, "{inn} {ogrn}");
    }
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &company("500100732259", "304500116000157"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "ИП: 12 + 15 digits");
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &company("500100732259", &random_ogrn()),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &json!({"name": "Дубль", "legal_name": "ИП Дубль", "inn": "500100732259", "ogrn": "304500116000157"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_fields(response).await, ["inn"]);
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &json!({"name": "Сайт", "legal_name": "ООО «Сайт»", "inn": random_inn(), "ogrn": random_ogrn(), "website": "ftp://x.ru"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["website"]);
}

#[tokio::test]
async fn another_companys_card_and_members_answer_404_and_stay_unchanged() {
    let app = TestApp::spawn().await;
    let (token_a, _company_a) = app.developer_with_company("a@a-dev.ru", "Компания А").await;
    let (token_b, company_b) = app.developer_with_company("b@b-dev.ru", "Компания Б").await;
    let owner_b = app.user_id("b@b-dev.ru").await;
    let before = snapshot(&app, "developers", company_b).await;

    let path = format!("/developers/{company_b}");
    assert_eq!(
        app.get_with(&path, Some(&token_a)).await.status(),
        StatusCode::NOT_FOUND,
        "an unverified company of someone else is invisible"
    );
    let response = app
        .patch_json(&path, Some(&token_a), &json!({"name": "Захвачено"}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let members = format!("{path}/members");
    assert_eq!(
        app.get_with(&members, Some(&token_a)).await.status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .post_json(
            &members,
            Some(&token_a),
            &json!({"email": "a@a-dev.ru", "company_role": "owner"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete_with(&format!("{members}/{owner_b}"), Some(&token_a))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch_json("/developers/999999", Some(&token_a), &json!({"name": "x"}))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "missing and foreign look the same"
    );

    assert_eq!(snapshot(&app, "developers", company_b).await, before);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM developer_members WHERE developer_id = {company_b}")
        )
        .await,
        1
    );
    assert_eq!(
        app.get_with(&path, Some(&token_b)).await.status(),
        StatusCode::OK
    );
}

fn caller(id: i64, role: Role, developer_ids: Vec<i64>) -> CurrentUser {
    CurrentUser {
        id,
        role,
        developer_ids,
    }
}

#[tokio::test]
async fn ownership_helpers_hide_another_companys_objects() {
    let app = TestApp::spawn().await;
    let (_, company_a) = app.developer_with_company("a@a-dev.ru", "Компания А").await;
    let (_, company_b) = app.developer_with_company("b@b-dev.ru", "Компания Б").await;
    let rows_b = app.insert_catalog(company_b).await;
    let client = app.db.client().await;

    let developer_a = caller(1, Role::Developer, vec![company_a]);
    let developer_b = caller(2, Role::Developer, vec![company_b]);
    let moderator = caller(3, Role::Moderator, vec![]);
    let buyer = caller(4, Role::Buyer, vec![company_b]);

    assert!(matches!(
        project_of_company(&client, &developer_a, rows_b.project_id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        building_of_company(&client, &developer_a, rows_b.building_id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        apartment_of_company(&client, &developer_a, rows_b.apartment_id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        apartment_of_company(&client, &developer_a, 999_999).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        project_of_company(&client, &buyer, rows_b.project_id).await,
        Err(AppError::Forbidden(_))
    ));

    for user in [&developer_b, &moderator] {
        let project = project_of_company(&client, user, rows_b.project_id)
            .await
            .unwrap();
        assert_eq!(project.developer_id, company_b);
        let building = building_of_company(&client, user, rows_b.building_id)
            .await
            .unwrap();
        assert_eq!(
            (building.project_id, building.developer_id),
            (rows_b.project_id, company_b)
        );
        let apartment = apartment_of_company(&client, user, rows_b.apartment_id)
            .await
            .unwrap();
        assert_eq!(apartment.building_id, rows_b.building_id);
        assert_eq!(apartment.developer_id, company_b);
    }

    let mut client = client;
    let transaction = client.transaction().await.unwrap();
    let locked = apartment_of_company_for_update(&transaction, &developer_b, rows_b.apartment_id)
        .await
        .unwrap();
    assert_eq!(locked.status, "available");
    transaction.rollback().await.unwrap();
}

async fn set_price(
    app: &TestApp,
    token: &str,
    apartment_id: i64,
    body: Value,
) -> reqwest::Response {
    app.patch_json(
        &format!("/apartments/{apartment_id}/price"),
        Some(token),
        &body,
    )
    .await
}

#[tokio::test]
async fn another_companys_apartment_price_answers_404_and_stays_unchanged() {
    let app = TestApp::spawn().await;
    let (token_a, _) = app.developer_with_company("a@a-dev.ru", "Компания А").await;
    let (_, company_b) = app.developer_with_company("b@b-dev.ru", "Компания Б").await;
    let rows_b = app.insert_catalog(company_b).await;
    let apartment_before = snapshot(&app, "apartments", rows_b.apartment_id).await;
    let project_before = snapshot(&app, "projects", rows_b.project_id).await;
    let building_before = snapshot(&app, "buildings", rows_b.building_id).await;

    let response = set_price(
        &app,
        &token_a,
        rows_b.apartment_id,
        json!({"price": "1.00"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let missing = set_price(&app, &token_a, 999_999, json!({"price": "1.00"})).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let foreign: Value = response.json().await.unwrap();
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(
        foreign, missing,
        "a foreign apartment looks exactly like a missing one"
    );

    assert_eq!(
        snapshot(&app, "apartments", rows_b.apartment_id).await,
        apartment_before
    );
    assert_eq!(
        snapshot(&app, "projects", rows_b.project_id).await,
        project_before
    );
    assert_eq!(
        snapshot(&app, "buildings", rows_b.building_id).await,
        building_before
    );
    assert_eq!(count(&app, "SELECT count(*) FROM price_history").await, 0);
}

#[tokio::test]
async fn staff_set_a_manual_price_recorded_in_price_history() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("owner@dev.ru", "Компания").await;
    let rows = app.insert_catalog(company).await;

    for (price, case) in [
        (json!("0"), "zero"),
        (json!(-5), "negative"),
        (json!("100.005"), "three decimals"),
        (json!("abc"), "not a number"),
    ] {
        let response = set_price(&app, &token, rows.apartment_id, json!({"price": price})).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
        assert_eq!(error_fields(response).await, ["price"], "{case}");
    }

    let response = set_price(
        &app,
        &token,
        rows.apartment_id,
        json!({"price": 9_600_000, "comment": "Старт продаж корпуса 2"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["old_price"], "9300000.00");
    assert_eq!(body["current_price"], "9600000.00");
    assert_eq!(body["changed"], true);
    assert_eq!(
        body["explanation"],
        "Цена изменена вручную (+3,2 %): Старт продаж корпуса 2"
    );

    let owner_id = app.user_id("owner@dev.ru").await;
    let history = app
        .db
        .client()
        .await
        .query_one(
            "SELECT reason::text, changed_by, old_price::text, new_price::text FROM price_history WHERE apartment_id = $1",
            &[&rows.apartment_id],
        )
        .await
        .unwrap();
    assert_eq!(history.get::<_, String>(0), "manual");
    assert_eq!(history.get::<_, Option<i64>>(1), Some(owner_id));
    assert_eq!(history.get::<_, String>(2), "9300000.00");
    assert_eq!(history.get::<_, String>(3), "9600000.00");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'apartment.price_manual'"
        )
        .await,
        1
    );

    let response = set_price(&app, &token, rows.apartment_id, json!({"price": "9600000"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["changed"], false);
    assert_eq!(count(&app, "SELECT count(*) FROM price_history").await, 1);

    let moderator = app.create_moderator("moderator@assoc.ru").await;
    let response = set_price(
        &app,
        &moderator,
        rows.apartment_id,
        json!({"price": "9500000.50"}),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a moderator may change any price"
    );

    app.db
        .execute(
            "UPDATE apartments SET status = 'sold' WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    let response = set_price(&app, &token, rows.apartment_id, json!({"price": "1"})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn buyers_get_403_on_developer_and_moderator_endpoints() {
    let app = TestApp::spawn().await;
    let (_, company) = app.developer_with_company("owner@dev.ru", "Компания").await;
    let rows = app.insert_catalog(company).await;
    let buyer = app.register_buyer("buyer@example.ru").await;
    let before = snapshot(&app, "apartments", rows.apartment_id).await;

    let forbidden = [
        set_price(&app, &buyer, rows.apartment_id, json!({"price": "1"})).await,
        app.get_with("/developers", Some(&buyer)).await,
        app.get_with(&format!("/developers/{company}/members"), Some(&buyer))
            .await,
        app.patch_json(
            &format!("/developers/{company}"),
            Some(&buyer),
            &json!({"name": "x"}),
        )
        .await,
        app.post_json(
            &format!("/developers/{company}/moderation"),
            Some(&buyer),
            &json!({"decision": "verify"}),
        )
        .await,
        app.post_json(
            "/auth/moderators",
            Some(&buyer),
            &json!({"email": "buyer@example.ru"}),
        )
        .await,
    ];
    for (index, response) in forbidden.into_iter().enumerate() {
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "call #{index}");
    }
    assert_eq!(
        snapshot(&app, "apartments", rows.apartment_id).await,
        before
    );

    let (developer, _) = app.developer_with_company("other@dev.ru", "Другая").await;
    let response = app
        .post_json(
            &format!("/developers/{company}/moderation"),
            Some(&developer),
            &json!({"decision": "verify"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "developers cannot moderate"
    );
    assert_eq!(
        app.get_with("/auth/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn mass_assignment_is_rejected_and_rows_stay_unchanged() {
    let app = TestApp::spawn().await;
    let (token, company) = app.developer_with_company("owner@dev.ru", "Компания").await;
    let (_, other_company) = app.developer_with_company("other@dev.ru", "Другая").await;
    let rows = app.insert_catalog(company).await;
    let company_before = snapshot(&app, "developers", company).await;
    let apartment_before = snapshot(&app, "apartments", rows.apartment_id).await;

    let path = format!("/developers/{company}");
    for (field, value) in [
        ("verified", json!(true)),
        ("moderation_status", json!("published")),
        ("moderated_by", json!(1)),
        ("id", json!(other_company)),
    ] {
        let response = app
            .patch_json(
                &path,
                Some(&token),
                &json!({"name": "Новое имя", field: value}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        assert_eq!(error_fields(response).await, [field]);
    }
    assert_eq!(snapshot(&app, "developers", company).await, company_before);

    for (field, value) in [
        ("base_price", json!("1")),
        ("developer_id", json!(other_company)),
        ("status", json!("sold")),
    ] {
        let response = set_price(
            &app,
            &token,
            rows.apartment_id,
            json!({"price": "9400000", field: value}),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        assert_eq!(error_fields(response).await, [field]);
    }
    assert_eq!(
        snapshot(&app, "apartments", rows.apartment_id).await,
        apartment_before
    );

    let companies_before = count(&app, "SELECT count(*) FROM developers").await;
    let response = app
        .post_json(
            "/developers",
            Some(&token),
            &json!({"name": "Сразу проверенная", "legal_name": "ООО «Хитрое»", "inn": random_inn(),
                    "ogrn": random_ogrn(), "verified": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["verified"]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM developers").await,
        companies_before
    );

    let response = app
        .post_json(
            &format!("{path}/members"),
            Some(&token),
            &json!({"email": "other@dev.ru", "company_role": "owner", "developer_id": other_company}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_moderator_verifies_or_rejects_a_company() {
    let app = TestApp::spawn().await;
    let (owner, company) = app.developer_with_company("owner@dev.ru", "Компания").await;
    let moderator = app.create_moderator("moderator@assoc.ru").await;
    let path = format!("/developers/{company}");
    let moderation = format!("{path}/moderation");

    let queue: Value = app
        .get_with(
            "/developers?moderation_status=pending_review",
            Some(&moderator),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    assert_eq!(queue["total"], 1);

    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(response).await, ["comment"]);
    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "reject", "comment": "ОГРН не совпадает с выпиской"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rejected: Value = response.json().await.unwrap();
    assert_eq!(rejected["moderation_status"], "rejected");
    assert_eq!(rejected["verified"], false);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_with(&path, Some("expired-or-broken"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "a broken token on a public endpoint asks the client to refresh"
    );

    let response = app
        .post_json(
            &moderation,
            Some(&moderator),
            &json!({"decision": "verify"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let verified: Value = response.json().await.unwrap();
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["moderation_status"], "published");
    let public: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(public["name"], "Компания");
    assert_eq!(public["moderation_comment"], Value::Null);
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log WHERE action IN ('developer.verify', 'developer.reject')").await,
        2
    );

    let response = app
        .patch_json(
            &path,
            Some(&owner),
            &json!({"website": "https://new-site.ru"}),
        )
        .await;
    let card: Value = response.json().await.unwrap();
    assert_eq!(
        card["verified"], true,
        "a cosmetic change keeps the verification"
    );
    let response = app
        .patch_json(
            &path,
            Some(&owner),
            &json!({"legal_name": "АО «Новое лицо»"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let card: Value = response.json().await.unwrap();
    assert_eq!(
        card["verified"], false,
        "a new legal identity needs a new check"
    );
    assert_eq!(card["moderation_status"], "pending_review");
    assert_eq!(
        app.post_json(
            "/developers/999999/moderation",
            Some(&moderator),
            &json!({"decision": "verify"})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .post_json(
            "/developers",
            Some(&moderator),
            &json!({"name": "М", "legal_name": "М", "inn": random_inn(), "ogrn": random_ogrn()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn owners_invite_and_remove_members() {
    let app = TestApp::spawn().await;
    let (owner, company) = app.developer_with_company("owner@dev.ru", "Компания").await;
    let rows = app.insert_catalog(company).await;
    let manager = app.register_buyer("manager@dev.ru").await;
    let members = format!("/developers/{company}/members");

    assert_eq!(
        set_price(
            &app,
            &manager,
            rows.apartment_id,
            json!({"price": "9400000"})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN,
        "a buyer before the invitation"
    );
    let response = app
        .post_json(
            &members,
            Some(&owner),
            &json!({"email": "Manager@dev.ru", "company_role": "manager"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let member: Value = response.json().await.unwrap();
    assert_eq!(member["company_role"], "manager");
    let manager_id = member["user_id"].as_i64().unwrap();

    // The same token works at once: role and companies are read on every request.
    assert_eq!(
        set_price(
            &app,
            &manager,
            rows.apartment_id,
            json!({"price": "9400000"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let response = app
        .post_json(
            &members,
            Some(&manager),
            &json!({"email": "owner@dev.ru", "company_role": "manager"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "managers do not invite"
    );
    assert_eq!(
        app.patch_json(
            &format!("/developers/{company}"),
            Some(&manager),
            &json!({"name": "x"})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = app
        .get_with(&members, Some(&manager))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let duplicate = app
        .post_json(
            &members,
            Some(&owner),
            &json!({"email": "manager@dev.ru", "company_role": "owner"}),
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let unknown = app
        .post_json(
            &members,
            Some(&owner),
            &json!({"email": "nobody@dev.ru", "company_role": "manager"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.create_moderator("moderator@assoc.ru").await;
    let moderator_member = app
        .post_json(
            &members,
            Some(&owner),
            &json!({"email": "moderator@assoc.ru", "company_role": "manager"}),
        )
        .await;
    assert_eq!(moderator_member.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let owner_id = app.user_id("owner@dev.ru").await;
    assert_eq!(
        app.delete_with(&format!("{members}/{owner_id}"), Some(&owner))
            .await
            .status(),
        StatusCode::CONFLICT,
        "the last owner stays"
    );
    assert_eq!(
        app.delete_with(&format!("{members}/{manager_id}"), Some(&owner))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let before = snapshot(&app, "apartments", rows.apartment_id).await;
    assert_eq!(
        set_price(&app, &manager, rows.apartment_id, json!({"price": "1"}))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a removed member loses access at once"
    );
    assert_eq!(
        snapshot(&app, "apartments", rows.apartment_id).await,
        before
    );
}
