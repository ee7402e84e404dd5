//! The OpenAPI document as a contract a generated client and a fuzzer rely on: every status the router can be
//! provoked into is documented on its operation, and every error is problem+json.

use std::collections::BTreeSet;

use crate::helpers::{content_type, TestApp, PROBLEM_JSON};
use reqwest::Method;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The documented response of `status` (following a `$ref` into `components.responses`).
fn documented<'a>(document: &'a Value, operation: &'a Value, status: u16) -> Option<&'a Value> {
    let response = operation["responses"].get(status.to_string())?;
    match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/responses/")?;
            document["components"]["responses"].get(name)
        }
        None => Some(response),
    }
}

fn has_cyrillic(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

/// `/developers/{id}/members/{user_id}` with every parameter replaced by `value`.
fn concrete(path: &str, value: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                value.to_owned()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

struct Probe {
    what: &'static str,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: &'static str,
}

fn probes(path: &str, operation: &Value, token: &str) -> Vec<Probe> {
    let probe = |what, path: String, token: Option<&str>, content_type, body| Probe {
        what,
        path,
        token: token.map(str::to_owned),
        content_type,
        body,
    };
    let valid = concrete(path, "1");
    let mut probes = vec![
        probe(
            "anonymous, text body",
            valid.clone(),
            None,
            Some("text/plain"),
            "x",
        ),
        probe(
            "text body",
            valid.clone(),
            Some(token),
            Some("text/plain"),
            "{}",
        ),
        probe(
            "malformed JSON",
            valid.clone(),
            Some(token),
            Some("application/json"),
            "{\"a\":",
        ),
        probe(
            "empty JSON body",
            valid.clone(),
            Some(token),
            Some("application/json"),
            "",
        ),
        probe(
            "invalid token",
            valid.clone(),
            Some("not-a-token"),
            Some("application/json"),
            "{}",
        ),
    ];
    if path.contains('{') {
        for id in ["abc", "0", "-1", "9223372036854775808"] {
            probes.push(probe("path id", concrete(path, id), Some(token), None, ""));
        }
    }
    let query: Vec<&str> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|parameter| parameter["in"] == "query")
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    if let Some(first) = query.first() {
        probes.push(probe(
            "unknown query parameter",
            format!("{valid}?no_such_parameter=1"),
            Some(token),
            None,
            "",
        ));
        probes.push(probe(
            "query not UTF-8",
            format!("{valid}?{first}=%FF"),
            Some(token),
            None,
            "",
        ));
        probes.push(probe(
            "query of the wrong type",
            format!("{valid}?{first}=%7B%7D"),
            Some(token),
            None,
            "",
        ));
    }
    probes
}

/// Walks the document and the router: for every operation, provokes the statuses its extractors, the
/// authentication and the router answer (415, 400, 401, 405, 422, and whatever the handler says to a probe) and
/// fails on any that the operation does not document, or that is not problem+json in Russian.
#[tokio::test]
async fn every_status_the_router_can_be_provoked_into_is_documented_as_problem_json() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@contract.ru").await;
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert_eq!(
        served, document,
        "/openapi.json is the document of the code"
    );
    let mut failures = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let methods: Vec<&str> = METHODS
            .into_iter()
            .filter(|method| item.get(*method).is_some())
            .collect();
        for method in &methods {
            let operation = &item[*method];
            for (status, response) in operation["responses"].as_object().unwrap() {
                let response =
                    documented(&document, operation, status.parse().unwrap()).unwrap_or(response);
                if status.as_str() >= "400" && response["content"].get(PROBLEM_JSON).is_none() {
                    failures.insert(format!(
                        "{method} {path}: {status} is documented without {PROBLEM_JSON}"
                    ));
                }
            }
            for probe in probes(path, operation, &moderator) {
                let mut request = app.request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &probe.path,
                    probe.token.as_deref(),
                );
                if let Some(content_type) = probe.content_type {
                    request = request
                        .header("content-type", content_type)
                        .body(probe.body);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let what = format!("{method} {} ({}) answered {status}", probe.path, probe.what);
                if documented(&document, operation, status).is_none() {
                    failures.insert(format!("{what}: not documented on {method} {path}"));
                }
                if status >= 400 {
                    if content_type(&response) != PROBLEM_JSON {
                        failures.insert(format!("{what}: not {PROBLEM_JSON}"));
                    }
                    let body: Value = response.json().await.unwrap_or_default();
                    if !body["detail"].as_str().is_some_and(has_cyrillic) {
                        failures.insert(format!("{what}: no Russian detail: {body}"));
                    }
                }
            }
        }
        let unserved = ["DELETE", "PUT", "PATCH", "POST", "GET"]
            .into_iter()
            .find(|method| !methods.contains(&method.to_lowercase().as_str()))
            .unwrap();
        let response = app
            .request(
                Method::from_bytes(unserved.as_bytes()).unwrap(),
                &concrete(path, "1"),
                None,
            )
            .send()
            .await
            .unwrap();
        let what = format!("{unserved} {path} answered {}", response.status());
        if response.status() != 405 || content_type(&response) != PROBLEM_JSON {
            failures.insert(format!("{what}: not a 405 problem"));
        }
        let allow = response
            .headers()
            .get("allow")
            .map(|value| value.to_str().unwrap().to_owned());
        for method in &methods {
            if !allow
                .as_deref()
                .unwrap_or_default()
                .contains(&method.to_uppercase())
            {
                failures.insert(format!("{what}: Allow {allow:?} misses {method}"));
            }
            if documented(&document, &item[*method], 405).is_none() {
                failures.insert(format!("{method} {path}: 405 not documented"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// One rule for optional authentication: wherever the document lists the bearer scheme, an invalid token is a
/// 401 (public catalog included) and no token is an anonymous caller; operations without the scheme ignore it.
#[tokio::test]
async fn an_invalid_token_is_401_wherever_bearer_is_documented_and_ignored_elsewhere() {
    let app = TestApp::spawn().await;
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let description = document["components"]["securitySchemes"]["bearer"]["description"]
        .as_str()
        .unwrap();
    assert!(description.contains("всегда 401"), "{description}");
    let mut failures = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS
            .into_iter()
            .filter(|method| item.get(*method).is_some())
        {
            let lists_bearer = item[method]["security"]
                .as_array()
                .is_some_and(|requirements| requirements.iter().any(|r| r.get("bearer").is_some()));
            if !lists_bearer {
                continue;
            }
            let response = app
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &concrete(path, "1"),
                    Some("expired-or-forged"),
                )
                .send()
                .await
                .unwrap();
            if response.status() != 401 || content_type(&response) != PROBLEM_JSON {
                failures.insert(format!("{method} {path}: {}", response.status()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    for path in ["/apartments", "/projects", "/apartments/1"] {
        assert_eq!(
            app.get_with(path, None).await.status().as_u16() / 100,
            if path == "/apartments/1" { 4 } else { 2 },
            "{path}"
        );
        assert_eq!(
            app.get_with(path, Some("forged")).await.status(),
            401,
            "{path}"
        );
    }
    let buyer = app.register_buyer("buyer@rule.ru").await;
    assert_eq!(
        app.get_with("/apartments", Some(&buyer)).await.status(),
        200
    );

    let ignored = app
        .request(Method::POST, "/auth/register", Some("stale-access-token"))
        .json(&serde_json::json!({
            "email": "second@rule.ru", "password": "Ромашка-весна-2024", "display_name": "Анна"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(ignored.status(), 201, "sign-up does not read the header");
    assert_eq!(app.get_with("/health", Some("forged")).await.status(), 200);
}

/// The query string of the required parameters of `operation`, each with its documented example.
fn required_query(operation: &Value) -> Vec<String> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|parameter| parameter["in"] == "query" && parameter["required"] == true)
        .map(|parameter| {
            let example = match &parameter["example"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            format!("{}={example}", parameter["name"].as_str().unwrap())
        })
        .collect()
}

/// Every bound a query parameter documents is the bound the server enforces: the documented extreme is
/// accepted, one past it is a 422 naming the parameter and stating the bound. Every page has both bounds.
#[tokio::test]
async fn every_documented_query_bound_is_the_bound_the_server_enforces() {
    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@bounds.ru").await;
    // The buyer's own lists are refused to a moderator before their page is read.
    let buyer = app.register_buyer("buyer@bounds.ru").await;
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let mut failures = BTreeSet::new();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let required = required_query(operation);
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            let schema = &parameter["schema"];
            if parameter["in"] != "query" {
                continue;
            }
            if ["limit", "offset"].contains(&name)
                && (schema["minimum"].is_null() || schema["maximum"].is_null())
            {
                failures.insert(format!("GET {path}: {name} has no bounds"));
            }
            if name == "offset" && schema["maximum"] != 10_000 {
                failures.insert(format!(
                    "GET {path}: offset is not bounded like the catalog"
                ));
            }
            let (Some(minimum), Some(maximum)) =
                (schema["minimum"].as_i64(), schema["maximum"].as_i64())
            else {
                continue;
            };
            for (value, refused) in [
                (minimum, false),
                (maximum, false),
                (minimum - 1, true),
                (maximum + 1, true),
                (i64::MAX, true),
            ] {
                let query = required
                    .iter()
                    .filter(|pair| !pair.starts_with(&format!("{name}=")))
                    .cloned()
                    .chain([format!("{name}={value}")])
                    .collect::<Vec<_>>()
                    .join("&");
                let response = app
                    .get_with(
                        &format!("{}?{query}", concrete(path, "1")),
                        Some(if path.starts_with("/me/") {
                            &buyer
                        } else {
                            &moderator
                        }),
                    )
                    .await;
                let status = response.status();
                let body: Value = response.json().await.unwrap_or_default();
                let names_it = body["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|error| error["field"] == name);
                checked += 1;
                match (refused, names_it) {
                    (false, Some(error)) => {
                        failures.insert(format!(
                            "GET {path}?{query}: refused within bounds: {error}"
                        ));
                    }
                    (true, None) => {
                        failures.insert(format!(
                            "GET {path}?{query}: {status} accepted out of bounds"
                        ));
                    }
                    (true, Some(error)) => {
                        let bound = format!("от {minimum} до {maximum}");
                        if status != 422 || !error["message"].as_str().unwrap().contains(&bound) {
                            failures.insert(format!(
                                "GET {path}?{query}: {status} {error} does not say {bound}"
                            ));
                        }
                    }
                    (false, None) => {}
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} bounds checked");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Names of the component schemas `value` refers to, directly or through the schemas it refers to.
fn referenced_schemas(document: &Value, value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            if let Some(name) = fields
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            {
                if found.insert(name.to_owned()) {
                    referenced_schemas(document, &document["components"]["schemas"][name], found);
                }
            }
            for field in fields.values() {
                referenced_schemas(document, field, found);
            }
        }
        Value::Array(items) => {
            for item in items {
                referenced_schemas(document, item, found);
            }
        }
        _ => {}
    }
}

/// A generated client types every field the server always sends as present: such fields are `required` (and
/// nullable where they can be null); only fields the server leaves out are optional.
#[tokio::test]
async fn every_field_a_response_always_carries_is_required() {
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let mut answered = BTreeSet::new();
    let mut sent = BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    referenced_schemas(&document, response, &mut answered);
                }
            }
            referenced_schemas(&document, &operation["requestBody"], &mut sent);
        }
    }
    // Left out of the answer when empty.
    let optional = [("Problem", "errors")];
    let mut failures = Vec::new();
    for name in answered.difference(&sent) {
        let schema = &document["components"]["schemas"][name];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for property in schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, _)| name)
        {
            if !required.contains(&property.as_str())
                && !optional.contains(&(name.as_str(), property.as_str()))
            {
                failures.push(format!("{name}.{property}"));
            }
        }
    }
    assert!(answered.len() > 30, "{answered:?}");
    assert!(failures.is_empty(), "not required: {failures:#?}");
}

/// A client generator follows every `$ref`: none may point at nothing.
#[test]
fn every_reference_of_the_document_resolves() {
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let text = document.to_string();
    let mut dangling = BTreeSet::new();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let reference = reference.split('"').next().unwrap();
        let mut target = &document;
        for step in reference.trim_start_matches("#/").split('/') {
            target = &target[step];
        }
        if target.is_null() {
            dangling.insert(reference.to_owned());
        }
    }
    assert!(dangling.is_empty(), "{dangling:#?}");
}

/// Durations and limits in the texts come from the settings the code runs with, not from copies that drift.
#[test]
fn catalog_descriptions_state_the_default_settings_of_the_code() {
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let defaults = nedvizhimost::config::CatalogSettings::default();
    let search = document["paths"]["/apartments"]["get"]["description"]
        .as_str()
        .unwrap();
    let total_cache = format!(
        "`CATALOG_TOTAL_CACHE_SECONDS` секунд (по умолчанию {})",
        defaults.total_cache_ttl.as_secs()
    );
    assert!(search.contains(&total_cache), "{search}");
    let map = document["paths"]["/map/projects"]["get"]["description"]
        .as_str()
        .unwrap();
    let summary_age = format!(
        "`MAP_SUMMARY_MAX_AGE_SECONDS`, по умолчанию {} с",
        defaults.map_summary_max_age.as_secs()
    );
    assert!(map.contains(&summary_age), "{map}");
    assert_eq!(
        document["paths"]["/apartments"]["get"]["summary"],
        "Каталог квартир"
    );
}

/// Every example of the document passes its own schema's pattern, length and range: the bounds and patterns
/// are well-formed and describe real values.
#[test]
fn every_example_satisfies_its_own_bounds_and_pattern() {
    fn check(schema: &Value, path: &str, failures: &mut Vec<String>) {
        match schema {
            Value::Object(fields) => {
                let examples: Vec<&Value> = fields
                    .get("example")
                    .into_iter()
                    .chain(
                        fields
                            .get("examples")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                    .collect();
                for example in examples {
                    if let (Some(pattern), Some(text)) = (
                        fields.get("pattern").and_then(Value::as_str),
                        example.as_str(),
                    ) {
                        if !regex::Regex::new(pattern).unwrap().is_match(text) {
                            failures.push(format!("{path}: {text:?} does not match {pattern}"));
                        }
                    }
                    if let Some(text) = example.as_str() {
                        let length = text.chars().count() as u64;
                        if fields
                            .get("minLength")
                            .and_then(Value::as_u64)
                            .is_some_and(|min| length < min)
                            || fields
                                .get("maxLength")
                                .and_then(Value::as_u64)
                                .is_some_and(|max| length > max)
                        {
                            failures.push(format!("{path}: {text:?} breaks its length"));
                        }
                    }
                    if let Some(number) = example.as_f64() {
                        if fields
                            .get("minimum")
                            .and_then(Value::as_f64)
                            .is_some_and(|min| number < min)
                            || fields
                                .get("maximum")
                                .and_then(Value::as_f64)
                                .is_some_and(|max| number > max)
                        {
                            failures.push(format!("{path}: {number} is out of its range"));
                        }
                    }
                }
                for (key, value) in fields {
                    check(value, &format!("{path}/{key}"), failures);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    check(item, &format!("{path}/{index}"), failures);
                }
            }
            _ => {}
        }
    }
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let mut failures = Vec::new();
    check(&document, "", &mut failures);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The bounds the issue names are in the schema exactly as the server enforces them, and a request at the
/// documented bound is accepted while one past it is refused with the bound in the message.
#[tokio::test]
async fn body_bounds_are_documented_and_enforced_alike() {
    let document = serde_json::to_value(nedvizhimost::openapi_document()).unwrap();
    let schemas = &document["components"]["schemas"];
    let property = |schema: &str, name: &str| schemas[schema]["properties"][name].clone();
    let events = property("BatchRequest", "events");
    assert_eq!(
        (&events["minItems"], &events["maxItems"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(nedvizhimost::events::MAX_BATCH_EVENTS)
        )
    );
    let apartments = property("BulkRequest", "apartments");
    assert_eq!(
        (&apartments["minItems"], &apartments["maxItems"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(nedvizhimost::apartments::MAX_BULK_ROWS)
        )
    );
    for (schema, name, minimum, maximum) in [
        ("PricingConfigChange", "cooldown_hours", 0, 720),
        ("PricingConfigChange", "booking_freeze_hours", 0, 720),
        ("CreateBuildingRequest", "floors", 1, 200),
        ("CreateApartmentRequest", "floor", -5, 200),
        ("CreateApartmentRequest", "rooms", 0, 20),
    ] {
        let bounds = property(schema, name);
        let bounds = if bounds["oneOf"].is_array() {
            bounds["oneOf"][0].clone()
        } else {
            bounds
        };
        assert_eq!(
            (bounds["minimum"].as_i64(), bounds["maximum"].as_i64()),
            (Some(minimum), Some(maximum)),
            "{schema}.{name}: {bounds}"
        );
    }

    let app = TestApp::spawn().await;
    let moderator = app.create_moderator("moderator@body-bounds.ru").await;
    let accepted = app
        .put_json(
            "/pricing/config",
            Some(&moderator),
            &serde_json::json!({"cooldown_hours": 720}),
        )
        .await;
    assert_eq!(accepted.status(), 201, "the documented maximum is accepted");
    let refused = crate::helpers::Problem::read(
        app.put_json(
            "/pricing/config",
            Some(&moderator),
            &serde_json::json!({"cooldown_hours": 721}),
        )
        .await,
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.fields(), ["cooldown_hours"]);
    assert!(refused.detail().contains("от 0 до 720"), "{}", refused.body);

    let too_many: Vec<Value> = (0..=nedvizhimost::events::MAX_BATCH_EVENTS)
        .map(|_| serde_json::json!({"apartment_id": 1, "visitor_id": "v"}))
        .collect();
    let refused = crate::helpers::Problem::read(
        app.post_json(
            "/events:batch",
            Some(&moderator),
            &serde_json::json!({"events": too_many}),
        )
        .await,
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.fields(), ["events"]);
    assert!(
        refused.detail().contains("от 1 до 1000"),
        "{}",
        refused.body
    );
}

/// `nedvizhimost openapi` prints the document the router serves, with no database to reach.
#[test]
fn the_openapi_command_prints_the_document_without_a_database() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nedvizhimost"))
        .arg("openapi")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
        .env_remove("JWT_SECRET")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::to_value(nedvizhimost::openapi_document()).unwrap()
    );
}
