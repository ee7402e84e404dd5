//! serde, serde_urlencoded and serde_json describe a rejected value in English; a client reads the same
//! complaint in Russian, naming the field once and saying what its schema expects.

use serde_json::Value;

use super::expected::{describe, field_name, property_names, schema_at, Step};
use crate::error::FieldError;

/// What a deserializer said, recognised from the standard texts of `serde::de::Error`.
#[derive(Debug, PartialEq, Eq)]
enum Complaint<'m> {
    UnknownField(&'m str),
    MissingField(&'m str),
    DuplicateField(&'m str),
    UnknownVariant(&'m str),
    /// `invalid type: integer `5`, expected a string`: what came instead.
    WrongValue(&'m str),
    /// Anything else: a number that does not parse, a date out of range…
    Unparsed,
}

fn quoted(text: &str) -> Option<&str> {
    text.split('`').nth(1)
}

fn classify(message: &str) -> Complaint<'_> {
    let unexpected = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .map(|rest| rest.split(", expected").next().unwrap_or(rest))
    };
    if let Some(name) = message.strip_prefix("unknown field ").and_then(quoted) {
        Complaint::UnknownField(name)
    } else if let Some(name) = message.strip_prefix("missing field ").and_then(quoted) {
        Complaint::MissingField(name)
    } else if let Some(name) = message.strip_prefix("duplicate field ").and_then(quoted) {
        Complaint::DuplicateField(name)
    } else if let Some(value) = message.strip_prefix("unknown variant ").and_then(quoted) {
        Complaint::UnknownVariant(value)
    } else if let Some(got) = unexpected("invalid type: ").or_else(|| unexpected("invalid value: "))
    {
        Complaint::WrongValue(got)
    } else {
        Complaint::Unparsed
    }
}

fn shortened(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    if text.chars().count() > MAX_CHARS {
        format!("{}…", text.chars().take(MAX_CHARS).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// `integer `5`` → `число 5`; `string "x"` → `строка «x»`.
fn received(unexpected: &str) -> String {
    let between_backticks = |rest: &str| rest.trim_end_matches('`').to_owned();
    if let Some(rest) = unexpected
        .strip_prefix("integer `")
        .or_else(|| unexpected.strip_prefix("floating point `"))
    {
        format!("число {}", between_backticks(rest))
    } else if let Some(rest) = unexpected.strip_prefix("boolean `") {
        format!("логическое значение {}", between_backticks(rest))
    } else if let Some(rest) = unexpected.strip_prefix("string \"") {
        format!(
            "строка «{}»",
            shortened(rest.strip_suffix('"').unwrap_or(rest))
        )
    } else if let Some(rest) = unexpected.strip_prefix("character `") {
        format!("символ «{}»", between_backticks(rest))
    } else {
        match unexpected {
            "null" | "unit value" | "Option value" => "null".to_owned(),
            "sequence" => "массив".to_owned(),
            "map" => "объект".to_owned(),
            _ => "значение другого типа".to_owned(),
        }
    }
}

/// The field error for `message`, said about the value at `path` of a request whose schema is `root`.
/// `raw` is the text the client sent, when it is known (query strings).
pub fn field_error(
    root: &Value,
    mut path: Vec<Step>,
    message: &str,
    raw: Option<&str>,
) -> FieldError {
    let expected = |path: &[Step]| {
        schema_at(root, path)
            .map(describe)
            .unwrap_or_else(|| "значение другого вида".to_owned())
    };
    // serde_path_to_error has stepped into an unknown or duplicate field already, not into a missing one.
    let step_into = |path: &mut Vec<Step>, name: &str| {
        let step = Step::Key(name.to_owned());
        if path.last() != Some(&step) {
            path.push(step);
        }
    };
    let text = match classify(message) {
        Complaint::UnknownField(name) => {
            step_into(&mut path, name);
            let known = schema_at(root, &path[..path.len() - 1])
                .map(property_names)
                .unwrap_or_default();
            if known.is_empty() {
                "неизвестное поле".to_owned()
            } else {
                format!("неизвестное поле; допустимые поля: {}", known.join(", "))
            }
        }
        Complaint::MissingField(name) => {
            step_into(&mut path, name);
            format!("обязательное поле: ожидается {}", expected(&path))
        }
        Complaint::DuplicateField(name) => {
            step_into(&mut path, name);
            "поле указано дважды".to_owned()
        }
        Complaint::UnknownVariant(value) => format!(
            "недопустимое значение «{}»: ожидается {}",
            shortened(value),
            expected(&path)
        ),
        Complaint::WrongValue(got) => match raw {
            Some(raw) => format!(
                "ожидается {}, получено «{}»",
                expected(&path),
                shortened(raw)
            ),
            None => format!("ожидается {}, получено {}", expected(&path), received(got)),
        },
        Complaint::Unparsed => match raw {
            Some(raw) => format!(
                "ожидается {}, получено «{}»",
                expected(&path),
                shortened(raw)
            ),
            None => format!("ожидается {}", expected(&path)),
        },
    };
    FieldError::new(field_name(&path), text)
}

/// serde_json's text of a syntax error, without its position, in Russian.
pub fn syntax_reason(message: &str) -> &'static str {
    const REASONS: [(&str, &str); 17] = [
        (
            "EOF while parsing",
            "JSON обрывается: не хватает закрывающей скобки или кавычки",
        ),
        (
            "expected value",
            "ожидается значение JSON: объект, массив, строка, число, true, false или null",
        ),
        ("expected ident", "ожидается true, false или null"),
        ("expected `,` or `]`", "ожидается «,» или «]»"),
        ("expected `,` or `}`", "ожидается «,» или «}»"),
        ("expected `:`", "ожидается «:»"),
        (
            "key must be a string",
            "ключ объекта должен быть строкой в кавычках",
        ),
        ("trailing characters", "после JSON есть лишние символы"),
        ("trailing comma", "лишняя запятая"),
        (
            "invalid escape",
            "недопустимая escape-последовательность в строке",
        ),
        ("invalid number", "некорректное число"),
        ("number out of range", "число вне допустимого диапазона"),
        (
            "invalid unicode code point",
            "некорректный символ Unicode в строке",
        ),
        (
            "lone leading surrogate",
            "некорректная \\u-последовательность в строке",
        ),
        (
            "unexpected end of hex escape",
            "некорректная \\u-последовательность в строке",
        ),
        (
            "control character",
            "управляющий символ внутри строки: его нужно экранировать",
        ),
        ("recursion limit exceeded", "слишком глубокая вложенность"),
    ];
    REASONS
        .iter()
        .find(|(english, _)| message.starts_with(english))
        .map_or("синтаксическая ошибка", |(_, russian)| russian)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn root() -> Value {
        json!({"type": "object", "properties": {
            "bbox": {"type": "string"},
            "limit": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 100},
            "name": {"type": "string", "maxLength": 200},
            "status": {"type": "string", "enum": ["available", "booked", "sold"]},
        }})
    }

    fn error(path: &[&str], message: &str, raw: Option<&str>) -> (String, String) {
        let path = path
            .iter()
            .map(|key| Step::Key((*key).to_owned()))
            .collect();
        let error = field_error(&root(), path, message, raw);
        (error.field, error.message)
    }

    #[test]
    fn serde_texts_become_russian_naming_the_field_once() {
        assert_eq!(
            error(
                &["name"],
                "invalid type: integer `5`, expected a string",
                None
            ),
            (
                "name".into(),
                "ожидается строка не больше 200 символов, получено число 5".into()
            )
        );
        assert_eq!(
            error(&[], "missing field `bbox`", None),
            ("bbox".into(), "обязательное поле: ожидается строка".into())
        );
        assert_eq!(
            error(
                &[],
                "unknown field `colour`, expected one of `bbox`, `limit`",
                None
            ),
            (
                "colour".into(),
                "неизвестное поле; допустимые поля: bbox, limit, name, status".into()
            )
        );
        assert_eq!(
            error(
                &["status"],
                "unknown variant `free`, expected one of `available`, `booked`, `sold`",
                None
            ),
            (
                "status".into(),
                "недопустимое значение «free»: ожидается одно из значений: available, booked, sold"
                    .into()
            )
        );
        assert_eq!(
            error(&["limit"], "invalid digit found in string", Some("abc")),
            (
                "limit".into(),
                "ожидается целое число от 1 до 100, получено «abc»".into()
            )
        );
    }

    #[test]
    fn no_english_reaches_the_client() {
        for message in [
            "invalid type: map, expected a string",
            "invalid value: integer `70000`, expected i16",
            "premature end of input",
            "invalid length 3, expected fewer elements in array",
        ] {
            let (_, text) = error(&["name"], message, None);
            assert!(
                !text.contains("expected") && !text.contains("invalid"),
                "{text}"
            );
            assert!(text.starts_with("ожидается"), "{text}");
        }
        assert_eq!(
            syntax_reason("EOF while parsing a value"),
            "JSON обрывается: не хватает закрывающей скобки или кавычки"
        );
        assert_eq!(syntax_reason("something new"), "синтаксическая ошибка");
    }
}
