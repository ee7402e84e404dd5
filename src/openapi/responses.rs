//! The statuses an operation answers before or besides its handler, documented from what the operation declares,
//! so that every status the service can return is on its operation as `application/problem+json`:
//!
//! * a JSON body (the [`crate::extract::Json`] extractor): 400 malformed JSON, 413, 415, 422 for a field;
//! * bearer or service-token security (the authentication rule): 401;
//! * a path identifier (the [`crate::extract::Path`] extractor): 422, and `minimum: 1` on the parameter;
//! * query parameters (the [`crate::extract::Query`] extractor): 422;
//! * every operation: 405 for a method its path does not serve, 500 and 503 when it needs the database.

use serde_json::{json, Map, Value};
use utoipa::openapi::OpenApi;

use crate::error::PROBLEM_JSON;
use crate::extract::PATH_ID_EXPECTED;

/// Operations answered without the database: they cannot fail with 500 or 503.
const WITHOUT_DATABASE: [&str; 1] = ["/health"];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Responses every operation that needs one refers to: `#/components/responses/<name>`.
fn shared_responses() -> [(&'static str, &'static str, &'static str); 6] {
    [
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
    ]
}

fn problem_content() -> Value {
    json!({ PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } })
}

fn problem_response(description: &str) -> Value {
    json!({ "description": description, "content": problem_content() })
}

fn uses_security(operation: &Value, scheme: &str) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| {
            requirements
                .iter()
                .any(|requirement| requirement.get(scheme).is_some())
        })
}

/// An empty requirement `{}` among the alternatives: the operation also serves anonymous callers.
fn allows_anonymous(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| {
            requirements
                .iter()
                .any(|requirement| requirement.as_object().is_some_and(Map::is_empty))
        })
}

fn parameters_in<'a>(operation: &'a Value, location: &str) -> impl Iterator<Item = &'a Value> + 'a {
    let location = location.to_owned();
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |parameter| parameter["in"] == location.as_str())
}

/// Why the operation may answer 422 besides what its handler checks.
fn extractor_complaints(operation: &Value) -> Vec<String> {
    let mut complaints = Vec::new();
    if parameters_in(operation, "path").next().is_some() {
        complaints.push(format!("идентификатор в пути: {PATH_ID_EXPECTED}"));
    }
    if parameters_in(operation, "query").next().is_some() {
        complaints.push(
            "параметр запроса неизвестен, неверного типа или вне границ, не в UTF-8 или содержит NUL".to_owned(),
        );
    }
    if operation.get("requestBody").is_some() {
        complaints.push(
            "поле тела неизвестно, неверного типа или вне границ, обязательное отсутствует или строка содержит NUL"
                .to_owned(),
        );
    }
    complaints
}

fn add_response(responses: &mut Map<String, Value>, status: &str, response: Value) {
    responses.entry(status).or_insert(response);
}

fn refer(responses: &mut Map<String, Value>, status: &str, name: &str) {
    add_response(
        responses,
        status,
        json!({ "$ref": format!("#/components/responses/{name}") }),
    );
}

fn document_operation(path: &str, operation: &mut Value) {
    for parameter in operation["parameters"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter(|parameter| parameter["in"] == "path")
    {
        if parameter["schema"]["type"] == "integer" && parameter["schema"].get("minimum").is_none()
        {
            parameter["schema"]["minimum"] = json!(1);
        }
    }
    let complaints = extractor_complaints(operation);
    let has_body = operation.get("requestBody").is_some();
    let bearer = uses_security(operation, super::BEARER);
    let service_token = uses_security(operation, super::SERVICE_TOKEN);
    let unauthorized = if allows_anonymous(operation) {
        "Access-токен передан, но недействителен или истёк"
    } else {
        "Нет access-токена, он недействителен или истёк"
    };
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    if bearer || service_token {
        add_response(responses, "401", problem_response(unauthorized));
    }
    if !complaints.is_empty() {
        match responses.get_mut("422") {
            Some(existing) => {
                let described = existing["description"].as_str().unwrap_or_default();
                existing["description"] = json!(format!(
                    "{}; {}",
                    described.trim_end_matches('.'),
                    complaints.join("; ")
                ));
            }
            None => {
                let description = complaints.join("; ");
                let mut letters = description.chars();
                let capitalised: String = letters
                    .next()
                    .into_iter()
                    .flat_map(char::to_uppercase)
                    .chain(letters)
                    .collect();
                add_response(responses, "422", problem_response(&capitalised));
            }
        }
    }
    if has_body {
        refer(responses, "400", "MalformedJson");
        refer(responses, "413", "PayloadTooLarge");
        refer(responses, "415", "UnsupportedMediaType");
    }
    refer(responses, "405", "MethodNotAllowed");
    if !WITHOUT_DATABASE.contains(&path) {
        refer(responses, "500", "InternalError");
        refer(responses, "503", "ServiceUnavailable");
    }
}

/// `api` with the responses of the extractors, the authentication rule, the router and the database documented
/// on every operation.
pub fn document_common_responses(api: OpenApi) -> OpenApi {
    let mut document = serde_json::to_value(&api).expect("the OpenAPI document serialises");
    let shared: Map<String, Value> = shared_responses()
        .into_iter()
        .map(|(name, status, description)| {
            let mut response = problem_response(description);
            if status == "405" {
                response["headers"] = json!({"Allow": {
                    "description": "Методы, которые поддерживает этот адрес",
                    "schema": {"type": "string", "example": "GET,HEAD,PATCH"}
                }});
            }
            (name.to_owned(), response)
        })
        .collect();
    document["components"]["responses"] = Value::Object(shared);
    if let Some(paths) = document["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(operation) = item.get_mut(method) {
                    document_operation(path, operation);
                }
            }
        }
    }
    serde_json::from_value(document).expect("the OpenAPI document deserialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_survives_its_round_trip_through_json() {
        let before = serde_json::to_value(crate::openapi_document()).unwrap();
        let after: OpenApi = serde_json::from_value(before.clone()).unwrap();
        assert_eq!(serde_json::to_value(&after).unwrap(), before);
    }
}
