//! Interest events: views, call-back leads, the batch endpoint of the front end and flood flagging.

mod types;

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{ClientIp, CurrentUser, MaybeUser, Role};
use crate::config::Secret;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{json_value, Json, Path, Query};
use crate::pagination::{fetch_page, LIST_PAGES};
use crate::state::AppState;
use crate::validation::{normalize_phone, required_text, FieldErrors};

pub use types::{
    BatchEvent, BatchItemResult, BatchRequest, BatchResponse, EventOutcome, FlaggedVisitor,
    FlaggedVisitorPage, FlaggedVisitorQuery, InterestEvent, Lead, LeadRequest, ViewRecorded,
    ViewRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_view))
        .routes(routes!(create_lead))
        .routes(routes!(ingest_batch))
        .routes(routes!(list_flagged_visitors))
        .routes(routes!(unflag_visitor))
}

/// How long a batch waits for a free writer (`EVENTS_BATCH_CONCURRENCY`) before it is answered 429.
const BATCH_QUEUE_WAIT: Duration = Duration::from_secs(10);
/// Items of one `POST /events:batch`; more answer 422.
pub const MAX_BATCH_EVENTS: usize = 1000;
const MAX_VISITOR_ID_CHARS: usize = 128;
const MAX_LEAD_NAME_CHARS: usize = 200;
const MAX_LEAD_COMMENT_CHARS: usize = 2000;
/// The header of the NestJS front end's service token.
pub const SERVICE_TOKEN_HEADER: &str = "x-service-token";

/// One interest event ready for [`ingest`].
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub apartment_id: i64,
    pub user_id: Option<i64>,
    pub visitor_id: Option<String>,
    pub event: InterestEvent,
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Stores a batch in one round trip (`ingest_interest_events`): flood flagging, the dedup window and the
/// insert happen in the database, so concurrent requests cannot count the same viewer twice.
pub async fn ingest(
    client: &impl deadpool_postgres::GenericClient,
    events: &[NewEvent],
    dedup_window: Duration,
    flood_per_minute: u32,
) -> AppResult<Vec<EventOutcome>> {
    let apartment_ids: Vec<i64> = events.iter().map(|event| event.apartment_id).collect();
    let user_ids: Vec<Option<i64>> = events.iter().map(|event| event.user_id).collect();
    let visitor_ids: Vec<Option<&str>> = events
        .iter()
        .map(|event| event.visitor_id.as_deref())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|event| event.event.as_str()).collect();
    let occurred_at: Vec<Option<chrono::DateTime<chrono::Utc>>> =
        events.iter().map(|event| event.occurred_at).collect();
    let window_seconds = dedup_window.as_secs_f64();
    let flood = i32::try_from(flood_per_minute).unwrap_or(i32::MAX);
    let statement = client
        .prepare_typed_cached(
            "SELECT ord, outcome FROM ingest_interest_events($1, $2, $3, $4::text[]::interest_event[], $5,
                                                             make_interval(secs => $6), $7)",
            &[
                Type::INT8_ARRAY,
                Type::INT8_ARRAY,
                Type::TEXT_ARRAY,
                Type::TEXT_ARRAY,
                Type::TIMESTAMPTZ_ARRAY,
                Type::FLOAT8,
                Type::INT4,
            ],
        )
        .await?;
    let rows = client
        .query(
            &statement,
            &[
                &apartment_ids,
                &user_ids,
                &visitor_ids,
                &kinds,
                &occurred_at,
                &window_seconds,
                &flood,
            ],
        )
        .await?;
    rows.iter()
        .map(|row| EventOutcome::from_db(row.get("outcome")))
        .collect()
}

/// PostgreSQL text cannot hold NUL, and no identifier or name needs control characters: reject them as
/// field errors instead of letting the database answer 500. Comments keep line breaks and tabs.
pub fn has_control_chars(text: &str, allow_line_breaks: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(allow_line_breaks && matches!(c, '\n' | '\r' | '\t')))
}

fn visitor_id_of(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(value) if value.is_empty() || value.chars().count() > MAX_VISITOR_ID_CHARS => {
            Err("от 1 до 128 символов")
        }
        Some(value) if has_control_chars(value, false) => Err("без управляющих символов"),
        Some(value) => Ok(Some(value.to_owned())),
    }
}

/// Who the event is attributed to: the buyer behind the token, or the anonymous visitor id.
fn viewer_of(
    caller: &Option<CurrentUser>,
    visitor_id: Option<&str>,
) -> AppResult<(Option<i64>, Option<String>)> {
    let visitor_id =
        visitor_id_of(visitor_id).map_err(|message| AppError::field("visitor_id", message))?;
    match caller {
        Some(user) => Ok((Some(user.id), visitor_id)),
        None if visitor_id.is_some() => Ok((None, visitor_id)),
        None => Err(AppError::field(
            "visitor_id",
            "обязателен без access-токена: анонимный идентификатор посетителя от фронтенда",
        )),
    }
}

/// Anonymous writers are bounded by their address: a visitor id is free to invent, an address is not.
/// The per-minute counter lives in `visitor_activity` under `ip:<address>` (pruned after an hour).
async fn limit_anonymous(
    client: &impl deadpool_postgres::GenericClient,
    state: &AppState,
    caller: &Option<CurrentUser>,
    ClientIp(ip): ClientIp,
) -> AppResult<()> {
    let (None, Some(ip)) = (caller, ip) else {
        return Ok(());
    };
    let row = client
        .query_one(
            "INSERT INTO visitor_activity AS va (viewer, minute, events)
             VALUES ($1, date_trunc('minute', now()), 1)
             ON CONFLICT (viewer, minute) DO UPDATE SET events = va.events + 1
             RETURNING va.events, 60 - extract(second FROM now())::integer AS retry_after",
            &[&format!("ip:{ip}")],
        )
        .await?;
    let events: i32 = row.get("events");
    let limit = i64::from(state.signals.anonymous_events_per_ip_per_minute);
    if i64::from(events) > limit {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "Слишком много анонимных запросов с вашего адреса (больше {limit} в минуту); войдите или повторите позже"
            ),
            retry_after_seconds: u64::try_from(row.get::<_, i32>("retry_after")).unwrap_or(60).max(1),
        });
    }
    Ok(())
}

fn rejected_apartment(outcome: EventOutcome) -> AppError {
    match outcome {
        EventOutcome::UnknownApartment | EventOutcome::NotPublished => {
            AppError::not_found("Квартира не найдена или не опубликована")
        }
        other => AppError::field("visitor_id", other.message()),
    }
}

/// Просмотр квартиры
///
/// Анонимно (с `visitor_id` от фронтенда) или с access-токеном. Один зритель учитывается по квартире один раз
/// в окне повторов (`VIEW_DEDUP_WINDOW_SECONDS`, 30 минут); зритель чаще `VISITOR_FLOOD_EVENTS_PER_MINUTE`
/// событий в минуту помечается как накрутка, и его события не входят в спрос.
#[utoipa::path(post, path = "/apartments/{id}/views", tag = "events", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    request_body = ViewRequest,
    responses(
        (status = 202, description = "Просмотр принят; `counted` — вошёл ли он в спрос", body = ViewRecorded),
        (status = 401, description = "Access-токен передан, но недействителен", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет visitor_id у анонимного посетителя или он длиннее 128 символов", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "Больше ANONYMOUS_EVENTS_PER_IP_PER_MINUTE анонимных запросов с адреса в минуту; заголовок Retry-After",
            body = Problem, content_type = "application/problem+json"),
    ))]
async fn record_view(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    client_ip: ClientIp,
    Path(apartment_id): Path<i64>,
    Json(request): Json<ViewRequest>,
) -> AppResult<(StatusCode, Json<ViewRecorded>)> {
    let (user_id, visitor_id) = viewer_of(&caller, request.visitor_id.as_deref())?;
    let client = state.pool.get().await?;
    limit_anonymous(&client, &state, &caller, client_ip).await?;
    let event = NewEvent {
        apartment_id,
        user_id,
        visitor_id,
        event: InterestEvent::View,
        occurred_at: None,
    };
    let outcome = ingest(
        &client,
        &[event],
        state.signals.view_dedup_window,
        state.signals.flood_events_per_minute,
    )
    .await?
    .first()
    .copied()
    .ok_or_else(|| AppError::Internal("ingest returned no outcome".into()))?;
    if !outcome.accepted() {
        return Err(rejected_apartment(outcome));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(ViewRecorded {
            apartment_id,
            outcome,
            counted: outcome == EventOutcome::Counted,
        }),
    ))
}

/// Заявка на обратный звонок
///
/// Покупатель с access-токеном или анонимный посетитель с `visitor_id`. Телефон приводится к E.164
/// (`8 (916) 123-45-67` → `+79161234567`). Заявка входит в спрос (`leads_24h`). От одного посетителя по
/// квартире — не больше одной заявки в сутки (повтор — 409), чтобы заявки нельзя было накрутить.
#[utoipa::path(post, path = "/apartments/{id}/leads", tag = "events", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    request_body = LeadRequest,
    responses(
        (status = 201, description = "Заявка принята", body = Lead),
        (status = 401, description = "Access-токен передан, но недействителен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Заявки оставляют покупатели, а не сотрудники застройщиков и модераторы", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "От этого посетителя по квартире уже есть заявка за сутки", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля: имя, телефон, комментарий, visitor_id", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "Больше ANONYMOUS_EVENTS_PER_IP_PER_MINUTE анонимных запросов с адреса в минуту; заголовок Retry-After",
            body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_lead(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    client_ip: ClientIp,
    Path(apartment_id): Path<i64>,
    Json(request): Json<LeadRequest>,
) -> AppResult<(StatusCode, Json<Lead>)> {
    if caller.as_ref().is_some_and(|user| user.role != Role::Buyer) {
        return Err(AppError::Forbidden(
            "Заявку на звонок оставляет покупатель; войдите как покупатель или без токена".into(),
        ));
    }
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&request.name, MAX_LEAD_NAME_CHARS));
    let phone = errors.check("phone", normalize_phone(&request.phone));
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|comment| !comment.is_empty())
        .map(str::to_owned);
    if comment
        .as_ref()
        .is_some_and(|comment| comment.chars().count() > MAX_LEAD_COMMENT_CHARS)
    {
        errors.add("comment", "не длиннее 2000 символов");
    }
    if comment
        .as_ref()
        .is_some_and(|comment| has_control_chars(comment, true))
    {
        errors.add(
            "comment",
            "без управляющих символов (кроме переноса строки)",
        );
    }
    if has_control_chars(&name, false) {
        errors.add("name", "без управляющих символов");
    }
    let visitor = viewer_of(&caller, request.visitor_id.as_deref());
    let (user_id, visitor_id) = match visitor {
        Ok(viewer) => viewer,
        Err(AppError::Validation(field_errors)) => {
            for error in field_errors {
                errors.add(&error.field, error.message);
            }
            (None, None)
        }
        Err(other) => return Err(other),
    };
    errors.finish()?;
    let viewer = match (user_id, &visitor_id) {
        (Some(user_id), _) => format!("u:{user_id}"),
        (None, Some(visitor_id)) => format!("v:{visitor_id}"),
        (None, None) => {
            return Err(AppError::field(
                "visitor_id",
                "обязателен без access-токена",
            ))
        }
    };
    let mut client = state.pool.get().await?;
    limit_anonymous(&client, &state, &caller, client_ip).await?;
    let transaction = client.transaction().await?;
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1 || '@' || $2::bigint::text, 0))",
            &[&viewer, &apartment_id],
        )
        .await?;
    let row = transaction
        .query_opt(
            include_str!("lead.sql"),
            &[
                &apartment_id,
                &user_id,
                &visitor_id,
                &name,
                &phone,
                &comment,
                &viewer,
            ],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Квартира не найдена или не опубликована"))?;
    transaction.commit().await?;
    if row.get::<_, bool>("repeated") {
        return Err(AppError::Conflict {
            detail: "Заявка по этой квартире уже принята за последние сутки: менеджер перезвонит"
                .into(),
            field: None,
        });
    }
    Ok((StatusCode::CREATED, Json(Lead::from_row(&row))))
}

fn same_secret(presented: &str, expected: &Secret) -> bool {
    let presented = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(expected.expose().as_bytes());
    presented
        .iter()
        .zip(expected.iter())
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

/// The front end with its service token, or a moderator.
fn require_batch_sender(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Option<CurrentUser>,
) -> AppResult<()> {
    if let Some(presented) = headers.get(SERVICE_TOKEN_HEADER) {
        let valid = match (&state.signals.events_service_token, presented.to_str()) {
            (Some(expected), Ok(presented)) => same_secret(presented, expected),
            _ => false,
        };
        return if valid {
            Ok(())
        } else {
            Err(AppError::Unauthorized(
                "Неверный сервисный токен X-Service-Token".into(),
            ))
        };
    }
    match caller {
        Some(user) if user.is_moderator() => Ok(()),
        Some(_) => Err(AppError::Forbidden(
            "Пакетный приём событий доступен фронтенду (X-Service-Token) и модераторам".into(),
        )),
        None => Err(AppError::Unauthorized(
            "Нужен заголовок X-Service-Token фронтенда или access-токен модератора".into(),
        )),
    }
}

/// Пакет событий от фронтенда
///
/// Для микросервисов NestJS (заголовок `X-Service-Token`) и модераторов. До 1000 событий за запрос;
/// ответ — исход каждого события (принято / отклонено с причиной). Все принятые события записываются одним
/// обращением к базе. Правила те же, что у одиночного просмотра: окно повторов, пометка накрутки,
/// события неизвестных и неопубликованных квартир отклоняются.
#[utoipa::path(post, path = "/events:batch", tag = "events", security(("service_token" = []), ("bearer" = [])),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Исход каждого события", body = BatchResponse),
        (status = 401, description = "Нет или неверен X-Service-Token / access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Access-токен не модератора", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Тело больше 1 МБ", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Пустой пакет или больше 1000 событий; тело не объект с массивом events", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "Пакет ждал свободного места в очереди записи (EVENTS_BATCH_CONCURRENCY пакетов \
            пишутся одновременно) дольше 10 с; повторить после Retry-After", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn ingest_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeUser(caller): MaybeUser,
    Json(request): Json<BatchRequest>,
) -> AppResult<Json<BatchResponse>> {
    require_batch_sender(&state, &headers, &caller)?;
    if request.events.is_empty() || request.events.len() > MAX_BATCH_EVENTS {
        return Err(AppError::field("events", "от 1 до 1000 событий в пакете"));
    }
    // An item of the wrong shape is rejected alone, with the complaint a body would get, like any other bad item.
    let mut outcomes: Vec<Option<(EventOutcome, String)>> =
        Vec::with_capacity(request.events.len());
    let mut valid = Vec::with_capacity(request.events.len());
    for item in request.events {
        let event = match json_value::<BatchEvent>(item) {
            Ok(event) => event,
            Err(error) => {
                outcomes.push(Some((
                    EventOutcome::Invalid,
                    if error.field == "body" {
                        format!("некорректное событие: {}", error.message)
                    } else {
                        format!(
                            "некорректное событие: поле {}: {}",
                            error.field, error.message
                        )
                    },
                )));
                continue;
            }
        };
        match visitor_id_of(event.visitor_id.as_deref()) {
            Ok(visitor_id) => {
                outcomes.push(None);
                valid.push(NewEvent {
                    apartment_id: event.apartment_id,
                    user_id: event.user_id,
                    visitor_id,
                    event: event.event,
                    occurred_at: event.occurred_at,
                });
            }
            Err(message) => outcomes.push(Some((
                EventOutcome::Invalid,
                format!("visitor_id: {message}"),
            ))),
        }
    }
    let stored = if valid.is_empty() {
        Vec::new()
    } else {
        let _writing = tokio::time::timeout(BATCH_QUEUE_WAIT, state.event_batches.acquire())
            .await
            .map_err(|_| AppError::TooManyRequests {
                detail: format!(
                    "Приём пакетов событий перегружен: пакет ждал очереди дольше {} с; повторите позже",
                    BATCH_QUEUE_WAIT.as_secs()
                ),
                retry_after_seconds: BATCH_QUEUE_WAIT.as_secs(),
            })?
            .map_err(|_| AppError::ServiceUnavailable("Приём событий остановлен".into()))?;
        let client = state.pool.get().await?;
        ingest(
            &client,
            &valid,
            state.signals.view_dedup_window,
            state.signals.flood_events_per_minute,
        )
        .await?
    };
    let mut stored = stored.into_iter();
    let items: Vec<BatchItemResult> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, rejected)| {
            let (outcome, message) = rejected.unwrap_or_else(|| {
                let outcome = stored.next().unwrap_or(EventOutcome::Invalid);
                (outcome, outcome.message().to_owned())
            });
            BatchItemResult {
                index,
                accepted: outcome.accepted(),
                outcome,
                message,
            }
        })
        .collect();
    let accepted = items.iter().filter(|item| item.accepted).count();
    Ok(Json(BatchResponse {
        accepted,
        rejected: items.len() - accepted,
        items,
    }))
}

/// Зрители, помеченные как накрутка
///
/// Только модератор. Пока пометка действует, события зрителя хранятся, но не входят в спрос
/// (apartment_stats и цены их не видят).
#[utoipa::path(get, path = "/moderation/flagged-visitors", tag = "events", security(("bearer" = [])),
    params(FlaggedVisitorQuery),
    responses(
        (status = 200, description = "Пометки, новые первыми", body = FlaggedVisitorPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit вне 1–200 или offset вне 0–10000", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_flagged_visitors(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<FlaggedVisitorQuery>,
) -> AppResult<Json<FlaggedVisitorPage>> {
    caller.require_moderator()?;
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let client = state.pool.get().await?;
    let (total, rows) = fetch_page(
        &client,
        include_str!("flagged.sql"),
        &[&None::<i64>, &query.flagged.unwrap_or(true)],
        page,
    )
    .await?;
    let items = rows.iter().map(FlaggedVisitor::from_row).collect();
    Ok(Json(FlaggedVisitorPage::new(total, page, items)))
}

/// Снять пометку накрутки
///
/// Только модератор. События зрителя снова входят в спрос со следующего поминутного пересчёта; повторный
/// вызов ничего не меняет. Если зритель снова превысит частоту, его пометят заново.
#[utoipa::path(post, path = "/moderation/flagged-visitors/{id}/unflag", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор пометки", example = 3)),
    responses(
        (status = 200, description = "Пометка снята", body = FlaggedVisitor),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Пометки нет", body = Problem, content_type = "application/problem+json"),
    ))]
async fn unflag_visitor(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FlaggedVisitor>> {
    caller.require_moderator()?;
    let client = state.pool.get().await?;
    client
        .execute(include_str!("unflag.sql"), &[&id, &caller.id])
        .await?;
    let row = client
        .query_opt(
            include_str!("flagged.sql"),
            &[&Some(id), &false, &1i64, &0i64],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Пометки с таким id нет"))?;
    Ok(Json(FlaggedVisitor::from_row(&row)))
}
