//! The minute cycle as a whole: incremental aggregates, concurrency, dry runs, rollback, the scheduler.

use std::collections::HashMap;
use std::time::Duration;

use crate::helpers::fixtures::{self, rub, ApartmentSpec};
use crate::helpers::TestDb;
use nedvizhimost::config::PricingSettings;
use nedvizhimost::pricing::{self, CycleRequest, Trigger};
use rust_decimal::Decimal;

/// Ten one-room apartments in one project: #0 hot (40 views), #1 cold (0 views), the rest 10 views each.
async fn catalog(db: &TestDb) -> Vec<i64> {
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Цикл").await;
    let mut ids = Vec::new();
    for index in 0..10 {
        let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        let views = match index {
            0 => 40,
            1 => 0,
            _ => 10,
        };
        fixtures::views(&**client, id, views).await;
        ids.push(id);
    }
    ids
}

async fn stats(db: &TestDb) -> HashMap<i64, (i32, i32, i32, i32)> {
    db.client()
        .await
        .query(
            "SELECT apartment_id, views_24h, favourites_24h, leads_24h, bookings_24h FROM apartment_stats
             WHERE views_24h + favourites_24h + leads_24h + bookings_24h > 0",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2), row.get(3), row.get(4))))
        .collect()
}

#[tokio::test]
async fn incremental_aggregates_match_a_full_rebuild_including_late_commits() {
    let db = TestDb::new().await;
    let ids = catalog(&db).await;
    let client = db.client().await;
    client
        .execute("SELECT refresh_apartment_stats()", &[])
        .await
        .unwrap();

    // A transaction that inserts views before the next refresh but commits after it.
    let mut late_connection = db.pool.get().await.unwrap();
    let late = late_connection.transaction().await.unwrap();
    late.execute(
        "INSERT INTO views_log (apartment_id, event) SELECT $1, 'view' FROM generate_series(1, 7)",
        &[&ids[3]],
    )
    .await
    .unwrap();

    // Events entering the window, events that age out of it, leads and a booking.
    client
        .batch_execute(&format!(
            "INSERT INTO views_log (apartment_id, event, occurred_at)
               SELECT {a}, 'favourite', now() - interval '2 hours' FROM generate_series(1, 3);
             INSERT INTO views_log (apartment_id, event, occurred_at)
               SELECT {b}, 'view', now() - interval '23 hours 59 minutes 58 seconds' FROM generate_series(1, 4);
             INSERT INTO leads (apartment_id, name, phone) VALUES ({a}, 'Иван', '+79161234567');",
            a = ids[2],
            b = ids[4]
        ))
        .await
        .unwrap();
    client
        .execute("SELECT refresh_apartment_stats()", &[])
        .await
        .unwrap();
    late.commit().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    client
        .execute("SELECT refresh_apartment_stats()", &[])
        .await
        .unwrap();
    let incremental = stats(&db).await;

    assert_eq!(
        incremental[&ids[3]].0, 17,
        "the late commit is counted once"
    );
    assert_eq!(
        incremental[&ids[4]].0, 10,
        "the four old views left the window"
    );
    assert_eq!(incremental[&ids[2]], (10, 3, 1, 0));

    client
        .execute("SELECT rebuild_apartment_stats()", &[])
        .await
        .unwrap();
    assert_eq!(stats(&db).await, incremental);
}

#[tokio::test]
async fn two_passes_started_together_change_each_price_at_most_once() {
    let db = TestDb::new().await;
    let ids = catalog(&db).await;
    let settings = PricingSettings::default();
    let run = || {
        let pool = db.pool.clone();
        let settings = settings.clone();
        async move {
            let mut client = pool.get().await.unwrap();
            pricing::run_cycle(&mut client, &settings, &CycleRequest::new(Trigger::Manual))
                .await
                .unwrap()
        }
    };
    let (first, second) = tokio::join!(run(), run());
    let skipped = [&first, &second]
        .iter()
        .filter(|report| report.skipped_reason.is_some())
        .count();
    let changes_per_apartment: Vec<i64> = db
        .column(
            "SELECT count(*) FROM price_history GROUP BY apartment_id ORDER BY count(*) DESC",
            &[],
        )
        .await;
    assert!(
        changes_per_apartment.iter().all(|count| *count == 1),
        "{changes_per_apartment:?}"
    );
    assert_eq!(changes_per_apartment.len(), 2, "hot raised, cold lowered");
    assert!(skipped <= 1);

    // Whatever the interleaving, a third pass right after changes nothing: both are in cooldown.
    let third = run().await;
    assert!(third.changes.is_empty());
    assert_eq!(third.decisions.get("cooldown"), Some(&2));
    let _ = ids;
}

#[tokio::test]
async fn one_schedule_slot_runs_once_across_replicas() {
    let db = TestDb::new().await;
    catalog(&db).await;
    let settings = PricingSettings::default();
    let slot = chrono::Utc::now();
    let request = CycleRequest {
        scheduled_for: Some(slot),
        ..CycleRequest::new(Trigger::Schedule)
    };
    let mut client = db.pool.get().await.unwrap();
    let first = pricing::run_cycle(&mut client, &settings, &request)
        .await
        .unwrap();
    let second = pricing::run_cycle(&mut client, &settings, &request)
        .await
        .unwrap();
    assert!(first.skipped_reason.is_none());
    assert!(first.run_id.is_some());
    assert!(second
        .skipped_reason
        .as_deref()
        .unwrap()
        .contains("уже обработан"));
    let runs: i64 = db.scalar("SELECT count(*) FROM pricing_runs", &[]).await;
    assert_eq!(runs, 1);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_reports_what_a_real_run_does() {
    let db = TestDb::new().await;
    catalog(&db).await;
    let settings = PricingSettings::default();
    let snapshot = |db: &TestDb| {
        let pool = db.pool.clone();
        async move {
            let client = pool.get().await.unwrap();
            let row = client
                .query_one(
                    "SELECT (SELECT string_agg(current_price::text, ',' ORDER BY id) FROM apartments),
                            (SELECT count(*) FROM price_history), (SELECT count(*) FROM pricing_runs),
                            (SELECT count(*) FROM apartment_stats)",
                    &[],
                )
                .await
                .unwrap();
            (
                row.get::<_, String>(0),
                row.get::<_, i64>(1),
                row.get::<_, i64>(2),
                row.get::<_, i64>(3),
            )
        }
    };
    let before = snapshot(&db).await;
    let mut client = db.pool.get().await.unwrap();
    let dry = pricing::run_cycle(
        &mut client,
        &settings,
        &CycleRequest {
            dry_run: true,
            ..CycleRequest::new(Trigger::Manual)
        },
    )
    .await
    .unwrap();
    assert_eq!(snapshot(&db).await, before);
    assert_eq!(dry.run_id, None);
    let real = pricing::run_cycle(&mut client, &settings, &CycleRequest::new(Trigger::Manual))
        .await
        .unwrap();
    assert_eq!(dry.changes, real.changes);
    assert_eq!(dry.decisions, real.decisions);
    assert_eq!(real.changes.len(), 2);
}

#[tokio::test]
async fn rollback_restores_exactly_the_still_current_prices_and_twice_is_a_no_op() {
    let db = TestDb::new().await;
    let ids = catalog(&db).await;
    let mut client = db.pool.get().await.unwrap();
    let report = pricing::run_cycle(
        &mut client,
        &PricingSettings::default(),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();
    let run_id = report.run_id.unwrap();
    assert_eq!(
        fixtures::current_price(&**client, ids[0]).await,
        rub("10300000.00")
    );
    assert_eq!(
        fixtures::current_price(&**client, ids[1]).await,
        rub("9700000.00")
    );

    // The developer changes the cold apartment's price by hand: rollback must leave that one alone.
    client
        .batch_execute(&format!(
            "INSERT INTO price_history (apartment_id, old_price, new_price, reason) VALUES ({id}, 9700000, 9650000, 'manual');
             UPDATE apartments SET current_price = 9650000 WHERE id = {id};",
            id = ids[1]
        ))
        .await
        .unwrap();
    let restored: Vec<(i64, Decimal)> = client
        .query(
            "SELECT apartment_id, restored_price FROM rollback_pricing_run($1)",
            &[&run_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(restored, vec![(ids[0], rub("10000000.00"))]);
    assert_eq!(
        fixtures::current_price(&**client, ids[0]).await,
        rub("10000000.00")
    );
    assert_eq!(
        fixtures::current_price(&**client, ids[1]).await,
        rub("9650000")
    );
    let link: (String, Option<i64>) = client
        .query_one(
            "SELECT reason::text, rollback_of_run_id FROM price_history WHERE apartment_id = $1 ORDER BY id DESC LIMIT 1",
            &[&ids[0]],
        )
        .await
        .map(|row| (row.get(0), row.get(1)))
        .unwrap();
    assert_eq!(link, ("manual".into(), Some(run_id)));

    let again = client
        .query("SELECT * FROM rollback_pricing_run($1)", &[&run_id])
        .await
        .unwrap();
    assert!(again.is_empty());
    let history: i64 = db.scalar("SELECT count(*) FROM price_history", &[]).await;
    assert_eq!(history, 4, "two dynamic, one manual, one rollback");
}

#[tokio::test]
async fn the_scheduler_survives_the_database_going_away_and_coming_back() {
    let db = TestDb::new().await;
    catalog(&db).await;
    let admin = crate::helpers::connect(&crate::helpers::admin_config()).await;
    let block = format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name);
    let unblock = format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name);
    let kick = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
        db.name
    );
    admin.batch_execute(&block).await.unwrap();
    admin.batch_execute(&kick).await.unwrap();

    let pool = nedvizhimost::db::create_pool(db.config.clone(), 2);
    let settings = PricingSettings {
        interval: Duration::from_secs(1),
        ..PricingSettings::default()
    };
    let scheduler = nedvizhimost::jobs::pricing::spawn(pool.clone(), settings);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        !scheduler.is_finished(),
        "a failed tick must not stop the scheduler"
    );

    admin.batch_execute(&unblock).await.unwrap();
    let mut runs = 0_i64;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Ok(client) = pool.get().await {
            runs = client
                .query_one(
                    "SELECT count(*) FROM pricing_runs WHERE trigger = 'schedule'",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if runs > 0 {
                break;
            }
        }
    }
    scheduler.abort();
    assert!(
        runs > 0,
        "the scheduler resumed once the database came back"
    );
}

#[tokio::test]
async fn apartment_stats_rows_follow_inserted_and_deleted_apartments() {
    let db = TestDb::new().await;
    let ids = catalog(&db).await;
    let client = db.client().await;
    let stats_rows = |ids: Vec<i64>| {
        let client = &client;
        async move {
            client
                .query_one(
                    "SELECT count(*) FROM apartment_stats WHERE apartment_id = ANY($1)",
                    &[&ids],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(stats_rows(ids.clone()).await, 10);

    let (deleted, kept) = ids.split_at(3);
    client
        .execute(
            "DELETE FROM views_log WHERE apartment_id = ANY($1)",
            &[&deleted],
        )
        .await
        .unwrap();
    client
        .execute("DELETE FROM apartments WHERE id = ANY($1)", &[&deleted])
        .await
        .unwrap();
    assert_eq!(stats_rows(deleted.to_vec()).await, 0);
    assert_eq!(stats_rows(kept.to_vec()).await, 7);
}
