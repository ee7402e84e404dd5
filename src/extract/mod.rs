//! The extractors of request bodies, query strings and paths. Every rejection is a problem+json in Russian that
//! names the field and says what its schema in `/openapi.json` expects.

mod complaints;
mod expected;

use axum::body::Bytes;
use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, PartialSchema};

use crate::error::{AppError, AppResult, FieldError};
use crate::validation::FieldErrors;
use complaints::{field_error, syntax_reason};
use expected::Step;

/// A JSON request body. Besides `axum::Json`'s checks, no string of it may hold NUL (PostgreSQL text cannot),
/// and every rejection answers problem+json.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned + PartialSchema,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(AppError::UnsupportedMediaType(
                "Ожидается тело в JSON с заголовком Content-Type: application/json".into(),
            ));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge("Тело запроса превышает допустимый размер".into())
                } else {
                    AppError::BadRequest("Тело запроса не удалось прочитать".into())
                }
            })?;
        json_body(&body).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json` or any `application/…+json`, parameters (charset) aside.
fn has_json_content_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

fn steps(path: &serde_path_to_error::Path) -> Vec<Step> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// serde_json's text without ` at line 1 column 5`.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&position).unwrap_or(&text).to_owned()
}

/// The schema of `T` as JSON, the root every field of a body is looked up from.
fn schema_of<T: PartialSchema>() -> Value {
    serde_json::to_value(T::schema()).unwrap_or_default()
}

/// A request body of type `T`: malformed JSON is a 400, a field of the wrong shape or a string with NUL a 422
/// naming every such field.
pub fn json_body<T: DeserializeOwned + PartialSchema>(body: &[u8]) -> AppResult<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| (steps(error.path()), error.into_inner()))
        .and_then(|value| {
            deserializer
                .end()
                .map(|()| value)
                .map_err(|error| (Vec::new(), error))
        })
        .map_err(|(path, error)| body_complaint::<T>(body, path, &error))?;
    reject_nul_in_strings(body)?;
    Ok(value)
}

fn body_complaint<T: PartialSchema>(
    body: &[u8],
    path: Vec<Step>,
    error: &serde_json::Error,
) -> AppError {
    if error.classify() == serde_json::error::Category::Data {
        AppError::Validation(vec![field_error(
            &schema_of::<T>(),
            path,
            &without_position(error),
            None,
        )])
    } else if body.iter().all(u8::is_ascii_whitespace) {
        AppError::BadRequest("Тело запроса пустое: ожидается JSON-объект".into())
    } else {
        AppError::BadRequest(format!(
            "Тело запроса не является корректным JSON: {} (строка {}, символ {})",
            syntax_reason(&without_position(error)),
            error.line(),
            error.column()
        ))
    }
}

/// One element of a JSON array the caller checks item by item (the events of a batch), with the same
/// Russian complaint as a body would get; the field is relative to the element.
pub fn json_value<T: DeserializeOwned + PartialSchema>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = steps(error.path());
        field_error(
            &schema_of::<T>(),
            path,
            &without_position(error.inner()),
            None,
        )
    })
}

const NUL_MESSAGE: &str = "символ NUL (\\u0000) недопустим в тексте";

/// A NUL can only reach a JSON string as the escape `\u0000`; only a body that spells it is walked to name
/// the fields.
fn reject_nul_in_strings(body: &[u8]) -> AppResult<()> {
    if !body.windows(6).any(|window| window == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let mut errors = FieldErrors::default();
    let mut path = Vec::new();
    find_nul(&value, &mut path, &mut errors);
    errors.finish()
}

fn find_nul(value: &Value, path: &mut Vec<Step>, errors: &mut FieldErrors) {
    match value {
        Value::String(text) if text.contains('\0') => {
            errors.add(&expected::field_name(path), NUL_MESSAGE)
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Step::Index(index));
                find_nul(item, path, errors);
                path.pop();
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                path.push(Step::Key(key.clone()));
                if key.contains('\0') {
                    errors.add(&expected::field_name(path), NUL_MESSAGE);
                }
                find_nul(field, path, errors);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The query string as `key=value` pairs: every key and value must be UTF-8 once percent-decoded and hold no NUL.
fn check_query_text(query: &str) -> AppResult<()> {
    let decode = |part: &str| {
        let plus_as_space = part.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space)
            .decode_utf8()
            .map(|text| text.into_owned())
    };
    let mut errors = FieldErrors::default();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let Ok(key) = decode(raw_key) else {
            errors.add(
                &String::from_utf8_lossy(
                    &percent_encoding::percent_decode_str(raw_key).collect::<Vec<_>>(),
                ),
                "имя параметра не в UTF-8",
            );
            continue;
        };
        match decode(raw_value) {
            Err(_) => errors.add(
                &key,
                "значение не в UTF-8: ожидается текст в UTF-8, закодированный через %, например %D0%9C",
            ),
            Ok(value) if value.contains('\0') || key.contains('\0') => errors.add(&key, NUL_MESSAGE),
            Ok(_) => {}
        }
    }
    errors.finish()
}

/// The query parameters `T` documents, as an object schema: what their complaints are looked up in.
fn parameters_schema<T: IntoParams>() -> Value {
    let properties: serde_json::Map<String, Value> = T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|parameter| {
            let schema = serde_json::to_value(&parameter.schema).unwrap_or_default();
            (parameter.name, schema)
        })
        .collect();
    serde_json::json!({"type": "object", "properties": properties})
}

/// The query string, checked like a JSON body: invalid UTF-8, NUL, a value of the wrong type or an unknown
/// parameter is a 422 naming the parameter and saying what it expects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + IntoParams,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        check_query_text(query)?;
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let path = steps(error.path());
                let raw = match path.first() {
                    Some(Step::Key(key)) => form_urlencoded::parse(query.as_bytes())
                        .find(|(name, _)| name == key)
                        .map(|(_, value)| value.into_owned()),
                    _ => None,
                };
                AppError::Validation(vec![field_error(
                    &parameters_schema::<T>(),
                    path,
                    &error.into_inner().to_string(),
                    raw.as_deref(),
                )])
            })
    }
}

/// `axum::extract::Path` with problem+json rejections: `/apartments/abc/views` is a 422 naming the parameter,
/// not axum's text/plain 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// Every path parameter of the API is an identifier.
pub const PATH_ID_EXPECTED: &str = "ожидается целое число от 1 до 9223372036854775807";

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
                let raw_params = axum::extract::RawPathParams::from_request_parts(parts, state)
                    .await
                    .ok();
                let key_of = |pick: &dyn Fn(usize, &str, &str) -> bool| {
                    raw_params.as_ref().and_then(|params| {
                        params
                            .iter()
                            .enumerate()
                            .find(|(index, (key, raw))| pick(*index, key, raw))
                            .map(|(_, (key, _))| key.to_owned())
                    })
                };
                let field = match error.kind() {
                    PathErrorKind::ParseErrorAtKey { key, .. }
                    | PathErrorKind::InvalidUtf8InPathParam { key } => Some(key.clone()),
                    PathErrorKind::ParseErrorAtIndex { index, .. } => {
                        key_of(&|position, _, _| position == *index)
                    }
                    // A single-value `Path<i64>` does not name its parameter: find it by its value.
                    PathErrorKind::ParseError { value, .. } => key_of(&|_, _, raw| raw == value),
                    _ => None,
                };
                Err(AppError::field(
                    field.unwrap_or_else(|| "path".to_owned()),
                    PATH_ID_EXPECTED,
                ))
            }
            Err(other) => Err(AppError::Internal(format!(
                "path parameters of the route do not match its handler: {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use utoipa::ToSchema;

    use super::*;

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        /// Имя
        name: String,
        /// Комнат
        #[schema(minimum = 0, maximum = 20)]
        rooms: i16,
    }

    fn complaint(body: &str) -> AppError {
        json_body::<Sample>(body.as_bytes()).unwrap_err()
    }

    fn fields(error: AppError) -> Vec<(String, String)> {
        match error {
            AppError::Validation(errors) => errors
                .into_iter()
                .map(|error| (error.field, error.message))
                .collect(),
            other => panic!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn body_complaints_name_the_field_and_what_it_expects() {
        assert_eq!(
            fields(complaint(r#"{"name": 5, "rooms": 1}"#)),
            [(
                "name".to_owned(),
                "ожидается строка, получено число 5".to_owned()
            )]
        );
        assert_eq!(
            fields(complaint(r#"{"name": "a", "rooms": 70000}"#)),
            [(
                "rooms".to_owned(),
                "ожидается целое число от 0 до 20, получено число 70000".to_owned()
            )]
        );
        assert_eq!(
            fields(complaint(r#"{"name": "a\u0000b", "rooms": 1}"#)),
            [("name".to_owned(), NUL_MESSAGE.to_owned())]
        );
    }

    #[test]
    fn malformed_json_is_a_russian_400() {
        for (body, expected) in [
            ("", "Тело запроса пустое: ожидается JSON-объект"),
            (
                "{\"name\": ",
                "Тело запроса не является корректным JSON: JSON обрывается: не хватает закрывающей скобки или кавычки (строка 1, символ 9)",
            ),
            (
                "{\"name\": \"a\", \"rooms\": 1} x",
                "Тело запроса не является корректным JSON: после JSON есть лишние символы (строка 1, символ 27)",
            ),
        ] {
            match complaint(body) {
                AppError::BadRequest(text) => assert_eq!(text, expected),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn query_text_must_be_utf8_without_nul() {
        assert!(check_query_text("city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&rooms=1,2").is_ok());
        let AppError::Validation(errors) = check_query_text("city=%FF%FE").unwrap_err() else {
            panic!("not a 422");
        };
        assert_eq!(errors[0].field, "city");
        let AppError::Validation(errors) = check_query_text("a=1&city=x%00y").unwrap_err() else {
            panic!("not a 422");
        };
        assert_eq!(errors[0].field, "city");
    }

    #[test]
    fn content_types_of_json() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            headers
        };
        assert!(has_json_content_type(&headers("application/json")));
        assert!(has_json_content_type(&headers(
            "Application/JSON; charset=utf-8"
        )));
        assert!(has_json_content_type(&headers(
            "application/merge-patch+json"
        )));
        assert!(!has_json_content_type(&headers("text/plain")));
        assert!(!has_json_content_type(&HeaderMap::new()));
    }
}
