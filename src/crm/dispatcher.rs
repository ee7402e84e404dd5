//! Sends `crm_deliveries` to the CRMs. Every replica runs a dispatcher; a connection is served by one of them at a
//! time (session advisory lock per connection), so its rate limiter is its whole budget and its deliveries go in
//! id order. A delivery is taken with `FOR UPDATE SKIP LOCKED`, its attempt is counted and committed, the request
//! is sent, and the outcome is committed; a replica that dies mid-send leaves it pending with the attempt counted.
//! At-least-once is made idempotent by our external key: the dispatcher uses the CRM id it already has, and on any
//! attempt after the first looks the key up in the CRM (`[booking-77]` in amoCRM, `ORIGIN_ID` in Bitrix24) before
//! creating — a resend never creates a second record.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio_postgres::Row;

use super::clients::{CrmClient, CrmError, NewRecord, RecordKind};
use super::connections::{client_for, load_connection, save_credentials};
use super::types::StatusMap;
use super::Crm;
use crate::error::AppError;

/// The first key of the two-key advisory lock "this replica dispatches connection N".
const DISPATCH_LOCK_CLASS: i32 = 4_243_001;
/// Deliveries one connection sends in one round before others get their turn.
const ROUND: usize = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    pub delivered: usize,
    pub failed: usize,
}

/// One round over every connection with due deliveries, the connections side by side.
pub async fn dispatch_due(pool: &Pool, crm: &Arc<Crm>) -> Result<DispatchReport, String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    let connections: Vec<i64> = client
        .query(
            "SELECT DISTINCT d.connection_id FROM crm_deliveries d
             WHERE d.status = 'pending' AND d.next_attempt_at <= now()",
            &[],
        )
        .await
        .map_err(|error| crate::db::describe_error(&error))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    drop(client);
    let mut rounds = tokio::task::JoinSet::new();
    for connection_id in connections {
        let (pool, crm) = (pool.clone(), crm.clone());
        rounds.spawn(async move { dispatch_connection(&pool, &crm, connection_id).await });
    }
    let mut report = DispatchReport::default();
    while let Some(joined) = rounds.join_next().await {
        let round = joined.map_err(|error| error.to_string())??;
        report.delivered += round.delivered;
        report.failed += round.failed;
    }
    Ok(report)
}

/// Sends the due deliveries of one connection, if no other replica is already doing it.
pub async fn dispatch_connection(
    pool: &Pool,
    crm: &Crm,
    connection_id: i64,
) -> Result<DispatchReport, String> {
    let mut client = pool.get().await.map_err(|error| error.to_string())?;
    let lock_key =
        i32::try_from(connection_id).map_err(|_| "connection id beyond int4".to_owned())?;
    let locked: bool = client
        .query_one(
            "SELECT pg_try_advisory_lock($1, $2)",
            &[&DISPATCH_LOCK_CLASS, &lock_key],
        )
        .await
        .map_err(|error| crate::db::describe_error(&error))?
        .get(0);
    if !locked {
        return Ok(DispatchReport::default());
    }
    let outcome = send_round(&mut client, crm, connection_id).await;
    match outcome {
        Ok(report) => {
            client
                .execute(
                    "SELECT pg_advisory_unlock($1, $2)",
                    &[&DISPATCH_LOCK_CLASS, &lock_key],
                )
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
            Ok(report)
        }
        Err(error) => {
            // Closing the connection releases the session lock whatever state it is in.
            drop(Object::take(client));
            Err(error)
        }
    }
}

async fn send_round(
    client: &mut Object,
    crm: &Crm,
    connection_id: i64,
) -> Result<DispatchReport, String> {
    let describe = |error: AppError| error.to_string();
    let Some(connection) = load_connection(&*client, "c.id", connection_id)
        .await
        .map_err(describe)?
    else {
        return Ok(DispatchReport::default());
    };
    if !connection.get::<_, bool>("enabled") {
        return Ok(DispatchReport::default());
    }
    let status_map: StatusMap =
        serde_json::from_value(connection.get("status_map")).map_err(|error| error.to_string())?;
    let pipeline: Option<String> = connection.get("pipeline_id");
    let mut crm_client = match client_for(crm, &connection) {
        Ok(crm_client) => crm_client,
        Err(error) => {
            tracing::error!(connection_id, error = %error, "CRM credentials cannot be opened; deliveries wait");
            return Ok(DispatchReport::default());
        }
    };
    let mut report = DispatchReport::default();
    let database = |error: tokio_postgres::Error| crate::db::describe_error(&error);
    for _ in 0..ROUND {
        // The attempt is counted (and committed) before the request: a replica that dies mid-send leaves
        // attempts > 0, and the next attempt looks the record up in the CRM before creating it.
        let transaction = client.transaction().await.map_err(database)?;
        let Some(delivery) = transaction
            .query_opt(include_str!("next_delivery.sql"), &[&connection_id])
            .await
            .map_err(database)?
        else {
            break;
        };
        let delivery_id: i64 = delivery.get("id");
        let attempts: i32 = delivery.get::<_, i32>("attempts") + 1;
        transaction
            .execute(
                "UPDATE crm_deliveries SET attempts = $2 WHERE id = $1",
                &[&delivery_id, &attempts],
            )
            .await
            .map_err(database)?;
        transaction.commit().await.map_err(database)?;

        let sent = deliver(
            &*client,
            &mut crm_client,
            &delivery,
            &status_map,
            pipeline.as_deref(),
            attempts > 1,
        )
        .await;
        let transaction = client.transaction().await.map_err(database)?;
        match sent {
            Ok(Sent {
                external_id,
                note,
                record,
            }) => {
                transaction
                    .execute(
                        "UPDATE crm_deliveries SET status = 'delivered', delivered_at = now(), crm_external_id = $2,
                                last_error = $3
                         WHERE id = $1",
                        &[&delivery_id, &external_id, &note],
                    )
                    .await
                    .map_err(database)?;
                if let (Some(record), Some(external_id)) = (record, &external_id) {
                    transaction
                        .execute(record.update_sql(), &[&record.id(), external_id])
                        .await
                        .map_err(database)?;
                }
                report.delivered += 1;
            }
            Err(Failure::Crm(error)) => {
                if matches!(error, CrmError::RateLimited { .. }) {
                    crm.limiter(
                        connection_id,
                        super::CrmKind::parse(connection.get("kind")).map_err(describe)?,
                    )
                    .drain()
                    .await;
                }
                let dead = attempts >= crm.settings.max_attempts as i32;
                let retry_in = backoff(attempts);
                transaction
                    .execute(
                        "UPDATE crm_deliveries
                            SET last_error = $2,
                                status = CASE WHEN $3 THEN 'dead'::crm_delivery_status ELSE status END,
                                next_attempt_at = now() + make_interval(secs => $4)
                          WHERE id = $1",
                        &[&delivery_id, &error.to_string(), &dead, &retry_in.as_secs_f64()],
                    )
                    .await
                    .map_err(database)?;
                if dead {
                    tracing::warn!(connection_id, delivery_id, attempts, error = %error, "CRM delivery set aside (dead)");
                } else {
                    tracing::info!(connection_id, delivery_id, attempts, error = %error, "CRM delivery failed; will retry");
                }
                report.failed += 1;
            }
            Err(Failure::Database(error)) => return Err(error),
        }
        transaction.commit().await.map_err(database)?;
        if report.failed > 0 {
            // The CRM is unhappy: the rest of this connection waits for the next round.
            break;
        }
    }
    if crm_client.credentials_changed {
        save_credentials(crm, &*client, connection_id, &crm_client.credentials)
            .await
            .map_err(describe)?;
    }
    Ok(report)
}

enum Failure {
    Crm(CrmError),
    Database(String),
}

impl From<CrmError> for Failure {
    fn from(error: CrmError) -> Self {
        Failure::Crm(error)
    }
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Self {
        Failure::Database(crate::db::describe_error(&error))
    }
}

/// 2^attempts seconds (at most an hour) with ±50 % jitter, so that a CRM coming back is not hit by every retry at once.
pub fn backoff(attempts: i32) -> Duration {
    let base = 2f64.powi(attempts.clamp(0, 12)).min(3600.0);
    Duration::from_secs_f64(base * (0.5 + rand::random::<f64>()))
}

/// Whose `crm_external_id` a delivery fills in.
enum Record {
    Lead(i64),
    Booking(i64),
}

impl Record {
    fn update_sql(&self) -> &'static str {
        match self {
            Record::Lead(_) => "UPDATE leads SET crm_external_id = $2 WHERE id = $1",
            Record::Booking(_) => "UPDATE bookings SET crm_external_id = $2 WHERE id = $1",
        }
    }

    fn id(&self) -> i64 {
        match self {
            Record::Lead(id) | Record::Booking(id) => *id,
        }
    }
}

/// What a delivery ended with: the CRM id, a note when nothing had to be sent, the row to remember the id on.
struct Sent {
    external_id: Option<String>,
    note: Option<String>,
    record: Option<Record>,
}

impl Sent {
    fn nothing(note: String) -> Self {
        Self {
            external_id: None,
            note: Some(note),
            record: None,
        }
    }
}

/// Sends one delivery. `retry`: an earlier attempt may have reached the CRM, so look our key up before creating.
async fn deliver(
    client: &impl deadpool_postgres::GenericClient,
    crm: &mut CrmClient,
    delivery: &Row,
    status_map: &StatusMap,
    pipeline: Option<&str>,
    retry: bool,
) -> Result<Sent, Failure> {
    let event_type: String = delivery.get("event_type");
    let aggregate_id: i64 = delivery.get("aggregate_id");
    match event_type.as_str() {
        "lead.created" => {
            let Some(lead) = client
                .query_opt(include_str!("lead_record.sql"), &[&aggregate_id])
                .await?
            else {
                return Ok(Sent::nothing(
                    "заявки больше нет — нечего отправлять".into(),
                ));
            };
            let record = NewRecord {
                kind: RecordKind::Lead,
                external_key: format!("lead-{aggregate_id}"),
                title: lead.get("title"),
                price: lead.get("price"),
                contact_name: lead.get("name"),
                phone: lead.get("phone"),
                email: None,
                comment: lead.get("comment"),
                status: None,
                pipeline: pipeline.map(str::to_owned),
            };
            let external_id = create_once(crm, lead.get("crm_external_id"), &record, retry).await?;
            Ok(Sent {
                external_id: Some(external_id),
                note: None,
                record: Some(Record::Lead(aggregate_id)),
            })
        }
        "booking.created" => {
            let Some(booking) = client
                .query_opt(include_str!("booking_record.sql"), &[&aggregate_id])
                .await?
            else {
                return Ok(Sent::nothing("брони больше нет — нечего отправлять".into()));
            };
            let record = NewRecord {
                kind: RecordKind::Deal,
                external_key: format!("booking-{aggregate_id}"),
                title: booking.get("title"),
                price: booking.get("price"),
                contact_name: booking.get("name"),
                phone: None,
                email: booking.get("email"),
                comment: booking.get("comment"),
                status: status_map.created.clone(),
                pipeline: pipeline.map(str::to_owned),
            };
            let external_id =
                create_once(crm, booking.get("crm_external_id"), &record, retry).await?;
            Ok(Sent {
                external_id: Some(external_id),
                note: None,
                record: Some(Record::Booking(aggregate_id)),
            })
        }
        step if step.starts_with("booking.") => {
            let action = &step["booking.".len()..];
            let Some(status) = status_map.for_action(action) else {
                return Ok(Sent::nothing(format!(
                    "шаг «{action}» не сопоставлен статусу CRM — CRM не меняли"
                )));
            };
            let external_id: Option<String> = client
                .query_opt(
                    "SELECT crm_external_id FROM bookings WHERE id = $1",
                    &[&aggregate_id],
                )
                .await?
                .and_then(|row| row.get(0));
            let Some(external_id) = external_id else {
                return Err(Failure::Crm(CrmError::Setup(
                    "у брони ещё нет сделки в CRM: сначала должна дойти доставка booking.created"
                        .into(),
                )));
            };
            crm.set_status(&external_id, status, pipeline).await?;
            Ok(Sent {
                external_id: Some(external_id),
                note: None,
                record: None,
            })
        }
        other => Ok(Sent::nothing(format!(
            "событие {other} в CRM не отправляется"
        ))),
    }
}

/// The record's CRM id: the one we stored, on a retry the one the CRM knows under our key, or a new record.
async fn create_once(
    crm: &mut CrmClient,
    stored: Option<String>,
    record: &NewRecord,
    retry: bool,
) -> Result<String, CrmError> {
    if let Some(external_id) = stored {
        return Ok(external_id);
    }
    if retry {
        if let Some(external_id) = crm.find(record.kind, &record.external_key).await? {
            return Ok(external_id);
        }
    }
    crm.create(record).await
}
