//! Apartments: the public catalog search and card, the developer cabinet (create, edit, delete, bulk upsert,
//! manual price change) and moderation.

mod bulk;
mod fields;
mod handlers;
mod holds;
pub mod search;
pub mod types;

use axum::extract::State;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{apartment_of_company_for_update, CurrentUser};
use crate::catalog::Currency;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub use bulk::{BulkApartment, BulkRequest, BulkResult, BulkRow, MAX_BULK_ROWS};
pub use types::{ApartmentCard, ApartmentPage, ApartmentSearchQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_price))
        .routes(routes!(handlers::search_apartments))
        .routes(routes!(
            handlers::get_apartment,
            handlers::update_apartment,
            handlers::delete_apartment
        ))
        .routes(routes!(handlers::create_apartment))
        .routes(routes!(handlers::submit_apartment))
        .routes(routes!(handlers::moderate_apartment))
}

/// The bulk upsert has its own body limit: 5 000 apartments do not fit the default 1 MiB.
pub fn bulk_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bulk::bulk_upsert))
        .layer(axum::extract::DefaultBodyLimit::max(
            bulk::MAX_BULK_BODY_BYTES,
        ))
}

const MAX_COMMENT_CHARS: usize = 500;

/// Новая цена квартиры.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPriceRequest {
    /// Новая текущая цена в валюте квартиры: больше нуля, не больше двух знаков после запятой
    #[schema(value_type = crate::openapi::Money, example = "9500000.00")]
    pub price: Decimal,
    /// Причина изменения для истории цен, до 500 символов
    #[schema(max_length = 500, example = "Старт продаж корпуса 2")]
    pub comment: Option<String>,
    /// Акция, в рамках которой застройщик меняет цену (своей компании или платформы, не завершённая): запись
    /// истории цен получает причину `promo` и название акции в объяснении. Скидки акций сами по себе цену не
    /// меняют и в историю цен не пишутся
    #[schema(example = 5)]
    pub promotion_id: Option<i64>,
}

/// Результат ручной смены цены.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentPrice {
    /// Идентификатор квартиры
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Цена до изменения
    #[schema(value_type = crate::openapi::Money, example = "9200000.00")]
    pub old_price: Decimal,
    /// Текущая цена
    #[schema(value_type = crate::openapi::Money, example = "9500000.00")]
    pub current_price: Decimal,
    /// Базовая цена застройщика: от неё считается коридор динамического ценообразования
    #[schema(value_type = crate::openapi::Money, example = "9300000.00")]
    pub base_price: Decimal,
    /// Валюта ISO 4217
    pub currency: Currency,
    /// Изменилась ли цена (`false`, если новая цена равна текущей)
    #[schema(example = true)]
    pub changed: bool,
    /// Когда изменилась цена (запись в истории цен)
    #[schema(required = true, example = "2025-03-02T12:00:00Z")]
    pub changed_at: Option<DateTime<Utc>>,
    /// Объяснение из истории цен
    #[schema(
        required = true,
        example = "Цена изменена вручную (+3,3 %): Старт продаж корпуса 2"
    )]
    pub explanation: Option<String>,
}

/// Ручная смена цены квартиры
///
/// Доступна сотрудникам компании-застройщика этой квартиры и модераторам. Изменение пишется
/// в историю цен с причиной `manual` и автором (с `promotion_id` — причина `promo` и название акции в
/// объяснении); после него динамическое ценообразование не трогает квартиру 24 часа. Чужая квартира
/// (или чужая акция) отвечает 404.
#[utoipa::path(patch, path = "/apartments/{id}/price", tag = "apartments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор квартиры", example = 1001)),
    request_body = SetPriceRequest,
    responses(
        (status = 200, description = "Цена установлена", body = ApartmentPrice),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Покупателю недоступно", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Квартиры нет или она другой компании; акции нет, она завершена или другой компании", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "Квартира продана", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Некорректная цена", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_price(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
    Json(request): Json<SetPriceRequest>,
) -> AppResult<Json<ApartmentPrice>> {
    caller.require_developer_or_moderator()?;
    let price = request.price;
    if price <= Decimal::ZERO {
        return Err(AppError::field("price", "цена должна быть больше нуля"));
    }
    if price.normalize().scale() > 2 {
        return Err(AppError::field(
            "price",
            "не больше двух знаков после запятой",
        ));
    }
    if price > fields::max_price() {
        return Err(AppError::field("price", "слишком большая цена"));
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|comment| !comment.is_empty());
    if comment.is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS) {
        return Err(AppError::field(
            "comment",
            format!("не длиннее {MAX_COMMENT_CHARS} символов"),
        ));
    }

    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let apartment = apartment_of_company_for_update(&transaction, &caller, id).await?;
    let promotion_name: Option<String> = match request.promotion_id {
        None => None,
        Some(promotion_id) => Some(
            transaction
                .query_opt(
                    "SELECT name FROM promotions
                      WHERE id = $1 AND status <> 'ended' AND (developer_id IS NULL OR developer_id = $2)",
                    &[&promotion_id, &apartment.developer_id],
                )
                .await?
                .ok_or_else(|| {
                    AppError::not_found("Акция не найдена, завершена или принадлежит другой компании")
                })?
                .get(0),
        ),
    };
    if apartment.status == "sold" {
        return Err(AppError::Conflict {
            detail: "Квартира продана, её цену менять нельзя".into(),
            field: None,
        });
    }
    if apartment.current_price == price {
        transaction.commit().await?;
        return Ok(Json(ApartmentPrice {
            apartment_id: id,
            old_price: apartment.current_price,
            current_price: apartment.current_price,
            base_price: apartment.base_price,
            currency: Currency::from_db(&apartment.currency)?,
            changed: false,
            changed_at: None,
            explanation: None,
        }));
    }
    let row = transaction
        .query_one(
            include_str!("set_price.sql"),
            &[
                &id,
                &price,
                &caller.id,
                &comment,
                &request.promotion_id,
                &promotion_name,
            ],
        )
        .await?;
    transaction.commit().await?;
    Ok(Json(ApartmentPrice {
        apartment_id: id,
        old_price: row.get("old_price"),
        current_price: row.get("current_price"),
        base_price: row.get("base_price"),
        currency: Currency::from_db(row.get("currency"))?,
        changed: true,
        changed_at: Some(row.get("changed_at")),
        explanation: row.get("explanation"),
    }))
}
