//! The event outbox and its relay to Redis Streams (real Redis at 127.0.0.1:6379): exactly the committed changes,
//! in order, at least once with a stable event id, through a Redis outage and a relay handover, then pruned.

use std::time::{Duration, Instant};

use crate::helpers::fixtures::{self, ApartmentSpec};
use crate::helpers::redis::{CuttableProxy, Entry, TestStreams};
use crate::helpers::{TestApp, TestDb};
use nedvizhimost::config::{OutboxSettings, PricingSettings};
use nedvizhimost::outbox::asyncapi::EVENT_TYPES;
use nedvizhimost::outbox::events::{
    ApartmentChanged, BookingChanged, LeadCreated, PriceChanged, ProjectChanged,
};
use nedvizhimost::outbox::relay;
use nedvizhimost::pricing::{self, CycleRequest, Trigger};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// (id, topic, type, payload) of every outbox row, in id order.
async fn outbox_rows(db: &TestDb) -> Vec<(i64, String, String, Value)> {
    db.client()
        .await
        .query(
            "SELECT id, topic::text, event_type, outbox_event_payload(e) FROM outbox_events e ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        .collect()
}

/// Runs the relay's bursts until nothing is left to publish.
async fn drain(db: &TestDb, settings: &OutboxSettings) {
    let client = db.client().await;
    let mut redis =
        redis::Client::open(settings.redis.as_ref().unwrap().connection_info().unwrap())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
    while relay::relay_once(&**client, &mut redis, settings)
        .await
        .unwrap()
        > 0
    {}
}

fn typed_events(entries: &[Entry]) -> Vec<(i64, String)> {
    entries
        .iter()
        .map(|entry| (entry.event_id(), entry.field("type").to_owned()))
        .collect()
}

/// Reads every payload through the type the AsyncAPI document publishes for it (unknown fields are refused).
fn check_payload_schema(event_type: &str, payload: &Value) {
    let body = EVENT_TYPES
        .iter()
        .find(|(known, ..)| *known == event_type)
        .unwrap_or_else(|| panic!("{event_type} is not in the AsyncAPI document"))
        .2;
    let parsed = match body {
        "PriceChanged" => serde_json::from_value::<PriceChanged>(payload.clone()).err(),
        "BookingChanged" => serde_json::from_value::<BookingChanged>(payload.clone()).err(),
        "ApartmentChanged" => serde_json::from_value::<ApartmentChanged>(payload.clone()).err(),
        "ProjectChanged" => serde_json::from_value::<ProjectChanged>(payload.clone()).err(),
        "LeadCreated" => serde_json::from_value::<LeadCreated>(payload.clone()).err(),
        other => panic!("unknown body schema {other}"),
    };
    assert!(parsed.is_none(), "{event_type} {payload}: {parsed:?}");
}

async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < timeout,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn pending(db: &TestDb) -> i64 {
    db.scalar(
        "SELECT count(*) FROM outbox_events WHERE published_at IS NULL",
        &[],
    )
    .await
}

#[tokio::test]
async fn exactly_the_committed_changes_are_published_in_order_and_a_rollback_publishes_nothing() {
    let app = TestApp::spawn().await;
    let streams = TestStreams::new();
    let (developer, developer_id) = app
        .developer_with_company("owner@outbox.ru", "ГК Поток")
        .await;
    let rows = app.insert_catalog(developer_id).await;
    assert!(outbox_rows(&app.db).await.is_empty(), "drafts are silent");
    app.publish_catalog(&rows).await;

    let mut client = app.db.client().await;
    let rolled_back = client.transaction().await.unwrap();
    rolled_back
        .execute(
            "UPDATE projects SET name = 'ЖК Откат' WHERE id = $1",
            &[&rows.project_id],
        )
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();

    let response = app
        .patch_json(
            &format!("/apartments/{}", rows.apartment_id),
            Some(&developer),
            &json!({"current_price": "9500000.00"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (buyer_id, buyer) = app.quick_buyer("buyer@outbox.ru").await;
    let response = app
        .post_json(
            &format!("/apartments/{}/bookings", rows.apartment_id),
            Some(&buyer),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let booking_id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let response = app
        .post_json(
            &format!("/bookings/{booking_id}/confirm"),
            Some(&developer),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .post_json(
            &format!("/apartments/{}/leads", rows.apartment_id),
            None,
            &json!({"visitor_id": "visitor-outbox-1", "name": "Анна", "phone": "+79161234567"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let outbox = outbox_rows(&app.db).await;
    let types: Vec<&str> = outbox
        .iter()
        .map(|(_, _, event_type, _)| event_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "project.published",
            "apartment.published",
            "price.changed",
            "booking.created",
            "apartment.updated",
            "booking.confirmed",
            "lead.created",
        ]
    );
    assert!(
        !outbox
            .iter()
            .any(|row| row.3.to_string().contains("+79161234567")
                || row.3.to_string().contains("Анна")),
        "no personal data in events"
    );
    for (_, _, event_type, payload) in &outbox {
        check_payload_schema(event_type, payload);
    }
    let price: PriceChanged = serde_json::from_value(outbox[2].3.clone()).unwrap();
    assert_eq!(
        (
            price.apartment_id,
            price.project_id,
            price.old_price.as_str(),
            price.new_price.as_str(),
            price.reason.as_str()
        ),
        (
            rows.apartment_id,
            rows.project_id,
            "9300000.00",
            "9500000.00",
            "manual"
        )
    );
    let booked: BookingChanged = serde_json::from_value(outbox[3].3.clone()).unwrap();
    assert_eq!(
        (
            booked.booking_id,
            booked.buyer_id,
            booked.status.as_str(),
            booked.price.as_str()
        ),
        (booking_id, buyer_id, "pending", "9500000.00")
    );
    let status_change: ApartmentChanged = serde_json::from_value(outbox[4].3.clone()).unwrap();
    assert_eq!(
        (status_change.status.as_str(), status_change.changed),
        ("booked", vec!["status".to_owned()])
    );

    drain(&app.db, &streams.settings()).await;
    assert_eq!(pending(&app.db).await, 0);
    for topic in ["price", "booking", "catalog"] {
        let expected: Vec<(i64, String)> = outbox
            .iter()
            .filter(|(_, row_topic, ..)| row_topic == topic)
            .map(|(id, _, event_type, _)| (*id, event_type.clone()))
            .collect();
        let entries = streams.entries(topic).await;
        assert_eq!(typed_events(&entries), expected, "stream {topic}");
        for (entry, (_, _, _, payload)) in entries
            .iter()
            .zip(outbox.iter().filter(|row| row.1 == topic))
        {
            assert_eq!(
                &serde_json::from_str::<Value>(entry.field("payload")).unwrap(),
                payload
            );
            assert!(entry.field("recorded_at").ends_with('Z'));
        }
    }
    // The index in REDIS_URL is respected: nothing went to database 0.
    let mut default_db = redis::Client::open("redis://127.0.0.1:6379/0")
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(format!("{}:catalog", streams.prefix))
        .query_async(&mut default_db)
        .await
        .unwrap();
    assert_eq!(exists, 0);
    streams.clean_up().await;
}

#[tokio::test]
async fn the_pricing_pass_and_its_rollback_write_one_price_changed_per_change_and_nothing_else() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Поток").await;
    let mut ids = Vec::new();
    for views in [40, 0, 10, 10, 10, 10] {
        let id = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
        fixtures::views(&**client, id, views).await;
        ids.push(id);
    }
    let before = outbox_rows(&db).await.len();
    assert_eq!(
        before, 7,
        "one project.published and six apartment.published"
    );

    let mut client = db.pool.get().await.unwrap();
    let report = pricing::run_cycle(
        &mut client,
        &PricingSettings::default(),
        &CycleRequest::new(Trigger::Manual),
    )
    .await
    .unwrap();
    let run_id = report.run_id.unwrap();
    let history: Vec<(i64, String, String, String)> = client
        .query(
            "SELECT apartment_id, old_price::text, new_price::text, explanation FROM price_history
             WHERE pricing_run_id = $1 ORDER BY apartment_id",
            &[&run_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        .collect();
    assert_eq!(history.len(), 2, "the hot one up, the cold one down");
    let events: Vec<PriceChanged> = outbox_rows(&db).await[before..]
        .iter()
        .map(|(_, topic, event_type, payload)| {
            assert_eq!(
                (topic.as_str(), event_type.as_str()),
                ("price", "price.changed"),
                "the pass writes no other event"
            );
            serde_json::from_value(payload.clone()).unwrap()
        })
        .collect();
    let published: Vec<(i64, String, String, String)> = events
        .iter()
        .map(|event| {
            assert_eq!(
                (event.reason.as_str(), event.pricing_run_id),
                ("dynamic", Some(run_id))
            );
            (
                event.apartment_id,
                event.old_price.clone(),
                event.new_price.clone(),
                event.explanation.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(published, history);
    assert_eq!(published[0].2, "10300000.00");

    client
        .query("SELECT * FROM rollback_pricing_run($1)", &[&run_id])
        .await
        .unwrap();
    let rollback: Vec<PriceChanged> = outbox_rows(&db).await[before + 2..]
        .iter()
        .map(|(_, _, _, payload)| serde_json::from_value(payload.clone()).unwrap())
        .collect();
    let restored: Vec<(i64, &str, &str, Option<i64>)> = rollback
        .iter()
        .map(|event| {
            (
                event.apartment_id,
                event.old_price.as_str(),
                event.new_price.as_str(),
                event.pricing_run_id,
            )
        })
        .collect();
    assert_eq!(
        restored,
        [
            (ids[0], "10300000.00", "10000000.00", None),
            (ids[1], "9700000.00", "10000000.00", None),
        ]
    );
}

#[tokio::test]
async fn a_relay_killed_between_xadd_and_marking_republishes_with_the_same_event_ids() {
    let app = TestApp::spawn().await;
    let streams = TestStreams::new();
    let settings = streams.settings();
    let (_, developer_id) = app
        .developer_with_company("owner@crash.ru", "ГК Сбой")
        .await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;

    let client = app.db.client().await;
    let mut redis = streams.connection().await;
    let batch = relay::next_batch(&**client, settings.batch_size)
        .await
        .unwrap();
    relay::publish(&mut redis, &settings, &batch).await.unwrap();
    // … the process dies here: nothing is marked published.
    assert_eq!(pending(&app.db).await, 2);
    drain(&app.db, &settings).await;

    let entries = streams.entries("catalog").await;
    let ids: Vec<i64> = entries.iter().map(Entry::event_id).collect();
    let first: Vec<i64> = batch.iter().map(|event| event.id).collect();
    assert_eq!(
        ids,
        [first.clone(), first.clone()].concat(),
        "delivered twice, same ids"
    );
    let mut deduplicated = ids.clone();
    deduplicated.dedup_by_key(|id| *id);
    deduplicated.sort();
    deduplicated.dedup();
    assert_eq!(deduplicated, first);
    assert_eq!(pending(&app.db).await, 0);
    streams.clean_up().await;
}

#[tokio::test]
async fn redis_going_down_and_coming_back_loses_nothing_and_keeps_the_order() {
    let app = TestApp::spawn().await;
    let streams = TestStreams::new();
    let proxy = CuttableProxy::start().await;
    let relay_task = relay::spawn(app.db.config.clone(), streams.settings_via(&proxy.address));
    let (developer, developer_id) = app
        .developer_with_company("owner@outage.ru", "ГК Авария")
        .await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    wait_until(
        "the first events are out",
        Duration::from_secs(15),
        || async { pending(&app.db).await == 0 },
    )
    .await;

    proxy.cut();
    let mut prices = Vec::new();
    for step in 1..=5 {
        let price = format!("{}.00", 9_300_000 + step * 10_000);
        let response = app
            .patch_json(
                &format!("/apartments/{}", rows.apartment_id),
                Some(&developer),
                &json!({"current_price": price}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the API keeps working while Redis is down"
        );
        prices.push(price);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(pending(&app.db).await, 5, "events wait in the outbox");
    let status: Value = app.get("/outbox/status").await.json().await.unwrap();
    assert_eq!(status["pending_events"], 5);
    assert_eq!(status["relay_connected"], true);
    assert!(status["lag_seconds"].as_i64().unwrap() >= 1, "{status}");

    proxy.restore().await;
    wait_until(
        "the waiting events are out",
        Duration::from_secs(20),
        || async { pending(&app.db).await == 0 },
    )
    .await;
    let published: Vec<String> = streams
        .entries("price")
        .await
        .iter()
        .map(|entry| {
            let payload: PriceChanged = serde_json::from_str(entry.field("payload")).unwrap();
            payload.new_price
        })
        .collect();
    assert_eq!(
        published, prices,
        "every price change once, in commit order"
    );
    relay_task.abort();
    streams.clean_up().await;
}

#[tokio::test]
async fn two_relays_never_both_publish_and_the_second_takes_over_when_the_first_dies() {
    let db = TestDb::new().await;
    let streams = TestStreams::new();
    let first = relay::spawn(db.config.clone(), streams.settings());
    let has_relay = || async {
        db.scalar::<bool>("SELECT relay_connected FROM outbox_status()", &[])
            .await
    };
    wait_until(
        "the first relay holds the lock",
        Duration::from_secs(10),
        has_relay,
    )
    .await;
    let second = relay::spawn(db.config.clone(), streams.settings());

    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    for batch in 0..20 {
        fixtures::project(&**client, developer_id, &format!("ЖК {batch}")).await;
    }
    wait_until("20 projects are out", Duration::from_secs(15), || async {
        pending(&db).await == 0
    })
    .await;
    first.abort();
    for batch in 20..40 {
        fixtures::project(&**client, developer_id, &format!("ЖК {batch}")).await;
    }
    wait_until(
        "the second relay publishes",
        Duration::from_secs(20),
        || async { pending(&db).await == 0 },
    )
    .await;

    let ids: Vec<i64> = streams
        .entries("catalog")
        .await
        .iter()
        .map(Entry::event_id)
        .collect();
    let expected: Vec<i64> = db
        .column("SELECT id FROM outbox_events ORDER BY id", &[])
        .await;
    assert_eq!(expected.len(), 40);
    assert_eq!(ids, expected, "each event exactly once, in order");
    second.abort();
    streams.clean_up().await;
}

#[tokio::test]
async fn published_events_are_pruned_after_retention_and_waiting_ones_never() {
    let db = TestDb::new().await;
    db.execute(
        "INSERT INTO outbox_events (topic, event_type, aggregate_id, payload, recorded_at, published_at)
         VALUES ('catalog', 'project.updated', 1, '{}', now() - interval '30 hours', now() - interval '25 hours'),
                ('catalog', 'project.updated', 2, '{}', now() - interval '2 hours', now() - interval '1 hour'),
                ('catalog', 'project.updated', 3, '{}', now() - interval '40 hours', NULL)",
        &[],
    )
    .await;
    let pruned: i64 = db
        .scalar(
            "SELECT prune_outbox_events(now() - interval '24 hours')",
            &[],
        )
        .await;
    assert_eq!(pruned, 1);
    let left: Vec<i64> = db
        .column("SELECT aggregate_id FROM outbox_events ORDER BY id", &[])
        .await;
    assert_eq!(left, [2, 3]);
}

#[tokio::test]
async fn the_asyncapi_document_describes_every_stream_and_event() {
    let app = TestApp::spawn().await;
    let response = app.get("/asyncapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["asyncapi"], "3.0.0");
    assert_eq!(document["channels"]["price"]["address"], "nedv:price");
    assert_eq!(document["channels"]["catalog"]["address"], "nedv:catalog");
    for (event_type, topic, body, _) in EVENT_TYPES {
        let name = event_type.replace('.', "_");
        let message = &document["components"]["messages"][&name];
        assert_eq!(message["name"], event_type);
        assert!(
            document["channels"][topic]["messages"][&name].is_object(),
            "{event_type} in {topic}"
        );
        let example: Value = serde_json::from_str(
            message["examples"][0]["payload"]["payload"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        check_payload_schema(event_type, &example);
        let schema = &document["components"]["schemas"][body];
        for (field, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|text| !text.is_empty()),
                "{body}.{field}"
            );
        }
    }
    assert_eq!(document["operations"].as_object().unwrap().len(), 4);
}
