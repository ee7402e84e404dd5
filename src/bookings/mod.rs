//! Online booking: a pending hold with the price of the moment, confirmation, cancellation, expiry, sale.
//!
//! Lock order everywhere: the buyer (creation only), then the apartment, then the booking — the same order as
//! `expire_overdue_bookings`, so two writers never wait for each other in a circle.

mod types;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use deadpool_postgres::Transaction;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, LIST_PAGES};
use crate::state::AppState;

pub use types::{
    Booking, BookingAction, BookingListQuery, BookingPage, BookingStatus, BookingStep,
    BookingStepRequest, CreateBookingRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_booking))
        .routes(routes!(get_booking))
        .routes(routes!(confirm_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(sell_booking))
        .routes(routes!(my_bookings))
        .routes(routes!(developer_bookings))
}

const SELECT_SQL: &str = include_str!("select.sql");
const MAX_COMMENT_CHARS: usize = 1000;
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

fn comment_of(raw: Option<&str>) -> AppResult<Option<String>> {
    let comment = raw.map(str::trim).filter(|comment| !comment.is_empty());
    if comment.is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS) {
        return Err(AppError::field("comment", "не длиннее 1000 символов"));
    }
    if comment.is_some_and(|comment| crate::events::has_control_chars(comment, true)) {
        return Err(AppError::field(
            "comment",
            "без управляющих символов (кроме переноса строки)",
        ));
    }
    Ok(comment.map(str::to_owned))
}

fn idempotency_key_of(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map(str::trim)
        .map_err(|_| AppError::field("Idempotency-Key", "только печатные ASCII-символы"))?;
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(AppError::field("Idempotency-Key", "от 1 до 200 символов"));
    }
    Ok(Some(key.to_owned()))
}

async fn load_booking(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
) -> AppResult<Option<Booking>> {
    let row = client
        .query_opt(&format!("{SELECT_SQL} WHERE b.id = $1"), &[&id])
        .await?;
    row.as_ref().map(Booking::from_row).transpose()
}

fn can_see(caller: &CurrentUser, booking: &Booking) -> bool {
    caller.id == booking.user_id || caller.can_manage_developer(booking.developer_id)
}

/// Забронировать квартиру
///
/// Только покупатель. Квартира должна быть опубликована и свободна (`available`); она становится `booked`,
/// бронь — `pending` до `expires_at` (удержание `BOOKING_HOLD_HOURS`, 48 ч), цена фиксируется на момент
/// бронирования. Одна активная бронь на квартиру обеспечивается базой (уникальный частичный индекс) —
/// параллельные запросы получают 409. У покупателя не больше `BUYER_MAX_ACTIVE_BOOKINGS` активных броней
/// (подтверждённая бронь проданной квартиры — завершённая сделка, она не в счёт).
/// С заголовком `Idempotency-Key` повтор возвращает первый ответ, тот же ключ с другим телом — 422.
#[utoipa::path(post, path = "/apartments/{id}/bookings", tag = "bookings", security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Идентификатор квартиры", example = 1001),
        ("Idempotency-Key" = Option<String>, Header, description = "Ключ идемпотентности клиента, 1–200 символов", example = "b7c1e2d4-booking-1"),
    ),
    request_body = CreateBookingRequest,
    responses(
        (status = 201, description = "Бронь создана (или повтор запроса с тем же Idempotency-Key)", body = Booking),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Бронируют только покупатели", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Квартира уже забронирована или продана; достигнут лимит активных броней покупателя", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Некорректный комментарий или Idempotency-Key; ключ уже использован с другим запросом", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn create_booking(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Path(apartment_id): Path<i64>,
    Json(request): Json<CreateBookingRequest>,
) -> AppResult<(StatusCode, Json<Value>)> {
    if caller.role != Role::Buyer {
        return Err(AppError::Forbidden(
            "Бронируют квартиры только покупатели".into(),
        ));
    }
    let comment = comment_of(request.comment.as_deref())?;
    let key = idempotency_key_of(&headers)?;
    let request_hash = {
        let mut hasher = Sha256::new();
        hasher.update(apartment_id.to_be_bytes());
        hasher.update(serde_json::to_vec(&request).unwrap_or_default());
        hasher.finalize().to_vec()
    };
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    if let Some(key) = &key {
        // A concurrent first request with the same key holds its row until it commits: ON CONFLICT waits for it.
        let claimed = transaction
            .query_opt(
                "INSERT INTO booking_idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
                &[&caller.id, key, &request_hash],
            )
            .await?;
        if claimed.is_none() {
            return replay(&transaction, caller.id, key, &request_hash).await;
        }
    }
    let booking = book(&transaction, &state, &caller, apartment_id, comment).await?;
    let body = serde_json::to_value(&booking)
        .map_err(|error| AppError::Internal(format!("serialize booking: {error}")))?;
    if let Some(key) = &key {
        transaction
            .execute(
                "UPDATE booking_idempotency_keys SET booking_id = $3, response = $4 WHERE user_id = $1 AND key = $2",
                &[&caller.id, key, &booking.id, &body],
            )
            .await?;
    }
    transaction.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn replay(
    transaction: &Transaction<'_>,
    user_id: i64,
    key: &str,
    request_hash: &[u8],
) -> AppResult<(StatusCode, Json<Value>)> {
    let row = transaction
        .query_one(
            "SELECT request_hash, response FROM booking_idempotency_keys WHERE user_id = $1 AND key = $2",
            &[&user_id, &key],
        )
        .await?;
    let stored_hash: Vec<u8> = row.get("request_hash");
    if stored_hash != request_hash {
        return Err(AppError::field(
            "Idempotency-Key",
            "ключ уже использован с другим запросом (другая квартира или тело)",
        ));
    }
    let response: Option<Value> = row.get("response");
    let response = response.ok_or_else(|| AppError::Conflict {
        detail: "Запрос с этим Idempotency-Key ещё выполняется, повторите позже".into(),
        field: None,
    })?;
    Ok((StatusCode::CREATED, Json(response)))
}

/// «У вас уже 3 активные брони, а можно не больше 3: …» — the real count and the real limit.
fn buyer_cap_message(active: i64, cap: i64) -> String {
    format!(
        "У вас уже {}, а можно не больше {cap}: отмените одну из них, чтобы забронировать эту квартиру",
        crate::text::ru_plural(
            active,
            "активная бронь",
            "активные брони",
            "активных броней"
        )
    )
}

async fn book(
    transaction: &Transaction<'_>,
    state: &AppState,
    caller: &CurrentUser,
    apartment_id: i64,
    comment: Option<String>,
) -> AppResult<Booking> {
    // The buyer's row serialises the buyer's own bookings, so the cap holds under concurrency.
    transaction
        .execute(
            "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
            &[&caller.id],
        )
        .await?;
    let apartment = transaction
        .query_opt(
            "SELECT status::text AS status, current_price FROM apartments
             WHERE id = $1 AND moderation_status = 'published' FOR UPDATE",
            &[&apartment_id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Квартира не найдена или не опубликована"))?;
    let status: String = apartment.get("status");
    if status != "available" {
        return Err(AppError::Conflict {
            detail: "Квартира уже забронирована или продана".into(),
            field: None,
        });
    }
    // A confirmed booking whose apartment is sold is a finished deal, not a hold: it does not count.
    let active: i64 = transaction
        .query_one(
            "SELECT count(*) FROM bookings b JOIN apartments a ON a.id = b.apartment_id
              WHERE b.user_id = $1 AND b.status IN ('pending', 'confirmed') AND a.status <> 'sold'",
            &[&caller.id],
        )
        .await?
        .get(0);
    let cap = i64::from(state.signals.buyer_max_active_bookings);
    if active >= cap {
        return Err(AppError::Conflict {
            detail: buyer_cap_message(active, cap),
            field: None,
        });
    }
    let price: rust_decimal::Decimal = apartment.get("current_price");
    let hold_seconds = state.signals.booking_hold.as_secs_f64();
    let id: i64 = transaction
        .query_one(
            include_str!("create.sql"),
            &[&apartment_id, &caller.id, &price, &hold_seconds, &comment],
        )
        .await?
        .get("id");
    load_booking(transaction, id)
        .await?
        .ok_or_else(|| AppError::Internal("the new booking is not visible".into()))
}

/// Бронь
///
/// Видят покупатель брони, сотрудники застройщика квартиры и модераторы; остальным — 404.
/// В ответе вся история: кто и когда создал, подтвердил, отменил бронь.
#[utoipa::path(get, path = "/bookings/{id}", tag = "bookings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор брони", example = 77)),
    responses(
        (status = 200, description = "Бронь с историей", body = Booking),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Брони нет или она чужая", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_booking(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Booking>> {
    let client = state.pool.get().await?;
    load_booking(&client, id)
        .await?
        .filter(|booking| can_see(&caller, booking))
        .map(Json)
        .ok_or_else(|| AppError::not_found("Бронь не найдена"))
}

/// A step of a booking's life taken by a person or by the developer's CRM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Confirm,
    Cancel,
    Sell,
}

/// Who takes a step: a signed-in user (buyer, developer staff, moderator) or the CRM of the booking's developer
/// (acting as its staff, through the same rules).
pub enum StepActor<'a> {
    User(&'a CurrentUser),
    Crm { developer_id: i64 },
}

impl StepActor<'_> {
    fn can_see(&self, booking: &Booking) -> bool {
        match self {
            StepActor::User(caller) => can_see(caller, booking),
            StepActor::Crm { developer_id } => *developer_id == booking.developer_id,
        }
    }

    fn is_staff(&self, booking: &Booking) -> bool {
        match self {
            StepActor::User(caller) => caller.can_manage_developer(booking.developer_id),
            StepActor::Crm { developer_id } => *developer_id == booking.developer_id,
        }
    }

    fn id_and_role(&self) -> (Option<i64>, Option<&'static str>) {
        match self {
            StepActor::User(caller) => (Some(caller.id), Some(caller.role.as_str())),
            StepActor::Crm { .. } => (None, None),
        }
    }
}

async fn apply_step(
    state: &AppState,
    caller: &CurrentUser,
    booking_id: i64,
    step: Step,
    comment: Option<String>,
) -> AppResult<Booking> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let booking = step_in(
        &transaction,
        booking_id,
        step,
        &StepActor::User(caller),
        comment,
    )
    .await?;
    transaction.commit().await?;
    Ok(booking)
}

/// Takes the step inside the caller's transaction: locks the apartment, then the booking (the lock order of every
/// booking writer), checks the rules and writes the step to `booking_events`.
pub async fn step_in(
    transaction: &deadpool_postgres::Transaction<'_>,
    booking_id: i64,
    step: Step,
    actor: &StepActor<'_>,
    comment: Option<String>,
) -> AppResult<Booking> {
    let not_found = || AppError::not_found("Бронь не найдена");
    let apartment_id: i64 = transaction
        .query_opt(
            "SELECT apartment_id FROM bookings WHERE id = $1",
            &[&booking_id],
        )
        .await?
        .ok_or_else(not_found)?
        .get(0);
    let apartment_status: String = transaction
        .query_one(
            "SELECT status::text FROM apartments WHERE id = $1 FOR UPDATE",
            &[&apartment_id],
        )
        .await?
        .get(0);
    transaction
        .execute(
            "SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE",
            &[&booking_id],
        )
        .await?;
    let booking = load_booking(transaction, booking_id)
        .await?
        .filter(|booking| actor.can_see(booking))
        .ok_or_else(not_found)?;
    let staff = actor.is_staff(&booking);
    let conflict = |detail: &str| AppError::Conflict {
        detail: detail.into(),
        field: None,
    };
    let action = match step {
        Step::Confirm => {
            if !staff {
                return Err(AppError::Forbidden(
                    "Подтверждает бронь застройщик квартиры или модератор".into(),
                ));
            }
            if booking.status != BookingStatus::Pending || booking.expires_at <= chrono::Utc::now()
            {
                return Err(conflict(
                    "Подтвердить можно только действующую неподтверждённую бронь",
                ));
            }
            transaction
                .execute(
                    "UPDATE bookings SET status = 'confirmed' WHERE id = $1",
                    &[&booking_id],
                )
                .await?;
            "confirmed"
        }
        Step::Cancel => {
            if !matches!(
                booking.status,
                BookingStatus::Pending | BookingStatus::Confirmed
            ) {
                return Err(conflict("Бронь уже отменена или истекла"));
            }
            if apartment_status == "sold" {
                return Err(conflict("Квартира уже продана по этой брони"));
            }
            transaction
                .execute(
                    "UPDATE bookings SET status = 'cancelled' WHERE id = $1",
                    &[&booking_id],
                )
                .await?;
            transaction
                .execute(
                    "UPDATE apartments SET status = 'available' WHERE id = $1 AND status = 'booked'",
                    &[&apartment_id],
                )
                .await?;
            "cancelled"
        }
        Step::Sell => {
            if !staff {
                return Err(AppError::Forbidden(
                    "Продажу отмечает застройщик квартиры или модератор".into(),
                ));
            }
            if booking.status != BookingStatus::Confirmed || apartment_status != "booked" {
                return Err(conflict(
                    "Продать можно только по подтверждённой брони, пока квартира забронирована",
                ));
            }
            transaction
                .execute(
                    "UPDATE apartments SET status = 'sold' WHERE id = $1",
                    &[&apartment_id],
                )
                .await?;
            "sold"
        }
    };
    let (actor_id, actor_role) = actor.id_and_role();
    transaction
        .execute(
            "INSERT INTO booking_events (booking_id, action, actor_id, actor_role, comment)
             VALUES ($1, $2::text::booking_action, $3, $4::text::user_role, $5)",
            &[&booking_id, &action, &actor_id, &actor_role, &comment],
        )
        .await?;
    load_booking(transaction, booking_id)
        .await?
        .ok_or_else(not_found)
}

/// Подтвердить бронь
///
/// Сотрудник застройщика квартиры или модератор. Только `pending` с неистёкшим сроком; подтверждённая бронь
/// больше не истекает.
#[utoipa::path(post, path = "/bookings/{id}/confirm", tag = "bookings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор брони", example = 77)),
    request_body = BookingStepRequest,
    responses(
        (status = 200, description = "Бронь подтверждена", body = Booking),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупатель не подтверждает свою бронь", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Брони нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Бронь не pending или её срок истёк", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Комментарий длиннее 1000 символов", body = Problem, content_type = "application/problem+json"),
    ))]
async fn confirm_booking(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<BookingStepRequest>,
) -> AppResult<Json<Booking>> {
    let comment = comment_of(request.comment.as_deref())?;
    apply_step(&state, &caller, id, Step::Confirm, comment)
        .await
        .map(Json)
}

/// Отменить бронь
///
/// Покупатель брони, сотрудник застройщика квартиры или модератор; бронь `pending` или `confirmed`.
/// Квартира возвращается в продажу. Отменённая бронь всё равно 24 ч блокирует переоценку квартиры.
#[utoipa::path(post, path = "/bookings/{id}/cancel", tag = "bookings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор брони", example = 77)),
    request_body = BookingStepRequest,
    responses(
        (status = 200, description = "Бронь отменена", body = Booking),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Брони нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Бронь уже отменена или истекла, либо квартира продана", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Комментарий длиннее 1000 символов", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel_booking(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<BookingStepRequest>,
) -> AppResult<Json<Booking>> {
    let comment = comment_of(request.comment.as_deref())?;
    apply_step(&state, &caller, id, Step::Cancel, comment)
        .await
        .map(Json)
}

/// Отметить продажу
///
/// Сотрудник застройщика квартиры или модератор: по подтверждённой брони квартира становится `sold`.
#[utoipa::path(post, path = "/bookings/{id}/sell", tag = "bookings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор брони", example = 77)),
    request_body = BookingStepRequest,
    responses(
        (status = 200, description = "Квартира продана", body = Booking),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупатель не отмечает продажу", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Брони нет или она чужая", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Бронь не подтверждена или квартира уже продана", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Комментарий длиннее 1000 символов", body = Problem, content_type = "application/problem+json"),
    ))]
async fn sell_booking(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<BookingStepRequest>,
) -> AppResult<Json<Booking>> {
    let comment = comment_of(request.comment.as_deref())?;
    apply_step(&state, &caller, id, Step::Sell, comment)
        .await
        .map(Json)
}

/// Мои брони
///
/// Брони вызывающего (покупателя), новые первыми.
#[utoipa::path(get, path = "/me/bookings", tag = "bookings", security(("bearer" = [])),
    params(BookingListQuery),
    responses(
        (status = 200, description = "Страница броней с историей", body = BookingPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр, limit вне 1–200 или offset вне 0–10000", body = Problem, content_type = "application/problem+json"),
    ))]
async fn my_bookings(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<BookingListQuery>,
) -> AppResult<Json<BookingPage>> {
    list(&state, "b.user_id = $1", caller.id, &query)
        .await
        .map(Json)
}

/// Брони застройщика
///
/// Сотрудники компании и модераторы. Фильтры: статус, ЖК, период создания (`from` включительно, `to` нет).
#[utoipa::path(get, path = "/developers/{id}/bookings", tag = "bookings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор застройщика", example = 7), BookingListQuery),
    responses(
        (status = 200, description = "Страница броней квартир застройщика, новые первыми", body = BookingPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Чужая компания", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр, limit вне 1–200 или offset вне 0–10000", body = Problem, content_type = "application/problem+json"),
    ))]
async fn developer_bookings(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(developer_id): Path<i64>,
    Query(query): Query<BookingListQuery>,
) -> AppResult<Json<BookingPage>> {
    caller.require_developer_or_moderator()?;
    if !caller.can_manage_developer(developer_id) {
        return Err(AppError::not_found("Застройщик не найден"));
    }
    list(&state, "p.developer_id = $1", developer_id, &query)
        .await
        .map(Json)
}

async fn list(
    state: &AppState,
    owner_filter: &str,
    owner_id: i64,
    query: &BookingListQuery,
) -> AppResult<BookingPage> {
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from >= to {
            return Err(AppError::field("to", "должно быть позже from"));
        }
    }
    let status = query.status.map(BookingStatus::as_str);
    let sql = format!(
        "SELECT count(*) OVER () AS total, listed.*
           FROM ({SELECT_SQL}
                 WHERE {owner_filter}
                   AND ($2::text IS NULL OR b.status = $2::text::booking_status)
                   AND ($3::bigint IS NULL OR a.project_id = $3)
                   AND ($4::timestamptz IS NULL OR b.booked_at >= $4)
                   AND ($5::timestamptz IS NULL OR b.booked_at < $5)) listed
          ORDER BY listed.booked_at DESC, listed.id DESC
          LIMIT $6 OFFSET $7"
    );
    let client = state.pool.get().await?;
    let (total, rows) = fetch_page(
        &client,
        &sql,
        &[
            &owner_id,
            &status,
            &query.project_id,
            &query.from,
            &query.to,
        ],
        page,
    )
    .await?;
    let items = rows
        .iter()
        .map(Booking::from_row)
        .collect::<AppResult<_>>()?;
    Ok(BookingPage::new(total, page, items))
}
