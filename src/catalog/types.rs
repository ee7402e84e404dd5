use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};

/// Класс жилья ЖК.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "comfort")]
pub enum ProjectClass {
    /// Эконом
    Econom,
    /// Комфорт
    Comfort,
    /// Бизнес
    Business,
    /// Премиум
    Premium,
}

impl ProjectClass {
    /// The value of the PostgreSQL enum `project_class`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectClass::Econom => "econom",
            ProjectClass::Comfort => "comfort",
            ProjectClass::Business => "business",
            ProjectClass::Premium => "premium",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "econom" => Some(Self::Econom),
            "comfort" => Some(Self::Comfort),
            "business" => Some(Self::Business),
            "premium" => Some(Self::Premium),
            _ => None,
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        Self::parse(value)
            .ok_or_else(|| AppError::Internal(format!("unknown project_class {value:?}")))
    }
}

/// Статус продажи квартиры.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "available")]
pub enum ApartmentStatus {
    /// В продаже
    Available,
    /// Забронирована
    Booked,
    /// Продана
    Sold,
}

impl ApartmentStatus {
    /// The value of the PostgreSQL enum `apartment_status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApartmentStatus::Available => "available",
            ApartmentStatus::Booked => "booked",
            ApartmentStatus::Sold => "sold",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "available" => Some(Self::Available),
            "booked" => Some(Self::Booked),
            "sold" => Some(Self::Sold),
            _ => None,
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        Self::parse(value)
            .ok_or_else(|| AppError::Internal(format!("unknown apartment_status {value:?}")))
    }
}

/// Валюта цены, ISO 4217: каталог продаёт в рублях.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = "RUB")]
pub enum Currency {
    /// Российский рубль
    #[serde(rename = "RUB")]
    Rub,
}

impl Currency {
    /// `apartments.currency`; any other code than the catalog sells in is a broken row, not an answer.
    pub fn from_db(value: &str) -> AppResult<Self> {
        match value.trim() {
            "RUB" => Ok(Self::Rub),
            other => Err(AppError::Internal(format!("unknown currency {other:?}"))),
        }
    }
}

/// Комнатность квартиры: 0 — студия, до 20 комнат.
pub struct RoomCount;

impl utoipa::PartialSchema for RoomCount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(0))
            .maximum(Some(super::filters::MAX_ROOMS))
            .description(Some("Комнатность квартиры: 0 — студия, до 20 комнат"))
            .examples([2])
            .into()
    }
}

impl ToSchema for RoomCount {}

/// Решение модератора по ЖК или квартире.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "publish")]
pub enum PublishDecision {
    /// Проверено: объект публикуется
    Publish,
    /// Отклонено: нужен комментарий с причиной
    Reject,
}

/// Решение модератора.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationDecisionRequest {
    /// Решение
    #[schema(example = "reject")]
    pub decision: PublishDecision,
    /// Комментарий; обязателен при отказе, до 2000 символов
    #[schema(max_length = 2000, example = "Фотографии не соответствуют адресу")]
    pub comment: Option<String>,
}
