//! Sends `crm_deliveries` to the CRMs. Every replica runs a dispatcher; a connection is served by one of them at a
//! time (session advisory lock per connection), so its rate limiter is its whole budget and its deliveries go in
//! id order. A delivery is taken with `FOR UPDATE SKIP LOCKED`, its attempt is counted and committed, the request
//! is sent, and the outcome is committed; a replica that dies mid-send leaves it pending with the attempt counted.
//! At-least-once is made idempotent by our external key: the dispatcher uses the CRM id it already has, and on any
//! attempt after the first looks the key up in the CRM (`[booking-77]` in amoCRM, `ORIGIN_ID` in Bitrix24) before
//! creating — a resend never creates a second record.
//!
//! Bitrix24 bursts: up to 50 due deliveries of a connection are claimed together and sent as one `batch` request
//! (one request against the bucket): first the lookups of the retries among them (one batch), then the creates and
//! stage changes (another). A command Bitrix24 refuses fails only its delivery; a failed request (transport, 503
//! `QUERY_LIMIT_EXCEEDED`) fails the attempt of every delivery in it. Retries keep the lookup-before-create rule
//! inside the batch, so a batch that timed out after Bitrix24 ran it creates nothing twice.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio_postgres::Row;

use super::clients::{
    CrmClient, CrmError, Done, NewRecord, Operation, RecordKind, BITRIX_BATCH_LIMIT,
};
use super::connections::{client_for, load_connection, save_credentials};
use super::types::StatusMap;
use super::{Crm, CrmKind};
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
    let database = |error: tokio_postgres::Error| crate::db::describe_error(&error);
    let Some(connection) = load_connection(&*client, "c.id", connection_id)
        .await
        .map_err(describe)?
    else {
        return Ok(DispatchReport::default());
    };
    if !connection.get::<_, bool>("enabled") {
        return Ok(DispatchReport::default());
    }
    let kind = CrmKind::parse(connection.get("kind")).map_err(describe)?;
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
    // Bitrix24 takes up to 50 commands in one request; amoCRM deliveries go one by one.
    let per_claim = match kind {
        CrmKind::Bitrix24 => BITRIX_BATCH_LIMIT as i64,
        CrmKind::Amocrm => 1,
    };
    let mut report = DispatchReport::default();
    let mut handled = 0;
    while handled < ROUND {
        // The attempts are counted (and committed) before the requests: a replica that dies mid-send leaves
        // attempts > 0, and the next attempt looks the record up in the CRM before creating it.
        let transaction = client.transaction().await.map_err(database)?;
        let claimed = transaction
            .query(
                include_str!("next_deliveries.sql"),
                &[&connection_id, &per_claim],
            )
            .await
            .map_err(database)?;
        if claimed.is_empty() {
            break;
        }
        let ids: Vec<i64> = claimed.iter().map(|row| row.get("id")).collect();
        transaction
            .execute(
                "UPDATE crm_deliveries SET attempts = attempts + 1 WHERE id = ANY($1)",
                &[&ids],
            )
            .await
            .map_err(database)?;
        transaction.commit().await.map_err(database)?;
        handled += claimed.len();

        let mut slots = Vec::with_capacity(claimed.len());
        for delivery in &claimed {
            slots.push(
                plan(&*client, delivery, &status_map, pipeline.as_deref())
                    .await
                    .map_err(database)?,
            );
        }
        execute(&mut crm_client, &mut slots).await;
        if slots
            .iter()
            .any(|slot| matches!(slot.state, State::Failed(CrmError::RateLimited { .. })))
        {
            crm.limiter(connection_id, kind).drain();
        }
        let transaction = client.transaction().await.map_err(database)?;
        for slot in slots {
            record(&transaction, crm, connection_id, slot, &mut report)
                .await
                .map_err(database)?;
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

/// One claimed delivery on its way.
struct Slot {
    delivery_id: i64,
    attempts: i32,
    /// The row whose `crm_external_id` the CRM id goes to.
    owner: Option<Record>,
    /// On a retry: what to create when the lookup of our key finds nothing.
    create: Option<NewRecord>,
    state: State,
}

enum State {
    /// A request to make.
    Due(Operation),
    /// Done: the CRM id, or a note when nothing had to be sent.
    Sent {
        external_id: Option<String>,
        note: Option<String>,
    },
    Failed(CrmError),
    /// Claimed, but the round stopped before its request: its attempt is given back.
    NotSent,
}

impl Slot {
    fn sent(delivery: &Row, external_id: Option<String>, note: Option<String>) -> Self {
        Self::with(delivery, State::Sent { external_id, note })
    }

    fn with(delivery: &Row, state: State) -> Self {
        Self {
            delivery_id: delivery.get("id"),
            attempts: delivery.get::<_, i32>("attempts") + 1,
            owner: None,
            create: None,
            state,
        }
    }

    /// A new lead or deal: the id we already have, else (on a retry) a lookup of our key first, else a create.
    fn create(delivery: &Row, stored: Option<String>, record: NewRecord, owner: Record) -> Self {
        let mut slot = Self::with(delivery, State::NotSent);
        slot.owner = Some(owner);
        slot.state = match stored {
            Some(external_id) => State::Sent {
                external_id: Some(external_id),
                note: None,
            },
            None if slot.attempts > 1 => {
                let lookup = Operation::Find {
                    kind: record.kind,
                    external_key: record.external_key.clone(),
                };
                slot.create = Some(record);
                State::Due(lookup)
            }
            None => State::Due(Operation::Create(record)),
        };
        slot
    }

    /// The answer to its request.
    fn answered(&mut self, result: Result<Done, CrmError>) {
        let State::Due(operation) = &self.state else {
            return;
        };
        self.state = match (result, operation) {
            (Ok(Done::Found(None)), _) => match self.create.take() {
                Some(record) => State::Due(Operation::Create(record)),
                None => State::Failed(CrmError::Unexpected("нечего создавать".into())),
            },
            (Ok(Done::Found(Some(external_id)) | Done::Created(external_id)), _) => State::Sent {
                external_id: Some(external_id),
                note: None,
            },
            (Ok(Done::StatusSet), Operation::SetStatus { external_id, .. }) => State::Sent {
                external_id: Some(external_id.clone()),
                note: None,
            },
            (Ok(Done::StatusSet), _) => State::Sent {
                external_id: None,
                note: None,
            },
            (Err(error), _) => State::Failed(error),
        };
    }
}

/// What one delivery asks of the CRM, read from our rows (the contact of a lead is read only here).
async fn plan(
    client: &impl deadpool_postgres::GenericClient,
    delivery: &Row,
    status_map: &StatusMap,
    pipeline: Option<&str>,
) -> Result<Slot, tokio_postgres::Error> {
    let event_type: String = delivery.get("event_type");
    let aggregate_id: i64 = delivery.get("aggregate_id");
    match event_type.as_str() {
        "lead.created" => {
            let Some(lead) = client
                .query_opt(include_str!("lead_record.sql"), &[&aggregate_id])
                .await?
            else {
                return Ok(Slot::sent(
                    delivery,
                    None,
                    Some("заявки больше нет — нечего отправлять".into()),
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
            Ok(Slot::create(
                delivery,
                lead.get("crm_external_id"),
                record,
                Record::Lead(aggregate_id),
            ))
        }
        "booking.created" => {
            let Some(booking) = client
                .query_opt(include_str!("booking_record.sql"), &[&aggregate_id])
                .await?
            else {
                return Ok(Slot::sent(
                    delivery,
                    None,
                    Some("брони больше нет — нечего отправлять".into()),
                ));
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
            Ok(Slot::create(
                delivery,
                booking.get("crm_external_id"),
                record,
                Record::Booking(aggregate_id),
            ))
        }
        step if step.starts_with("booking.") => {
            let action = &step["booking.".len()..];
            let Some(status) = status_map.for_action(action) else {
                return Ok(Slot::sent(
                    delivery,
                    None,
                    Some(format!(
                        "шаг «{action}» не сопоставлен статусу CRM — CRM не меняли"
                    )),
                ));
            };
            let external_id: Option<String> = client
                .query_opt(
                    "SELECT crm_external_id FROM bookings WHERE id = $1",
                    &[&aggregate_id],
                )
                .await?
                .and_then(|row| row.get(0));
            let Some(external_id) = external_id else {
                return Ok(Slot::with(
                    delivery,
                    State::Failed(CrmError::Setup(
                        "у брони ещё нет сделки в CRM: сначала должна дойти доставка booking.created"
                            .into(),
                    )),
                ));
            };
            Ok(Slot::with(
                delivery,
                State::Due(Operation::SetStatus {
                    external_id,
                    status: status.to_owned(),
                    pipeline: pipeline.map(str::to_owned),
                }),
            ))
        }
        other => Ok(Slot::sent(
            delivery,
            None,
            Some(format!("событие {other} в CRM не отправляется")),
        )),
    }
}

/// Sends what the slots ask for: first the lookups of retries, then creates and status changes (a lookup that found
/// nothing becomes a create). Bitrix24 gets two or more at once as one `batch`; anything else goes one request at a
/// time, and after a failure the rest is not sent.
async fn execute(crm: &mut CrmClient, slots: &mut [Slot]) {
    let mut stopped = false;
    for lookups in [true, false] {
        let due: Vec<usize> = (0..slots.len())
            .filter(|&index| match &slots[index].state {
                State::Due(operation) => matches!(operation, Operation::Find { .. }) == lookups,
                _ => false,
            })
            .collect();
        let (mut batched, mut single): (Vec<usize>, Vec<usize>) =
            due.into_iter()
                .partition(|&index| match &slots[index].state {
                    State::Due(operation) => crm.batchable(operation),
                    _ => false,
                });
        if batched.len() < 2 {
            single.append(&mut batched);
            single.sort_unstable();
        }
        for chunk in batched.chunks(BITRIX_BATCH_LIMIT) {
            if stopped {
                break;
            }
            let operations: Vec<(String, Operation)> = chunk
                .iter()
                .filter_map(|&index| match &slots[index].state {
                    State::Due(operation) => {
                        Some((format!("d{}", slots[index].delivery_id), operation.clone()))
                    }
                    _ => None,
                })
                .collect();
            match crm.run_batch(&operations).await {
                Ok(results) => {
                    for (&index, result) in chunk.iter().zip(results) {
                        slots[index].answered(result);
                    }
                }
                Err(error) => {
                    // The whole request failed: every command of it failed this attempt.
                    stopped = true;
                    for &index in chunk {
                        slots[index].answered(Err(error.clone()));
                    }
                }
            }
        }
        for index in single {
            if stopped {
                break;
            }
            let State::Due(operation) = &slots[index].state else {
                continue;
            };
            let result = crm.run(&operation.clone()).await;
            stopped = result.is_err();
            slots[index].answered(result);
        }
    }
    for slot in slots {
        if matches!(slot.state, State::Due(_)) {
            slot.state = State::NotSent;
        }
    }
}

/// Commits what became of one delivery.
async fn record(
    transaction: &deadpool_postgres::Transaction<'_>,
    crm: &Crm,
    connection_id: i64,
    slot: Slot,
    report: &mut DispatchReport,
) -> Result<(), tokio_postgres::Error> {
    let delivery_id = slot.delivery_id;
    match slot.state {
        State::Sent { external_id, note } => {
            transaction
                .execute(
                    "UPDATE crm_deliveries SET status = 'delivered', delivered_at = now(), crm_external_id = $2,
                            last_error = $3
                     WHERE id = $1",
                    &[&delivery_id, &external_id, &note],
                )
                .await?;
            if let (Some(owner), Some(external_id)) = (slot.owner, &external_id) {
                transaction
                    .execute(owner.update_sql(), &[&owner.id(), external_id])
                    .await?;
            }
            report.delivered += 1;
        }
        State::Failed(error) => {
            let attempts = slot.attempts;
            let dead = attempts >= crm.settings.max_attempts as i32;
            let retry_in = backoff(attempts);
            transaction
                .execute(
                    "UPDATE crm_deliveries
                        SET last_error = $2,
                            status = CASE WHEN $3 THEN 'dead'::crm_delivery_status ELSE status END,
                            next_attempt_at = now() + make_interval(secs => $4)
                      WHERE id = $1",
                    &[
                        &delivery_id,
                        &error.to_string(),
                        &dead,
                        &retry_in.as_secs_f64(),
                    ],
                )
                .await?;
            if dead {
                tracing::warn!(connection_id, delivery_id, attempts, error = %error, "CRM delivery set aside (dead)");
            } else {
                tracing::info!(connection_id, delivery_id, attempts, error = %error, "CRM delivery failed; will retry");
            }
            report.failed += 1;
        }
        State::NotSent | State::Due(_) => {
            transaction
                .execute(
                    "UPDATE crm_deliveries SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0",
                    &[&delivery_id],
                )
                .await?;
        }
    }
    Ok(())
}
