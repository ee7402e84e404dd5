use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::extractor::Role;
use crate::error::{AppError, AppResult};

/// `"field": null` clears the value, a missing field keeps it: `Some(None)` vs `None`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Роль сотрудника внутри компании-застройщика.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "manager")]
pub enum CompanyRole {
    /// Владелец: управляет карточкой компании и сотрудниками
    Owner,
    /// Менеджер: работает с объектами компании
    Manager,
}

impl CompanyRole {
    /// The value of the PostgreSQL enum `company_member_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompanyRole::Owner => "owner",
            CompanyRole::Manager => "manager",
        }
    }

    pub fn from_db(value: &str) -> AppResult<CompanyRole> {
        match value {
            "owner" => Ok(CompanyRole::Owner),
            "manager" => Ok(CompanyRole::Manager),
            other => Err(AppError::Internal(format!(
                "unknown company_member_role {other:?}"
            ))),
        }
    }
}

/// Регистрация покупателя.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email для входа; регистр не важен, хранится в нижнем регистре
    #[schema(
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s.]+\.[^@\s]*[^@\s.]$",
        example = "ivan.petrov@example.ru"
    )]
    pub email: String,
    /// Пароль: от 10 до 128 символов, не должен содержать email
    #[schema(min_length = 10, max_length = 128, example = "Ромашка-весна-2024")]
    pub password: String,
    /// Как обращаться к пользователю
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "Иван Петров"
    )]
    pub display_name: String,
    /// Телефон; принимается в любом привычном виде, хранится в E.164
    #[schema(example = "8 (916) 123-45-67")]
    pub phone: Option<String>,
}

/// Вход по email и паролю.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email, указанный при регистрации
    #[schema(
        min_length = 1,
        max_length = 254,
        pattern = r"\S",
        example = "ivan.petrov@example.ru"
    )]
    pub email: String,
    /// Пароль
    #[schema(example = "Ромашка-весна-2024")]
    pub password: String,
}

/// Refresh-токен для обмена на новую пару токенов.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Refresh-токен из последнего ответа /auth/login или /auth/refresh; одноразовый
    #[schema(example = "q3X9cS0bV1mP8dW2nR5tY7uI4oA6sD0fG2hJ4kL6zX8")]
    pub refresh_token: String,
}

/// Выход: отзывается вся цепочка refresh-токенов этого входа.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// Текущий refresh-токен
    #[schema(example = "q3X9cS0bV1mP8dW2nR5tY7uI4oA6sD0fG2hJ4kL6zX8")]
    pub refresh_token: String,
}

/// Пара токенов в формате OAuth 2.0 (RFC 6749, раздел 5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Access-токен (JWT HS256) для заголовка `Authorization: Bearer …`; живёт 15 минут
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")]
    pub access_token: String,
    /// Одноразовый refresh-токен (30 дней): меняется на новую пару в POST /auth/refresh
    #[schema(example = "q3X9cS0bV1mP8dW2nR5tY7uI4oA6sD0fG2hJ4kL6zX8")]
    pub refresh_token: String,
    /// Тип токена, всегда `Bearer`
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Через сколько секунд истечёт access-токен
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// Компания, в которой работает пользователь.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyMembership {
    /// Идентификатор застройщика
    #[schema(example = 7)]
    pub developer_id: i64,
    /// Название компании
    #[schema(example = "ГК «Пример»")]
    pub name: String,
    /// Роль пользователя в компании
    #[schema(example = "owner")]
    pub company_role: CompanyRole,
    /// Компания проверена ассоциацией
    #[schema(example = false)]
    pub verified: bool,
}

/// Профиль текущего пользователя.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserProfile {
    /// Идентификатор пользователя
    #[schema(example = 42)]
    pub id: i64,
    /// Email (в нижнем регистре)
    #[schema(example = "ivan.petrov@example.ru")]
    pub email: String,
    /// Отображаемое имя
    #[schema(example = "Иван Петров")]
    pub display_name: String,
    /// Телефон в E.164
    #[schema(required = true, example = "+79161234567")]
    pub phone: Option<String>,
    /// Роль на платформе
    #[schema(example = "buyer")]
    pub role: Role,
    /// Компании-застройщики, в которых работает пользователь
    #[schema(example = json!([{"developer_id": 7, "name": "ГК «Пример»", "company_role": "owner", "verified": false}]))]
    pub companies: Vec<CompanyMembership>,
    /// Когда зарегистрирован
    #[schema(example = "2025-03-01T09:30:00Z")]
    pub created_at: DateTime<Utc>,
}

/// Изменение своего профиля; переданы только меняемые поля.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// Новое отображаемое имя
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "Иван Сергеевич"
    )]
    pub display_name: Option<String>,
    /// Новый телефон; `null` — удалить телефон
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "+7 916 765-43-21")]
    pub phone: Option<Option<String>>,
    /// Новый пароль; после смены все сессии завершаются и нужно войти заново
    #[schema(min_length = 10, max_length = 128, example = "Новый-пароль-2025")]
    pub new_password: Option<String>,
    /// Текущий пароль: обязателен при смене пароля
    #[schema(example = "Ромашка-весна-2024")]
    pub current_password: Option<String>,
}

/// Назначение модератора.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantModeratorRequest {
    /// Email зарегистрированного пользователя, которому выдаётся роль модератора
    #[schema(
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s.]+\.[^@\s]*[^@\s.]$",
        example = "anna.smirnova@assoc.ru"
    )]
    pub email: String,
}
