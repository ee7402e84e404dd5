//! Incoming CRM webhooks. Every request is stored raw in `webhook_inbox` before anything else and answered at
//! once; a forged one is kept as `rejected` and answered 401. Processing runs later (the CRM job), row by row in
//! its own transaction (`FOR UPDATE SKIP LOCKED`), idempotently: a CRM status becomes a booking step through the
//! same rules as the cabinet (`bookings::step_in`), and a step already taken changes nothing. A step that came from
//! a CRM is not sent back to it (`crm.origin_connection`), so our own echo cannot loop.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use deadpool_postgres::{Pool, Transaction};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::connections::{client_for, connections_where, load_connection, open_credentials};
use super::types::{StatusMap, WebhookAccepted};
use super::Crm;
use crate::bookings::{step_in, Step, StepActor};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Form fields as they came, in one flat JSON object (`"leads[status][0][id]": "31500123"`).
fn form_fields(body: &[u8]) -> Value {
    let fields: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    json!(fields)
}

/// Bitrix24 signs its events with `auth[application_token]` (and an app's event carries `auth[access_token]`,
/// `auth[refresh_token]`): secrets, kept out of the stored row — the inbox is readable by moderators.
fn without_secrets(mut payload: Value) -> Value {
    if let Some(fields) = payload.as_object_mut() {
        for (name, value) in fields.iter_mut() {
            if name.starts_with("auth[") && name.contains("token") {
                *value = json!("…");
            }
        }
    }
    payload
}

fn kept_headers(headers: &HeaderMap) -> Value {
    let kept: BTreeMap<String, String> = ["content-type", "user-agent", "x-forwarded-for"]
        .iter()
        .filter_map(|name| {
            headers
                .get(*name)
                .and_then(|value| value.to_str().ok())
                .map(|value| ((*name).to_owned(), value.chars().take(300).collect()))
        })
        .collect();
    json!(kept)
}

/// Stores the request before anything else; the new inbox id.
async fn store(
    client: &impl deadpool_postgres::GenericClient,
    source: &str,
    connection_id: i64,
    payload: &Value,
    headers: &Value,
) -> AppResult<i64> {
    Ok(client
        .query_one(
            "INSERT INTO webhook_inbox (source, connection_id, payload, headers)
             VALUES ($1, (SELECT c.id FROM crm_connections c WHERE c.id = $2), $3, $4)
             RETURNING id",
            &[&source, &connection_id, payload, headers],
        )
        .await?
        .get(0))
}

async fn reject(
    client: &impl deadpool_postgres::GenericClient,
    inbox_id: i64,
    reason: &str,
) -> AppResult<AppError> {
    client
        .execute(
            "UPDATE webhook_inbox SET status = 'rejected', processed = true, processed_at = now(), outcome = $2
             WHERE id = $1",
            &[&inbox_id, &reason],
        )
        .await?;
    tracing::warn!(inbox_id, reason, "CRM webhook rejected");
    Ok(AppError::Unauthorized(format!(
        "Вебхук отвергнут: {reason}"
    )))
}

/// Вебхук amoCRM
///
/// Адрес с секретом подключения (`?secret=…`) вводится в настройках вебхуков amoCRM. Тело — форма amoCRM
/// (`leads[status][0][id]`, `leads[status][0][status_id]`, `leads[status][0][pipeline_id]`, `account[id]`,
/// `account[subdomain]`, а также `leads[add]`, `leads[update]`, `leads[delete]`). amoCRM ничего не подписывает:
/// запрос проверяется секретом из адреса и аккаунтом (поддомен и id). Запрос сохраняется до проверки; обработка —
/// асинхронно.
#[utoipa::path(post, path = "/integrations/amocrm/{connection}/webhook", tag = "crm",
    params(
        ("connection" = i64, Path, description = "Подключение CRM", example = 3),
        ("secret" = String, Query, description = "Секрет из адреса, выданного при подключении", example = "9f86d081884c7d659a2feaa0c55ad015"),
    ),
    request_body(content = BTreeMap<String, String>, content_type = "application/x-www-form-urlencoded",
        description = "Форма amoCRM как есть"),
    responses(
        (status = 200, description = "Сохранён, будет обработан", body = WebhookAccepted),
        (status = 401, description = "Неверный секрет, чужой аккаунт или подключение выключено (запрос сохранён как отвергнутый)",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn amocrm_webhook(
    State(state): State<AppState>,
    Path(connection_id): Path<i64>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<WebhookAccepted>> {
    let client = state.pool.get().await?;
    let payload = form_fields(&body);
    let inbox_id = store(
        &client,
        "amocrm",
        connection_id,
        &payload,
        &kept_headers(&headers),
    )
    .await?;
    let secret = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "secret")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let connection = load_connection(&client, "c.id", connection_id).await?;
    let verdict = match &connection {
        None => Err("подключения нет"),
        Some(row) if row.get::<_, String>("kind") != "amocrm" => Err("подключение не amoCRM"),
        Some(row) if !row.get::<_, bool>("enabled") => Err("подключение выключено"),
        Some(row) => {
            let stored: Vec<u8> = row.get("webhook_secret_sha256");
            let account: String = row.get("account");
            let account_id: Option<i64> = row.get("amo_account_id");
            let subdomain = payload["account[subdomain]"].as_str().unwrap_or_default();
            if Sha256::digest(secret.as_bytes())[..] != stored[..] {
                Err("неверный секрет в адресе")
            } else if !account.contains('.') && subdomain != account {
                Err("вебхук другого аккаунта amoCRM (account[subdomain])")
            } else if account_id
                .is_some_and(|id| payload["account[id]"].as_str() != Some(id.to_string().as_str()))
            {
                Err("вебхук другого аккаунта amoCRM (account[id])")
            } else {
                Ok(())
            }
        }
    };
    if let Err(reason) = verdict {
        return Err(reject(&client, inbox_id, reason).await?);
    }
    Ok(Json(WebhookAccepted { inbox_id }))
}

/// События Битрикс24
///
/// Адрес исходящего вебхука Битрикс24 (события ONCRMDEALUPDATE). Тело — форма Битрикс24 (`event`,
/// `data[FIELDS][ID]`, `ts`, `auth[application_token]`, `auth[domain]` …); проверяется `application_token` и домен
/// портала. Токены из `auth[…]` в журнал вебхуков не сохраняются (вместо них `…`). Битрикс24 присылает только id сделки — её этап сервис читает сам (`crm.deal.get`) при обработке.
#[utoipa::path(post, path = "/integrations/bitrix24/{connection}/events", tag = "crm",
    params(("connection" = i64, Path, description = "Подключение CRM", example = 4)),
    request_body(content = BTreeMap<String, String>, content_type = "application/x-www-form-urlencoded",
        description = "Форма Битрикс24 как есть"),
    responses(
        (status = 200, description = "Сохранено, будет обработано", body = WebhookAccepted),
        (status = 401, description = "Неверный application_token, чужой портал или подключение выключено (запрос сохранён как отвергнутый)",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Интеграция с CRM не настроена на сервере (запрос сохранён)", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn bitrix24_event(
    State(state): State<AppState>,
    Path(connection_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<WebhookAccepted>> {
    let client = state.pool.get().await?;
    let payload = form_fields(&body);
    let token = payload["auth[application_token]"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let inbox_id = store(
        &client,
        "bitrix24",
        connection_id,
        &without_secrets(payload.clone()),
        &kept_headers(&headers),
    )
    .await?;
    let crm = super::configured(&state)?;
    let connection = load_connection(&client, "c.id", connection_id).await?;
    let verdict = match &connection {
        None => Err("подключения нет"),
        Some(row) if row.get::<_, String>("kind") != "bitrix24" => Err("подключение не Битрикс24"),
        Some(row) if !row.get::<_, bool>("enabled") => Err("подключение выключено"),
        Some(row) => {
            let credentials = open_credentials(crm, row)?;
            let expected = credentials.application_token.unwrap_or_default();
            let account: String = row.get("account");
            let domain = payload["auth[domain]"].as_str().unwrap_or_default();
            if expected.is_empty()
                || Sha256::digest(token.as_bytes()) != Sha256::digest(expected.as_bytes())
            {
                Err("неверный application_token")
            } else if domain != account {
                Err("событие другого портала (auth[domain])")
            } else {
                Ok(())
            }
        }
    };
    if let Err(reason) = verdict {
        return Err(reject(&client, inbox_id, reason).await?);
    }
    Ok(Json(WebhookAccepted { inbox_id }))
}

/// What one CRM record's status asks of us.
struct StatusChange {
    crm_id: String,
    crm_status: String,
    /// Bitrix24's ORIGIN_ID of the deal (`booking-77`), when known.
    external_key: Option<String>,
}

/// Processes up to `limit` received webhooks; how many were processed.
pub async fn process_inbox(pool: &Pool, crm: &Arc<Crm>, limit: i64) -> Result<usize, String> {
    let mut processed = 0;
    for _ in 0..limit {
        let mut client = pool.get().await.map_err(|error| error.to_string())?;
        let mut transaction = client
            .transaction()
            .await
            .map_err(|error| crate::db::describe_error(&error))?;
        let Some(row) = transaction
            .query_opt(
                "SELECT w.id, w.source, w.connection_id, w.payload FROM webhook_inbox w
                 WHERE w.status = 'received' ORDER BY w.id LIMIT 1 FOR UPDATE SKIP LOCKED",
                &[],
            )
            .await
            .map_err(|error| crate::db::describe_error(&error))?
        else {
            break;
        };
        let inbox_id: i64 = row.get("id");
        let outcome = process_one(&mut transaction, crm, &row).await;
        let (status, outcome, error) = match outcome {
            Ok((true, outcome)) => ("processed", Some(outcome), None),
            Ok((false, outcome)) => ("ignored", Some(outcome), None),
            Err(error) => ("failed", None, Some(error.to_string())),
        };
        if status == "failed" {
            // The half-done work goes; the row keeps the error and can be re-processed.
            transaction
                .rollback()
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
            client
                .execute(
                    "UPDATE webhook_inbox SET status = 'failed', processed = false, processed_at = now(),
                            attempts = attempts + 1, error = $2
                     WHERE id = $1",
                    &[&inbox_id, &error],
                )
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
        } else {
            transaction
                .execute(
                    "UPDATE webhook_inbox SET status = $2::text::webhook_status, processed = true, processed_at = now(),
                            attempts = attempts + 1, outcome = $3, error = NULL
                     WHERE id = $1",
                    &[&inbox_id, &status, &outcome],
                )
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
            transaction
                .commit()
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
        }
        processed += 1;
    }
    Ok(processed)
}

/// (anything changed, what happened in Russian).
async fn process_one(
    transaction: &mut Transaction<'_>,
    crm: &Crm,
    row: &tokio_postgres::Row,
) -> AppResult<(bool, String)> {
    let Some(connection_id) = row.get::<_, Option<i64>>("connection_id") else {
        return Ok((false, "подключения уже нет — пропущено".into()));
    };
    let Some(connection) = load_connection(&*transaction, "c.id", connection_id).await? else {
        return Ok((false, "подключения уже нет — пропущено".into()));
    };
    let developer_id: i64 = connection.get("developer_id");
    let status_map: StatusMap = serde_json::from_value(connection.get("status_map"))
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let payload: Value = row.get("payload");
    let source: String = row.get("source");
    let changes = match source.as_str() {
        "amocrm" => amocrm_changes(&payload),
        "bitrix24" => {
            if payload["event"].as_str() != Some("ONCRMDEALUPDATE") {
                return Ok((
                    false,
                    format!("событие {} не меняет брони — пропущено", payload["event"]),
                ));
            }
            let Some(deal_id) = payload["data[FIELDS][ID]"].as_str() else {
                return Ok((false, "нет data[FIELDS][ID] — пропущено".into()));
            };
            let mut client = client_for(crm, &connection)?;
            let (stage, origin) = client
                .deal(deal_id)
                .await
                .map_err(|error| AppError::ServiceUnavailable(error.to_string()))?;
            vec![StatusChange {
                crm_id: deal_id.to_owned(),
                crm_status: stage,
                external_key: origin,
            }]
        }
        "bitrix24_reconcile" => vec![StatusChange {
            crm_id: payload["deal_id"].as_str().unwrap_or_default().to_owned(),
            crm_status: payload["stage_id"].as_str().unwrap_or_default().to_owned(),
            external_key: payload["origin_id"]
                .as_str()
                .filter(|key| !key.is_empty())
                .map(str::to_owned),
        }],
        other => return Ok((false, format!("источник {other} не обрабатывается"))),
    };
    if changes.is_empty() {
        return Ok((
            false,
            "в вебхуке нет изменений статусов сделок — пропущено".into(),
        ));
    }
    // The steps taken here are not sent back to the CRM they came from.
    transaction
        .execute(
            "SELECT set_config('crm.origin_connection', $1, true)",
            &[&connection_id.to_string()],
        )
        .await?;
    let mut changed = false;
    let mut outcomes = Vec::new();
    for change in changes {
        let booking_id: Option<i64> = transaction
            .query_opt(
                "SELECT b.id FROM bookings b JOIN apartments a ON a.id = b.apartment_id
                 JOIN projects p ON p.id = a.project_id
                 WHERE p.developer_id = $1 AND (b.crm_external_id = $2 OR 'booking-' || b.id = $3)
                 ORDER BY b.id LIMIT 1",
                &[
                    &developer_id,
                    &change.crm_id,
                    &change.external_key.clone().unwrap_or_default(),
                ],
            )
            .await?
            .map(|row| row.get(0));
        let Some(booking_id) = booking_id else {
            outcomes.push(format!(
                "сделка {} — не бронь с нашей платформы, пропущена",
                change.crm_id
            ));
            continue;
        };
        let Some(step) = status_map.step_for(&change.crm_status) else {
            outcomes.push(format!(
                "бронь №{booking_id}: статус CRM {} не сопоставлен шагу брони — записан, не угадываем",
                change.crm_status
            ));
            continue;
        };
        let comment = Some(format!(
            "Из CRM: сделка {}, статус {}",
            change.crm_id, change.crm_status
        ));
        let savepoint = transaction.savepoint("crm_step").await?;
        match step_in(
            &savepoint,
            booking_id,
            step,
            &StepActor::Crm { developer_id },
            comment,
        )
        .await
        {
            Ok(_) => {
                savepoint.commit().await?;
                changed = true;
                outcomes.push(format!("бронь №{booking_id}: {}", step_done(step)));
            }
            Err(AppError::Conflict { detail, .. }) => {
                savepoint.rollback().await?;
                outcomes.push(format!(
                    "бронь №{booking_id}: {} не применено — {detail}",
                    step_done(step)
                ));
            }
            Err(other) => return Err(other),
        }
    }
    Ok((changed, outcomes.join("; ")))
}

fn step_done(step: Step) -> &'static str {
    match step {
        Step::Confirm => "подтверждена",
        Step::Cancel => "отменена",
        Step::Sell => "продана",
    }
}

/// `leads[status][N][id|status_id]` and `leads[update][N][id|status_id]` of an amoCRM form.
fn amocrm_changes(payload: &Value) -> Vec<StatusChange> {
    let Some(fields) = payload.as_object() else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    for section in ["status", "update", "add"] {
        for index in 0.. {
            let id = fields
                .get(&format!("leads[{section}][{index}][id]"))
                .and_then(Value::as_str);
            let status = fields
                .get(&format!("leads[{section}][{index}][status_id]"))
                .and_then(Value::as_str);
            match (id, status) {
                (Some(id), Some(status)) => changes.push(StatusChange {
                    crm_id: id.to_owned(),
                    crm_status: status.to_owned(),
                    external_key: None,
                }),
                (Some(_), None) => continue,
                _ => break,
            }
        }
    }
    changes
}

/// Bitrix24 does not retry its events: read our deals modified since the last reconciliation and queue those whose
/// stage stands for a step as `bitrix24_reconcile` rows (processed like webhooks; a step already taken is a no-op).
pub async fn reconcile_bitrix24(pool: &Pool, crm: &Crm) -> Result<usize, String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    let connections = connections_where(&client, "c.kind = 'bitrix24' AND c.enabled", &[])
        .await
        .map_err(|error| error.to_string())?;
    let mut queued = 0;
    for connection in connections {
        let connection_id: i64 = connection.get("id");
        let status_map: StatusMap = serde_json::from_value(connection.get("status_map"))
            .map_err(|error| error.to_string())?;
        let since = connection
            .get::<_, Option<chrono::DateTime<chrono::Utc>>>("reconciled_until")
            .unwrap_or_else(|| chrono::Utc::now() - chrono::Duration::hours(1));
        let started = chrono::Utc::now();
        let mut crm_client = client_for(crm, &connection).map_err(|error| error.to_string())?;
        let deals = match crm_client.deals_modified_since(since).await {
            Ok(deals) => deals,
            Err(error) => {
                tracing::warn!(connection_id, error = %error, "Bitrix24 reconciliation failed; next time");
                continue;
            }
        };
        for (deal_id, stage, origin) in deals {
            if status_map.step_for(&stage).is_none() {
                continue;
            }
            client
                .execute(
                    "INSERT INTO webhook_inbox (source, connection_id, payload) VALUES ('bitrix24_reconcile', $1, $2)",
                    &[&connection_id, &json!({"deal_id": deal_id, "stage_id": stage, "origin_id": origin.unwrap_or_default()})],
                )
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
            queued += 1;
        }
        client
            .execute(
                "UPDATE crm_connections SET reconciled_until = $2 WHERE id = $1",
                &[&connection_id, &started],
            )
            .await
            .map_err(|error| crate::db::describe_error(&error))?;
    }
    Ok(queued)
}
