//! The pricing REST API over real HTTP: configuration with scopes and ceilings, runs, history, rollback.

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::{Problem, TestApp, PROBLEM_JSON};
use serde_json::{json, Value};

struct Market {
    app: TestApp,
    moderator: String,
    developer: String,
    developer_id: i64,
    project_id: i64,
    other_project_id: i64,
    hot: i64,
    cold: i64,
    other_apartment: i64,
}

/// A developer company with one project of ten apartments (one hot, one cold) and a second company.
async fn market() -> Market {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@example.ru").await;
    let (developer, developer_id) = app.developer_with_company("owner@a.example", "ГК А").await;
    let (_, other_developer_id) = app.developer_with_company("owner@b.example", "ГК Б").await;
    let client = app.db.client().await;
    let (project_id, building_id) = fixtures::project(&**client, developer_id, "ЖК А").await;
    let mut ids = Vec::new();
    for views in [40, 0, 10, 10, 10, 10, 10, 10, 10, 10] {
        let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        fixtures::views(&**client, id, views).await;
        ids.push(id);
    }
    let (other_project_id, other_building) =
        fixtures::project(&**client, other_developer_id, "ЖК Б").await;
    let other_apartment =
        fixtures::apartment(&**client, other_building, &ApartmentSpec::default()).await;
    drop(client);
    Market {
        app,
        moderator,
        developer,
        developer_id,
        project_id,
        other_project_id,
        hot: ids[0],
        cold: ids[1],
        other_apartment,
    }
}

async fn put_config(market: &Market, token: &str, body: Value) -> reqwest::Response {
    market
        .app
        .put_json("/pricing/config", Some(token), &body)
        .await
}

async fn problem_field(response: reqwest::Response) -> (u16, String) {
    let problem = Problem::read(response).await;
    assert_eq!(
        problem.content_type, PROBLEM_JSON,
        "errors are problem+json"
    );
    (problem.status.as_u16(), problem.first_field().to_owned())
}

async fn config_versions(market: &Market) -> i64 {
    market
        .app
        .db
        .scalar("SELECT count(*) FROM dynamic_pricing_config", &[])
        .await
}

#[tokio::test]
async fn moderators_version_the_global_config_and_see_the_ceilings() {
    let market = market().await;
    let overview: Value = market
        .app
        .get_with("/pricing/config", Some(&market.moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["global"]["k1"], "1.300");
    assert_eq!(overview["global"]["cooldown_hours"], 24);
    assert_eq!(overview["ceilings"]["elasticity_cap"], "0.03");

    let response = put_config(
        &market,
        &market.moderator,
        json!({"k1": "1.25", "comment": "тест"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let version: Value = response.json().await.unwrap();
    assert_eq!(version["k1"], "1.250");
    assert_eq!(
        version["k2"], "0.700",
        "omitted fields keep the current values"
    );
    assert_eq!(config_versions(&market).await, 2, "the old version is kept");
    let overview: Value = market
        .app
        .get_with("/pricing/config", Some(&market.moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["global"]["id"], version["id"]);
}

#[tokio::test]
async fn developers_override_only_their_own_projects_within_the_global_limits() {
    let market = market().await;
    let own = put_config(
        &market,
        &market.developer,
        json!({"project_id": market.project_id, "step": "0.02", "k1": "1.2"}),
    )
    .await;
    assert_eq!(own.status(), 201);
    let versions = config_versions(&market).await;

    let foreign = put_config(
        &market,
        &market.developer,
        json!({"project_id": market.other_project_id, "step": "0.01"}),
    )
    .await;
    assert_eq!(foreign.status(), 404);
    let global = put_config(&market, &market.developer, json!({"k1": "2"})).await;
    assert_eq!(global.status(), 403);
    let too_big = put_config(
        &market,
        &market.developer,
        json!({"developer_id": market.developer_id, "max_shift": "0.1"}),
    )
    .await;
    assert_eq!(problem_field(too_big).await, (422, "max_shift".to_owned()));
    let buyer = market.app.register_buyer("buyer@example.ru").await;
    assert_eq!(
        put_config(&market, &buyer, json!({"k1": "2"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        config_versions(&market).await,
        versions,
        "rejected changes write nothing"
    );

    let overview: Value = market
        .app
        .get_with("/pricing/config", Some(&market.developer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["overrides"].as_array().unwrap().len(), 1);
    assert_eq!(overview["overrides"][0]["project_id"], market.project_id);
}

#[tokio::test]
async fn bad_config_input_names_the_field_and_changes_nothing() {
    let market = market().await;
    for (body, field) in [
        (json!({"k1": "1.0", "k2": "1.2"}), "k2"),
        (json!({"k2": "1.5"}), "k2"),
        (json!({"step": "0.9"}), "step"),
        (json!({"k1": "abc"}), "k1"),
        (json!({"cooldown_hours": -1}), "cooldown_hours"),
        (json!({"role": "moderator"}), "role"),
        (json!({"developer_id": 1, "project_id": 1}), "project_id"),
    ] {
        let response = put_config(&market, &market.moderator, body.clone()).await;
        assert_eq!(
            problem_field(response).await,
            (422, field.to_owned()),
            "{body}"
        );
    }
    assert_eq!(config_versions(&market).await, 1);
}

#[tokio::test]
async fn a_run_is_previewed_applied_explained_and_rolled_back() {
    let market = market().await;
    let app = &market.app;
    let preview: Value = app
        .post_json(
            "/pricing/runs",
            Some(&market.moderator),
            &json!({"dry_run": true}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["changed"], 2);
    assert_eq!(preview["run_id"], Value::Null);
    let history: Vec<Value> = app
        .get_with(&format!("/apartments/{}/price-history", market.hot), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(history.is_empty(), "a dry run writes nothing");

    let run: Value = app
        .post_json("/pricing/runs", Some(&market.moderator), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(run["changes"], preview["changes"]);
    assert_eq!(run["decisions"]["raise"], 1);
    assert_eq!(
        run["evaluated"], 11,
        "ten apartments of ЖК А and one of ЖК Б are on sale"
    );
    assert_eq!(
        run["decisions"]["no_median"], 1,
        "ЖК Б's lone quiet apartment has nothing to compare with"
    );
    let run_id = run["run_id"].as_i64().unwrap();

    let history: Vec<Value> = app
        .get_with(&format!("/apartments/{}/price-history", market.hot), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["reason"], "dynamic");
    assert_eq!(history[0]["change_percent"], "3.00");
    assert_eq!(
        history[0]["explanation"],
        "Цена изменилась +3 % из-за высокого спроса (40 просмотров за 24 ч)"
    );

    let runs: Vec<Value> = app
        .get_with("/pricing/runs?limit=5", Some(&market.moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs[0]["id"], run_id);
    assert_eq!(runs[0]["trigger"], "manual");
    assert_eq!(runs[0]["raised"], 1);

    let rollback: Value = app
        .post_json(
            &format!("/pricing/runs/{run_id}/rollback"),
            Some(&market.moderator),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rollback["already_rolled_back"], false);
    assert_eq!(rollback["restored"].as_array().unwrap().len(), 2);
    let client = app.db.client().await;
    for id in [market.hot, market.cold] {
        assert_eq!(
            fixtures::current_price(&**client, id).await,
            fixtures::rub("10000000")
        );
    }
    let again: Value = app
        .post_json(
            &format!("/pricing/runs/{run_id}/rollback"),
            Some(&market.moderator),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["already_rolled_back"], true);
    assert_eq!(again["restored"], json!([]));
    let missing = app
        .post_json(
            "/pricing/runs/999999/rollback",
            Some(&market.moderator),
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn runs_are_for_moderators_only() {
    let market = market().await;
    let response = market
        .app
        .post_json(
            "/pricing/runs",
            Some(&market.developer),
            &json!({"dry_run": true}),
        )
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        market
            .app
            .get_with("/pricing/runs", Some(&market.developer))
            .await
            .status(),
        403
    );
    assert_eq!(
        market.app.get_with("/pricing/runs", None).await.status(),
        401
    );
    let too_long = market
        .app
        .get_with("/pricing/runs?limit=1000", Some(&market.moderator))
        .await;
    assert_eq!(problem_field(too_long).await, (422, "limit".to_owned()));
}

#[tokio::test]
async fn the_apartment_pricing_preview_explains_the_next_pass_to_its_company() {
    let market = market().await;
    let app = &market.app;
    app.db
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await;
    let preview: Value = app
        .get_with(
            &format!("/apartments/{}/pricing", market.hot),
            Some(&market.developer),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["views_24h"], 40);
    assert_eq!(preview["next_decision"], "raise");
    assert_eq!(preview["next_price"], "10300000.00");
    assert_eq!(preview["demand_norm"], "4.0000");

    let manual = app
        .patch_json(
            &format!("/apartments/{}/price", market.hot),
            Some(&market.developer),
            &json!({"price": "10100000.00"}),
        )
        .await;
    assert_eq!(manual.status(), 200);
    let preview: Value = app
        .get_with(
            &format!("/apartments/{}/pricing", market.hot),
            Some(&market.developer),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        preview["next_decision"], "cooldown",
        "a manual change pauses dynamic pricing for 24 h"
    );

    let foreign = app
        .get_with(
            &format!("/apartments/{}/pricing", market.other_apartment),
            Some(&market.developer),
        )
        .await;
    assert_eq!(foreign.status(), 404);
    let buyer = app.register_buyer("buyer@example.ru").await;
    let response = app
        .get_with(&format!("/apartments/{}/pricing", market.hot), Some(&buyer))
        .await;
    assert_eq!(response.status(), 403);
}
