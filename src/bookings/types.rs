use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use crate::catalog::Currency;
use crate::error::{AppError, AppResult};
use crate::pagination::page_of;

/// Статус брони.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "pending")]
pub enum BookingStatus {
    /// Ждёт подтверждения застройщиком; удерживает квартиру до expires_at
    Pending,
    /// Подтверждена застройщиком; не истекает
    Confirmed,
    /// Отменена покупателем, застройщиком или модератором
    Cancelled,
    /// Истекла: застройщик не подтвердил вовремя
    Expired,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        Ok(match value {
            "pending" => Self::Pending,
            "confirmed" => Self::Confirmed,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            other => {
                return Err(AppError::Internal(format!(
                    "unknown booking_status {other:?}"
                )))
            }
        })
    }
}

/// Шаг жизни брони.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "created")]
pub enum BookingAction {
    /// Создана покупателем
    Created,
    /// Подтверждена застройщиком
    Confirmed,
    /// Отменена
    Cancelled,
    /// Истекла по расписанию
    Expired,
    /// Квартира продана по этой брони
    Sold,
}

/// Кто и когда изменил бронь.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BookingStep {
    /// Что произошло
    pub action: BookingAction,
    /// Кто сделал; пусто — система (истечение по расписанию)
    #[schema(required = true, example = 42)]
    pub actor_id: Option<i64>,
    /// Роль того, кто сделал: buyer, developer, moderator
    #[schema(required = true, example = "buyer")]
    pub actor_role: Option<String>,
    /// Комментарий (например, причина отмены)
    #[schema(required = true, example = "Передумали")]
    pub comment: Option<String>,
    /// Когда
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub occurred_at: DateTime<Utc>,
}

/// Бронь квартиры.
#[derive(Debug, Serialize, ToSchema)]
pub struct Booking {
    /// Идентификатор брони
    #[schema(example = 77)]
    pub id: i64,
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Номер квартиры у застройщика
    #[schema(example = "К1-125")]
    pub apartment_code: String,
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Застройщик
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Покупатель
    #[schema(example = 42)]
    pub user_id: i64,
    /// Статус
    pub status: BookingStatus,
    /// Итоговая цена, зафиксированная в момент бронирования: цена до скидок минус скидки акций. Держится всё
    /// удержание, даже если акция закончилась или динамическая цена сдвинулась
    #[schema(value_type = crate::openapi::Money, example = "8835000.00")]
    pub price: Decimal,
    /// Цена квартиры до скидок (`current_price`) в момент бронирования
    #[schema(value_type = crate::openapi::Money, example = "9300000.00")]
    pub list_price: Decimal,
    /// Акции, применённые к брони, и скидка по каждой, ₽ (снимок момента бронирования)
    pub promotions: Vec<crate::promotions::AppliedPromotion>,
    /// То же, что `price`: итоговая цена брони
    #[schema(value_type = crate::openapi::Money, example = "8835000.00")]
    pub final_price: Decimal,
    /// Валюта ISO 4217
    pub currency: Currency,
    /// Когда создана
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub booked_at: DateTime<Utc>,
    /// До какого момента неподтверждённая бронь удерживает квартиру
    #[schema(example = "2026-11-25T12:00:00Z")]
    pub expires_at: DateTime<Utc>,
    /// Комментарий покупателя
    #[schema(required = true, example = "Хочу посмотреть квартиру в субботу")]
    pub comment: Option<String>,
    /// История: каждый шаг, кто и когда
    pub history: Vec<BookingStep>,
}

impl Booking {
    pub fn from_row(row: &Row) -> AppResult<Self> {
        let history: serde_json::Value = row.get("history");
        Ok(Self {
            id: row.get("id"),
            apartment_id: row.get("apartment_id"),
            apartment_code: row.get("apartment_code"),
            project_id: row.get("project_id"),
            developer_id: row.get("developer_id"),
            user_id: row.get("user_id"),
            status: BookingStatus::from_db(row.get("status"))?,
            price: row.get("price"),
            list_price: row.get("list_price"),
            promotions: serde_json::from_value(row.get("promotions"))
                .map_err(|error| AppError::Internal(format!("booking promotions: {error}")))?,
            final_price: row.get("price"),
            currency: Currency::from_db(row.get("currency"))?,
            booked_at: row.get("booked_at"),
            expires_at: row.get("expires_at"),
            comment: row.get("comment"),
            history: serde_json::from_value(history)
                .map_err(|error| AppError::Internal(format!("booking history: {error}")))?,
        })
    }
}

page_of! {
    /// Страница броней.
    BookingPage, Booking,
    total = "Сколько броней под фильтрами",
    items = "Брони страницы с историей, новые первыми"
}

/// Запрос брони.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Хочу посмотреть квартиру в субботу"}))]
pub struct CreateBookingRequest {
    /// Комментарий для застройщика, до 1000 символов
    #[schema(
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        max_length = 1000,
        example = "Хочу посмотреть квартиру в субботу"
    )]
    pub comment: Option<String>,
}

/// Комментарий к шагу брони.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Покупатель передумал"}))]
pub struct BookingStepRequest {
    /// Комментарий (например, причина отмены), до 1000 символов
    #[schema(
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        max_length = 1000,
        example = "Покупатель передумал"
    )]
    pub comment: Option<String>,
}

/// Фильтры списка броней.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookingListQuery {
    /// Только брони в этом статусе: pending, confirmed, cancelled, expired
    #[param(example = "pending")]
    pub status: Option<BookingStatus>,
    /// Только брони квартир этого ЖК (для списка застройщика)
    #[param(example = 12)]
    pub project_id: Option<i64>,
    /// Созданы не раньше (RFC 3339)
    #[param(example = "2026-11-01T00:00:00Z")]
    pub from: Option<DateTime<Utc>>,
    /// Созданы раньше (RFC 3339)
    #[param(example = "2026-12-01T00:00:00Z")]
    pub to: Option<DateTime<Utc>>,
    /// Размер страницы: от 1 до 200, по умолчанию 50; больше 200 — ошибка 422
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}
