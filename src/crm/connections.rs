//! A company's CRM connection (connect, read, check, disconnect) and its delivery queue.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio_postgres::Row;

use super::clients::{CrmClient, StoredCredentials};
use super::secrets::Sealed;
use super::types::*;
use super::{configured, Crm};
use crate::auth::{require_company_member, require_company_owner, CurrentUser};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, LIST_PAGES};
use crate::state::AppState;
use crate::validation::FieldErrors;

const CONNECTION_COLUMNS: &str = "c.id, c.developer_id, c.kind::text AS kind, c.account, c.api_base_url, \
    c.amo_account_id, c.credentials_ciphertext, c.credentials_nonce, c.credentials_key_id, c.status_map, \
    c.pipeline_id, c.enabled, c.last_checked_at, c.last_check_result, c.reconciled_until, c.created_at, \
    c.updated_at, c.webhook_secret_sha256";

pub(crate) async fn load_connection(
    client: &impl deadpool_postgres::GenericClient,
    filter: &str,
    id: i64,
) -> AppResult<Option<Row>> {
    Ok(connections_where(client, &format!("{filter} = $1"), &[&id])
        .await?
        .pop())
}

/// Every connection row matching `condition` (over `c`), in id order.
pub(crate) async fn connections_where(
    client: &impl deadpool_postgres::GenericClient,
    condition: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> AppResult<Vec<Row>> {
    Ok(client
        .query(
            &format!("SELECT {CONNECTION_COLUMNS} FROM crm_connections c WHERE {condition} ORDER BY c.id"),
            params,
        )
        .await?)
}

/// The caller's company's connection: members and moderators only, 404 when none is connected.
async fn company_connection(
    client: &impl deadpool_postgres::GenericClient,
    caller: &CurrentUser,
    developer_id: i64,
) -> AppResult<Row> {
    require_company_member(client, caller, developer_id).await?;
    load_connection(client, "c.developer_id", developer_id)
        .await?
        .ok_or_else(|| AppError::not_found("CRM не подключена"))
}

/// Re-seals the credentials sealed under `CRM_SECRETS_PREVIOUS_KEY` with the current key; how many rows.
pub async fn reseal_with_current_key(
    pool: &deadpool_postgres::Pool,
    crm: &Crm,
) -> Result<usize, String> {
    let client = pool.get().await.map_err(|error| error.to_string())?;
    let stale = connections_where(
        &client,
        "c.credentials_key_id <> $1",
        &[&crm.secrets.current_key_id()],
    )
    .await
    .map_err(|error| error.to_string())?;
    let mut resealed = 0;
    for row in stale {
        let connection_id: i64 = row.get("id");
        match open_credentials(crm, &row) {
            Ok(credentials) => {
                save_credentials(crm, &client, connection_id, &credentials)
                    .await
                    .map_err(|error| error.to_string())?;
                resealed += 1;
            }
            Err(error) => {
                tracing::error!(connection_id, error = %error, "CRM credentials cannot be re-sealed")
            }
        }
    }
    Ok(resealed)
}

/// The credentials of a connection row, opened.
pub(crate) fn open_credentials(crm: &Crm, row: &Row) -> AppResult<StoredCredentials> {
    let sealed = Sealed {
        ciphertext: row.get("credentials_ciphertext"),
        nonce: row.get("credentials_nonce"),
        key_id: row.get("credentials_key_id"),
    };
    let plain = crm
        .secrets
        .open(&sealed)
        .map_err(|error| AppError::ServiceUnavailable(error.to_string()))?;
    serde_json::from_slice(&plain)
        .map_err(|error| AppError::Internal(format!("credentials JSON: {error}")))
}

/// The HTTP client of a connection row.
pub(crate) fn client_for(crm: &Crm, row: &Row) -> AppResult<CrmClient> {
    let kind = CrmKind::parse(row.get("kind"))?;
    Ok(CrmClient::new(
        crm.http.clone(),
        kind,
        row.get("api_base_url"),
        open_credentials(crm, row)?,
        crm.limiter(row.get("id"), kind),
    ))
}

/// Seals changed credentials (an amoCRM OAuth refresh) back into the row.
pub(crate) async fn save_credentials(
    crm: &Crm,
    client: &impl deadpool_postgres::GenericClient,
    connection_id: i64,
    credentials: &StoredCredentials,
) -> AppResult<()> {
    let sealed = crm
        .secrets
        .seal(&serde_json::to_vec(credentials).expect("credentials serialize"));
    client
        .execute(
            "UPDATE crm_connections SET credentials_ciphertext = $2, credentials_nonce = $3, credentials_key_id = $4
             WHERE id = $1",
            &[&connection_id, &sealed.ciphertext, &sealed.nonce, &sealed.key_id],
        )
        .await?;
    Ok(())
}

fn credential_names(credentials: &StoredCredentials) -> Vec<String> {
    let present = [
        ("long_lived_token", credentials.long_lived_token.is_some()),
        ("client_id", credentials.client_id.is_some()),
        ("client_secret", credentials.client_secret.is_some()),
        ("refresh_token", credentials.refresh_token.is_some()),
        ("redirect_uri", credentials.redirect_uri.is_some()),
        ("webhook_url", credentials.webhook_url.is_some()),
        ("application_token", credentials.application_token.is_some()),
    ];
    present
        .iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

fn webhook_url(crm: &Crm, kind: CrmKind, connection_id: i64, secret: Option<&str>) -> String {
    let base = &crm.settings.public_api_url;
    match kind {
        CrmKind::Amocrm => format!(
            "{base}/integrations/amocrm/{connection_id}/webhook?secret={}",
            secret.unwrap_or("…")
        ),
        CrmKind::Bitrix24 => format!("{base}/integrations/bitrix24/{connection_id}/events"),
    }
}

fn view(crm: &Crm, row: &Row, secret: Option<&str>) -> AppResult<Connection> {
    let credentials = open_credentials(crm, row)?;
    let kind = CrmKind::parse(row.get("kind"))?;
    Connection::from_row(
        row,
        credential_names(&credentials),
        webhook_url(crm, kind, row.get("id"), secret),
    )
}

/// `host[:port]` of an address or an account name, lower-case.
fn host_of(address: &str) -> &str {
    let without_scheme = address.split_once("://").map_or(address, |(_, rest)| rest);
    without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
}

/// The scheme the service uses for a host, if `CRM_ALLOWED_HOSTS` allows it at all: `https`, or `http` for an
/// entry written as `http://host` (loopback fakes in tests, an on-premises Bitrix24 inside a closed network).
fn allowed_scheme(allowed: &[String], host_with_port: &str) -> Option<&'static str> {
    let host = host_with_port
        .rsplit_once(':')
        .map_or(host_with_port, |(host, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                host
            } else {
                host_with_port
            }
        });
    allowed.iter().find_map(|entry| {
        let (scheme, domain) = match entry.strip_prefix("http://") {
            Some(domain) => ("http", domain),
            None => ("https", entry.strip_prefix("https://").unwrap_or(entry)),
        };
        (host == domain || host.ends_with(&format!(".{domain}"))).then_some(scheme)
    })
}

/// Checks the request against the kind's rules; (account, api_base_url, credentials to seal).
fn validated(
    crm: &Crm,
    request: ConnectionRequest,
) -> AppResult<(String, String, StoredCredentials, StatusMap, Option<String>)> {
    let mut errors = FieldErrors::default();
    let account = request.account.trim().to_lowercase();
    let host = match request.kind {
        CrmKind::Amocrm if !account.contains('.') && !account.contains(':') => {
            format!("{account}.amocrm.ru")
        }
        _ => host_of(&account).to_owned(),
    };
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
    if !valid_host {
        errors.add(
            "account",
            "нужен поддомен amoCRM (example) или адрес портала (example.bitrix24.ru)",
        );
    }
    let scheme = allowed_scheme(&crm.settings.allowed_hosts, &host);
    if valid_host && scheme.is_none() {
        errors.add(
            "account",
            format!(
                "адрес {host} не из разрешённых (CRM_ALLOWED_HOSTS: {}); для коробочного Битрикс24 попросите \
                 администратора добавить его",
                crm.settings.allowed_hosts.join(", ")
            ),
        );
    }
    let credentials = request.credentials;
    let long = |value: &Option<String>, field: &str, max: usize, errors: &mut FieldErrors| {
        if value
            .as_ref()
            .is_some_and(|value| value.trim().is_empty() || value.chars().count() > max)
        {
            errors.add(
                &format!("credentials.{field}"),
                format!("от 1 до {max} символов"),
            );
        }
    };
    long(
        &credentials.long_lived_token,
        "long_lived_token",
        4096,
        &mut errors,
    );
    long(&credentials.client_id, "client_id", 200, &mut errors);
    long(
        &credentials.client_secret,
        "client_secret",
        500,
        &mut errors,
    );
    long(
        &credentials.refresh_token,
        "refresh_token",
        4096,
        &mut errors,
    );
    long(&credentials.redirect_uri, "redirect_uri", 500, &mut errors);
    long(&credentials.webhook_url, "webhook_url", 500, &mut errors);
    long(
        &credentials.application_token,
        "application_token",
        200,
        &mut errors,
    );
    let stored = StoredCredentials {
        long_lived_token: credentials.long_lived_token.clone(),
        client_id: credentials.client_id.clone(),
        client_secret: credentials.client_secret.clone(),
        refresh_token: credentials.refresh_token.clone(),
        redirect_uri: credentials.redirect_uri.clone(),
        webhook_url: credentials.webhook_url.clone(),
        application_token: credentials.application_token.clone(),
        ..StoredCredentials::default()
    };
    match request.kind {
        CrmKind::Amocrm => {
            let oauth = [
                &stored.client_id,
                &stored.client_secret,
                &stored.refresh_token,
                &stored.redirect_uri,
            ];
            let has_oauth = oauth.iter().all(|field| field.is_some());
            if stored.long_lived_token.is_none() && !has_oauth {
                errors.add(
                    "credentials",
                    "amoCRM: нужен long_lived_token или всё для OAuth — client_id, client_secret, refresh_token, redirect_uri",
                );
            }
            if stored.webhook_url.is_some() || stored.application_token.is_some() {
                errors.add(
                    "credentials",
                    "webhook_url и application_token — поля Битрикс24, не amoCRM",
                );
            }
        }
        CrmKind::Bitrix24 => {
            match &stored.webhook_url {
                None => errors.add(
                    "credentials.webhook_url",
                    "Битрикс24: нужен адрес входящего вебхука",
                ),
                Some(url) => {
                    let path_ok = url.split_once("/rest/").is_some_and(|(_, rest)| {
                        rest.trim_end_matches('/').split('/').count() == 2
                    });
                    let scheme_ok =
                        scheme.is_some_and(|scheme| url.starts_with(&format!("{scheme}://")));
                    if !path_ok || !scheme_ok || host_of(url) != host {
                        errors.add(
                            "credentials.webhook_url",
                            format!(
                                "нужен адрес вида {}://{host}/rest/<пользователь>/<секрет>/",
                                scheme.unwrap_or("https")
                            ),
                        );
                    }
                }
            }
            if stored.application_token.is_none() {
                errors.add(
                    "credentials.application_token",
                    "Битрикс24: нужен application_token исходящего вебхука",
                );
            }
            if stored.long_lived_token.is_some() || stored.client_id.is_some() {
                errors.add(
                    "credentials",
                    "long_lived_token и OAuth — поля amoCRM, не Битрикс24",
                );
            }
        }
    }
    let status_map = request.status_map;
    for (field, value) in [
        ("created", &status_map.created),
        ("confirmed", &status_map.confirmed),
        ("cancelled", &status_map.cancelled),
        ("expired", &status_map.expired),
        ("sold", &status_map.sold),
    ] {
        if value
            .as_ref()
            .is_some_and(|value| value.trim().is_empty() || value.len() > 64)
        {
            errors.add(&format!("status_map.{field}"), "от 1 до 64 символов");
        } else if request.kind == CrmKind::Amocrm
            && value
                .as_ref()
                .is_some_and(|value| value.parse::<i64>().is_err())
        {
            errors.add(
                &format!("status_map.{field}"),
                "в amoCRM статус — число (status_id воронки)",
            );
        }
    }
    if request
        .pipeline_id
        .as_ref()
        .is_some_and(|pipeline| pipeline.trim().is_empty() || pipeline.len() > 64)
    {
        errors.add("pipeline_id", "от 1 до 64 символов");
    }
    errors.finish()?;
    let api_base_url = format!("{}://{host}", scheme.unwrap_or("https"));
    Ok((
        account,
        api_base_url,
        stored,
        status_map,
        request.pipeline_id,
    ))
}

/// CRM-подключение компании
///
/// Сотрудник компании или модератор. Учётные данные не возвращаются — только имена сохранённых полей.
#[utoipa::path(get, path = "/developers/{id}/crm-connection", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Компания-застройщик", example = 2)),
    responses(
        (status = 200, description = "Подключение", body = Connection),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет, она чужая или CRM не подключена", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Интеграция с CRM не настроена на сервере", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_connection(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
) -> AppResult<Json<Connection>> {
    let crm = configured(&state)?;
    let client = state.pool.get().await?;
    let row = company_connection(&client, &caller, developer_id).await?;
    Ok(Json(view(crm, &row, None)?))
}

/// Подключить CRM (или заменить подключение)
///
/// Владелец компании или модератор. Одна CRM на компанию: повторный вызов заменяет подключение целиком, включая
/// учётные данные и секрет вебхука amoCRM. Учётные данные шифруются (AES-256-GCM) и больше никогда не
/// показываются. В ответе — адрес для вебхука: для amoCRM с секретом, который виден только здесь. Адрес CRM —
/// только из разрешённых администратором (`CRM_ALLOWED_HOSTS`).
#[utoipa::path(put, path = "/developers/{id}/crm-connection", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Компания-застройщик", example = 2)),
    request_body = ConnectionRequest,
    responses(
        (status = 200, description = "Подключено; webhook_url — один раз с секретом", body = Connection),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Подключает владелец компании или модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Учётные данные не подходят к CRM, адрес не разрешён или статусы неверны", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Интеграция с CRM не настроена на сервере", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn put_connection(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
    Json(request): Json<ConnectionRequest>,
) -> AppResult<Json<Connection>> {
    let crm = configured(&state)?;
    let client = state.pool.get().await?;
    require_company_owner(&client, &caller, developer_id).await?;
    let kind = request.kind;
    let enabled = request.enabled.unwrap_or(true);
    let (account, api_base_url, credentials, status_map, pipeline_id) = validated(crm, request)?;
    let sealed = crm
        .secrets
        .seal(&serde_json::to_vec(&credentials).expect("credentials serialize"));
    let webhook_secret: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    let secret_hash = Sha256::digest(webhook_secret.as_bytes()).to_vec();
    let status_map = serde_json::to_value(&status_map).expect("status map serializes");
    let id: i64 = client
        .query_one(
            "INSERT INTO crm_connections (developer_id, kind, account, api_base_url, credentials_ciphertext,
                                          credentials_nonce, credentials_key_id, webhook_secret_sha256, status_map,
                                          pipeline_id, enabled)
             VALUES ($1, $2::text::crm_kind, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (developer_id) DO UPDATE
                SET kind = EXCLUDED.kind, account = EXCLUDED.account, api_base_url = EXCLUDED.api_base_url,
                    amo_account_id = NULL, credentials_ciphertext = EXCLUDED.credentials_ciphertext,
                    credentials_nonce = EXCLUDED.credentials_nonce, credentials_key_id = EXCLUDED.credentials_key_id,
                    webhook_secret_sha256 = EXCLUDED.webhook_secret_sha256, status_map = EXCLUDED.status_map,
                    pipeline_id = EXCLUDED.pipeline_id, enabled = EXCLUDED.enabled, last_checked_at = NULL,
                    last_check_result = NULL, updated_at = now()
             RETURNING id",
            &[
                &developer_id,
                &kind.as_str(),
                &account,
                &api_base_url,
                &sealed.ciphertext,
                &sealed.nonce,
                &sealed.key_id,
                &secret_hash,
                &status_map,
                &pipeline_id,
                &enabled,
            ],
        )
        .await?
        .get(0);
    tracing::info!(
        connection_id = id,
        developer_id,
        kind = kind.as_str(),
        "CRM connected"
    );
    let row = load_connection(&client, "c.id", id)
        .await?
        .ok_or_else(|| AppError::Internal("connection vanished".into()))?;
    Ok(Json(view(crm, &row, Some(&webhook_secret))?))
}

/// Отключить CRM
///
/// Владелец компании или модератор. Очередь доставок подключения удаляется вместе с ним; входящие вебхуки
/// остаются в журнале без ссылки на подключение.
#[utoipa::path(delete, path = "/developers/{id}/crm-connection", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Компания-застройщик", example = 2)),
    responses(
        (status = 204, description = "Отключено"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Отключает владелец компании или модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет, она чужая или CRM не подключена", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn delete_connection(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
) -> AppResult<StatusCode> {
    let client = state.pool.get().await?;
    require_company_owner(&client, &caller, developer_id).await?;
    let deleted = client
        .execute(
            "DELETE FROM crm_connections WHERE developer_id = $1",
            &[&developer_id],
        )
        .await?;
    if deleted == 0 {
        return Err(AppError::not_found("CRM не подключена"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Проверить подключение CRM
///
/// Один безвредный запрос чтения: аккаунт amoCRM (`GET /api/v4/account`) или профиль пользователя вебхука
/// Битрикс24 (`profile`). Итог сохраняется в подключении. Ответ 200 и при неудаче — `ok: false` с причиной.
#[utoipa::path(post, path = "/developers/{id}/crm-connection/check", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Компания-застройщик", example = 2)),
    responses(
        (status = 200, description = "Итог проверки", body = ConnectionCheck),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет, она чужая или CRM не подключена", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Интеграция с CRM не настроена на сервере", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn check_connection(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
) -> AppResult<Json<ConnectionCheck>> {
    let crm = configured(&state)?;
    let client = state.pool.get().await?;
    let row = company_connection(&client, &caller, developer_id).await?;
    let connection_id: i64 = row.get("id");
    let mut crm_client = client_for(crm, &row)?;
    let (ok, message, account_id) = match crm_client.check().await {
        Ok((account_id, message)) => (true, message, account_id),
        Err(error) => (false, format!("Проверка не прошла: {error}"), None),
    };
    if crm_client.credentials_changed {
        save_credentials(crm, &client, connection_id, &crm_client.credentials).await?;
    }
    let checked_at = Utc::now();
    client
        .execute(
            "UPDATE crm_connections SET last_checked_at = $2, last_check_result = $3,
                    amo_account_id = coalesce($4, amo_account_id)
             WHERE id = $1",
            &[&connection_id, &checked_at, &message, &account_id],
        )
        .await?;
    Ok(Json(ConnectionCheck {
        ok,
        message,
        checked_at,
    }))
}

const DELIVERY_FIELDS: &str =
    "d.id, d.connection_id, d.event_type, d.aggregate_id, d.status::text AS status, \
    d.attempts, d.next_attempt_at, d.last_error, d.crm_external_id, d.created_at, d.delivered_at";

fn delivery_status(query: &DeliveryListQuery) -> AppResult<Option<String>> {
    match query.status.as_deref() {
        None => Ok(None),
        Some(status @ ("pending" | "delivered" | "dead")) => Ok(Some(status.to_owned())),
        Some(_) => Err(AppError::field(
            "status",
            "ожидается pending, delivered или dead",
        )),
    }
}

/// Доставки компании в CRM
///
/// Сотрудник компании или модератор: что отправлено, что ждёт повтора и что отложено (`dead`) после
/// `CRM_MAX_ATTEMPTS` неудач — такие можно вернуть в очередь.
#[utoipa::path(get, path = "/developers/{id}/crm-deliveries", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Компания-застройщик", example = 2), DeliveryListQuery),
    responses(
        (status = 200, description = "Страница доставок", body = DeliveryPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Неверный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn company_deliveries(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
    Query(query): Query<DeliveryListQuery>,
) -> AppResult<Json<DeliveryPage>> {
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let status = delivery_status(&query)?;
    let client = state.pool.get().await?;
    require_company_member(&client, &caller, developer_id).await?;
    let sql = format!(
        "SELECT {DELIVERY_FIELDS}, count(*) OVER () AS total FROM crm_deliveries d JOIN crm_connections c ON c.id = d.connection_id
         WHERE c.developer_id = $1 AND ($2::text IS NULL OR d.status::text = $2)
         ORDER BY d.id DESC LIMIT $3 OFFSET $4"
    );
    let (total, rows) = fetch_page(&client, &sql, &[&developer_id, &status], page).await?;
    Ok(Json(DeliveryPage::new(
        total,
        page,
        rows.iter().map(Delivery::from_row).collect(),
    )))
}

/// Доставки в CRM всех компаний
///
/// Модератор: например, все отложенные (`status=dead`), чтобы помочь застройщику с подключением.
#[utoipa::path(get, path = "/moderation/crm-deliveries", tag = "crm", security(("bearer" = [])),
    params(DeliveryListQuery),
    responses(
        (status = 200, description = "Страница доставок", body = DeliveryPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Неверный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn moderation_deliveries(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<DeliveryListQuery>,
) -> AppResult<Json<DeliveryPage>> {
    caller.require_moderator()?;
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let status = delivery_status(&query)?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {DELIVERY_FIELDS}, count(*) OVER () AS total FROM crm_deliveries d
         WHERE ($1::text IS NULL OR d.status::text = $1)
         ORDER BY d.id DESC LIMIT $2 OFFSET $3"
    );
    let (total, rows) = fetch_page(&client, &sql, &[&status], page).await?;
    Ok(Json(DeliveryPage::new(
        total,
        page,
        rows.iter().map(Delivery::from_row).collect(),
    )))
}

/// Вернуть доставку в очередь
///
/// Сотрудник компании или модератор: отложенная (`dead`) доставка снова ждёт отправки — сразу, со счётчиком
/// попыток с нуля.
#[utoipa::path(post, path = "/crm-deliveries/{id}/requeue", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Доставка", example = 901)),
    responses(
        (status = 200, description = "Доставка снова в очереди", body = Delivery),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Доставки нет или она чужой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Доставка не отложена (ещё ждёт или уже доставлена)", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn requeue_delivery(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(delivery_id): Path<i64>,
) -> AppResult<Json<Delivery>> {
    caller.require_developer_or_moderator()?;
    let client = state.pool.get().await?;
    let not_found = || AppError::not_found("Доставка не найдена");
    let row = client
        .query_opt(
            "SELECT c.developer_id, d.status::text AS status FROM crm_deliveries d
             JOIN crm_connections c ON c.id = d.connection_id WHERE d.id = $1",
            &[&delivery_id],
        )
        .await?
        .ok_or_else(not_found)?;
    if !caller.can_manage_developer(row.get("developer_id")) {
        return Err(not_found());
    }
    let requeued = client
        .query_opt(
            &format!(
                "UPDATE crm_deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now()
                 WHERE d.id = $1 AND d.status = 'dead' RETURNING {DELIVERY_FIELDS}"
            ),
            &[&delivery_id],
        )
        .await?
        .ok_or_else(|| AppError::Conflict {
            detail: format!("Доставка не отложена: её статус {}", row.get::<_, String>("status")),
            field: None,
        })?;
    Ok(Json(Delivery::from_row(&requeued)))
}
