//! Favourites of a buyer: idempotent add and remove, the list; adding counts as a `favourite` interest event.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{CurrentUser, Role};
use crate::catalog::{ApartmentStatus, Currency};
use crate::error::{AppError, AppResult, Problem};
use crate::events::{ingest, InterestEvent, NewEvent};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, page_of, LIST_PAGES};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_favourite, remove_favourite))
        .routes(routes!(list_favourites))
}

/// Квартира в избранном.
#[derive(Debug, Serialize, ToSchema)]
pub struct Favourite {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Когда добавлена в избранное
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub added_at: DateTime<Utc>,
    /// Добавлена этим запросом (`false` — уже была в избранном)
    #[schema(example = true)]
    pub added: bool,
}

/// Квартира из списка избранного.
#[derive(Debug, Serialize, ToSchema)]
pub struct FavouriteApartment {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Номер квартиры у застройщика
    #[schema(example = "К1-125")]
    pub code: String,
    /// Комнат (0 — студия)
    #[schema(example = 2)]
    pub rooms: i16,
    /// Общая площадь, м²
    #[schema(value_type = crate::openapi::Area, example = "54.30")]
    pub area_total: Decimal,
    /// Текущая цена
    #[schema(value_type = crate::openapi::Money, example = "9300000.00")]
    pub current_price: Decimal,
    /// Валюта ISO 4217
    pub currency: Currency,
    /// Статус продажи
    pub status: ApartmentStatus,
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК Тестовый")]
    pub project_name: String,
    /// Город
    #[schema(example = "Москва")]
    pub city: String,
    /// Когда добавлена в избранное
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub added_at: DateTime<Utc>,
}

page_of! {
    /// Страница избранного.
    FavouritePage, FavouriteApartment,
    total = "Сколько опубликованных квартир в избранном",
    items = "Квартиры страницы, недавно добавленные первыми"
}

/// Страница списка.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FavouriteListQuery {
    /// Размер страницы: от 1 до 200, по умолчанию 50; больше 200 — ошибка 422
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

fn require_buyer(caller: &CurrentUser) -> AppResult<()> {
    if caller.role == Role::Buyer {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Избранное есть только у покупателей".into(),
        ))
    }
}

/// Добавить в избранное
///
/// Только покупатель; только существующая опубликованная квартира. Идемпотентно: повтор ничего не меняет
/// и отвечает той же датой. Новое добавление входит в спрос как событие `favourite` (с окном повторов).
#[utoipa::path(put, path = "/apartments/{id}/favourite", tag = "favourites", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 200, description = "Квартира в избранном", body = Favourite),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Не покупатель", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она не опубликована", body = Problem, content_type = "application/problem+json"),
    ))]
async fn add_favourite(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(apartment_id): Path<i64>,
) -> AppResult<Json<Favourite>> {
    require_buyer(&caller)?;
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let row = transaction
        .query_opt(include_str!("add.sql"), &[&caller.id, &apartment_id])
        .await?
        .ok_or_else(|| AppError::not_found("Квартира не найдена или не опубликована"))?;
    let added: bool = row.get("added");
    if added {
        let event = NewEvent {
            apartment_id,
            user_id: Some(caller.id),
            visitor_id: None,
            event: InterestEvent::Favourite,
            occurred_at: None,
        };
        ingest(
            &transaction,
            &[event],
            state.signals.view_dedup_window,
            state.signals.flood_events_per_minute,
        )
        .await?;
    }
    transaction.commit().await?;
    Ok(Json(Favourite {
        apartment_id,
        added_at: row.get("created_at"),
        added,
    }))
}

/// Убрать из избранного
///
/// Только покупатель. Идемпотентно: 204, даже если квартиры в избранном не было.
#[utoipa::path(delete, path = "/apartments/{id}/favourite", tag = "favourites", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    responses(
        (status = 204, description = "Квартиры нет в избранном"),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Не покупатель", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_favourite(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(apartment_id): Path<i64>,
) -> AppResult<StatusCode> {
    require_buyer(&caller)?;
    let client = state.pool.get().await?;
    client
        .execute(
            "DELETE FROM favourites WHERE user_id = $1 AND apartment_id = $2",
            &[&caller.id, &apartment_id],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Моё избранное
///
/// Только покупатель. Опубликованные квартиры, недавно добавленные первыми.
#[utoipa::path(get, path = "/me/favourites", tag = "favourites", security(("bearer" = [])),
    params(FavouriteListQuery),
    responses(
        (status = 200, description = "Страница избранных квартир", body = FavouritePage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Не покупатель", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit вне 1–200 или offset вне 0–10000", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_favourites(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<FavouriteListQuery>,
) -> AppResult<Json<FavouritePage>> {
    require_buyer(&caller)?;
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let client = state.pool.get().await?;
    let (total, rows) = fetch_page(&client, include_str!("list.sql"), &[&caller.id], page).await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(FavouriteApartment {
                apartment_id: row.get("apartment_id"),
                code: row.get("code"),
                rooms: row.get("rooms"),
                area_total: row.get("area_total"),
                current_price: row.get("current_price"),
                currency: Currency::from_db(row.get("currency"))?,
                status: ApartmentStatus::from_db(row.get("status"))?,
                project_id: row.get("project_id"),
                project_name: row.get("project_name"),
                city: row.get("city"),
                added_at: row.get("added_at"),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Json(FavouritePage::new(total, page, items)))
}
