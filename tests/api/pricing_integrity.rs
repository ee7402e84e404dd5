//! Triggers instead of per-row foreign keys on price_history, views_log and view_dedup: the same errors, the same
//! RESTRICT / CASCADE on delete; a real pass keeps every copy of the price in step, and so do the rollback and
//! multi-row edits (row-level copy triggers that the pass and the rollback skip).

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::TestDb;
use nedvizhimost::config::PricingSettings;
use nedvizhimost::pricing::{self, CycleRequest, Trigger};
use rust_decimal::Decimal;
use tokio_postgres::error::SqlState;

async fn one_apartment(db: &TestDb) -> i64 {
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Ссылки").await;
    fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await
}

async fn violated_constraint(db: &TestDb, statement: &str) -> String {
    let error = db
        .client()
        .await
        .batch_execute(statement)
        .await
        .expect_err("the statement must be refused");
    let database_error = error.as_db_error().expect("a database error");
    assert_eq!(database_error.code(), &SqlState::FOREIGN_KEY_VIOLATION);
    database_error.constraint().unwrap_or_default().to_owned()
}

/// Five apartments of one cluster (40, 0, 10, 10 and 10 views) and one real pass over them: the hot one rises, the
/// cold one falls. Returns the building, the apartments in that order and the pass's report.
async fn one_hot_one_cold_after_a_pass(db: &TestDb) -> (i64, Vec<i64>, pricing::CycleReport) {
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Копии").await;
    let mut ids = Vec::new();
    for views in [40, 0, 10, 10, 10] {
        let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        fixtures::views(&**client, id, views).await;
        ids.push(id);
    }
    let mut connection = db.pool.get().await.unwrap();
    let report = pricing::run_cycle(
        &mut connection,
        &PricingSettings::default(),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();
    (building_id, ids, report)
}

/// Every copy of an apartment's price agrees with `apartments`: `apartment_stats` (price, pause, on sale),
/// `catalog_offers` (exactly the apartments on sale, at their price) and the latest `price_history` row.
async fn assert_copies_in_step(client: &tokio_postgres::Client, moment: &str) {
    let row = client
        .query_one(
            "SELECT
                 (SELECT count(*) FROM apartments a JOIN apartment_stats s ON s.apartment_id = a.id
                   WHERE (s.current_price, s.price_changed_at, s.on_sale)
                         IS DISTINCT FROM
                         (a.current_price, a.price_changed_at, a.status = 'available' AND a.moderation_status = 'published')),
                 (SELECT count(*) FROM apartments a FULL JOIN catalog_offers o ON o.apartment_id = a.id
                   WHERE (a.status = 'available' AND a.moderation_status = 'published')
                         IS DISTINCT FROM (o.apartment_id IS NOT NULL)
                      OR (o.apartment_id IS NOT NULL AND o.current_price IS DISTINCT FROM a.current_price)),
                 (SELECT count(*) FROM apartments a
                    JOIN LATERAL (SELECT h.changed_at, h.new_price FROM price_history h WHERE h.apartment_id = a.id
                                   ORDER BY h.id DESC LIMIT 1) latest ON true
                   WHERE a.price_changed_at IS DISTINCT FROM latest.changed_at OR a.current_price <> latest.new_price)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, i64>(0),
        0,
        "{moment}: apartment_stats copies price, pause and on-sale"
    );
    assert_eq!(
        row.get::<_, i64>(1),
        0,
        "{moment}: catalog_offers holds exactly the apartments on sale, at their price"
    );
    assert_eq!(
        row.get::<_, i64>(2),
        0,
        "{moment}: the latest history row is the current price and pause"
    );
}

#[tokio::test]
async fn inserts_pointing_nowhere_fail_with_the_old_constraint_names() {
    let db = TestDb::new().await;
    let apartment_id = one_apartment(&db).await;
    let missing = apartment_id + 1_000;

    assert_eq!(
        violated_constraint(
            &db,
            &format!(
                "INSERT INTO price_history (apartment_id, old_price, new_price, reason)
                 VALUES ({apartment_id}, 100, 101, 'manual'), ({missing}, 100, 101, 'manual')"
            ),
        )
        .await,
        "price_history_apartment_id_fkey"
    );
    assert_eq!(
        violated_constraint(
            &db,
            &format!(
                "INSERT INTO price_history (apartment_id, old_price, new_price, reason, pricing_run_id, views_24h, demand, config_id)
                 VALUES ({apartment_id}, 100, 101, 'dynamic', 424242, 1, 0.5, 1)"
            ),
        )
        .await,
        "price_history_pricing_run_id_fkey"
    );
    assert_eq!(
        violated_constraint(
            &db,
            &format!("INSERT INTO views_log (apartment_id, event, visitor_id) VALUES ({missing}, 'view', 'v1')"),
        )
        .await,
        "views_log_apartment_id_fkey"
    );
    assert_eq!(
        violated_constraint(
            &db,
            &format!(
                "INSERT INTO view_dedup (apartment_id, viewer, event, counted_at) VALUES ({missing}, 'v:v1', 'view', now())"
            ),
        )
        .await,
        "view_dedup_apartment_id_fkey"
    );
    // A stored reference cannot be rewritten either: the old key checked UPDATE too.
    let other = {
        let client = db.client().await;
        let building_id: i64 = db
            .scalar(
                "SELECT building_id FROM apartments WHERE id = $1",
                &[&apartment_id],
            )
            .await;
        fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await
    };
    assert_eq!(
        violated_constraint(
            &db,
            &format!(
                "INSERT INTO views_log (apartment_id, event, visitor_id) VALUES ({apartment_id}, 'view', 'v2');
                 UPDATE views_log SET apartment_id = {other} WHERE visitor_id = 'v2'"
            ),
        )
        .await,
        "views_log_apartment_id_fkey"
    );
    let written: i64 = db
        .scalar(
            "SELECT (SELECT count(*) FROM price_history) + (SELECT count(*) FROM views_log) + (SELECT count(*) FROM view_dedup)",
            &[],
        )
        .await;
    assert_eq!(written, 0, "a refused statement writes none of its rows");
}

#[tokio::test]
async fn deleting_a_referenced_apartment_is_refused_and_dedup_rows_go_with_it() {
    let db = TestDb::new().await;
    let with_history = one_apartment(&db).await;
    let client = db.client().await;
    client
        .batch_execute(&format!(
            "INSERT INTO price_history (apartment_id, old_price, new_price, reason) VALUES ({with_history}, 100, 101, 'manual')"
        ))
        .await
        .unwrap();
    let refused = client
        .batch_execute(&format!("DELETE FROM apartments WHERE id = {with_history}"))
        .await
        .unwrap_err();
    assert_eq!(
        refused.as_db_error().unwrap().constraint(),
        Some("price_history_apartment_id_fkey")
    );

    let building_id: i64 = db
        .scalar(
            "SELECT building_id FROM apartments WHERE id = $1",
            &[&with_history],
        )
        .await;
    let with_views = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
    fixtures::views(&**client, with_views, 1).await;
    let refused = client
        .batch_execute(&format!("DELETE FROM apartments WHERE id = {with_views}"))
        .await
        .unwrap_err();
    assert_eq!(
        refused.as_db_error().unwrap().constraint(),
        Some("views_log_apartment_id_fkey")
    );

    let only_dedup = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
    client
        .batch_execute(&format!(
            "INSERT INTO view_dedup (apartment_id, viewer, event, counted_at) VALUES ({only_dedup}, 'v:v1', 'view', now());
             DELETE FROM apartments WHERE id = {only_dedup};"
        ))
        .await
        .unwrap();
    let left: i64 = db
        .scalar(
            "SELECT count(*) FROM view_dedup WHERE apartment_id = $1",
            &[&only_dedup],
        )
        .await;
    assert_eq!(left, 0, "view_dedup rows are deleted with their apartment");

    let run_referenced = client
        .batch_execute(
            "INSERT INTO pricing_runs (trigger) VALUES ('cli');
             INSERT INTO price_history (apartment_id, old_price, new_price, reason, pricing_run_id, views_24h, demand, config_id)
             SELECT a.id, 100, 102, 'dynamic', (SELECT max(id) FROM pricing_runs), 1, 0.5, 1 FROM apartments a LIMIT 1;
             DELETE FROM pricing_runs;",
        )
        .await
        .unwrap_err();
    assert_eq!(
        run_referenced.as_db_error().unwrap().constraint(),
        Some("price_history_pricing_run_id_fkey")
    );
}

#[tokio::test]
async fn a_real_pass_keeps_every_copy_of_the_price_in_step_and_stores_typed_inputs() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let (_, ids, report) = one_hot_one_cold_after_a_pass(&db).await;
    assert_eq!(
        report.changes.len(),
        2,
        "the hot one rises, the cold one falls"
    );

    assert_copies_in_step(&client, "after the pass").await;

    let hot = client
        .query_one(
            "SELECT views_24h, demand, cluster_median, demand_norm, k1, k2, config_id, inputs IS NULL
             FROM price_history WHERE apartment_id = $1",
            &[&ids[0]],
        )
        .await
        .unwrap();
    assert_eq!(hot.get::<_, Option<i32>>(0), Some(40));
    assert_eq!(hot.get::<_, Option<Decimal>>(1), Some(Decimal::from(20)));
    assert_eq!(hot.get::<_, Option<Decimal>>(2), Some(Decimal::from(5)));
    assert_eq!(hot.get::<_, Option<Decimal>>(3), Some(Decimal::from(4)));
    assert!(hot.get::<_, Option<i64>>(6).is_some());
    assert!(
        hot.get::<_, bool>(7),
        "dynamic inputs live in columns, not jsonb"
    );

    let updated_at_moved: bool = db
        .scalar(
            "SELECT updated_at > created_at FROM apartments WHERE id = $1",
            &[&ids[0]],
        )
        .await;
    assert!(updated_at_moved, "the pass stamps updated_at itself");
}

#[tokio::test]
async fn rollback_and_multi_row_edits_keep_every_copy_in_step() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let (building_id, ids, report) = one_hot_one_cold_after_a_pass(&db).await;
    assert_eq!(report.changes.len(), 2);

    let restored = client
        .query(
            "SELECT * FROM rollback_pricing_run($1)",
            &[&report.run_id.unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(restored.len(), 2, "both changes are still current");
    assert_copies_in_step(&client, "after the rollback").await;

    // Statements over several rows, as a DBA or a moderation tool would write them: new prices for the whole
    // building, then a status change alone (the booked apartment leaves the search copy).
    client
        .execute(
            "UPDATE apartments SET current_price = current_price + 1000 WHERE building_id = $1",
            &[&building_id],
        )
        .await
        .unwrap();
    client
        .execute(
            "UPDATE apartments SET status = 'booked' WHERE id = $1",
            &[&ids[2]],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO price_history (apartment_id, old_price, new_price, reason, changed_at)
             SELECT id, current_price - 1000, current_price, 'manual', now() FROM apartments WHERE building_id = $1",
            &[&building_id],
        )
        .await
        .unwrap();
    assert_copies_in_step(&client, "after a multi-row edit").await;
    let offers: i64 = db
        .scalar(
            "SELECT count(*) FROM catalog_offers WHERE project_id = (SELECT project_id FROM apartments WHERE id = $1)",
            &[&ids[2]],
        )
        .await;
    assert_eq!(offers, 4, "the booked apartment left the search copy");
}

#[tokio::test]
async fn an_apartment_edited_while_the_pass_waits_for_its_lock_is_still_repriced() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Гонка").await;
    let mut ids = Vec::new();
    for views in [40, 10, 10, 10, 10] {
        let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        fixtures::views(&**client, id, views).await;
        ids.push(id);
    }
    let hot = ids[0];
    let before = fixtures::current_price(&**client, hot).await;

    client
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await
        .unwrap();
    // Another session edits the hot apartment (not its price) and commits only after the pass took its snapshot
    // and started waiting for the row lock.
    let mut editor_connection = db.pool.get().await.unwrap();
    let editor = editor_connection.transaction().await.unwrap();
    editor
        .execute(
            "UPDATE apartments SET balcony = NOT coalesce(balcony, false) WHERE id = $1",
            &[&hot],
        )
        .await
        .unwrap();
    let pass = tokio::spawn({
        let pool = db.pool.clone();
        async move {
            pool.get()
                .await
                .unwrap()
                .query_one(
                    "SELECT count(*) FROM reprice_apartments(p_trigger => 'manual', p_changes_only => true)",
                    &[],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !pass.is_finished(),
        "the pass waits for the editor's row lock"
    );
    editor.commit().await.unwrap();
    let changes = pass.await.unwrap();

    assert_eq!(changes, 1);
    assert!(fixtures::current_price(&**client, hot).await > before);
    let history: i64 = db
        .scalar(
            "SELECT count(*) FROM price_history WHERE apartment_id = $1 AND reason = 'dynamic'",
            &[&hot],
        )
        .await;
    assert_eq!(history, 1);
}
