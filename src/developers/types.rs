use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use crate::auth::CompanyRole;
use crate::error::{AppError, AppResult};
use crate::pagination::page_of;

/// Состояние модерации карточки.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "pending_review")]
pub enum ModerationStatus {
    /// Черновик
    Draft,
    /// Ждёт проверки модератором
    PendingReview,
    /// Проверена и опубликована
    Published,
    /// Отклонена модератором
    Rejected,
}

impl ModerationStatus {
    /// The value of the PostgreSQL enum `moderation_status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationStatus::Draft => "draft",
            ModerationStatus::PendingReview => "pending_review",
            ModerationStatus::Published => "published",
            ModerationStatus::Rejected => "rejected",
        }
    }

    pub fn from_db(value: &str) -> AppResult<Self> {
        match value {
            "draft" => Ok(Self::Draft),
            "pending_review" => Ok(Self::PendingReview),
            "published" => Ok(Self::Published),
            "rejected" => Ok(Self::Rejected),
            other => Err(AppError::Internal(format!(
                "unknown moderation_status {other:?}"
            ))),
        }
    }
}

/// Карточка компании-застройщика.
#[derive(Debug, Serialize, ToSchema)]
pub struct Developer {
    /// Идентификатор застройщика
    #[schema(example = 7)]
    pub id: i64,
    /// Коммерческое название (бренд)
    #[schema(example = "ГК «Пример»")]
    pub name: String,
    /// Полное юридическое наименование
    #[schema(example = "ООО «Специализированный застройщик Пример»")]
    pub legal_name: String,
    /// ИНН: 10 цифр у юрлица, 12 у ИП
    #[schema(example = "7707083893")]
    pub inn: String,
    /// ОГРН (13 цифр) или ОГРНИП (15 цифр)
    #[schema(example = "1027700132195")]
    pub ogrn: String,
    /// Сайт компании
    #[schema(required = true, example = "https://primer-dev.ru")]
    pub website: Option<String>,
    /// Ссылка на логотип
    #[schema(required = true, example = "https://primer-dev.ru/logo.svg")]
    pub logo_url: Option<String>,
    /// Компания проверена ассоциацией
    #[schema(example = false)]
    pub verified: bool,
    /// Состояние модерации карточки
    #[schema(example = "pending_review")]
    pub moderation_status: ModerationStatus,
    /// Комментарий модератора (причина отказа); виден только сотрудникам компании и модераторам
    #[schema(required = true, example = "ОГРН не совпадает с выпиской ЕГРЮЛ")]
    pub moderation_comment: Option<String>,
    /// Когда принято последнее решение модерации
    #[schema(required = true, example = "2025-03-02T12:00:00Z")]
    pub moderated_at: Option<DateTime<Utc>>,
    /// Когда зарегистрирована
    #[schema(example = "2025-03-01T09:30:00Z")]
    pub created_at: DateTime<Utc>,
    /// Когда изменена
    #[schema(example = "2025-03-01T09:30:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl Developer {
    pub fn from_row(row: &Row) -> AppResult<Self> {
        Ok(Self {
            id: row.get("id"),
            name: row.get("name"),
            legal_name: row.get("legal_name"),
            inn: row.get("inn"),
            ogrn: row.get("ogrn"),
            website: row.get("website"),
            logo_url: row.get("logo_url"),
            verified: row.get("verified"),
            moderation_status: ModerationStatus::from_db(row.get("moderation_status"))?,
            moderation_comment: row.get("moderation_comment"),
            moderated_at: row.get("moderated_at"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        })
    }
}

page_of! {
    /// Страница компаний.
    DeveloperPage, Developer,
    total = "Сколько компаний под фильтром",
    items = "Компании страницы по возрастанию id"
}

/// Регистрация компании. Статус проверки, владельца и модерацию задать нельзя.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeveloperRequest {
    /// Коммерческое название (бренд), до 200 символов
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "ГК «Пример»"
    )]
    pub name: String,
    /// Полное юридическое наименование, до 500 символов
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"\S",
        example = "ООО «Специализированный застройщик Пример»"
    )]
    pub legal_name: String,
    /// ИНН с верной контрольной суммой: 10 цифр у юрлица, 12 у ИП
    #[schema(pattern = r"^([0-9]{10}|[0-9]{12})$", example = "7707083893")]
    pub inn: String,
    /// ОГРН (13 цифр, к ИНН из 10 цифр) или ОГРНИП (15 цифр, к ИНН из 12 цифр)
    #[schema(pattern = r"^([0-9]{13}|[0-9]{15})$", example = "1027700132195")]
    pub ogrn: String,
    /// Сайт компании, http:// или https://
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://primer-dev.ru"
    )]
    pub website: Option<String>,
    /// Ссылка на логотип, http:// или https://
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$",
        example = "https://primer-dev.ru/logo.svg"
    )]
    pub logo_url: Option<String>,
}

/// Изменение карточки; переданы только меняемые поля. Смена юридических данных (наименование,
/// ИНН, ОГРН) снимает отметку о проверке и возвращает карточку на модерацию.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeveloperRequest {
    /// Новое коммерческое название
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "ГК «Пример Девелопмент»"
    )]
    pub name: Option<String>,
    /// Новое юридическое наименование
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"\S",
        example = "АО «Пример Девелопмент»"
    )]
    pub legal_name: Option<String>,
    /// Новый ИНН
    #[schema(pattern = r"^([0-9]{10}|[0-9]{12})$", example = "7707083893")]
    pub inn: Option<String>,
    /// Новый ОГРН или ОГРНИП
    #[schema(pattern = r"^([0-9]{13}|[0-9]{15})$", example = "1027700132195")]
    pub ogrn: Option<String>,
    /// Новый сайт; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$", value_type = Option<String>, example = "https://primer-dev.ru")]
    pub website: Option<Option<String>>,
    /// Новый логотип; `null` — удалить
    #[serde(default, deserialize_with = "crate::auth::nullable")]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s\x00-\x1F\x7F-\x9F]+$", value_type = Option<String>, example = "https://primer-dev.ru/logo.svg")]
    pub logo_url: Option<Option<String>>,
}

/// Решение модератора по компании.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "verify")]
pub enum ModerationDecision {
    /// Проверена: карточка публикуется
    Verify,
    /// Отклонена: нужен комментарий с причиной
    Reject,
}

/// Проверка компании модератором.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// Решение
    #[schema(example = "reject")]
    pub decision: ModerationDecision,
    /// Комментарий; обязателен при отказе, до 2000 символов
    #[schema(max_length = 2000, example = "ОГРН не совпадает с выпиской ЕГРЮЛ")]
    pub comment: Option<String>,
}

/// Сотрудник компании.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    /// Идентификатор пользователя
    #[schema(example = 42)]
    pub user_id: i64,
    /// Email сотрудника
    #[schema(example = "manager@primer-dev.ru")]
    pub email: String,
    /// Имя сотрудника
    #[schema(example = "Ольга Кузнецова")]
    pub display_name: String,
    /// Роль в компании
    #[schema(example = "manager")]
    pub company_role: CompanyRole,
    /// Когда добавлен в компанию
    #[schema(example = "2025-03-01T09:30:00Z")]
    pub added_at: DateTime<Utc>,
}

impl Member {
    pub fn from_row(row: &Row) -> AppResult<Self> {
        Ok(Self {
            user_id: row.get("user_id"),
            email: row.get("email"),
            display_name: row.get("display_name"),
            company_role: CompanyRole::from_db(row.get("company_role"))?,
            added_at: row.get("added_at"),
        })
    }
}

/// Приглашение сотрудника: пользователь должен быть зарегистрирован.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// Email зарегистрированного пользователя; покупатель при этом получает роль developer
    #[schema(
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s.]+\.[^@\s]*[^@\s.]$",
        example = "manager@primer-dev.ru"
    )]
    pub email: String,
    /// Роль в компании
    #[schema(example = "manager")]
    pub company_role: CompanyRole,
}

/// Фильтры списка компаний.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeveloperListQuery {
    /// Только компании в этом состоянии модерации, например `pending_review` — очередь модератора
    #[param(example = "pending_review")]
    pub moderation_status: Option<ModerationStatus>,
    /// Размер страницы: от 1 до 200, по умолчанию 50; больше 200 — ошибка 422
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}
