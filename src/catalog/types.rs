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
    #[schema(example = "Фотографии не соответствуют адресу")]
    pub comment: Option<String>,
}
