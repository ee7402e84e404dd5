use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// `axum::Json` whose rejections answer `application/problem+json` like every other error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection_to_error(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection_to_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(error) => AppError::field(
            field_from_serde_path(&error.body_text()),
            serde_message(&error.body_text()),
        ),
        JsonRejection::JsonSyntaxError(error) => AppError::BadRequest(format!(
            "Тело запроса не является корректным JSON: {}",
            serde_message(&error.body_text())
        )),
        JsonRejection::MissingJsonContentType(_) => {
            AppError::UnsupportedMediaType("Ожидается Content-Type: application/json".into())
        }
        JsonRejection::BytesRejection(error)
            if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            AppError::PayloadTooLarge("Тело запроса превышает допустимый размер".into())
        }
        other => AppError::BadRequest(other.body_text()),
    }
}

/// serde_path_to_error style text: "Failed to deserialize the JSON body into the target type: email: missing field ..."
fn field_from_serde_path(text: &str) -> String {
    let detail = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    if let Some(unknown) = detail.split("unknown field `").nth(1) {
        return unknown.split('`').next().unwrap_or("body").to_owned();
    }
    if let Some(missing) = detail.split("missing field `").nth(1) {
        return missing.split('`').next().unwrap_or("body").to_owned();
    }
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') && path != "." => path.to_owned(),
        _ => "body".to_owned(),
    }
}

fn serde_message(text: &str) -> String {
    let detail = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .or_else(|| text.strip_prefix("Failed to parse the request body as JSON: "))
        .unwrap_or(text);
    if detail.contains("unknown field `") {
        return "неизвестное поле".to_owned();
    }
    if detail.contains("missing field `") {
        return "обязательное поле отсутствует".to_owned();
    }
    match detail.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => message.to_owned(),
        _ => detail.to_owned(),
    }
}

/// `axum::extract::Query` with problem+json rejections.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => {
                let text = error.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text)
                    .to_owned();
                let named_prefix = detail
                    .split_once(": ")
                    .map(|(name, _)| name)
                    .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                let field = detail
                    .split('`')
                    .nth(1)
                    .filter(|_| detail.contains("field `"))
                    .or(named_prefix)
                    .unwrap_or("query")
                    .to_owned();
                Err(AppError::field(field, detail))
            }
            Err(other) => Err(AppError::BadRequest(other.body_text())),
        }
    }
}

/// `axum::extract::Path` with problem+json rejections: `/apartments/abc/views` is a 422 naming the parameter,
/// not axum's text/plain 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                let field = match error.kind() {
                    PathErrorKind::ParseErrorAtKey { key, .. }
                    | PathErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    // A single-value `Path<i64>` does not name its parameter: find it by its value.
                    PathErrorKind::ParseError { value, .. } => {
                        axum::extract::RawPathParams::from_request_parts(parts, state)
                            .await
                            .ok()
                            .and_then(|params| {
                                params
                                    .iter()
                                    .find(|(_, raw)| raw == value)
                                    .map(|(key, _)| key.to_owned())
                            })
                            .unwrap_or_else(|| "path".to_owned())
                    }
                    _ => "path".to_owned(),
                };
                Err(AppError::field(
                    field,
                    "некорректное значение в пути: ожидается целое число от 1 до 9223372036854775807",
                ))
            }
            Err(other) => Err(AppError::BadRequest(other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::field_from_serde_path;

    #[test]
    fn finds_the_field_in_serde_messages() {
        assert_eq!(
            field_from_serde_path("Failed to deserialize the JSON body into the target type: unknown field `role`, expected one of `a`"),
            "role"
        );
        assert_eq!(
            field_from_serde_path("Failed to deserialize the JSON body into the target type: missing field `k1` at line 1"),
            "k1"
        );
        assert_eq!(
            field_from_serde_path("Failed to deserialize the JSON body into the target type: k1: invalid type: string \"x\", expected a Decimal"),
            "k1"
        );
    }
}
