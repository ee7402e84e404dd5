use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio_postgres::error::SqlState;
use utoipa::ToSchema;

/// The media type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Ответ об ошибке в формате RFC 9457 (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Некорректные данные",
    "status": 422,
    "detail": "Поле area_living: жилая площадь не может быть больше общей",
    "errors": [{"field": "area_living", "message": "жилая площадь не может быть больше общей"}]
}))]
pub struct Problem {
    /// URI типа ошибки; `about:blank`, когда достаточно HTTP-статуса
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub problem_type: &'static str,
    /// Короткое название ошибки
    #[schema(example = "Некорректные данные")]
    pub title: String,
    /// HTTP-статус ответа
    #[schema(example = 422)]
    pub status: u16,
    /// Понятное описание того, что не так
    #[schema(example = "Поле area_living: жилая площадь не может быть больше общей")]
    pub detail: String,
    /// Ошибки по отдельным полям (для ошибок валидации)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Ошибка в конкретном поле запроса.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"field": "email", "message": "такой email уже зарегистрирован"}))]
pub struct FieldError {
    /// Имя поля запроса
    #[schema(example = "email")]
    pub field: String,
    /// Что не так с полем
    #[schema(example = "такой email уже зарегистрирован")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    Conflict {
        detail: String,
        field: Option<String>,
    },
    #[error("Метод {0} не поддерживается по этому адресу; допустимые методы — в заголовке Allow")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_seconds: u64,
    },
    #[error("{0}")]
    ServiceUnavailable(String),
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::ServiceUnavailable(_) | AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Database errors caused by the request's data become 4xx naming the field; the rest stay 5xx.
    fn classify_database_error(self) -> AppError {
        let AppError::Database(error) = &self else {
            return self;
        };
        let Some(db_error) = error.as_db_error() else {
            let connection_lost = error.is_closed()
                || std::error::Error::source(error)
                    .is_some_and(|source| source.is::<std::io::Error>());
            if connection_lost {
                return AppError::ServiceUnavailable(
                    "база данных недоступна, повторите запрос позже".into(),
                );
            }
            return self;
        };
        let field = db_error
            .constraint()
            .map(|constraint| field_of_constraint(db_error.table(), constraint));
        let code = db_error.code();
        if *code == SqlState::UNIQUE_VIOLATION || *code == SqlState::EXCLUSION_VIOLATION {
            let field = field.unwrap_or_else(|| "id".into());
            return AppError::Conflict {
                detail: format!("Поле {field}: такое значение уже занято"),
                field: Some(field),
            };
        }
        if *code == SqlState::FOREIGN_KEY_VIOLATION {
            let field = field.unwrap_or_else(|| "id".into());
            let still_referenced = db_error.message().contains("is still referenced")
                || db_error
                    .detail()
                    .is_some_and(|detail| detail.contains("is still referenced"));
            if still_referenced {
                return AppError::Conflict {
                    detail:
                        "Объект нельзя удалить: на него ссылаются другие записи (история, брони)"
                            .into(),
                    field: None,
                };
            }
            return AppError::field(field, "связанный объект не найден");
        }
        if *code == SqlState::CHECK_VIOLATION || *code == SqlState::NOT_NULL_VIOLATION {
            let field = field
                .or_else(|| db_error.column().map(str::to_owned))
                .unwrap_or_else(|| "body".into());
            return AppError::field(field, "значение не проходит проверку");
        }
        let refused_value = [
            (
                SqlState::INVALID_TEXT_REPRESENTATION,
                "значение не того вида, что ожидает поле",
            ),
            (
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "число вне допустимого диапазона",
            ),
            (
                SqlState::STRING_DATA_RIGHT_TRUNCATION,
                "строка длиннее допустимого",
            ),
            (
                SqlState::INVALID_DATETIME_FORMAT,
                "некорректная дата или время",
            ),
            (
                SqlState::DATETIME_FIELD_OVERFLOW,
                "дата или время вне допустимого диапазона",
            ),
            (
                SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                "символ, который нельзя сохранить",
            ),
            (
                SqlState::UNTRANSLATABLE_CHARACTER,
                "символ, который нельзя сохранить",
            ),
        ];
        if let Some((_, message)) = refused_value.iter().find(|(state, _)| state == code) {
            // PostgreSQL's own text is English: it goes to the log, the client reads Russian.
            tracing::warn!(error = %db_error, "the database refused a value of the request");
            let field = field
                .or_else(|| db_error.column().map(str::to_owned))
                .unwrap_or_else(|| "body".into());
            return AppError::field(field, *message);
        }
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            return AppError::ServiceUnavailable(
                "конкурирующее изменение, повторите запрос".into(),
            );
        }
        self
    }
}

/// `apartments_area_living_check` on table `apartments` names the field `area_living`.
pub fn field_of_constraint(table: Option<&str>, constraint: &str) -> String {
    let without_table = table
        .and_then(|table| constraint.strip_prefix(table))
        .and_then(|rest| rest.strip_prefix('_'))
        .unwrap_or(constraint);
    let without_kind = ["_format_check", "_check", "_fkey", "_key", "_excl"]
        .iter()
        .find_map(|suffix| without_table.strip_suffix(suffix))
        .unwrap_or(without_table);
    match without_kind {
        "project_code" => "code".into(),
        "building_project" => "building_id".into(),
        "email_lower" => "email".into(),
        "one_active_per_apartment" => "apartment_id".into(),
        "user_key" => "Idempotency-Key".into(),
        "floor_within_building" => "floor".into(),
        "floors_above_apartments" => "floors".into(),
        "position" => "items".into(),
        other => other.into(),
    }
}

fn title_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Некорректный запрос",
        StatusCode::UNPROCESSABLE_ENTITY => "Некорректные данные",
        StatusCode::UNAUTHORIZED => "Требуется вход",
        StatusCode::FORBIDDEN => "Недостаточно прав",
        StatusCode::NOT_FOUND => "Не найдено",
        StatusCode::CONFLICT => "Конфликт",
        StatusCode::METHOD_NOT_ALLOWED => "Метод не поддерживается",
        StatusCode::PAYLOAD_TOO_LARGE => "Слишком большой запрос",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Неподдерживаемый тип содержимого",
        StatusCode::TOO_MANY_REQUESTS => "Слишком много запросов",
        StatusCode::SERVICE_UNAVAILABLE => "Сервис временно недоступен",
        _ => "Внутренняя ошибка сервера",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let error = self.classify_database_error();
        let status = error.status();
        let (detail, errors) = match &error {
            AppError::Validation(errors) => (
                errors
                    .iter()
                    .map(|error| format!("Поле {}: {}", error.field, error.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                errors.clone(),
            ),
            AppError::Conflict {
                detail,
                field: Some(field),
            } => (
                detail.clone(),
                vec![FieldError::new(field, "такое значение уже занято")],
            ),
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = %error, cause = ?error, "request failed with an internal error");
                (
                    "Внутренняя ошибка; подробности в журнале сервера".into(),
                    vec![],
                )
            }
            AppError::Pool(_) | AppError::ServiceUnavailable(_) => {
                tracing::warn!(error = %error, "request failed: dependency unavailable");
                (error.to_string(), vec![])
            }
            other => (other.to_string(), vec![]),
        };
        let problem = Problem {
            problem_type: "about:blank",
            title: title_of(status).into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"nedvizhimost\""),
            );
        }
        if let AppError::TooManyRequests {
            retry_after_seconds,
            ..
        } = error
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::field_of_constraint;

    #[test]
    fn constraint_names_map_to_fields() {
        let cases = [
            (
                Some("apartments"),
                "apartments_area_living_check",
                "area_living",
            ),
            (Some("developers"), "developers_inn_format_check", "inn"),
            (Some("developers"), "developers_inn_key", "inn"),
            (Some("users"), "users_email_key", "email"),
            (Some("apartments"), "apartments_project_code_key", "code"),
            (
                Some("apartments"),
                "apartments_building_project_fkey",
                "building_id",
            ),
            (
                Some("projects"),
                "projects_developer_id_fkey",
                "developer_id",
            ),
            (
                Some("bookings"),
                "bookings_one_active_per_apartment_key",
                "apartment_id",
            ),
            (
                Some("booking_idempotency_keys"),
                "booking_idempotency_keys_user_key_key",
                "Idempotency-Key",
            ),
            (
                Some("apartments"),
                "apartments_floor_within_building_check",
                "floor",
            ),
            (
                Some("buildings"),
                "buildings_floors_above_apartments_check",
                "floors",
            ),
            (Some("project_media"), "project_media_url_check", "url"),
            (None, "weird", "weird"),
        ];
        for (table, constraint, field) in cases {
            assert_eq!(
                field_of_constraint(table, constraint),
                field,
                "{constraint}"
            );
        }
    }
}
