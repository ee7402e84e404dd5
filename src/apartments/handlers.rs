use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use deadpool_postgres::GenericClient;
use serde_json::json;

use super::fields::{blank_to_none, ApartmentFields};
use super::holds;
use super::search::{self, cards_in_order};
use super::types::{
    ApartmentCard, ApartmentPage, ApartmentSearchQuery, CreateApartmentRequest,
    UpdateApartmentRequest,
};
use crate::audit;
use crate::auth::{
    apartment_of_company, apartment_of_company_for_update, building_of_company, CurrentUser,
    MaybeUser,
};
use crate::catalog::moderation::{self, Moderated};
use crate::catalog::{ApartmentStatus, CatalogCache, ModerationDecisionRequest};
use crate::config::{CatalogSettings, PromotionSettings};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{CATALOG_PAGES, MAX_OFFSET};
use crate::state::AppState;
use crate::validation::FieldErrors;

async fn card(
    client: &impl GenericClient,
    id: i64,
    staff: bool,
    promotions: &PromotionSettings,
) -> AppResult<ApartmentCard> {
    cards_in_order(client, &[id], staff, promotions)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("Квартира не найдена"))
}

/// The description of `GET /apartments`: the cache time and the page bounds come from the settings and
/// constants the search runs with, never from a copy in the text.
fn search_description() -> String {
    let total_cache_seconds = CatalogSettings::default().total_cache_ttl.as_secs();
    format!(
        "Публичный поиск: только квартиры, опубликованные вместе со своим ЖК и застройщиком. Фильтры \
         комбинируются через И; без `status` показываются квартиры в продаже. `total` — число подходящих \
         квартир, точное на момент подсчёта: сервис держит его до `CATALOG_TOTAL_CACHE_SECONDS` секунд \
         (по умолчанию {total_cache_seconds}) для того же набора фильтров (сортировка и страница не в счёт), так что \
         `total` может отставать от страницы на эти секунды. Сама страница читается при каждом запросе. Размер \
         страницы не больше {max_page} (больше — 422, а не молчаливое урезание), смещение не больше {MAX_OFFSET}.",
        max_page = CATALOG_PAGES.max,
    )
}

/// Каталог квартир
#[utoipa::path(get, path = "/apartments", tag = "catalog", security((), ("bearer" = [])),
    description = search_description(),
    params(ApartmentSearchQuery),
    responses(
        (status = 200, description = "Страница каталога и число квартир (точное на момент подсчёта, не старше CATALOG_TOTAL_CACHE_SECONDS)", body = ApartmentPage),
        (status = 422, description = "Некорректный фильтр, сортировка или страница; поле названо в errors", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn search_apartments(
    State(state): State<AppState>,
    Extension(cache): Extension<CatalogCache>,
    Query(query): Query<ApartmentSearchQuery>,
) -> AppResult<Json<ApartmentPage>> {
    let client = state.pool.get().await?;
    Ok(Json(
        search::search(
            &state.pool,
            &client,
            &cache,
            &state.promotions,
            &query,
            search::TotalCount::Exact,
        )
        .await?,
    ))
}

/// Карточка квартиры
///
/// Опубликованную (вместе с ЖК и застройщиком) квартиру видят все; остальные — только сотрудники её
/// застройщика и модераторы, остальным ответ 404.
#[utoipa::path(get, path = "/apartments/{id}", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 200, description = "Карточка квартиры", body = ApartmentCard),
        (status = 404, description = "Квартиры нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_apartment(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ApartmentCard>> {
    let client = state.pool.get().await?;
    let rows = client
        .query(
            include_str!("card.sql"),
            &[
                &vec![id],
                &state.promotions.max_total_discount_percent,
                &state.promotions.floor_share_of_base_price_percent,
            ],
        )
        .await?;
    let row = rows
        .first()
        .ok_or_else(|| AppError::not_found("Квартира не найдена"))?;
    let staff = caller
        .as_ref()
        .is_some_and(|caller| caller.can_manage_developer(row.get("developer_id")));
    if !staff && !row.get::<_, bool>("public") {
        return Err(AppError::not_found("Квартира не найдена"));
    }
    Ok(Json(ApartmentCard::from_row(row, staff)?))
}

/// Новая квартира в корпусе
///
/// Доступно сотрудникам застройщика корпуса и модераторам. Квартира создаётся черновиком
/// (`draft`); в каталог она попадёт после отправки на проверку и публикации модератором.
#[utoipa::path(post, path = "/buildings/{id}/apartments", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор корпуса", example = 31)),
    request_body = CreateApartmentRequest,
    responses(
        (status = 201, description = "Квартира создана черновиком", body = ApartmentCard),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Корпуса нет или он другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Артикул уже занят в этом ЖК", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля: площади, этаж в пределах корпуса, цены, ссылки", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn create_apartment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(building_id): Path<i64>,
    Json(request): Json<CreateApartmentRequest>,
) -> AppResult<(StatusCode, Json<ApartmentCard>)> {
    let mut client = state.pool.get().await?;
    building_of_company(&client, &caller, building_id).await?;
    let floors: i32 = client
        .query_one(
            "SELECT floors FROM buildings WHERE id = $1",
            &[&building_id],
        )
        .await?
        .get(0);
    let fields = ApartmentFields::from_create(request);
    let mut errors = FieldErrors::default();
    fields.validate(floors, "", &mut errors);
    errors.finish()?;
    let transaction = client.transaction().await?;
    let id: i64 = transaction
        .query_one(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, area_living, area_kitchen,
                                     ceiling_height, balcony, layout_image_url, tour_url, base_price, current_price,
                                     status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text::apartment_status)
             RETURNING id",
            &[
                &building_id,
                &fields.code,
                &fields.floor,
                &fields.rooms,
                &fields.area_total,
                &fields.area_living,
                &fields.area_kitchen,
                &fields.ceiling_height,
                &fields.balcony,
                &fields.layout_image_url,
                &fields.tour_url,
                &fields.base_price,
                &fields.current_price,
                &fields.status.as_str(),
            ],
        )
        .await?
        .get(0);
    audit::record(
        &transaction,
        caller.id,
        "apartment.create",
        "apartment",
        id,
        json!({}),
    )
    .await?;
    transaction.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(card(&client, id, true, &state.promotions).await?),
    ))
}

/// Изменение квартиры
///
/// Доступно сотрудникам застройщика квартиры и модераторам. Текущая цена и статус продажи применяются
/// сразу, даже у опубликованной квартиры; смена цены пишется в историю цен с причиной `manual` и ставит
/// квартиру на паузу динамического ценообразования (24 ч). Изменение остальных полей опубликованной
/// квартиры сотрудником застройщика возвращает её на проверку (`pending_review`). Статус квартиры, которую
/// держит активная бронь (`pending` или `confirmed`), меняют только шаги брони (подтверждение, продажа,
/// отмена): другой статус здесь — 409 с номером брони, и ничего не меняется.
#[utoipa::path(patch, path = "/apartments/{id}", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    request_body = UpdateApartmentRequest,
    responses(
        (status = 200, description = "Квартира изменена", body = ApartmentCard),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Артикул занят, цену проданной квартиры менять нельзя или статус держит активная бронь", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Некорректные поля", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_apartment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateApartmentRequest>,
) -> AppResult<Json<ApartmentCard>> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    apartment_of_company_for_update(&transaction, &caller, id).await?;
    let row = transaction
        .query_one(
            "SELECT a.code, a.floor, a.rooms, a.area_total, a.area_living, a.area_kitchen, a.ceiling_height,
                    a.balcony, a.layout_image_url, a.tour_url, a.base_price, a.current_price,
                    a.status::text AS status, b.floors
               FROM apartments a JOIN buildings b ON b.id = a.building_id
              WHERE a.id = $1",
            &[&id],
        )
        .await?;
    let current = ApartmentFields {
        code: row.get("code"),
        floor: row.get("floor"),
        rooms: row.get("rooms"),
        area_total: row.get("area_total"),
        area_living: row.get("area_living"),
        area_kitchen: row.get("area_kitchen"),
        ceiling_height: row.get("ceiling_height"),
        balcony: row.get("balcony"),
        layout_image_url: row.get("layout_image_url"),
        tour_url: row.get("tour_url"),
        base_price: row.get("base_price"),
        current_price: row.get("current_price"),
        status: ApartmentStatus::from_db(row.get("status"))?,
    };
    let wanted = ApartmentFields {
        code: request
            .code
            .map(|code| code.trim().to_owned())
            .unwrap_or_else(|| current.code.clone()),
        floor: request.floor.unwrap_or(current.floor),
        rooms: request.rooms.unwrap_or(current.rooms),
        area_total: request.area_total.unwrap_or(current.area_total),
        area_living: request.area_living.unwrap_or(current.area_living),
        area_kitchen: request.area_kitchen.unwrap_or(current.area_kitchen),
        ceiling_height: request.ceiling_height.unwrap_or(current.ceiling_height),
        balcony: request.balcony.unwrap_or(current.balcony),
        layout_image_url: request
            .layout_image_url
            .map(blank_to_none)
            .unwrap_or_else(|| current.layout_image_url.clone()),
        tour_url: request
            .tour_url
            .map(blank_to_none)
            .unwrap_or_else(|| current.tour_url.clone()),
        base_price: request.base_price.unwrap_or(current.base_price),
        current_price: request.current_price.unwrap_or(current.current_price),
        status: request.status.unwrap_or(current.status),
    };
    let mut errors = FieldErrors::default();
    wanted.validate(row.get("floors"), "", &mut errors);
    errors.finish()?;
    let price_changes = wanted.current_price != current.current_price;
    if price_changes
        && current.status == ApartmentStatus::Sold
        && wanted.status == ApartmentStatus::Sold
    {
        return Err(AppError::Conflict {
            detail: "Квартира продана, её цену менять нельзя".into(),
            field: None,
        });
    }
    if wanted.status != current.status {
        if let Some(booking) = holds::active_bookings(&transaction, &[id]).await?.get(&id) {
            return Err(AppError::Conflict {
                detail: booking.refusal(),
                field: None,
            });
        }
    }
    let back_to_review = wanted.description_differs(&current) && !caller.is_moderator();
    transaction
        .query_one(
            include_str!("update.sql"),
            &[
                &id,
                &wanted.code,
                &wanted.floor,
                &wanted.rooms,
                &wanted.area_total,
                &wanted.area_living,
                &wanted.area_kitchen,
                &wanted.ceiling_height,
                &wanted.balcony,
                &wanted.layout_image_url,
                &wanted.tour_url,
                &wanted.base_price,
                &wanted.status.as_str(),
                &back_to_review,
                &caller.id,
            ],
        )
        .await?;
    if price_changes {
        let comment: Option<String> = None;
        let promotion: (Option<i64>, Option<String>) = (None, None);
        transaction
            .query_one(
                include_str!("set_price.sql"),
                &[
                    &id,
                    &wanted.current_price,
                    &caller.id,
                    &comment,
                    &promotion.0,
                    &promotion.1,
                ],
            )
            .await?;
    }
    transaction.commit().await?;
    Ok(Json(card(&client, id, true, &state.promotions).await?))
}

/// Удаление квартиры
///
/// Удалить можно только квартиру без истории: с историей цен, бронями, заявками или событиями
/// интереса квартира остаётся (ответ 409) — снимите её с продажи статусом `sold` или `booked`.
#[utoipa::path(delete, path = "/apartments/{id}", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 204, description = "Квартира удалена"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "На квартиру ссылаются история цен, брони или заявки", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn delete_apartment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    apartment_of_company_for_update(&transaction, &caller, id).await?;
    transaction
        .execute("DELETE FROM apartments WHERE id = $1", &[&id])
        .await?;
    audit::record(
        &transaction,
        caller.id,
        "apartment.delete",
        "apartment",
        id,
        json!({}),
    )
    .await?;
    transaction.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Отправка квартиры на проверку
///
/// Черновик или отклонённая квартира переходит в `pending_review`.
#[utoipa::path(post, path = "/apartments/{id}/submit", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 200, description = "Квартира ждёт проверки", body = ApartmentCard),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она другой компании", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Квартира уже на проверке или опубликована", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_apartment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ApartmentCard>> {
    let client = state.pool.get().await?;
    apartment_of_company(&client, &caller, id).await?;
    moderation::submit(&client, Moderated::Apartment, id, &caller).await?;
    Ok(Json(card(&client, id, true, &state.promotions).await?))
}

/// Решение модератора по квартире
///
/// `publish` — квартира публикуется (в каталоге она видна, когда опубликованы и её ЖК, и застройщик);
/// `reject` — отклонена, комментарий обязателен.
#[utoipa::path(post, path = "/apartments/{id}/moderation", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    request_body = ModerationDecisionRequest,
    responses(
        (status = 200, description = "Решение сохранено", body = ApartmentCard),
        (status = 403, description = "Вызывающий не модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет комментария при отказе", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn moderate_apartment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<ModerationDecisionRequest>,
) -> AppResult<Json<ApartmentCard>> {
    let client = state.pool.get().await?;
    moderation::decide(&client, Moderated::Apartment, id, &caller, &request).await?;
    Ok(Json(card(&client, id, true, &state.promotions).await?))
}
