//! What a field of a request expects, in Russian, read from its OpenAPI schema: a rejected value is answered
//! with the same type and bounds the client sees in `/openapi.json`.

use std::sync::LazyLock;

use serde_json::Value;

/// The OpenAPI document as JSON: the `$ref`s of request schemas and parameters resolve here.
static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(crate::openapi_document()).unwrap_or_default());

/// One step into a request: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// `apartments[3].code`; `body` for the request itself.
pub fn field_name(path: &[Step]) -> String {
    let mut name = String::new();
    for step in path {
        match step {
            Step::Key(key) if name.is_empty() => name.push_str(key),
            Step::Key(key) => {
                name.push('.');
                name.push_str(key);
            }
            Step::Index(index) => name.push_str(&format!("[{index}]")),
        }
    }
    if name.is_empty() {
        "body".to_owned()
    } else {
        name
    }
}

fn referenced(reference: &str) -> Option<&'static Value> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    DOCUMENT["components"]["schemas"].get(name)
}

/// The schema itself: `$ref`, a single `allOf` and a `oneOf` of one schema and `null` are followed.
fn resolve(schema: &Value) -> &Value {
    let mut schema = schema;
    for _ in 0..16 {
        let next = if let Some(target) = schema["$ref"].as_str().and_then(referenced) {
            target
        } else if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
            only
        } else if let Some(not_null) = single_not_null(schema) {
            not_null
        } else {
            return schema;
        };
        schema = next;
    }
    schema
}

fn is_null_schema(schema: &Value) -> bool {
    schema["type"] == "null"
}

/// `oneOf: [{"type": "null"}, X]` → X.
fn single_not_null(schema: &Value) -> Option<&Value> {
    let variants = schema["oneOf"].as_array()?;
    let mut not_null = variants.iter().filter(|variant| !is_null_schema(variant));
    let only = not_null.next()?;
    (not_null.next().is_none() && variants.len() == 2).then_some(only)
}

fn accepts_null(schema: &Value) -> bool {
    let nullable_type = schema["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|kind| kind == "null"));
    let nullable_variant = schema["oneOf"]
        .as_array()
        .is_some_and(|variants| variants.iter().any(is_null_schema));
    nullable_type
        || nullable_variant
        || schema["$ref"]
            .as_str()
            .and_then(referenced)
            .is_some_and(accepts_null)
}

fn type_of(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(kind) => Some(kind),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null"),
        _ => schema.get("properties").map(|_| "object"),
    }
}

/// The schema of `path` inside `root`, when the document describes it.
pub fn schema_at<'a>(root: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut schema = root;
    for step in path {
        let container = resolve(schema);
        schema = match step {
            Step::Key(key) => container["properties"].get(key)?,
            Step::Index(_) => container.get("items")?,
        };
    }
    Some(schema)
}

/// The names of the fields an object schema has, in document order.
pub fn property_names(schema: &Value) -> Vec<String> {
    resolve(schema)["properties"]
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

fn number(value: &Value) -> Option<String> {
    value.as_f64()?;
    Some(value.to_string().replace('.', ","))
}

/// ` от 1 до 100`, ` не меньше 0`…
fn bounds(minimum: &Value, maximum: &Value, unit: &str) -> String {
    match (number(minimum), number(maximum)) {
        (Some(minimum), Some(maximum)) => format!(" от {minimum} до {maximum}{unit}"),
        (Some(minimum), None) => format!(" не меньше {minimum}{unit}"),
        (None, Some(maximum)) => format!(" не больше {maximum}{unit}"),
        (None, None) => String::new(),
    }
}

fn listed(values: &[Value]) -> String {
    values
        .iter()
        .map(|value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the schema accepts, for «ожидается …»: `целое число от 1 до 100`, `одно из значений: a, b`.
pub fn describe(schema: &Value) -> String {
    let nullable = accepts_null(schema);
    let schema = resolve(schema);
    let mut text = if let Some(values) = schema["enum"].as_array() {
        format!("одно из значений: {}", listed(values))
    } else if let Some(alternatives) = schema["oneOf"].as_array() {
        alternatives
            .iter()
            .filter(|alternative| !is_null_schema(alternative))
            .map(describe)
            .collect::<Vec<_>>()
            .join(" или ")
    } else {
        match type_of(schema) {
            Some("string") => describe_string(schema),
            Some("integer") => format!(
                "целое число{}",
                bounds(&schema["minimum"], &schema["maximum"], "")
            ),
            Some("number") => format!(
                "число{}",
                bounds(&schema["minimum"], &schema["maximum"], "")
            ),
            Some("boolean") => "true или false".to_owned(),
            Some("array") => {
                let items = schema
                    .get("items")
                    .map(|items| format!(", элементы — {}", describe(items)))
                    .unwrap_or_default();
                format!(
                    "массив{}{items}",
                    bounds(&schema["minItems"], &schema["maxItems"], " элементов")
                )
            }
            Some("object") => "объект".to_owned(),
            _ => "значение".to_owned(),
        }
    };
    if nullable {
        text.push_str(" или null");
    }
    text
}

fn describe_string(schema: &Value) -> String {
    match schema["format"].as_str() {
        Some("date") => "дата в формате ГГГГ-ММ-ДД, например 2027-06-30".to_owned(),
        Some("date-time") => "дата и время по RFC 3339, например 2026-11-23T12:00:00Z".to_owned(),
        Some("decimal") => {
            let example = schema["example"]
                .as_str()
                .or_else(|| schema["examples"][0].as_str())
                .unwrap_or("9200000.00");
            format!("десятичное число строкой, например «{example}»")
        }
        _ => format!(
            "строка{}",
            bounds(&schema["minLength"], &schema["maxLength"], " символов")
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_nested_fields_like_the_errors_of_a_bulk_upload() {
        let path = [
            Step::Key("apartments".into()),
            Step::Index(3),
            Step::Key("code".into()),
        ];
        assert_eq!(field_name(&path), "apartments[3].code");
        assert_eq!(field_name(&[]), "body");
    }

    #[test]
    fn describes_types_bounds_and_enums_in_russian() {
        assert_eq!(
            describe(&json!({"type": "integer", "minimum": 1, "maximum": 100})),
            "целое число от 1 до 100"
        );
        assert_eq!(
            describe(&json!({"type": ["string", "null"], "maxLength": 200})),
            "строка не больше 200 символов или null"
        );
        assert_eq!(
            describe(&json!({"type": "string", "enum": ["econom", "comfort"]})),
            "одно из значений: econom, comfort"
        );
        assert_eq!(
            describe(&json!({"oneOf": [{"type": "null"}, {"type": "boolean"}]})),
            "true или false или null"
        );
        assert_eq!(
            describe(&json!({"type": "number", "minimum": -5.5})),
            "число не меньше -5,5"
        );
        assert_eq!(
            describe(&json!({"oneOf": [
                {"type": "number", "minimum": 19.6, "maximum": 180},
                {"type": "number", "minimum": -180, "maximum": -168.9},
            ]})),
            "число от 19,6 до 180 или число от -180 до -168,9"
        );
    }

    #[test]
    fn finds_the_schema_of_a_nested_field() {
        let root = json!({"type": "object", "properties": {
            "items": {"type": "array", "items": {"type": "object", "properties": {"rooms": {"type": "integer"}}}}
        }});
        let path = [
            Step::Key("items".into()),
            Step::Index(0),
            Step::Key("rooms".into()),
        ];
        assert_eq!(schema_at(&root, &path), Some(&json!({"type": "integer"})));
        assert_eq!(schema_at(&root, &[Step::Key("colour".into())]), None);
    }
}
