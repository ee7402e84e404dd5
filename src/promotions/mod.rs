//! Promotions and discounts: the developer cabinet (create, edit, submit, pause, resume, end), moderation by the
//! association, platform-wide promotions and the public list. Discounts themselves are computed in PostgreSQL
//! (`sql/promotions/promotion_discounts.sql`); see `docs/promotions.md`.
//!
//! Lock order: a promotion row, then `catalog_offers` rows in id order (re-applying its discounts in the same
//! transaction). A booking locks its apartment first, then the promotions in id order (`crate::bookings`).

pub mod types;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rust_decimal::Decimal;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{CurrentUser, MaybeUser};
use crate::catalog::filters::{FLOORS, MAX_ROOMS};
use crate::catalog::{ModerationDecisionRequest, PublishDecision};
use crate::config::PromotionSettings;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, CATALOG_PAGES};
use crate::state::AppState;
use crate::validation::{required_text, FieldErrors};

pub use types::{
    AppliedPromotion, CabinetPromotionQuery, CreatePromotionRequest, FundedBy, Promotion,
    PromotionConditions, PromotionKind, PromotionListQuery, PromotionPage, PromotionStatus,
    PromotionStep, PromotionStepRequest, PromotionSummary, UpdatePromotionRequest,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_promotions, create_promotion))
        .routes(routes!(get_promotion, update_promotion))
        .routes(routes!(cabinet_promotions))
        .routes(routes!(submit_promotion))
        .routes(routes!(moderate_promotion))
        .routes(routes!(pause_promotion))
        .routes(routes!(resume_promotion))
        .routes(routes!(end_promotion))
}

const SELECT_SQL: &str = include_str!("select.sql");
const MAX_NAME_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_COMMENT_CHARS: usize = 2000;
const MAX_IDS: usize = 100;
const MAX_CODES: usize = 1000;
const MAX_CODE_CHARS: usize = 64;
const MAX_FIRST_N: i32 = 1_000_000;
/// `numeric(14, 2)`: the largest amount of rubles a column holds.
const MAX_RUBLES: i64 = 999_999_999_999;

fn not_found() -> AppError {
    AppError::not_found("Акция не найдена или принадлежит другой компании")
}

/// A promotion's fields after validation, ready for `upsert.sql` / `update.sql`.
struct Fields {
    name: String,
    description: Option<String>,
    kind: PromotionKind,
    value: Decimal,
    stacks: bool,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    conditions: PromotionConditions,
}

fn sorted_ids(
    errors: &mut FieldErrors,
    field: &str,
    ids: Option<Vec<i64>>,
    max: usize,
) -> Option<Vec<i64>> {
    let mut ids = ids?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > max {
        errors.add(field, format!("от 1 до {max} значений"));
    }
    Some(ids)
}

fn bounds<T: PartialOrd + Copy>(
    errors: &mut FieldErrors,
    field_min: &str,
    field_max: &str,
    (min, max): (Option<T>, Option<T>),
    allowed: impl Fn(T) -> bool,
    expected: &str,
) {
    for (field, value) in [(field_min, min), (field_max, max)] {
        if value.is_some_and(|value| !allowed(value)) {
            errors.add(field, expected);
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            errors.add(field_min, "нижняя граница больше верхней");
        }
    }
}

fn money_like(value: Decimal) -> bool {
    value > Decimal::ZERO && value.normalize().scale() <= 2 && value <= Decimal::from(MAX_RUBLES)
}

/// Checks every field; 422 names each bad one (`conditions.rooms`, …).
fn validate(fields: Fields) -> AppResult<Fields> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&fields.name, MAX_NAME_CHARS));
    let description = fields
        .description
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    if description
        .as_deref()
        .is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        errors.add(
            "description",
            format!("не длиннее {MAX_DESCRIPTION_CHARS} символов"),
        );
    }
    match fields.kind {
        PromotionKind::Percent
            if !(fields.value > Decimal::ZERO
                && fields.value <= Decimal::ONE_HUNDRED
                && fields.value.normalize().scale() <= 2) =>
        {
            errors.add(
                "value",
                "процент скидки: больше 0 и не больше 100, до сотых",
            )
        }
        PromotionKind::Fixed if !money_like(fields.value) => errors.add(
            "value",
            "сумма скидки в рублях: больше 0, до копеек, не больше 999999999999.99",
        ),
        _ => {}
    }
    if fields.ends_at <= fields.starts_at {
        errors.add("ends_at", "окончание должно быть позже начала");
    }
    let raw = fields.conditions;
    let project_ids = sorted_ids(
        &mut errors,
        "conditions.project_ids",
        raw.project_ids,
        MAX_IDS,
    );
    let building_ids = sorted_ids(
        &mut errors,
        "conditions.building_ids",
        raw.building_ids,
        MAX_IDS,
    );
    let rooms = raw.rooms.map(|mut rooms| {
        rooms.sort_unstable();
        rooms.dedup();
        if rooms.is_empty() || rooms.iter().any(|rooms| !(0..=MAX_ROOMS).contains(rooms)) {
            errors.add(
                "conditions.rooms",
                "от 1 до 21 значения комнатности от 0 до 20",
            );
        }
        rooms
    });
    bounds(
        &mut errors,
        "conditions.area_min",
        "conditions.area_max",
        (raw.area_min, raw.area_max),
        |area: Decimal| area > Decimal::ZERO && area <= Decimal::from(10_000),
        "площадь больше 0 и не больше 10000 м²",
    );
    bounds(
        &mut errors,
        "conditions.floor_min",
        "conditions.floor_max",
        (raw.floor_min, raw.floor_max),
        |floor: i32| FLOORS.contains(&floor),
        &format!("этаж от {} до {}", FLOORS.start(), FLOORS.end()),
    );
    bounds(
        &mut errors,
        "conditions.price_min",
        "conditions.price_max",
        (raw.price_min, raw.price_max),
        money_like,
        "цена больше 0, до копеек",
    );
    let apartment_codes = raw.apartment_codes.map(|codes| {
        let mut codes: Vec<String> = codes.iter().map(|code| code.trim().to_owned()).collect();
        codes.sort();
        codes.dedup();
        if codes.is_empty()
            || codes.len() > MAX_CODES
            || codes
                .iter()
                .any(|code| code.is_empty() || code.chars().count() > MAX_CODE_CHARS)
        {
            errors.add(
                "conditions.apartment_codes",
                "от 1 до 1000 артикулов по 1–64 символа",
            );
        }
        codes
    });
    if raw
        .first_n_bookings
        .is_some_and(|n| !(1..=MAX_FIRST_N).contains(&n))
    {
        errors.add("conditions.first_n_bookings", "от 1 до 1000000 броней");
    }
    errors.finish()?;
    Ok(Fields {
        name,
        description,
        kind: fields.kind,
        value: fields.value,
        stacks: fields.stacks,
        starts_at: fields.starts_at,
        ends_at: fields.ends_at,
        conditions: PromotionConditions {
            project_ids,
            building_ids,
            rooms,
            area_min: raw.area_min,
            area_max: raw.area_max,
            floor_min: raw.floor_min,
            floor_max: raw.floor_max,
            price_min: raw.price_min,
            price_max: raw.price_max,
            apartment_codes,
            only_platform_booking: Some(raw.only_platform_booking.unwrap_or(false)),
            first_n_bookings: raw.first_n_bookings,
        },
    })
}

/// The projects and buildings of the conditions belong to the promotion's company (any company for a platform
/// promotion); 404 otherwise, as for any other company's object.
async fn check_scope(
    client: &impl GenericClient,
    developer_id: Option<i64>,
    conditions: &PromotionConditions,
) -> AppResult<()> {
    if let Some(ids) = &conditions.project_ids {
        let found: i64 = client
            .query_one(
                "SELECT count(*) FROM projects WHERE id = ANY($1) AND ($2::bigint IS NULL OR developer_id = $2)",
                &[ids, &developer_id],
            )
            .await?
            .get(0);
        if found != ids.len() as i64 {
            return Err(AppError::not_found(
                "ЖК из условия акции не найден или принадлежит другой компании",
            ));
        }
    }
    if let Some(ids) = &conditions.building_ids {
        let found: i64 = client
            .query_one(
                "SELECT count(*) FROM buildings b JOIN projects p ON p.id = b.project_id
                  WHERE b.id = ANY($1) AND ($2::bigint IS NULL OR p.developer_id = $2)",
                &[ids, &developer_id],
            )
            .await?
            .get(0);
        if found != ids.len() as i64 {
            return Err(AppError::not_found(
                "Корпус из условия акции не найден или принадлежит другой компании",
            ));
        }
    }
    Ok(())
}

/// Re-applies the discounts that depend on promotion `id` to the search copy, in the caller's transaction, so a
/// moderation, pause or end is visible in search at once.
pub async fn apply_scope(
    client: &impl GenericClient,
    id: i64,
    settings: &PromotionSettings,
) -> AppResult<()> {
    client
        .execute(
            "SELECT apply_promotion_discounts(promotion_scope_projects(ARRAY[$1::bigint]), false, now(), $2, $3)",
            &[
                &id,
                &settings.max_total_discount_percent,
                &settings.floor_share_of_base_price_percent,
            ],
        )
        .await?;
    Ok(())
}

async fn load(client: &impl GenericClient, id: i64, staff_view: bool) -> AppResult<Promotion> {
    let row = client
        .query_opt(&format!("{SELECT_SQL} WHERE pr.id = $1"), &[&id])
        .await?
        .ok_or_else(not_found)?;
    Promotion::from_row(&row, staff_view)
}

fn may_manage(caller: &CurrentUser, developer_id: Option<i64>) -> bool {
    match developer_id {
        Some(developer_id) => caller.can_manage_developer(developer_id),
        None => caller.is_moderator(),
    }
}

/// Locks the promotion for a change by the caller: 403 for buyers, 404 for another company's promotion.
async fn lock_for_change(
    client: &impl GenericClient,
    caller: &CurrentUser,
    id: i64,
) -> AppResult<(Option<i64>, PromotionStatus)> {
    caller.require_developer_or_moderator()?;
    let row = client
        .query_opt(
            "SELECT developer_id, status::text AS status FROM promotions WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .ok_or_else(not_found)?;
    let developer_id: Option<i64> = row.get("developer_id");
    if !may_manage(caller, developer_id) {
        return Err(not_found());
    }
    Ok((developer_id, PromotionStatus::from_db(row.get("status"))?))
}

/// The conditions as stored (`promotions.conditions`): only the given keys; `only_platform_booking` only when set.
fn conditions_json(conditions: &PromotionConditions) -> AppResult<serde_json::Value> {
    let mut stored = conditions.clone();
    if stored.only_platform_booking == Some(false) {
        stored.only_platform_booking = None;
    }
    serde_json::to_value(stored)
        .map_err(|error| AppError::Internal(format!("promotion conditions: {error}")))
}

/// Акции, действующие сейчас
///
/// Публичный список: одобренные акции, которые действуют сейчас (по времени и «первым N броням»), по
/// возрастанию id. Какие из них применяются к конкретной квартире и на сколько рублей — в её карточке
/// (`promotions`, `final_price`).
#[utoipa::path(get, path = "/promotions", tag = "promotions", security((), ("bearer" = [])),
    params(PromotionListQuery),
    responses(
        (status = 200, description = "Страница действующих акций", body = PromotionPage),
        (status = 422, description = "Некорректный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_promotions(
    State(state): State<AppState>,
    Query(query): Query<PromotionListQuery>,
) -> AppResult<Json<PromotionPage>> {
    let page = CATALOG_PAGES.page(query.limit, query.offset)?;
    let client = state.pool.get().await?;
    let sql = format!(
        "{SELECT_SQL}
          WHERE pr.status = 'approved' AND pr.starts_at <= now() AND pr.ends_at > now()
            AND (NOT pr.conditions ? 'first_n_bookings'
                 OR pr.issued_bookings < (pr.conditions ->> 'first_n_bookings')::integer)
            AND ($1::bigint IS NULL OR pr.developer_id = $1)
            AND ($2::bigint IS NULL
                 OR ((pr.developer_id IS NULL
                      OR pr.developer_id = (SELECT p.developer_id FROM projects p WHERE p.id = $2))
                     AND (NOT pr.conditions ? 'project_ids' OR pr.conditions -> 'project_ids' @> to_jsonb($2::bigint))))
          ORDER BY pr.id LIMIT $3 OFFSET $4"
    );
    let (total, rows) = fetch_page(
        &client,
        &sql,
        &[&query.developer_id, &query.project_id],
        page,
    )
    .await?;
    let items = rows
        .iter()
        .map(|row| Promotion::from_row(row, false))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(PromotionPage::new(total, page, items)))
}

/// Акции в кабинете
///
/// Сотрудник застройщика видит акции своих компаний в любом состоянии, модератор — все акции, включая акции
/// платформы (очередь проверки — `status=pending_review`). С историей каждой акции.
#[utoipa::path(get, path = "/cabinet/promotions", tag = "promotions", security(("bearer" = [])),
    params(CabinetPromotionQuery),
    responses(
        (status = 200, description = "Акции по возрастанию id", body = PromotionPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cabinet_promotions(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<CabinetPromotionQuery>,
) -> AppResult<Json<PromotionPage>> {
    caller.require_developer_or_moderator()?;
    let page = CATALOG_PAGES.page(query.limit, query.offset)?;
    let status = query.status.map(PromotionStatus::as_str);
    let client = state.pool.get().await?;
    let sql = format!(
        "{SELECT_SQL}
          WHERE ($1 OR pr.developer_id = ANY ($2))
            AND ($3::text IS NULL OR pr.status = $3::text::promotion_status)
            AND ($4::bigint IS NULL OR pr.developer_id = $4)
          ORDER BY pr.id LIMIT $5 OFFSET $6"
    );
    let (total, rows) = fetch_page(
        &client,
        &sql,
        &[
            &caller.is_moderator(),
            &caller.developer_ids,
            &status,
            &query.developer_id,
        ],
        page,
    )
    .await?;
    let items = rows
        .iter()
        .map(|row| Promotion::from_row(row, true))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(PromotionPage::new(total, page, items)))
}

/// Акция
///
/// Одобренную акцию видят все; остальные — только сотрудники её застройщика и модераторы (акцию платформы —
/// модераторы), им же видны комментарий модератора и история.
#[utoipa::path(get, path = "/promotions/{id}", tag = "promotions", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    responses(
        (status = 200, description = "Акция", body = Promotion),
        (status = 404, description = "Акции нет или она не одобрена", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_promotion(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Promotion>> {
    let client = state.pool.get().await?;
    let public = load(&client, id, false).await?;
    let staff = caller
        .as_ref()
        .is_some_and(|caller| may_manage(caller, public.developer_id));
    if staff {
        return Ok(Json(load(&client, id, true).await?));
    }
    if public.status != PromotionStatus::Approved {
        return Err(not_found());
    }
    Ok(Json(public))
}

/// Новая акция
///
/// Сотрудник застройщика создаёт акцию своей компании (`developer_id`), модератор — акцию любого застройщика
/// или акцию платформы (без `developer_id`; скидку оплачивает платформа). ЖК и корпуса из условий должны
/// принадлежать компании акции (иначе 404). Акция создаётся черновиком; покупатели увидят её после отправки на
/// проверку и одобрения модератором. Неизвестный ключ условий — 422 с его именем.
#[utoipa::path(post, path = "/promotions", tag = "promotions", security(("bearer" = [])),
    request_body = CreatePromotionRequest,
    responses(
        (status = 201, description = "Акция создана черновиком", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно; акцию платформы создаёт только модератор", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "Компании нет или вызывающий не её сотрудник; ЖК или корпус условия — другой компании", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля или неизвестный ключ условий", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(request): Json<CreatePromotionRequest>,
) -> AppResult<(StatusCode, Json<Promotion>)> {
    caller.require_developer_or_moderator()?;
    match request.developer_id {
        None if !caller.is_moderator() => {
            return Err(AppError::Forbidden(
                "Акции платформы создаёт только модератор; укажите developer_id своей компании"
                    .into(),
            ))
        }
        Some(developer_id) if !caller.can_manage_developer(developer_id) => {
            return Err(AppError::not_found(
                "Компания-застройщик не найдена или вы не её сотрудник",
            ))
        }
        _ => {}
    }
    let fields = validate(Fields {
        name: request.name,
        description: request.description,
        kind: request.kind,
        value: request.value,
        stacks: request.stacks.unwrap_or(false),
        starts_at: request.starts_at.with_timezone(&Utc),
        ends_at: request.ends_at.with_timezone(&Utc),
        conditions: request.conditions.unwrap_or_default(),
    })?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    if let Some(developer_id) = request.developer_id {
        let exists: bool = transaction
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM developers WHERE id = $1)",
                &[&developer_id],
            )
            .await?
            .get(0);
        if !exists {
            return Err(AppError::not_found("Компания-застройщик не найдена"));
        }
    }
    check_scope(&transaction, request.developer_id, &fields.conditions).await?;
    let role = caller.role.as_str();
    let kind = fields.kind.as_str();
    let conditions = conditions_json(&fields.conditions)?;
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
        &request.developer_id,
        &fields.name,
        &fields.description,
        &kind,
        &fields.value,
        &fields.stacks,
        &fields.starts_at,
        &fields.ends_at,
    ];
    params.push(&conditions);
    params.push(&caller.id);
    params.push(&role);
    let id: i64 = transaction
        .query_one(include_str!("upsert.sql"), &params)
        .await?
        .get("id");
    let promotion = load(&transaction, id, true).await?;
    transaction.commit().await?;
    Ok((StatusCode::CREATED, Json(promotion)))
}

/// Изменить акцию
///
/// Переданы только меняемые поля, `conditions` заменяются целиком. Изменение одобренной или приостановленной
/// акции возвращает её на проверку (скидка пропадает из цен сразу); завершённую акцию менять нельзя (409).
#[utoipa::path(patch, path = "/promotions/{id}", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    request_body = UpdatePromotionRequest,
    responses(
        (status = 200, description = "Акция изменена", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет или она другой компании; ЖК или корпус условия — другой компании", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "Акция завершена", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля или неизвестный ключ условий", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdatePromotionRequest>,
) -> AppResult<Json<Promotion>> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let (developer_id, status) = lock_for_change(&transaction, &caller, id).await?;
    if status == PromotionStatus::Ended {
        return Err(AppError::Conflict {
            detail: "Акция завершена, её нельзя изменить".into(),
            field: None,
        });
    }
    let current = load(&transaction, id, true).await?;
    let fields = validate(Fields {
        name: request.name.unwrap_or(current.name),
        description: request.description.or(current.description),
        kind: request.kind.unwrap_or(current.kind),
        value: request.value.unwrap_or(current.value),
        stacks: request.stacks.unwrap_or(current.stacks),
        starts_at: request
            .starts_at
            .map_or(current.starts_at.with_timezone(&Utc), |at| {
                at.with_timezone(&Utc)
            }),
        ends_at: request
            .ends_at
            .map_or(current.ends_at.with_timezone(&Utc), |at| {
                at.with_timezone(&Utc)
            }),
        conditions: request.conditions.unwrap_or(current.conditions),
    })?;
    if fields
        .conditions
        .first_n_bookings
        .is_some_and(|n| n < current.issued_bookings)
    {
        return Err(AppError::field(
            "conditions.first_n_bookings",
            format!(
                "уже выдано {} броней по акции: N не может быть меньше",
                current.issued_bookings
            ),
        ));
    }
    check_scope(&transaction, developer_id, &fields.conditions).await?;
    let role = caller.role.as_str();
    let kind = fields.kind.as_str();
    let conditions = conditions_json(&fields.conditions)?;
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
        &id,
        &fields.name,
        &fields.description,
        &kind,
        &fields.value,
        &fields.stacks,
        &fields.starts_at,
        &fields.ends_at,
    ];
    params.push(&conditions);
    params.push(&caller.id);
    params.push(&role);
    transaction
        .query_one(include_str!("update.sql"), &params)
        .await?;
    if status == PromotionStatus::Approved {
        apply_scope(&transaction, id, &state.promotions).await?;
    }
    let promotion = load(&transaction, id, true).await?;
    transaction.commit().await?;
    Ok(Json(promotion))
}

/// A step of the life of a promotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Submit,
    Approve,
    Reject,
    Pause,
    Resume,
    End,
}

impl Step {
    /// The states the step starts from, the state it leads to and the history action.
    fn transition(self) -> (&'static [PromotionStatus], PromotionStatus, &'static str) {
        use PromotionStatus::*;
        match self {
            Step::Submit => (&[Draft, Rejected], PendingReview, "submitted"),
            Step::Approve => (&[PendingReview], Approved, "approved"),
            Step::Reject => (&[PendingReview], Rejected, "rejected"),
            Step::Pause => (&[Approved], Paused, "paused"),
            Step::Resume => (&[Paused], Approved, "resumed"),
            Step::End => (
                &[Draft, PendingReview, Approved, Rejected, Paused],
                Ended,
                "ended",
            ),
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Step::Submit => "На проверку отправляют черновик или отклонённую акцию",
            Step::Approve | Step::Reject => "Решение принимают по акции, которая ждёт проверки",
            Step::Pause => "Приостановить можно только одобренную акцию",
            Step::Resume => "Возобновить можно только приостановленную акцию",
            Step::End => "Акция уже завершена",
        }
    }
}

fn comment_of(raw: Option<&str>) -> AppResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(comment) => required_text(comment, MAX_COMMENT_CHARS)
            .map(Some)
            .map_err(|message| AppError::field("comment", message)),
    }
}

/// Moves the promotion one step, writes its history and re-applies its discounts when it starts or stops being
/// approved, all in one transaction.
async fn apply_step(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    step: Step,
    comment: Option<String>,
) -> AppResult<Promotion> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let (_, status) = lock_for_change(&transaction, caller, id).await?;
    let (from, to, action) = step.transition();
    if !from.contains(&status) {
        return Err(AppError::Conflict {
            detail: step.refusal().into(),
            field: None,
        });
    }
    let moderated = matches!(step, Step::Approve | Step::Reject);
    transaction
        .execute(
            "UPDATE promotions
                SET status = $2::text::promotion_status,
                    moderated_by = CASE WHEN $3 THEN $4 ELSE moderated_by END,
                    moderated_at = CASE WHEN $3 THEN now() ELSE moderated_at END,
                    moderation_comment = CASE WHEN $3 THEN $5
                                              WHEN $2 = 'pending_review' THEN NULL
                                              ELSE moderation_comment END
              WHERE id = $1",
            &[&id, &to.as_str(), &moderated, &caller.id, &comment],
        )
        .await?;
    transaction
        .execute(
            "INSERT INTO promotion_history (promotion_id, action, actor_id, actor_role, comment)
             VALUES ($1, $2::text::promotion_action, $3, $4::text::user_role, $5)",
            &[&id, &action, &caller.id, &caller.role.as_str(), &comment],
        )
        .await?;
    if status == PromotionStatus::Approved || to == PromotionStatus::Approved {
        apply_scope(&transaction, id, &state.promotions).await?;
    }
    let promotion = load(&transaction, id, true).await?;
    transaction.commit().await?;
    Ok(promotion)
}

/// Отправить акцию на проверку
///
/// Черновик или отклонённая акция становится `pending_review`.
#[utoipa::path(post, path = "/promotions/{id}/submit", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    responses(
        (status = 200, description = "Акция ждёт проверки", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Акция уже на проверке, одобрена или завершена", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Promotion>> {
    Ok(Json(
        apply_step(&state, &caller, id, Step::Submit, None).await?,
    ))
}

/// Решение модератора по акции
///
/// Только модератор. `publish` одобряет акцию: она действует для покупателей в своём окне времени, скидки
/// появляются в ценах поиска сразу; `reject` отклоняет с обязательным комментарием.
#[utoipa::path(post, path = "/promotions/{id}/moderation", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    request_body = ModerationDecisionRequest,
    responses(
        (status = 200, description = "Решение принято", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Решение принимает только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Акция не ждёт проверки", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Отказ без комментария", body = Problem, content_type = "application/problem+json"),
    ))]
async fn moderate_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<ModerationDecisionRequest>,
) -> AppResult<Json<Promotion>> {
    caller.require_moderator()?;
    let comment = comment_of(request.comment.as_deref())?;
    let step = match request.decision {
        PublishDecision::Publish => Step::Approve,
        PublishDecision::Reject if comment.is_none() => {
            return Err(AppError::field("comment", "укажите причину отказа"));
        }
        PublishDecision::Reject => Step::Reject,
    };
    Ok(Json(apply_step(&state, &caller, id, step, comment).await?))
}

/// Приостановить акцию
///
/// Одобренная акция становится `paused`: скидка пропадает из цен поиска сразу, из карточек — тоже сразу
/// (они считаются на лету). Возобновить — `POST /promotions/{id}/resume` (без повторной проверки).
#[utoipa::path(post, path = "/promotions/{id}/pause", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    request_body = PromotionStepRequest,
    responses(
        (status = 200, description = "Акция приостановлена", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Акция не одобрена", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Слишком длинный комментарий", body = Problem, content_type = "application/problem+json"),
    ))]
async fn pause_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<PromotionStepRequest>,
) -> AppResult<Json<Promotion>> {
    let comment = comment_of(request.comment.as_deref())?;
    Ok(Json(
        apply_step(&state, &caller, id, Step::Pause, comment).await?,
    ))
}

/// Возобновить акцию
///
/// Приостановленная акция снова `approved`: скидки возвращаются в цены сразу.
#[utoipa::path(post, path = "/promotions/{id}/resume", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    responses(
        (status = 200, description = "Акция возобновлена", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Акция не приостановлена", body = Problem, content_type = "application/problem+json"),
    ))]
async fn resume_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Promotion>> {
    Ok(Json(
        apply_step(&state, &caller, id, Step::Resume, None).await?,
    ))
}

/// Завершить акцию
///
/// Акция в любом состоянии, кроме завершённой, становится `ended` навсегда: скидка пропадает из цен сразу.
/// Брони, уже получившие скидку, сохраняют свою цену.
#[utoipa::path(post, path = "/promotions/{id}/end", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор акции", example = 5)),
    request_body = PromotionStepRequest,
    responses(
        (status = 200, description = "Акция завершена", body = Promotion),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Акции нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Акция уже завершена", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Слишком длинный комментарий", body = Problem, content_type = "application/problem+json"),
    ))]
async fn end_promotion(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<PromotionStepRequest>,
) -> AppResult<Json<Promotion>> {
    let comment = comment_of(request.comment.as_deref())?;
    Ok(Json(
        apply_step(&state, &caller, id, Step::End, comment).await?,
    ))
}
