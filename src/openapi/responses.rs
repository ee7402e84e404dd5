//! The statuses an operation answers before or besides its handler, documented from what the operation declares,
//! so that every status the service can return is on its operation as `application/problem+json`:
//!
//! * a JSON body (the [`crate::extract::Json`] extractor): 400 malformed JSON, 413, 415, 422 for a field;
//! * bearer or service-token security (the authentication rule): 401;
//! * a path identifier (the [`crate::extract::Path`] extractor): 422, and `minimum: 1` on the parameter;
//! * query parameters (the [`crate::extract::Query`] extractor): 422;
//! * every operation: 405 for a method its path does not serve, 500 and 503 when it needs the database.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};
use utoipa::Number;

use crate::error::PROBLEM_JSON;
use crate::extract::PATH_ID_EXPECTED;

/// Operations answered without the database: they cannot fail with 500 or 503.
const WITHOUT_DATABASE: [&str; 1] = ["/health"];

/// Responses the operations that need one refer to: `#/components/responses/<name>`.
const SHARED: [(&str, &str, &str); 6] = [
    (
        "MalformedJson",
        "400",
        "Тело запроса пустое или не является корректным JSON",
    ),
    (
        "MethodNotAllowed",
        "405",
        "Метод не поддерживается по этому адресу; допустимые методы — в заголовке Allow",
    ),
    (
        "PayloadTooLarge",
        "413",
        "Тело запроса больше допустимого размера (1 МБ, если в описании операции не сказано иное)",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "Тело не в JSON: нужен заголовок Content-Type: application/json",
    ),
    (
        "InternalError",
        "500",
        "Внутренняя ошибка; подробности в журнале сервера",
    ),
    (
        "ServiceUnavailable",
        "503",
        "База данных недоступна или помешало конкурирующее изменение; повторите запрос позже",
    ),
];

fn problem_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

/// The names of the schemes each alternative of the operation's security requires; `{}` is an empty one.
fn security_alternatives(operation: &Operation) -> Vec<Vec<String>> {
    operation
        .security
        .iter()
        .flatten()
        .map(|requirement: &SecurityRequirement| {
            serde_json::to_value(requirement)
                .ok()
                .and_then(|value| {
                    value
                        .as_object()
                        .map(|schemes| schemes.keys().cloned().collect())
                })
                .unwrap_or_default()
        })
        .collect()
}

fn has_parameters_in(operation: &Operation, location: ParameterIn) -> bool {
    operation.parameters.iter().flatten().any(
        |parameter| matches!(parameter, RefOr::T(parameter) if parameter.parameter_in == location),
    )
}

/// Why the operation may answer 422 besides what its handler checks.
fn extractor_complaints(operation: &Operation) -> Vec<String> {
    let mut complaints = Vec::new();
    if has_parameters_in(operation, ParameterIn::Path) {
        complaints.push(format!("идентификатор в пути: {PATH_ID_EXPECTED}"));
    }
    if has_parameters_in(operation, ParameterIn::Query) {
        complaints.push(
            "параметр запроса неизвестен, неверного типа или вне границ, не в UTF-8 или содержит NUL"
                .to_owned(),
        );
    }
    if operation.request_body.is_some() {
        complaints.push(
            "поле тела неизвестно, неверного типа или вне границ, обязательное отсутствует или строка содержит NUL"
                .to_owned(),
        );
    }
    complaints
}

fn capitalised(text: &str) -> String {
    let mut letters = text.chars();
    letters
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .chain(letters)
        .collect()
}

/// Path identifiers are 1 or more, as the `Path` extractor says.
fn document_path_ids(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if let (ParameterIn::Path, Some(RefOr::T(Schema::Object(schema)))) =
            (&parameter.parameter_in, &mut parameter.schema)
        {
            if schema.schema_type == Type::Integer.into() && schema.minimum.is_none() {
                schema.minimum = Some(Number::Int(1));
            }
        }
    }
}

fn document_operation(path: &str, operation: &mut Operation) {
    document_path_ids(operation);
    let complaints = extractor_complaints(operation);
    let alternatives = security_alternatives(operation);
    let authenticated = alternatives.iter().any(|schemes| {
        schemes
            .iter()
            .any(|scheme| scheme == super::BEARER || scheme == super::SERVICE_TOKEN)
    });
    let unauthorized = if alternatives.iter().any(Vec::is_empty) {
        "Access-токен передан, но недействителен или истёк"
    } else {
        "Нет access-токена, он недействителен или истёк"
    };
    let has_body = operation.request_body.is_some();
    let responses = &mut operation.responses.responses;
    let mut refer = |status: &str, name: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    };
    if has_body {
        refer("400", "MalformedJson");
        refer("413", "PayloadTooLarge");
        refer("415", "UnsupportedMediaType");
    }
    refer("405", "MethodNotAllowed");
    if !WITHOUT_DATABASE.contains(&path) {
        refer("500", "InternalError");
        refer("503", "ServiceUnavailable");
    }
    if authenticated {
        responses
            .entry("401".to_owned())
            .or_insert_with(|| problem_response(unauthorized).build().into());
    }
    if !complaints.is_empty() {
        match responses.get_mut("422") {
            Some(RefOr::T(existing)) => {
                existing.description = format!(
                    "{}; {}",
                    existing.description.trim_end_matches('.'),
                    complaints.join("; ")
                );
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let description = capitalised(&complaints.join("; "));
                responses.insert(
                    "422".to_owned(),
                    problem_response(&description).build().into(),
                );
            }
        }
    }
}

fn shared_response(status: &str, description: &str) -> Response {
    let response = problem_response(description);
    if status != "405" {
        return response.build();
    }
    response
        .header(
            "Allow",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(
                    "Методы, которые поддерживает этот адрес, например GET,HEAD,PATCH",
                ))
                .build(),
        )
        .build()
}

/// `api` with the responses of the extractors, the authentication rule, the router and the database documented
/// on every operation.
pub fn document_common_responses(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    for (name, status, description) in SHARED {
        components
            .responses
            .insert(name.to_owned(), shared_response(status, description).into());
    }
    for (path, item) in api.paths.paths.iter_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            document_operation(path, operation);
        }
    }
    api
}
