use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::pagination::page_of;

/// Вид скидки акции.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "percent")]
pub enum PromotionKind {
    /// Процент от текущей цены квартиры (`value` — проценты, больше 0 и не больше 100)
    Percent,
    /// Фиксированная сумма в рублях (`value` — рубли, больше 0; не больше цены квартиры)
    Fixed,
}

impl PromotionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Fixed => "fixed",
        }
    }

    fn from_db(value: &str) -> AppResult<Self> {
        match value {
            "percent" => Ok(Self::Percent),
            "fixed" => Ok(Self::Fixed),
            other => Err(AppError::Internal(format!(
                "unknown promotion_kind {other:?}"
            ))),
        }
    }
}

/// Состояние акции.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "approved")]
pub enum PromotionStatus {
    /// Черновик: видит только застройщик
    Draft,
    /// Ждёт проверки модератором
    PendingReview,
    /// Одобрена: действует для покупателей с `starts_at` до `ends_at`
    Approved,
    /// Отклонена модератором (причина — `moderation_comment`)
    Rejected,
    /// Приостановлена: скидка пропадает из цен в течение минуты
    Paused,
    /// Завершена досрочно; вернуть нельзя
    Ended,
}

impl PromotionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::PendingReview => "pending_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Paused => "paused",
            Self::Ended => "ended",
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        Ok(match value {
            "draft" => Self::Draft,
            "pending_review" => Self::PendingReview,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "paused" => Self::Paused,
            "ended" => Self::Ended,
            other => {
                return Err(AppError::Internal(format!(
                    "unknown promotion_status {other:?}"
                )))
            }
        })
    }
}

/// Кто оплачивает скидку.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "developer")]
pub enum FundedBy {
    /// Застройщик (акция на его ЖК)
    Developer,
    /// Платформа (акция ассоциации на все или выбранные ЖК)
    Platform,
}

/// Условия акции: заданные условия должны выполняться все; не заданное условие не ограничивает. Неизвестный ключ —
/// ошибка 422 с его именем.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionConditions {
    /// Только эти ЖК (своей компании; для акции платформы — любые), 1–100 id
    #[schema(required = false, min_items = 1, max_items = 100, example = json!([12]))]
    pub project_ids: Option<Vec<i64>>,
    /// Только эти корпуса (своей компании), 1–100 id
    #[schema(required = false, min_items = 1, max_items = 100, example = json!([31]))]
    pub building_ids: Option<Vec<i64>>,
    /// Только такая комнатность, 0 — студия (значения 0–20)
    #[schema(required = false, value_type = Option<Vec<crate::catalog::types::RoomCount>>, min_items = 1,
             max_items = 21, example = json!([0]))]
    pub rooms: Option<Vec<i16>>,
    /// Общая площадь от, м² (включительно)
    #[schema(required = false, value_type = Option<crate::openapi::Area>, example = "25")]
    pub area_min: Option<Decimal>,
    /// Общая площадь до, м² (включительно)
    #[schema(required = false, value_type = Option<crate::openapi::Area>, example = "45")]
    pub area_max: Option<Decimal>,
    /// Этаж от (от -5 до 200, включительно)
    #[schema(required = false, minimum = -5, maximum = 200, example = 2)]
    pub floor_min: Option<i32>,
    /// Этаж до (от -5 до 200, включительно)
    #[schema(required = false, minimum = -5, maximum = 200, example = 20)]
    pub floor_max: Option<i32>,
    /// Текущая цена квартиры от, ₽ (включительно)
    #[schema(required = false, value_type = Option<crate::openapi::Money>, example = "5000000")]
    pub price_min: Option<Decimal>,
    /// Текущая цена квартиры до, ₽ (включительно)
    #[schema(required = false, value_type = Option<crate::openapi::Money>, example = "15000000")]
    pub price_max: Option<Decimal>,
    /// Только квартиры с этими артикулами, 1–1000 артикулов по 1–64 символа
    #[schema(required = false, min_items = 1, max_items = 1000, example = json!(["K2-S1-0512"]))]
    pub apartment_codes: Option<Vec<String>>,
    /// Только при бронировании через платформу: скидка есть в ценах платформы и в брони через неё, но не в CRM
    /// застройщика
    #[schema(required = false, example = true)]
    pub only_platform_booking: Option<bool>,
    /// Только первые N броней по акции (1–1 000 000); бронь N+1 получает цену без этой акции
    #[schema(required = false, minimum = 1, maximum = 1000000, example = 10)]
    pub first_n_bookings: Option<i32>,
}

/// Новая акция. Создаётся черновиком; покупатели увидят её после одобрения модератором.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePromotionRequest {
    /// Застройщик — владелец акции (сотрудник — своя компания); не указан — акция платформы (только модератор)
    #[schema(example = 7)]
    pub developer_id: Option<i64>,
    /// Название для покупателей, 1–200 символов
    #[schema(min_length = 1, max_length = 200, example = "Студии со скидкой 3 %")]
    pub name: String,
    /// Описание для покупателей, до 2000 символов
    #[schema(
        max_length = 2000,
        example = "Скидка на студии больше 25 м² до конца месяца"
    )]
    pub description: Option<String>,
    /// Вид скидки
    pub kind: PromotionKind,
    /// Размер скидки: проценты (больше 0, не больше 100) или рубли (больше 0), до сотых
    #[schema(value_type = crate::openapi::DecimalNumber, example = "3")]
    pub value: Decimal,
    /// Суммируется с другими суммирующимися акциями (по умолчанию нет: из несуммирующихся действует лучшая)
    #[schema(example = false)]
    pub stacks: Option<bool>,
    /// Начало действия, RFC 3339 со смещением, например по Москве `2026-12-01T00:00:00+03:00`
    #[schema(example = "2026-12-01T00:00:00+03:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// Окончание действия (не включительно), позже начала
    #[schema(example = "2027-01-01T00:00:00+03:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Условия
    #[schema(required = false)]
    pub conditions: Option<PromotionConditions>,
}

/// Изменение акции: переданы только меняемые поля (`conditions` заменяются целиком). Изменение одобренной или
/// приостановленной акции возвращает её на проверку; завершённую менять нельзя.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePromotionRequest {
    /// Новое название, 1–200 символов
    #[schema(min_length = 1, max_length = 200, example = "Студии со скидкой 4 %")]
    pub name: Option<String>,
    /// Новое описание, до 2000 символов
    #[schema(max_length = 2000, example = "Скидка на студии до конца года")]
    pub description: Option<String>,
    /// Новый вид скидки
    pub kind: Option<PromotionKind>,
    /// Новый размер скидки
    #[schema(value_type = Option<crate::openapi::DecimalNumber>, example = "4")]
    pub value: Option<Decimal>,
    /// Суммируется ли
    #[schema(example = true)]
    pub stacks: Option<bool>,
    /// Новое начало действия
    #[schema(example = "2026-12-01T00:00:00+03:00")]
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// Новое окончание действия
    #[schema(example = "2027-01-01T00:00:00+03:00")]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// Новые условия целиком
    pub conditions: Option<PromotionConditions>,
}

/// Шаг истории акции.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PromotionStep {
    /// Что произошло: created, updated, submitted, approved, rejected, paused, resumed, ended
    #[schema(example = "approved")]
    pub action: String,
    /// Кто сделал
    #[schema(required = true, example = 42)]
    pub actor_id: Option<i64>,
    /// Роль того, кто сделал
    #[schema(required = true, example = "moderator")]
    pub actor_role: Option<String>,
    /// Комментарий
    #[schema(required = true, example = json!(null))]
    pub comment: Option<String>,
    /// Когда
    #[schema(example = "2026-11-23T12:00:00Z")]
    pub occurred_at: DateTime<Utc>,
}

/// Акция.
#[derive(Debug, Serialize, ToSchema)]
pub struct Promotion {
    /// Идентификатор акции
    #[schema(example = 5)]
    pub id: i64,
    /// Застройщик — владелец акции; пусто у акции платформы
    #[schema(required = true, example = 7)]
    pub developer_id: Option<i64>,
    /// Кто оплачивает скидку
    pub funded_by: FundedBy,
    /// Название
    #[schema(example = "Студии со скидкой 3 %")]
    pub name: String,
    /// Описание для покупателей
    #[schema(required = true, example = "Скидка на студии больше 25 м²")]
    pub description: Option<String>,
    /// Вид скидки
    pub kind: PromotionKind,
    /// Размер скидки: проценты или рубли
    #[schema(value_type = crate::openapi::DecimalNumber, example = "3.00")]
    pub value: Decimal,
    /// Суммируется с другими суммирующимися акциями
    #[schema(example = false)]
    pub stacks: bool,
    /// Состояние
    pub status: PromotionStatus,
    /// Начало действия, по Москве
    #[schema(example = "2026-12-01T00:00:00+03:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// Окончание действия (не включительно), по Москве
    #[schema(example = "2027-01-01T00:00:00+03:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Действует сейчас: одобрена, сейчас внутри окна и «первые N броней» не исчерпаны
    #[schema(example = true)]
    pub active: bool,
    /// Условия
    pub conditions: PromotionConditions,
    /// Сколько броней уже получили акцию (для «первых N броней»)
    #[schema(example = 3)]
    pub issued_bookings: i32,
    /// Комментарий модератора; виден только сотрудникам застройщика и модераторам
    #[schema(required = true, example = json!(null))]
    pub moderation_comment: Option<String>,
    /// Когда создана
    #[schema(example = "2026-11-20T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Когда изменена
    #[schema(example = "2026-11-21T09:00:00Z")]
    pub updated_at: DateTime<Utc>,
    /// История (кто, что, когда); только сотрудникам застройщика и модераторам, остальным — пустой список
    pub history: Vec<PromotionStep>,
}

/// Moscow has been UTC+3 all year round since 2014.
pub fn moscow(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(3 * 3600).expect("UTC+3 is a valid offset"))
}

impl Promotion {
    /// A row of `select.sql`; the moderation comment and history only for staff.
    pub fn from_row(row: &Row, staff: bool) -> AppResult<Self> {
        let developer_id: Option<i64> = row.get("developer_id");
        let history: serde_json::Value = row.get("history");
        Ok(Self {
            id: row.get("id"),
            developer_id,
            funded_by: if developer_id.is_some() {
                FundedBy::Developer
            } else {
                FundedBy::Platform
            },
            name: row.get("name"),
            description: row.get("description"),
            kind: PromotionKind::from_db(row.get("kind"))?,
            value: row.get("discount_value"),
            stacks: row.get("stacks"),
            status: PromotionStatus::from_db(row.get("status"))?,
            starts_at: moscow(row.get("starts_at")),
            ends_at: moscow(row.get("ends_at")),
            active: row.get("active"),
            conditions: {
                let mut conditions: PromotionConditions =
                    serde_json::from_value(row.get("conditions")).map_err(|error| {
                        AppError::Internal(format!("promotion conditions: {error}"))
                    })?;
                conditions.only_platform_booking =
                    Some(conditions.only_platform_booking.unwrap_or(false));
                conditions
            },
            issued_bookings: row.get("issued_bookings"),
            moderation_comment: if staff {
                row.get("moderation_comment")
            } else {
                None
            },
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
            history: if staff {
                serde_json::from_value(history)
                    .map_err(|error| AppError::Internal(format!("promotion history: {error}")))?
            } else {
                Vec::new()
            },
        })
    }
}

/// Акция, применённая к цене квартиры или брони.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppliedPromotion {
    /// Идентификатор акции
    #[schema(example = 5)]
    pub id: i64,
    /// Название акции
    #[schema(example = "Скидка 5 % при покупке через платформу")]
    pub name: String,
    /// Скидка по этой акции, ₽ (до копеек); суммы всех акций вместе — `current_price − final_price`
    #[schema(value_type = crate::openapi::Money, example = "465000.00")]
    pub amount: Decimal,
}

/// Действующая акция в карточке ЖК.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotionSummary {
    /// Идентификатор акции
    #[schema(example = 5)]
    pub id: i64,
    /// Название
    #[schema(example = "Скидка 5 % при покупке через платформу")]
    pub name: String,
    /// Описание для покупателей
    #[schema(required = true, example = "Бронируйте онлайн — скидка 5 %")]
    pub description: Option<String>,
    /// Вид скидки
    pub kind: PromotionKind,
    /// Размер скидки: проценты или рубли
    #[schema(value_type = crate::openapi::DecimalNumber, example = "5.00")]
    pub value: Decimal,
    /// Суммируется с другими суммирующимися акциями
    #[schema(example = true)]
    pub stacks: bool,
    /// Окончание действия, по Москве
    #[schema(example = "2027-01-01T00:00:00+03:00")]
    pub ends_at: DateTime<FixedOffset>,
}

#[derive(Deserialize)]
struct SummaryRow {
    id: i64,
    name: String,
    description: Option<String>,
    kind: PromotionKind,
    value: Decimal,
    stacks: bool,
    ends_at: DateTime<Utc>,
}

impl PromotionSummary {
    /// The `promotions` jsonb array of a project card row.
    pub fn list_from(value: serde_json::Value) -> AppResult<Vec<Self>> {
        let rows: Vec<SummaryRow> = serde_json::from_value(value)
            .map_err(|error| AppError::Internal(format!("project promotions: {error}")))?;
        Ok(rows
            .into_iter()
            .map(|row| Self {
                id: row.id,
                name: row.name,
                description: row.description,
                kind: row.kind,
                value: row.value,
                stacks: row.stacks,
                ends_at: moscow(row.ends_at),
            })
            .collect())
    }
}

/// Фильтры публичного списка акций.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PromotionListQuery {
    /// Только акции, которые могут относиться к квартирам этого ЖК (его застройщика без условия на ЖК, с этим ЖК в
    /// условии, и акции платформы)
    #[param(example = 12)]
    pub project_id: Option<i64>,
    /// Только акции этого застройщика
    #[param(example = 7)]
    pub developer_id: Option<i64>,
    /// Размер страницы: 1–100, по умолчанию 20; больше 100 — ошибка 422
    #[param(example = 20, minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: 0–10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// Фильтры акций в кабинете.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CabinetPromotionQuery {
    /// Только акции в этом состоянии, например `pending_review` — очередь модератора
    #[param(example = "pending_review")]
    pub status: Option<PromotionStatus>,
    /// Только акции этого застройщика (модератору — любого, сотруднику — своего)
    #[param(example = 7)]
    pub developer_id: Option<i64>,
    /// Размер страницы: 1–100, по умолчанию 20; больше 100 — ошибка 422
    #[param(example = 20, minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: 0–10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

page_of! {
    /// Страница акций.
    PromotionPage, Promotion,
    total = "Точное число акций под фильтрами",
    items = "Акции по возрастанию id"
}

/// Комментарий к шагу акции (приостановка, завершение).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionStepRequest {
    /// Комментарий, до 2000 символов
    #[schema(max_length = 2000, example = "Квоту квартир по акции выбрали")]
    pub comment: Option<String>,
}
