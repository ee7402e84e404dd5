//! CRM integrations against fake amoCRM and Bitrix24 on loopback: connecting (credentials write-only and sealed),
//! leads and bookings delivered exactly once across a failure and a crash, the rate limit under a burst, dead
//! letters and re-queue, webhooks stored first, forged ones rejected, replays idempotent, statuses round-tripping
//! into booking steps without echo.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine;
use nedvizhimost::config::{CrmSettings, Secret};
use nedvizhimost::crm::{dispatcher, webhooks};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::fake_crm::{
    FakeCrm, FakeRecord, AMO_ACCOUNT_ID, AMO_TOKEN, BITRIX_APPLICATION_TOKEN, BITRIX_SECRET,
};
use crate::helpers::{CatalogRows, TestApp};

fn crm_settings() -> CrmSettings {
    let key: [u8; 32] = rand::random();
    CrmSettings {
        secrets_key: Some(Secret::new(
            base64::engine::general_purpose::STANDARD.encode(key),
        )),
        allowed_hosts: vec!["http://127.0.0.1".into()],
        max_attempts: 3,
        request_timeout: Duration::from_secs(2),
        public_api_url: "https://api.nedvizhimost.test".into(),
        ..CrmSettings::default()
    }
}

async fn app_with_crm() -> TestApp {
    TestApp::builder().crm(crm_settings()).spawn().await
}

/// A developer (token, company) with one published apartment.
async fn developer(app: &TestApp, email: &str) -> (String, i64, CatalogRows) {
    let (token, developer_id) = app.developer_with_company(email, "ГК CRM").await;
    let rows = app.insert_catalog(developer_id).await;
    app.publish_catalog(&rows).await;
    (token, developer_id, rows)
}

async fn connect_amo(app: &TestApp, token: &str, developer_id: i64, fake: &FakeCrm) -> Value {
    let response = app
        .put_json(
            &format!("/developers/{developer_id}/crm-connection"),
            Some(token),
            &json!({
                "kind": "amocrm",
                "account": fake.address.to_string(),
                "credentials": {"long_lived_token": AMO_TOKEN},
                "status_map": {"created": "142", "confirmed": "143", "cancelled": "144", "sold": "146"},
                "pipeline_id": "5012345",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn dispatch(app: &TestApp) -> dispatcher::DispatchReport {
    dispatcher::dispatch_due(&app.db.pool, app.crm.as_ref().unwrap())
        .await
        .unwrap()
}

async fn process_inbox(app: &TestApp) -> usize {
    webhooks::process_inbox(&app.db.pool, app.crm.as_ref().unwrap(), 100)
        .await
        .unwrap()
}

/// Makes every pending delivery due now (the back-off would otherwise make the test wait).
async fn due_now(app: &TestApp) {
    app.db
        .execute(
            "UPDATE crm_deliveries SET next_attempt_at = now() WHERE status = 'pending'",
            &[],
        )
        .await;
}

async fn book(app: &TestApp, apartment_id: i64, buyer: &str) -> i64 {
    let response = app
        .post_json(
            &format!("/apartments/{apartment_id}/bookings"),
            Some(buyer),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn connecting_seals_the_credentials_and_no_answer_ever_shows_them() {
    let app = app_with_crm().await;
    let fake = FakeCrm::amocrm().await;
    let (token, developer_id, _) = developer(&app, "owner@crm-connect.ru").await;
    let connected = connect_amo(&app, &token, developer_id, &fake).await;
    assert!(!connected.to_string().contains(AMO_TOKEN), "{connected}");
    assert_eq!(connected["credentials_saved"], json!(["long_lived_token"]));
    let webhook_url = connected["webhook_url"].as_str().unwrap();
    assert!(webhook_url.starts_with("https://api.nedvizhimost.test/integrations/amocrm/"));
    assert_eq!(
        webhook_url.split("secret=").nth(1).unwrap().len(),
        64,
        "the secret is shown once"
    );

    let read: Value = app
        .get_with(
            &format!("/developers/{developer_id}/crm-connection"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        read["webhook_url"].as_str().unwrap().ends_with("secret=…"),
        "{read}"
    );
    assert!(!read.to_string().contains(AMO_TOKEN));
    let sealed: Vec<u8> = app
        .db
        .scalar("SELECT credentials_ciphertext FROM crm_connections", &[])
        .await;
    assert!(
        !String::from_utf8_lossy(&sealed).contains(AMO_TOKEN),
        "sealed at rest"
    );

    let check: Value = app
        .post_json(
            &format!("/developers/{developer_id}/crm-connection/check"),
            Some(&token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["ok"], true, "{check}");
    assert!(check["message"]
        .as_str()
        .unwrap()
        .contains("Тестовый аккаунт"));
    let account_id: Option<i64> = app
        .db
        .scalar("SELECT amo_account_id FROM crm_connections", &[])
        .await;
    assert_eq!(account_id, Some(AMO_ACCOUNT_ID));

    let bad = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app
                .put_json(
                    &format!("/developers/{developer_id}/crm-connection"),
                    Some(&token),
                    &body,
                )
                .await;
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, text) = bad(json!({"kind": "amocrm", "account": "evil.example.com", "credentials": {"long_lived_token": "x"}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("CRM_ALLOWED_HOSTS"), "{text}");
    let (status, text) = bad(
        json!({"kind": "bitrix24", "account": fake.address.to_string(),
        "credentials": {"webhook_url": format!("http://{}/rest/1/abc/", fake.address)}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("application_token"), "{text}");
    let (status, text) =
        bad(json!({"kind": "amocrm", "account": "x", "credentials": {"token": "x"}})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown field: {text}"
    );

    let (stranger, _, _) = developer(&app, "owner@crm-stranger.ru").await;
    let response = app
        .get_with(
            &format!("/developers/{developer_id}/crm-connection"),
            Some(&stranger),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_booking_and_a_lead_reach_amocrm_exactly_once_across_a_failure_and_a_crash() {
    let app = app_with_crm().await;
    let fake = FakeCrm::amocrm().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-once.ru").await;
    connect_amo(&app, &token, developer_id, &fake).await;
    let (_, buyer) = app.quick_buyer("buyer@crm-once.ru").await;
    let booking_id = book(&app, rows.apartment_id, &buyer).await;
    let response = app
        .post_json(
            &format!("/apartments/{}/leads", rows.apartment_id),
            None,
            &json!({"visitor_id": "visitor-crm-1", "name": "Анна", "phone": "+79161234567"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The CRM fails once: the first delivery waits for a retry, nothing is lost.
    fake.fail_next(&[500]);
    let first = dispatch(&app).await;
    assert_eq!((first.delivered, first.failed), (0, 1));
    due_now(&app).await;
    let second = dispatch(&app).await;
    assert_eq!((second.delivered, second.failed), (2, 0));
    let records = fake.records();
    assert_eq!(
        records.len(),
        2,
        "one deal for the booking, one for the lead: {records:?}"
    );
    let deal = records
        .iter()
        .find(|record| record.external_key.as_deref() == Some(&format!("booking-{booking_id}")))
        .unwrap();
    assert_eq!(deal.status.as_deref(), Some("142"));
    assert_eq!(deal.body["pipeline_id"], 5_012_345);
    let lead = records
        .iter()
        .find(|record| {
            record
                .external_key
                .as_deref()
                .is_some_and(|key| key.starts_with("lead-"))
        })
        .unwrap();
    assert_eq!(
        lead.body["_embedded"]["contacts"][0]["custom_fields_values"][0]["values"][0]["value"],
        "+79161234567"
    );
    let stored: Option<String> = app
        .db
        .scalar(
            "SELECT crm_external_id FROM bookings WHERE id = $1",
            &[&booking_id],
        )
        .await;
    assert_eq!(stored, Some(deal.id.to_string()));

    // A crash after the CRM created the deal but before we recorded it: the retry finds it by our key.
    let (_, second_buyer) = app.quick_buyer("buyer2@crm-once.ru").await;
    let other = app.insert_catalog(developer_id).await;
    app.publish_catalog(&other).await;
    let crashed_booking = book(&app, other.apartment_id, &second_buyer).await;
    let already = fake.insert(
        "lead",
        &format!("Бронь №{crashed_booking} [booking-{crashed_booking}]"),
        &format!("booking-{crashed_booking}"),
    );
    app.db
        .execute("UPDATE crm_deliveries SET attempts = 1 WHERE aggregate_id = $1 AND event_type = 'booking.created'", &[&crashed_booking])
        .await;
    dispatch(&app).await;
    assert_eq!(
        fake.records().len(),
        3,
        "no second deal for the same booking"
    );
    let stored: Option<String> = app
        .db
        .scalar(
            "SELECT crm_external_id FROM bookings WHERE id = $1",
            &[&crashed_booking],
        )
        .await;
    assert_eq!(stored, Some(already.to_string()));

    // A step travels as a status change of the same deal.
    let response = app
        .post_json(
            &format!("/bookings/{booking_id}/confirm"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    dispatch(&app).await;
    assert!(fake
        .requests()
        .iter()
        .any(|(_, request)| request == &format!("PATCH /api/v4/leads/{}", deal.id)));
    assert_eq!(
        fake.records()
            .iter()
            .find(|record| record.id == deal.id)
            .unwrap()
            .status
            .as_deref(),
        Some("143")
    );
    let undelivered: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM crm_deliveries WHERE status <> 'delivered'",
            &[],
        )
        .await;
    assert_eq!(undelivered, 0);
}

/// `count` leads on the catalog's apartment at once, straight into the table (their outbox rows and CRM deliveries
/// come from the same triggers as for the API).
async fn insert_leads(app: &TestApp, apartment_id: i64, prefix: &str, count: i32) {
    app.db
        .execute(
            "INSERT INTO leads (apartment_id, visitor_id, name, phone)
             SELECT $1, $2 || n, 'Покупатель ' || n, '+7916' || lpad(n::text, 7, '0')
             FROM generate_series(1, $3) AS n",
            &[&apartment_id, &prefix, &count],
        )
        .await;
}

/// Runs the dispatcher until `expected` deliveries are delivered; (delivered, seconds).
async fn dispatch_all(app: &TestApp, expected: usize, limit: Duration) -> f64 {
    let started = Instant::now();
    let mut delivered = 0;
    while delivered < expected {
        let round = dispatch(app).await;
        assert_eq!(round.failed, 0, "no failure in a clean burst");
        delivered += round.delivered;
        assert!(
            started.elapsed() < limit,
            "delivered only {delivered} of {expected} in {limit:?}"
        );
    }
    started.elapsed().as_secs_f64()
}

/// The most requests that arrived within one `window`.
fn busiest(times: &[Instant], window: Duration) -> usize {
    times
        .iter()
        .enumerate()
        .map(|(index, at)| {
            times[index..]
                .iter()
                .take_while(|later| later.duration_since(*at) < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// The fullest Bitrix24's leaky bucket got: each request adds one, `per_second` leak out every second.
fn bucket_peak(times: &[Instant], per_second: f64) -> f64 {
    let mut level: f64 = 0.0;
    let mut peak: f64 = 0.0;
    let mut previous: Option<Instant> = None;
    for at in times {
        let leaked = previous.map_or(0.0, |previous| {
            at.duration_since(previous).as_secs_f64() * per_second
        });
        level = (level - leaked).max(0.0) + 1.0;
        peak = peak.max(level);
        previous = Some(*at);
    }
    peak
}

/// Every record the fake holds has its own key, and each of the `expected` keys is there once.
fn exactly_once(records: &[FakeRecord], expected: usize) {
    let keys: HashSet<&str> = records
        .iter()
        .filter_map(|record| record.external_key.as_deref())
        .collect();
    assert_eq!(records.len(), expected, "one record per event");
    assert_eq!(keys.len(), expected, "no key twice");
}

/// 500 leads at once through the real dispatcher to the fake amoCRM. The limiter's window is the CRM's second
/// scaled down (`CRM_BURST_WINDOW_MS`, 100 ms by default; 1000 measures in real time, ~75 s): the limiter frees a
/// slot a window after the answer, so the bound holds exactly at any scale. Asserted at the fake, by arrival time:
/// never more than 7 requests in any window, each lead created once.
#[tokio::test]
async fn a_burst_of_500_leads_never_exceeds_seven_requests_to_amocrm_in_any_window() {
    let window = Duration::from_millis(
        std::env::var("CRM_BURST_WINDOW_MS")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(100),
    );
    let app = TestApp::builder()
        .crm(CrmSettings {
            amocrm_window: window,
            ..crm_settings()
        })
        .spawn()
        .await;
    let fake = FakeCrm::amocrm().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-burst.ru").await;
    connect_amo(&app, &token, developer_id, &fake).await;
    let leads = 500;
    insert_leads(&app, rows.apartment_id, "burst-", leads).await;
    let elapsed = dispatch_all(&app, leads as usize, window * 200).await;
    let times: Vec<Instant> = fake.requests().iter().map(|(at, _)| *at).collect();
    let busiest = busiest(&times, window);
    let span = times.last().unwrap().duration_since(times[0]).as_secs_f64();
    eprintln!(
        "amoCRM burst: {leads} events, {} requests in {elapsed:.2} s (first to last arrival {span:.2} s) = {:.1} \
         requests/s; window {} ms, limit 7 per window = {:.1}/s; busiest window: {busiest}",
        times.len(),
        times.len() as f64 / elapsed,
        window.as_millis(),
        7.0 / window.as_secs_f64(),
    );
    assert!(busiest <= 7, "{busiest} requests within one window");
    assert_eq!(times.len(), leads as usize, "one request per lead");
    exactly_once(&fake.records(), leads as usize);
    // Requests k and k + 7 are at least a window apart.
    let floor = window.as_secs_f64() * f64::from((leads - 1) / 7);
    assert!(
        span >= floor,
        "{leads} at 7 per window span {floor} s at least: {span}"
    );
    let unlinked: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM leads WHERE crm_external_id IS NULL",
            &[],
        )
        .await;
    assert_eq!(unlinked, 0, "every lead knows its CRM id");
}

async fn connect_bitrix(app: &TestApp, token: &str, developer_id: i64, fake: &FakeCrm) -> Value {
    let response = app
        .put_json(
            &format!("/developers/{developer_id}/crm-connection"),
            Some(token),
            &json!({
                "kind": "bitrix24",
                "account": fake.address.to_string(),
                "credentials": {
                    "webhook_url": format!("http://{}/rest/1/{BITRIX_SECRET}/", fake.address),
                    "application_token": BITRIX_APPLICATION_TOKEN,
                },
                "status_map": {"created": "NEW", "confirmed": "PREPAYMENT_INVOICE", "cancelled": "LOSE", "sold": "WON"},
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// 500 leads at once to the fake Bitrix24, in real time with its real limits: `batch` carries 50 commands per
/// request, so the burst is 10 requests, inside the bucket (50 at once, 2 per second) — without batch it would
/// take ~225 s. Asserted at the fake: the bucket never overflows, each lead created once, as a command of a batch.
#[tokio::test]
async fn a_burst_of_500_leads_reaches_bitrix24_in_batches_within_its_bucket() {
    let app = app_with_crm().await;
    let fake = FakeCrm::bitrix24().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-bitrix-burst.ru").await;
    connect_bitrix(&app, &token, developer_id, &fake).await;
    let leads = 500;
    insert_leads(&app, rows.apartment_id, "bitrix-burst-", leads).await;
    let elapsed = dispatch_all(&app, leads as usize, Duration::from_secs(60)).await;
    let requests = fake.requests();
    let times: Vec<Instant> = requests.iter().map(|(at, _)| *at).collect();
    let peak = bucket_peak(&times, 2.0);
    eprintln!(
        "Bitrix24 burst: {leads} events, {} requests ({} of them batch) in {elapsed:.2} s = {:.0} events/s; \
         bucket peak {peak:.1} of 50",
        requests.len(),
        requests.iter().filter(|(_, what)| what == "POST batch").count(),
        f64::from(leads) / elapsed,
    );
    assert!(peak <= 50.0, "the bucket overflowed: {peak}");
    assert_eq!(
        requests.len(),
        10,
        "500 commands, 50 per batch: {requests:?}"
    );
    assert!(requests.iter().all(|(_, what)| what == "POST batch"));
    let commands = fake.commands();
    assert_eq!(commands.len(), leads as usize);
    assert!(commands
        .iter()
        .all(|(method, in_batch)| method == "crm.lead.add" && *in_batch));
    let records = fake.records();
    exactly_once(&records, leads as usize);
    let lead = &records[0].body["fields"];
    assert_eq!(lead["ORIGINATOR_ID"], "nedvizhimost");
    assert_eq!(lead["PHONE"][0]["VALUE_TYPE"], "WORK", "{lead}");
    assert!(
        lead["PHONE"][0]["VALUE"]
            .as_str()
            .unwrap()
            .starts_with("+7916"),
        "{lead}"
    );
    assert!(
        lead["TITLE"]
            .as_str()
            .unwrap()
            .starts_with("Заявка на звонок: квартира"),
        "{lead}"
    );
    let unlinked: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM leads WHERE crm_external_id IS NULL",
            &[],
        )
        .await;
    assert_eq!(unlinked, 0, "every lead knows its CRM id");
}

/// One command refused inside a batch fails only its delivery; a batch answered 503 fails all of its deliveries;
/// their retries look our keys up in one batch and create only what Bitrix24 does not have — nothing twice.
#[tokio::test]
async fn bitrix24_batch_failures_are_per_command_or_whole_and_retries_create_nothing_twice() {
    let app = app_with_crm().await;
    let fake = FakeCrm::bitrix24().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-bitrix-batch.ru").await;
    connect_bitrix(&app, &token, developer_id, &fake).await;
    let (_, buyer) = app.quick_buyer("buyer@crm-bitrix-batch.ru").await;
    let booking_id = book(&app, rows.apartment_id, &buyer).await;
    let other = app.insert_catalog(developer_id).await;
    app.publish_catalog(&other).await;
    let (_, other_buyer) = app.quick_buyer("buyer2@crm-bitrix-batch.ru").await;
    let other_booking = book(&app, other.apartment_id, &other_buyer).await;
    insert_leads(&app, rows.apartment_id, "batch-a-", 5).await;
    let lead_ids: Vec<i64> = app
        .db
        .client()
        .await
        .query("SELECT id FROM leads ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let refused = format!("lead-{}", lead_ids[2]);
    fake.refuse_create_of(&refused);

    let first = dispatch(&app).await;
    assert_eq!((first.delivered, first.failed), (6, 1));
    assert_eq!(fake.requests().len(), 1, "one batch for seven deliveries");
    let mut kinds: Vec<String> = fake
        .commands()
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["crm.deal.add", "crm.lead.add"],
        "a deal and leads in one batch"
    );
    let failed: (String, i32, i64) = {
        let row = app
            .db
            .client()
            .await
            .query_one(
                "SELECT last_error, attempts, aggregate_id FROM crm_deliveries WHERE status = 'pending'",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert!(failed.0.contains("Scripted refusal"), "{failed:?}");
    assert_eq!((failed.1, failed.2), (1, lead_ids[2]));
    let deal_id: String = app
        .db
        .scalar(
            "SELECT crm_external_id FROM bookings WHERE id = $1",
            &[&booking_id],
        )
        .await;
    assert!(fake
        .records()
        .iter()
        .any(|record| record.id.to_string() == deal_id));

    // The retry (alone, so no batch) looks the key up first, then creates.
    due_now(&app).await;
    let retry = dispatch(&app).await;
    assert_eq!((retry.delivered, retry.failed), (1, 0));
    let requests: Vec<String> = fake.requests().into_iter().map(|(_, what)| what).collect();
    assert_eq!(requests[1..], ["POST crm.lead.list", "POST crm.lead.add"]);
    exactly_once(&fake.records(), 7);

    // A batch answered 503 QUERY_LIMIT_EXCEEDED: every delivery in it failed this attempt. Bitrix24 had created
    // two of them before answering (a timeout looks the same): the retries find those two and create the rest.
    insert_leads(&app, rows.apartment_id, "batch-b-", 4).await;
    let new_leads: Vec<i64> = app
        .db
        .client()
        .await
        .query("SELECT id FROM leads ORDER BY id DESC LIMIT 4", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    fake.fail_next(&[503]);
    let limited = dispatch(&app).await;
    assert_eq!((limited.delivered, limited.failed), (0, 4));
    let errors: Vec<String> = app
        .db
        .client()
        .await
        .query(
            "SELECT last_error FROM crm_deliveries WHERE status = 'pending'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(errors.len(), 4);
    assert!(
        errors.iter().all(|error| error.contains("HTTP 503")),
        "{errors:?}"
    );
    for lead in &new_leads[..2] {
        fake.insert("lead", "Заявка", &format!("lead-{lead}"));
    }
    due_now(&app).await;
    let before = fake.requests().len();
    let retried = dispatch(&app).await;
    assert_eq!((retried.delivered, retried.failed), (4, 0));
    let requests: Vec<String> = fake.requests()[before..]
        .iter()
        .map(|(_, what)| what.clone())
        .collect();
    assert_eq!(
        requests,
        ["POST batch", "POST batch"],
        "the lookups in one batch, the creates in another"
    );
    let commands = fake.commands();
    let last: Vec<&str> = commands[commands.len() - 6..]
        .iter()
        .map(|(method, _)| method.as_str())
        .collect();
    assert_eq!(
        last.iter()
            .filter(|method| **method == "crm.lead.list")
            .count(),
        4,
        "{last:?}"
    );
    assert_eq!(
        last.iter()
            .filter(|method| **method == "crm.lead.add")
            .count(),
        2,
        "{last:?}"
    );
    exactly_once(&fake.records(), 11);
    let unlinked: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM leads WHERE crm_external_id IS NULL",
            &[],
        )
        .await;
    assert_eq!(unlinked, 0);

    // Steps of two bookings go as stage changes of their deals, in one batch.
    for booking in [booking_id, other_booking] {
        let response = app
            .post_json(
                &format!("/bookings/{booking}/confirm"),
                Some(&token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let before = fake.requests().len();
    let steps = dispatch(&app).await;
    assert_eq!((steps.delivered, steps.failed), (2, 0));
    let requests: Vec<String> = fake.requests()[before..]
        .iter()
        .map(|(_, what)| what.clone())
        .collect();
    assert_eq!(requests, ["POST batch"]);
    let commands = fake.commands();
    assert_eq!(
        commands[commands.len() - 2..],
        [
            ("crm.deal.update".to_owned(), true),
            ("crm.deal.update".to_owned(), true)
        ]
    );
    let stages: Vec<Option<String>> = fake
        .records()
        .into_iter()
        .filter(|record| record.kind == "deal")
        .map(|record| record.status)
        .collect();
    assert_eq!(
        stages,
        [
            Some("PREPAYMENT_INVOICE".to_owned()),
            Some("PREPAYMENT_INVOICE".to_owned())
        ]
    );
    let stored: String = app
        .db
        .scalar(
            "SELECT crm_external_id FROM crm_deliveries WHERE event_type = 'booking.confirmed' AND aggregate_id = $1",
            &[&booking_id],
        )
        .await;
    assert_eq!(stored, deal_id);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_set_aside_and_can_be_requeued_by_its_company_only() {
    let app = app_with_crm().await;
    let fake = FakeCrm::amocrm().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-dead.ru").await;
    connect_amo(&app, &token, developer_id, &fake).await;
    let (_, buyer) = app.quick_buyer("buyer@crm-dead.ru").await;
    book(&app, rows.apartment_id, &buyer).await;
    fake.fail_next(&[500, 502, 503]);
    for _ in 0..3 {
        dispatch(&app).await;
        due_now(&app).await;
    }
    let page: Value = app
        .get_with(
            &format!("/developers/{developer_id}/crm-deliveries?status=dead"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    let dead = &page["items"][0];
    assert_eq!(
        (dead["attempts"].as_i64(), dead["event_type"].as_str()),
        (Some(3), Some("booking.created"))
    );
    assert!(
        dead["last_error"].as_str().unwrap().contains("HTTP 503"),
        "{dead}"
    );
    let delivery_id = dead["id"].as_i64().unwrap();
    dispatch(&app).await;
    assert!(fake.records().is_empty(), "a dead delivery is not sent");

    let moderator = app.create_moderator("moderator@crm-dead.ru").await;
    let all: Value = app
        .get_with("/moderation/crm-deliveries?status=dead", Some(&moderator))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 1);
    let (stranger, _, _) = developer(&app, "owner@crm-dead-stranger.ru").await;
    let response = app
        .post_json(
            &format!("/crm-deliveries/{delivery_id}/requeue"),
            Some(&stranger),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post_json(
            &format!("/crm-deliveries/{delivery_id}/requeue"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let again = app
        .post_json(
            &format!("/crm-deliveries/{delivery_id}/requeue"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    dispatch(&app).await;
    assert_eq!(fake.records().len(), 1, "delivered after the re-queue");
}

/// Posts an amoCRM status-change form to the connection's webhook.
async fn amo_webhook(
    app: &TestApp,
    url: &str,
    deal_id: &str,
    status_id: &str,
    subdomain: &str,
) -> reqwest::Response {
    let path = url.split("api.nedvizhimost.test").nth(1).unwrap();
    app.http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "leads%5Bstatus%5D%5B0%5D%5Bid%5D={deal_id}&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D={status_id}\
             &leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=5012345&account%5Bid%5D={AMO_ACCOUNT_ID}&account%5Bsubdomain%5D={subdomain}"
        ))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn amocrm_webhooks_are_stored_first_forgeries_rejected_replays_change_nothing_and_steps_do_not_echo(
) {
    let app = app_with_crm().await;
    let fake = FakeCrm::amocrm().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-hook.ru").await;
    let connected = connect_amo(&app, &token, developer_id, &fake).await;
    app.post_json(
        &format!("/developers/{developer_id}/crm-connection/check"),
        Some(&token),
        &json!({}),
    )
    .await;
    let url = connected["webhook_url"].as_str().unwrap().to_owned();
    let (_, buyer) = app.quick_buyer("buyer@crm-hook.ru").await;
    let booking_id = book(&app, rows.apartment_id, &buyer).await;
    dispatch(&app).await;
    let deal_id: String = app
        .db
        .scalar(
            "SELECT crm_external_id FROM bookings WHERE id = $1",
            &[&booking_id],
        )
        .await;

    let forged_url = url.replace("secret=", "secret=00");
    let forged = amo_webhook(&app, &forged_url, &deal_id, "143", "test").await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let wrong_account = amo_webhook(
        &app,
        &url.replace(&format!("{}", connected["id"]), "999999"),
        &deal_id,
        "143",
        "test",
    )
    .await;
    assert_eq!(wrong_account.status(), StatusCode::UNAUTHORIZED);
    let rejected: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM webhook_inbox WHERE status = 'rejected'",
            &[],
        )
        .await;
    assert_eq!(rejected, 2, "forgeries are kept, marked rejected");

    for _ in 0..2 {
        let response = amo_webhook(&app, &url, &deal_id, "143", "test").await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(process_inbox(&app).await, 2);
    let outcomes: Vec<(String, String)> = app
        .db
        .client()
        .await
        .query("SELECT status::text, outcome FROM webhook_inbox WHERE status <> 'rejected' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(outcomes[0].0, "processed", "{outcomes:?}");
    assert!(
        outcomes[0]
            .1
            .contains(&format!("бронь №{booking_id}: подтверждена")),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes[1].0, "ignored",
        "the replay changes nothing: {outcomes:?}"
    );
    let booking: Value = app
        .get_with(&format!("/bookings/{booking_id}"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(booking["status"], "confirmed");
    let echoes: i64 = app
        .db
        .scalar(
            "SELECT count(*) FROM crm_deliveries WHERE event_type = 'booking.confirmed'",
            &[],
        )
        .await;
    assert_eq!(echoes, 0, "a step from the CRM is not sent back to it");

    // Sold, then the CRM says "cancelled": the cabinet's rule holds, the webhook is recorded, nothing changes.
    amo_webhook(&app, &url, &deal_id, "146", "test").await;
    amo_webhook(&app, &url, &deal_id, "144", "test").await;
    amo_webhook(&app, &url, &deal_id, "777", "test").await;
    process_inbox(&app).await;
    let last: Vec<(String, String)> = app
        .db
        .client()
        .await
        .query(
            "SELECT status::text, outcome FROM webhook_inbox ORDER BY id DESC LIMIT 3",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert!(last[0].1.contains("777 не сопоставлен"), "{last:?}");
    assert_eq!(last[1].0, "ignored", "{last:?}");
    assert!(last[1].1.contains("продана"), "{last:?}");
    assert_eq!(last[2].0, "processed", "{last:?}");
    let status: String = app
        .db
        .scalar(
            "SELECT status::text FROM apartments WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    assert_eq!(status, "sold");

    let moderator = app.create_moderator("moderator@crm-hook.ru").await;
    let inbox: Value = app
        .get_with(
            "/moderation/webhook-inbox?status=rejected",
            Some(&moderator),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["total"], 2);
    let first_id: i64 = app
        .db
        .scalar(
            "SELECT min(id) FROM webhook_inbox WHERE status = 'processed'",
            &[],
        )
        .await;
    let reprocess = app
        .post_json(
            &format!("/moderation/webhook-inbox/{first_id}/reprocess"),
            Some(&moderator),
            &json!({}),
        )
        .await;
    assert_eq!(reprocess.status(), StatusCode::OK);
    process_inbox(&app).await;
    let after: String = app
        .db
        .scalar(
            "SELECT status::text FROM webhook_inbox WHERE id = $1",
            &[&first_id],
        )
        .await;
    assert_eq!(after, "ignored", "re-processing is idempotent");
}

#[tokio::test]
async fn bitrix24_deal_stage_comes_back_as_a_booking_step_and_forged_events_are_rejected() {
    let app = app_with_crm().await;
    let fake = FakeCrm::bitrix24().await;
    let (token, developer_id, rows) = developer(&app, "owner@crm-bitrix.ru").await;
    let response = app
        .put_json(
            &format!("/developers/{developer_id}/crm-connection"),
            Some(&token),
            &json!({
                "kind": "bitrix24",
                "account": fake.address.to_string(),
                "credentials": {
                    "webhook_url": format!("http://{}/rest/1/{BITRIX_SECRET}/", fake.address),
                    "application_token": BITRIX_APPLICATION_TOKEN,
                },
                "status_map": {"created": "NEW", "confirmed": "PREPAYMENT_INVOICE", "cancelled": "LOSE", "sold": "WON"},
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let connection: Value = response.json().await.unwrap();
    assert!(!connection.to_string().contains(BITRIX_SECRET));
    let check: Value = app
        .post_json(
            &format!("/developers/{developer_id}/crm-connection/check"),
            Some(&token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["ok"], true, "{check}");

    let (_, buyer) = app.quick_buyer("buyer@crm-bitrix.ru").await;
    let booking_id = book(&app, rows.apartment_id, &buyer).await;
    dispatch(&app).await;
    let deal = fake
        .records()
        .into_iter()
        .find(|record| record.kind == "deal")
        .unwrap();
    assert_eq!(
        (deal.external_key.as_deref(), deal.status.as_deref()),
        (Some(format!("booking-{booking_id}").as_str()), Some("NEW"))
    );

    fake.set_status(deal.id, "PREPAYMENT_INVOICE");
    let event = |token: &str| {
        format!(
            "event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D={}&ts=1764748800&auth%5Bdomain%5D={}&auth%5Bapplication_token%5D={token}",
            deal.id, fake.address
        )
    };
    let path = format!("/integrations/bitrix24/{}/events", connection["id"]);
    let post = |body: String| {
        app.http
            .post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_eq!(
        post(event("forged-token")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(event(BITRIX_APPLICATION_TOKEN))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    process_inbox(&app).await;
    let booking: Value = app
        .get_with(&format!("/bookings/{booking_id}"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(booking["status"], "confirmed", "{booking}");

    // Bitrix24 does not retry: a missed event is caught by the reconciliation of modified deals.
    fake.set_status(deal.id, "WON");
    app.db
        .execute(
            "UPDATE crm_connections SET reconciled_until = now() - interval '1 hour'",
            &[],
        )
        .await;
    let queued = webhooks::reconcile_bitrix24(&app.db.pool, app.crm.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(queued, 1);
    process_inbox(&app).await;
    let status: String = app
        .db
        .scalar(
            "SELECT status::text FROM apartments WHERE id = $1",
            &[&rows.apartment_id],
        )
        .await;
    assert_eq!(status, "sold");
}

/// Everything written to a log, to read it back.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The whole CRM flow with every log line captured — our crate at TRACE, the rest at DEBUG — and every API answer
/// kept: connecting amoCRM (OAuth and a long-lived token) and Bitrix24, checking them (an OAuth refresh), deliveries
/// that fail and are retried (HTTP 500 and 401, a command refused in a Bitrix24 batch), webhooks with their secrets
/// (and forged ones), moderators reading the inbox and the queue, re-sealing under a new key. No secret appears in
/// either. The test runs on one thread with the capturing subscriber as that thread's default: the served app, the
/// fakes and the dispatcher are tasks of this runtime, so all of their lines are captured, and only theirs.
#[tokio::test(flavor = "current_thread")]
async fn no_credential_or_secret_ever_reaches_the_logs_or_the_api_answers() {
    use crate::helpers::fake_crm::{
        AMO_ACCESS_TOKEN, AMO_CLIENT_ID, AMO_CLIENT_SECRET, AMO_NEXT_REFRESH_TOKEN,
        AMO_REFRESH_TOKEN,
    };
    use nedvizhimost::crm::{connections, Crm};

    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "nedvizhimost=trace,tower_http=trace,debug",
        ))
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let capture = tracing::subscriber::set_default(subscriber);

    let settings = crm_settings();
    let app = TestApp::builder().crm(settings.clone()).spawn().await;
    let oauth_fake = FakeCrm::amocrm().await;
    let token_fake = FakeCrm::amocrm().await;
    let bitrix_fake = FakeCrm::bitrix24().await;
    let mut answers = Vec::new();
    let mut keep = |what: &str, answer: Value| answers.push(format!("{what}: {answer}"));

    // amoCRM over OAuth: the check exchanges the refresh token for an access token and a new refresh token.
    let (oauth_owner, oauth_company, oauth_rows) = developer(&app, "owner@crm-logs-oauth.ru").await;
    let response = app
        .put_json(
            &format!("/developers/{oauth_company}/crm-connection"),
            Some(&oauth_owner),
            &json!({
                "kind": "amocrm",
                "account": oauth_fake.address.to_string(),
                "credentials": {
                    "client_id": AMO_CLIENT_ID,
                    "client_secret": AMO_CLIENT_SECRET,
                    "refresh_token": AMO_REFRESH_TOKEN,
                    "redirect_uri": "https://nedvizhimost.test/oauth/amocrm",
                },
                "status_map": {"created": "142", "confirmed": "143", "cancelled": "144", "sold": "146"},
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let oauth_connection: Value = response.json().await.unwrap();
    // The webhook secret is shown in this one answer by design; everything else is checked below.
    let webhook_url = oauth_connection["webhook_url"].as_str().unwrap().to_owned();
    let webhook_secret = webhook_url.split("secret=").nth(1).unwrap().to_owned();
    keep(
        "connect amoCRM (OAuth), without its webhook URL",
        json!({"credentials_saved": oauth_connection["credentials_saved"], "id": oauth_connection["id"]}),
    );
    let check = |token: String, company: i64| {
        let app = &app;
        async move {
            app.post_json(
                &format!("/developers/{company}/crm-connection/check"),
                Some(&token),
                &json!({}),
            )
            .await
            .json::<Value>()
            .await
            .unwrap()
        }
    };
    let checked = check(oauth_owner.clone(), oauth_company).await;
    assert_eq!(checked["ok"], true, "{checked}");
    keep("check amoCRM (OAuth)", checked);
    assert!(oauth_fake
        .requests()
        .iter()
        .any(|(_, what)| what == "POST /oauth2/access_token"));

    // amoCRM with a long-lived token, and Bitrix24.
    let (token_owner, token_company, token_rows) = developer(&app, "owner@crm-logs-token.ru").await;
    let token_connection = connect_amo(&app, &token_owner, token_company, &token_fake).await;
    let token_webhook_secret = token_connection["webhook_url"]
        .as_str()
        .unwrap()
        .split("secret=")
        .nth(1)
        .unwrap()
        .to_owned();
    keep(
        "check amoCRM (token)",
        check(token_owner.clone(), token_company).await,
    );
    let (bitrix_owner, bitrix_company, bitrix_rows) =
        developer(&app, "owner@crm-logs-bitrix.ru").await;
    let bitrix_connection = connect_bitrix(&app, &bitrix_owner, bitrix_company, &bitrix_fake).await;
    keep("connect Bitrix24", bitrix_connection.clone());
    keep(
        "check Bitrix24",
        check(bitrix_owner.clone(), bitrix_company).await,
    );

    // Deliveries, each CRM failing first: HTTP 500, HTTP 401, a command refused inside a batch.
    let (_, buyer) = app.quick_buyer("buyer@crm-logs.ru").await;
    let oauth_booking = book(&app, oauth_rows.apartment_id, &buyer).await;
    let (_, other_buyer) = app.quick_buyer("buyer2@crm-logs.ru").await;
    book(&app, token_rows.apartment_id, &other_buyer).await;
    insert_leads(&app, bitrix_rows.apartment_id, "logs-", 3).await;
    let refused_lead: i64 = app
        .db
        .scalar(
            "SELECT min(l.id) FROM leads l JOIN apartments a ON a.id = l.apartment_id WHERE a.id = $1",
            &[&bitrix_rows.apartment_id],
        )
        .await;
    bitrix_fake.refuse_create_of(&format!("lead-{refused_lead}"));
    oauth_fake.fail_next(&[500]);
    token_fake.fail_next(&[401]);
    let failing = dispatch(&app).await;
    assert_eq!(failing.failed, 3, "{failing:?}");
    due_now(&app).await;
    let retried = dispatch(&app).await;
    assert_eq!((retried.delivered, retried.failed), (3, 0), "{retried:?}");

    // Webhooks with their secrets, and forged ones; Bitrix24's event is read back with crm.deal.get.
    let deal_id: String = app
        .db
        .scalar(
            "SELECT crm_external_id FROM bookings WHERE id = $1",
            &[&oauth_booking],
        )
        .await;
    let subdomain = "test";
    app.db
        .execute(
            "UPDATE crm_connections SET account = $2 WHERE id = $1",
            &[&oauth_connection["id"].as_i64().unwrap(), &subdomain],
        )
        .await;
    assert_eq!(
        amo_webhook(&app, &webhook_url, &deal_id, "143", subdomain)
            .await
            .status(),
        StatusCode::OK
    );
    let forged = amo_webhook(
        &app,
        &webhook_url.replace("secret=", "secret=0"),
        &deal_id,
        "143",
        subdomain,
    )
    .await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    keep("forged amoCRM webhook", forged.json().await.unwrap());
    let bitrix_deal = bitrix_fake.records()[0].id;
    let event = |token: &str| {
        format!(
            "event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D={bitrix_deal}&ts=1764748800&auth%5Bdomain%5D={}\
             &auth%5Bapplication_token%5D={token}",
            bitrix_fake.address
        )
    };
    let events_path = format!("/integrations/bitrix24/{}/events", bitrix_connection["id"]);
    for (token, status) in [
        (BITRIX_APPLICATION_TOKEN, StatusCode::OK),
        ("forged-token", StatusCode::UNAUTHORIZED),
    ] {
        let response = app
            .http
            .post(app.url(&events_path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(event(token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        keep("Bitrix24 event", response.json().await.unwrap());
    }
    assert!(process_inbox(&app).await >= 2);

    // What moderators and developers read back.
    let moderator = app.create_moderator("moderator@crm-logs.ru").await;
    let inbox: Value = app
        .get_with("/moderation/webhook-inbox?limit=200", Some(&moderator))
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["total"].as_i64().unwrap() >= 4, "{inbox}");
    keep("webhook inbox", inbox.clone());
    for item in inbox["items"].as_array().unwrap() {
        let one: Value = app
            .get_with(
                &format!("/moderation/webhook-inbox/{}", item["id"]),
                Some(&moderator),
            )
            .await
            .json()
            .await
            .unwrap();
        keep("webhook inbox entry", one);
    }
    keep(
        "deliveries",
        app.get_with("/moderation/crm-deliveries?limit=200", Some(&moderator))
            .await
            .json()
            .await
            .unwrap(),
    );
    for (owner, company) in [
        (&oauth_owner, oauth_company),
        (&token_owner, token_company),
        (&bitrix_owner, bitrix_company),
    ] {
        keep(
            "connection",
            app.get_with(
                &format!("/developers/{company}/crm-connection"),
                Some(owner),
            )
            .await
            .json()
            .await
            .unwrap(),
        );
    }

    // A new key: every connection is re-sealed, and deliveries go on under it.
    let new_key: [u8; 32] = rand::random();
    let new_key = base64::engine::general_purpose::STANDARD.encode(new_key);
    let rotated = Crm::from_settings(&CrmSettings {
        secrets_key: Some(Secret::new(new_key.clone())),
        previous_secrets_key: settings.secrets_key.clone(),
        ..settings.clone()
    })
    .unwrap();
    assert_eq!(
        connections::reseal_with_current_key(&app.db.pool, &rotated)
            .await
            .unwrap(),
        3
    );
    let (_, third_buyer) = app.quick_buyer("buyer3@crm-logs.ru").await;
    let other = app.insert_catalog(oauth_company).await;
    app.publish_catalog(&other).await;
    book(&app, other.apartment_id, &third_buyer).await;
    let after = dispatcher::dispatch_due(&app.db.pool, &rotated)
        .await
        .unwrap();
    assert_eq!((after.delivered, after.failed), (1, 0));
    drop(capture);

    let logged = logs.text();
    for line in [
        "CRM connected",
        "CRM delivery failed; will retry",
        "CRM webhook rejected",
        "/integrations/bitrix24/{connection}/events",
    ] {
        assert!(
            logged.contains(line),
            "the capture misses {line:?}:\n{logged}"
        );
    }
    let answers = answers.join("\n");
    let secrets = [
        ("amoCRM long-lived token", AMO_TOKEN.to_owned()),
        ("amoCRM client secret", AMO_CLIENT_SECRET.to_owned()),
        ("amoCRM refresh token", AMO_REFRESH_TOKEN.to_owned()),
        ("amoCRM access token", AMO_ACCESS_TOKEN.to_owned()),
        (
            "amoCRM refreshed refresh token",
            AMO_NEXT_REFRESH_TOKEN.to_owned(),
        ),
        ("amoCRM webhook secret", webhook_secret),
        (
            "amoCRM webhook secret (token connection)",
            token_webhook_secret,
        ),
        ("Bitrix24 webhook secret", BITRIX_SECRET.to_owned()),
        (
            "Bitrix24 application_token",
            BITRIX_APPLICATION_TOKEN.to_owned(),
        ),
        (
            "CRM secrets key",
            settings.secrets_key.as_ref().unwrap().expose().to_owned(),
        ),
        ("new CRM secrets key", new_key),
    ];
    for (what, secret) in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "{what} is in the logs:\n{logged}"
        );
        assert!(
            !answers.contains(secret.as_str()),
            "{what} is in an API answer:\n{answers}"
        );
    }
    eprintln!(
        "captured {} log lines ({} bytes) and {} bytes of API answers: none of {} secrets in them",
        logged.lines().count(),
        logged.len(),
        answers.len(),
        secrets.len()
    );
}
