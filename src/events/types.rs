use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::pagination::page_of;

/// Тип события интереса.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "view")]
pub enum InterestEvent {
    /// Просмотр карточки квартиры
    View,
    /// Добавление в избранное
    Favourite,
}

impl InterestEvent {
    /// The value of the PostgreSQL enum `interest_event`.
    pub fn as_str(self) -> &'static str {
        match self {
            InterestEvent::View => "view",
            InterestEvent::Favourite => "favourite",
        }
    }
}

/// Исход одного события.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "counted")]
pub enum EventOutcome {
    /// Принято и учтено в спросе
    Counted,
    /// Принято, но не учтено: тот же зритель уже смотрел квартиру в окне повторов
    Duplicate,
    /// Принято и записано, но не учтено: зритель помечен как накрутка
    Flagged,
    /// Отклонено: квартиры нет
    UnknownApartment,
    /// Отклонено: квартира не опубликована
    NotPublished,
    /// Отклонено: не указан ни пользователь, ни visitor_id
    NoViewer,
    /// Отклонено: пользователя нет
    UnknownUser,
    /// Отклонено: событие старше 24 часов
    Stale,
    /// Отклонено: некорректное поле события
    Invalid,
}

impl EventOutcome {
    pub fn from_db(value: &str) -> AppResult<Self> {
        Ok(match value {
            "counted" => Self::Counted,
            "duplicate" => Self::Duplicate,
            "flagged" => Self::Flagged,
            "unknown_apartment" => Self::UnknownApartment,
            "not_published" => Self::NotPublished,
            "no_viewer" => Self::NoViewer,
            "unknown_user" => Self::UnknownUser,
            "stale" => Self::Stale,
            other => {
                return Err(AppError::Internal(format!(
                    "unknown interest event outcome {other:?}"
                )))
            }
        })
    }

    pub fn accepted(self) -> bool {
        matches!(self, Self::Counted | Self::Duplicate | Self::Flagged)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Counted => "учтено в спросе",
            Self::Duplicate => {
                "повтор: зритель уже смотрел эту квартиру в окне повторов, в спрос не входит"
            }
            Self::Flagged => "зритель помечен как накрутка: событие записано, но в спрос не входит",
            Self::UnknownApartment => "квартиры с таким apartment_id нет",
            Self::NotPublished => "квартира не опубликована",
            Self::NoViewer => "нужен user_id или visitor_id",
            Self::UnknownUser => "пользователя с таким user_id нет",
            Self::Stale => "событие старше 24 часов",
            Self::Invalid => "некорректное событие",
        }
    }
}

/// Просмотр квартиры.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visitor_id": "3f0c9a7e-5b1d-4c2a-9f7e-1d2c3b4a5e6f"}))]
pub struct ViewRequest {
    /// Анонимный идентификатор посетителя от фронтенда (1–128 символов); обязателен без access-токена
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "3f0c9a7e-5b1d-4c2a-9f7e-1d2c3b4a5e6f"
    )]
    pub visitor_id: Option<String>,
}

/// Результат записи просмотра.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewRecorded {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Исход: counted, duplicate или flagged
    pub outcome: EventOutcome,
    /// Учтён ли просмотр в спросе
    #[schema(example = true)]
    pub counted: bool,
}

/// Заявка на обратный звонок.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadRequest {
    /// Как обращаться, 1–200 символов
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Анна"
    )]
    pub name: String,
    /// Телефон: E.164 (+79161234567) или российские форматы (8 916 123-45-67, 9161234567)
    #[schema(example = "8 (916) 123-45-67")]
    pub phone: String,
    /// Комментарий, до 2000 символов
    #[schema(
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$",
        max_length = 2000,
        example = "Удобно звонить после 18:00"
    )]
    pub comment: Option<String>,
    /// Анонимный идентификатор посетителя; обязателен без access-токена
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "3f0c9a7e-5b1d-4c2a-9f7e-1d2c3b4a5e6f"
    )]
    pub visitor_id: Option<String>,
}

/// Принятая заявка.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lead {
    /// Идентификатор заявки
    #[schema(example = 501)]
    pub id: i64,
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Как обращаться
    #[schema(example = "Анна")]
    pub name: String,
    /// Телефон в E.164
    #[schema(example = "+79161234567")]
    pub phone: String,
    /// Комментарий
    #[schema(required = true, example = "Удобно звонить после 18:00")]
    pub comment: Option<String>,
    /// Когда оставлена
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub created_at: DateTime<Utc>,
}

impl Lead {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            apartment_id: row.get("apartment_id"),
            name: row.get("name"),
            phone: row.get("phone"),
            comment: row.get("comment"),
            created_at: row.get("created_at"),
        }
    }
}

/// Одно событие пакета.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"apartment_id": 1001, "event": "view", "visitor_id": "3f0c9a7e", "occurred_at": "2026-11-23T12:00:00Z"}))]
pub struct BatchEvent {
    /// Квартира
    #[schema(example = 1001)]
    pub apartment_id: i64,
    /// Тип события; по умолчанию view
    #[serde(default = "default_event")]
    pub event: InterestEvent,
    /// Пользователь платформы, если посетитель вошёл (приоритетнее visitor_id)
    #[schema(example = 42)]
    pub user_id: Option<i64>,
    /// Анонимный идентификатор посетителя, 1–128 символов
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "3f0c9a7e"
    )]
    pub visitor_id: Option<String>,
    /// Когда произошло (не старше 24 ч; будущее время заменяется текущим); по умолчанию — время приёма
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub occurred_at: Option<DateTime<Utc>>,
}

fn default_event() -> InterestEvent {
    InterestEvent::View
}

/// Пакет событий от фронтенда.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": [{"apartment_id": 1001, "visitor_id": "3f0c9a7e"}, {"apartment_id": 1002, "event": "view", "user_id": 42}]}))]
pub struct BatchRequest {
    /// События, от 1 до 1000. Событие неверной формы (не объект, лишнее поле, неверный тип) отклоняется
    /// само по себе (`invalid` с описанием), остальные события пакета принимаются
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<BatchEvent>)]
    pub events: Vec<serde_json::Value>,
}

/// Исход одного события пакета.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemResult {
    /// Номер события в пакете (с нуля)
    #[schema(example = 0)]
    pub index: usize,
    /// Принято (записано или распознано как повтор) или отклонено
    #[schema(example = true)]
    pub accepted: bool,
    /// Подробный исход
    pub outcome: EventOutcome,
    /// Пояснение по-русски
    #[schema(example = "учтено в спросе")]
    pub message: String,
}

/// Ответ на пакет.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// Сколько событий принято
    #[schema(example = 999)]
    pub accepted: usize,
    /// Сколько событий отклонено
    #[schema(example = 1)]
    pub rejected: usize,
    /// Исход каждого события в порядке пакета
    pub items: Vec<BatchItemResult>,
}

/// Фильтр списка помеченных зрителей.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FlaggedVisitorQuery {
    /// Только действующие пометки (по умолчанию true); false — все, включая снятые
    #[param(example = true)]
    pub flagged: Option<bool>,
    /// Размер страницы: от 1 до 200, по умолчанию 50; больше 200 — ошибка 422
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

page_of! {
    /// Страница помеченных зрителей.
    FlaggedVisitorPage, FlaggedVisitor,
    total = "Сколько пометок под фильтром",
    items = "Пометки страницы, новые первыми"
}

/// Зритель, помеченный как накрутка.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedVisitor {
    /// Идентификатор пометки
    #[schema(example = 3)]
    pub id: i64,
    /// Зритель: u:<id пользователя> или v:<visitor_id>
    #[schema(example = "v:3f0c9a7e")]
    pub viewer: String,
    /// Пометка действует: события исключены из спроса
    #[schema(example = true)]
    pub flagged: bool,
    /// Наибольшая замеченная частота, событий в минуту
    #[schema(example = 240)]
    pub peak_events_per_minute: i32,
    /// Записанных событий за 24 ч (при действующей пометке все они исключены из спроса)
    #[schema(example = 180)]
    pub events_24h: i64,
    /// Разных квартир в этих событиях
    #[schema(example = 150)]
    pub apartments_24h: i64,
    /// Когда помечен
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub flagged_at: DateTime<Utc>,
    /// Когда модератор снял пометку
    #[schema(required = true, example = json!(null))]
    pub unflagged_at: Option<DateTime<Utc>>,
    /// Модератор, снявший пометку
    #[schema(required = true, example = json!(null))]
    pub unflagged_by: Option<i64>,
}

impl FlaggedVisitor {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            viewer: row.get("viewer"),
            flagged: row.get("flagged"),
            peak_events_per_minute: row.get("peak_events_per_minute"),
            events_24h: row.get("events_24h"),
            apartments_24h: row.get("apartments_24h"),
            flagged_at: row.get("flagged_at"),
            unflagged_at: row.get("unflagged_at"),
            unflagged_by: row.get("unflagged_by"),
        }
    }
}
