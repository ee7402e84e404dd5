//! The pass in batches of whole projects: a booking never deadlocks with it, an interrupted pass leaves its finished
//! batches applied and the next pass goes on without applying anything twice, batching changes no decision, and a
//! rollback undoes every batch of a run.
use std::collections::BTreeMap;
use std::time::Duration;

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::TestDb;
use nedvizhimost::config::PricingSettings;
use nedvizhimost::pricing::{self, describe_failure_of_database, CycleRequest, Trigger};
use rust_decimal::Decimal;

fn batched(workers: usize) -> PricingSettings {
    PricingSettings {
        workers,
        batch_apartments: 1,
        ..PricingSettings::default()
    }
}

/// `projects` projects of five apartments each (40, 0, 10, 10, 10 views: one rises, one falls per project).
/// Returns the apartments by project.
async fn projects_with_one_hot_one_cold(db: &TestDb, projects: usize) -> Vec<Vec<i64>> {
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let mut catalog = Vec::new();
    for project in 0..projects {
        let (_, building_id) =
            fixtures::project(&**client, developer_id, &format!("ЖК Пачка {project}")).await;
        let mut ids = Vec::new();
        for views in [40, 0, 10, 10, 10] {
            let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
            fixtures::views(&**client, id, views).await;
            ids.push(id);
        }
        catalog.push(ids);
    }
    catalog
}

async fn dynamic_changes_by_apartment(db: &TestDb) -> BTreeMap<i64, i64> {
    db.client()
        .await
        .query(
            "SELECT apartment_id, count(*) FROM price_history WHERE reason = 'dynamic' GROUP BY apartment_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

async fn wait_until_a_session_waits_for_a_lock(db: &TestDb) {
    let client = db.client().await;
    for _ in 0..200 {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE NOT l.granted AND a.datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no session of the pass started waiting for the locked apartment");
}

#[tokio::test]
async fn a_booking_of_an_apartment_the_pass_waits_for_finishes_and_so_does_the_pass() {
    let db = TestDb::new().await;
    let catalog = projects_with_one_hot_one_cold(&db, 3).await;
    let hot = catalog[1][0];
    let price_before = fixtures::current_price(&**db.client().await, hot).await;

    // The buyer's transaction holds the apartment (as a booking does before it writes anything else) while the
    // pass refreshes the 24 h counters of that apartment and then waits for it.
    let mut buyer_connection = db.pool.get().await.unwrap();
    let buyer = buyer_connection.transaction().await.unwrap();
    buyer
        .execute(
            "SELECT 1 FROM apartments WHERE id = $1 FOR NO KEY UPDATE",
            &[&hot],
        )
        .await
        .unwrap();
    let pass = tokio::spawn({
        let pool = db.pool.clone();
        async move {
            let mut client = pool.get().await.unwrap();
            pricing::run_cycle(
                &mut client,
                &batched(2),
                &CycleRequest::new(Trigger::Manual),
            )
            .await
        }
    });
    wait_until_a_session_waits_for_a_lock(&db).await;
    // Before the batches, this write (its copy trigger upserts apartment_stats) deadlocked with the pass.
    let booked = buyer
        .execute(
            "UPDATE apartments SET status = 'booked' WHERE id = $1 AND status = 'available'",
            &[&hot],
        )
        .await
        .expect("the booking is not a deadlock victim");
    assert_eq!(booked, 1);
    buyer.commit().await.unwrap();

    let report = pass
        .await
        .unwrap()
        .expect("the pass is not a deadlock victim");
    assert!(!report.interrupted);
    assert_eq!(report.batches, 3);
    let client = db.client().await;
    assert_eq!(fixtures::current_price(&**client, hot).await, price_before);
    let changed = dynamic_changes_by_apartment(&db).await;
    assert!(
        !changed.contains_key(&hot),
        "a booked apartment is not repriced"
    );
    assert_eq!(changed.get(&catalog[0][0]), Some(&1));
    assert_eq!(changed.get(&catalog[2][0]), Some(&1));
}

/// Starts a scheduled run for `slot` on its own connection, reprices one batch and drops the connection, as a
/// process that dies midway would. Returns the run.
async fn a_scheduled_run_that_dies_after_one_batch(db: &TestDb, slot: &str) -> i64 {
    let client = db.pool.get().await.unwrap();
    let run_id: i64 = client
        .query_one(
            "SELECT run_id FROM begin_pricing_run(now(), 'schedule', $1::text::timestamptz, NULL, 0.03, 0.07, 1)",
            &[&slot],
        )
        .await
        .unwrap()
        .get(0);
    client
        .batch_execute(&format!(
            "SELECT refresh_demand_aggregates(); SELECT plan_pricing_batches({run_id}, 1); \
             SELECT reprice_next_batch({run_id});"
        ))
        .await
        .unwrap();
    drop(deadpool_postgres::Object::take(client));
    run_id
}

async fn run_state(db: &TestDb, run_id: i64) -> (String, i32, i32) {
    let row = db
        .client()
        .await
        .query_one(
            "SELECT status::text, batches, batches_done FROM pricing_runs WHERE id = $1",
            &[&run_id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn a_scheduled_run_that_died_midway_is_continued_by_the_retry_of_its_slot() {
    let db = TestDb::new().await;
    let catalog = projects_with_one_hot_one_cold(&db, 3).await;
    let slot = "2026-12-02T10:15:00Z";
    let run_id = a_scheduled_run_that_dies_after_one_batch(&db, slot).await;
    let after_the_first_batch = dynamic_changes_by_apartment(&db).await;
    assert_eq!(
        after_the_first_batch.len(),
        2,
        "the finished batch stays applied"
    );

    let mut client = db.pool.get().await.unwrap();
    let retry = pricing::run_cycle(
        &mut client,
        &batched(2),
        &CycleRequest {
            scheduled_for: Some(slot.parse().unwrap()),
            ..CycleRequest::new(Trigger::Schedule)
        },
    )
    .await
    .unwrap();

    assert_eq!(retry.run_id, Some(run_id), "the slot's run is continued");
    assert_eq!(run_state(&db, run_id).await, ("completed".into(), 3, 3));
    let changed = dynamic_changes_by_apartment(&db).await;
    assert_eq!(
        changed.len(),
        6,
        "a hot and a cold apartment in each project"
    );
    assert!(changed.values().all(|changes| *changes == 1), "{changed:?}");
    for project in &catalog {
        assert_eq!(changed.get(&project[0]), Some(&1));
        assert_eq!(changed.get(&project[1]), Some(&1));
    }
}

#[tokio::test]
async fn a_dead_run_is_marked_interrupted_and_the_next_pass_applies_nothing_twice() {
    let db = TestDb::new().await;
    projects_with_one_hot_one_cold(&db, 3).await;
    let dead_run = a_scheduled_run_that_dies_after_one_batch(&db, "2026-12-02T10:16:00Z").await;

    let mut client = db.pool.get().await.unwrap();
    let next = pricing::run_cycle(
        &mut client,
        &batched(1),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();

    assert_eq!(run_state(&db, dead_run).await, ("interrupted".into(), 3, 1));
    assert_ne!(next.run_id, Some(dead_run));
    assert_eq!(
        next.changes.len(),
        4,
        "the two projects the dead run did not reach"
    );
    assert_eq!(
        next.decisions.get("cooldown"),
        Some(&2),
        "the dead run's changes are paused, not repeated"
    );
    let changed = dynamic_changes_by_apartment(&db).await;
    assert_eq!(changed.len(), 6);
    assert!(changed.values().all(|changes| *changes == 1), "{changed:?}");
}

#[tokio::test]
async fn batches_on_two_connections_decide_exactly_what_one_statement_would() {
    let db = TestDb::new().await;
    projects_with_one_hot_one_cold(&db, 4).await;
    let mut client = db.pool.get().await.unwrap();
    let preview = pricing::run_cycle(
        &mut client,
        &batched(2),
        &CycleRequest {
            dry_run: true,
            ..CycleRequest::new(Trigger::Manual)
        },
    )
    .await
    .unwrap();
    let real = pricing::run_cycle(
        &mut client,
        &batched(2),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();

    assert_eq!(real.batches, 4);
    assert_eq!(real.workers, Some(2));
    assert_eq!(real.decisions, preview.decisions);
    let as_tuples = |report: &pricing::CycleReport| -> Vec<(i64, Decimal, Decimal, String)> {
        report
            .changes
            .iter()
            .map(|change| {
                (
                    change.apartment_id,
                    change.old_price,
                    change.new_price,
                    change.explanation.clone(),
                )
            })
            .collect()
    };
    assert_eq!(as_tuples(&real), as_tuples(&preview));
    assert_eq!(real.changes.len(), 8);
}

#[tokio::test]
async fn a_rollback_undoes_every_batch_of_its_run() {
    let db = TestDb::new().await;
    let catalog = projects_with_one_hot_one_cold(&db, 3).await;
    let client = db.client().await;
    let mut before = BTreeMap::new();
    for id in catalog.iter().flatten() {
        before.insert(*id, fixtures::current_price(&**client, *id).await);
    }
    let mut connection = db.pool.get().await.unwrap();
    let report = pricing::run_cycle(
        &mut connection,
        &batched(2),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();
    assert_eq!(report.batches, 3);
    assert_eq!(report.changes.len(), 6);

    let restored = client
        .query(
            "SELECT apartment_id FROM rollback_pricing_run($1)",
            &[&report.run_id.unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(restored.len(), 6);
    for (id, price) in before {
        assert_eq!(fixtures::current_price(&**client, id).await, price);
    }
}

#[tokio::test]
async fn a_statement_timeout_is_named_in_russian() {
    let db = TestDb::new().await;
    let error = db
        .client()
        .await
        .batch_execute("SET statement_timeout = 50; SELECT pg_sleep(1)")
        .await
        .unwrap_err();
    let cause = describe_failure_of_database(&error);
    assert!(cause.starts_with("превышено время запроса"), "{cause}");
}

#[tokio::test]
async fn batches_grow_when_the_last_recent_run_changed_few_prices_and_not_after_a_config_change() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let batch_size_of_a_new_run = || async {
        let run_id: i64 = client
            .query_one(
                "INSERT INTO pricing_runs (trigger, status) VALUES ('manual', 'running') RETURNING id",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        client
            .query_one("SELECT pricing_batch_apartments($1, 5000)", &[&run_id])
            .await
            .unwrap()
            .get::<_, i32>(0)
    };
    assert_eq!(batch_size_of_a_new_run().await, 5000, "no history: default");

    client
        .batch_execute(
            "UPDATE pricing_runs SET status = 'completed', finished_at = now(), evaluated = 1000000, raised = 700, lowered = 300",
        )
        .await
        .unwrap();
    assert_eq!(
        batch_size_of_a_new_run().await,
        200_000,
        "0.1 % of prices changed a minute ago: the cap"
    );

    client
        .batch_execute(
            "UPDATE pricing_runs SET status = 'completed', finished_at = now(), evaluated = 1000, raised = 600, lowered = 0",
        )
        .await
        .unwrap();
    assert_eq!(
        batch_size_of_a_new_run().await,
        5000,
        "60 % changed: default"
    );

    client
        .batch_execute(
            "UPDATE pricing_runs SET status = 'completed', finished_at = now(), evaluated = 1000000, raised = 10, lowered = 0;
             INSERT INTO dynamic_pricing_config (comment) VALUES ('Новые пороги')",
        )
        .await
        .unwrap();
    assert_eq!(
        batch_size_of_a_new_run().await,
        5000,
        "the settings changed since: the rate is unknown"
    );
}
