//! The optional language-model path: an OpenAI-compatible chat-completions endpoint (`PICKER_LLM_URL`) is asked
//! to fill the same filter slots; its answer goes through the same checks as the parser's (known slots, typed
//! values, the catalog's validation). On a timeout (`PICKER_LLM_TIMEOUT_MS`), an error or an invalid answer the
//! caller falls back to the built-in parser. Nothing of the buyer's text is logged.

use serde_json::{json, Map, Value};

use super::filters::{PickerFilters, SLOTS};
use super::parser::{self, Change, Parsed};
use crate::config::LlmSettings;

/// The instruction sent with every message.
fn system_prompt(cities: &[&str], today: chrono::NaiveDate) -> String {
    format!(
        "Ты разбираешь сообщение покупателя квартиры в фильтры каталога. Сегодня {today}. Города каталога: {}. \
         Ответь одним JSON-объектом: {{\"reset\": bool, \"changes\": {{слот: значение}}, \"words\": {{слот: \
         слова сообщения}}}}. В changes — только то, что меняет это сообщение; null снимает фильтр. Слоты: \
         city (строка, как в списке городов), region (ISO 3166-2), rooms (массив чисел, 0 — студия), class \
         (массив из econom, comfort, business, premium), price_min, price_max, price_m2_min, price_m2_max \
         (рубли, целые), area_min, area_max, kitchen_area_min (м²), floor_min, floor_max (целые), \
         not_last_floor, balcony, with_promotion (bool), commissioning_from, commissioning_to (ГГГГ-ММ-ДД), \
         sort (price, -price, price_per_m2, -area, commissioning, popularity).",
        cities.join(", ")
    )
}

/// Why the model's answer was not used (for the log, without the text).
#[derive(Debug)]
pub enum LlmFailure {
    Timeout,
    Transport(String),
    Status(u16),
    Invalid(&'static str),
}

/// The model's understanding of `text` against `current`, checked; `Err` — use the parser.
pub async fn understand(
    http: &reqwest::Client,
    settings: &LlmSettings,
    text: &str,
    current: &PickerFilters,
    cities: &[&str],
    today: chrono::NaiveDate,
) -> Result<Parsed, LlmFailure> {
    let body = json!({
        "model": settings.model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": system_prompt(cities, today)},
            {"role": "user", "content": json!({"current_filters": current, "message": text}).to_string()},
        ],
    });
    let answer = tokio::time::timeout(settings.timeout, post(http, settings, &body))
        .await
        .map_err(|_| LlmFailure::Timeout)??;
    let content = answer["choices"][0]["message"]["content"]
        .as_str()
        .ok_or(LlmFailure::Invalid("нет choices[0].message.content"))?;
    let reply: Value =
        serde_json::from_str(content).map_err(|_| LlmFailure::Invalid("content — не JSON"))?;
    checked(&reply, current, text)
}

async fn post(
    http: &reqwest::Client,
    settings: &LlmSettings,
    body: &Value,
) -> Result<Value, LlmFailure> {
    let mut request = http.post(&settings.url).json(body);
    if let Some(key) = &settings.key {
        request = request.bearer_auth(key.expose());
    }
    let response = request.send().await.map_err(|error| {
        if error.is_timeout() {
            LlmFailure::Timeout
        } else {
            LlmFailure::Transport(error.without_url().to_string())
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(LlmFailure::Status(status.as_u16()));
    }
    response
        .json()
        .await
        .map_err(|_| LlmFailure::Invalid("ответ — не JSON"))
}

/// The model's `{"reset", "changes", "words"}` as changes, if every slot is known, every value has its slot's
/// type and the resulting state passes the catalog's validation.
pub fn checked(reply: &Value, current: &PickerFilters, text: &str) -> Result<Parsed, LlmFailure> {
    let object = reply.as_object().ok_or(LlmFailure::Invalid("не объект"))?;
    let reset = object
        .get("reset")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let empty = Map::new();
    let changes = match object.get("changes") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(changes)) => changes,
        Some(_) => return Err(LlmFailure::Invalid("changes — не объект")),
    };
    let words = object.get("words").and_then(Value::as_object);
    let mut parsed = Parsed {
        reset,
        ..Parsed::default()
    };
    for (slot, value) in changes {
        let Some(slot) = SLOTS.iter().copied().find(|known| known == slot) else {
            return Err(LlmFailure::Invalid("неизвестный слот"));
        };
        let words = words
            .and_then(|words| words.get(slot))
            .and_then(Value::as_str)
            .filter(|words| !words.is_empty() && text.contains(words))
            .unwrap_or(text)
            .to_owned();
        parsed.changes.push(Change {
            slot,
            value: value.clone(),
            words,
        });
    }
    // Typed: the whole state must deserialize, and pass GET /apartments's validation.
    let mut map = if reset {
        PickerFilters::default().to_map()
    } else {
        current.to_map()
    };
    for change in &parsed.changes {
        map.insert(change.slot.to_owned(), change.value.clone());
    }
    let typed: PickerFilters = serde_json::from_value(Value::Object(map))
        .map_err(|_| LlmFailure::Invalid("значение не того типа"))?;
    if typed.catalog_filters().is_err()
        || parser::apply(current, &parsed).catalog_filters().is_err()
    {
        return Err(LlmFailure::Invalid("фильтры не проходят проверку каталога"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_slot_by_slot() {
        let current = PickerFilters::default();
        let good =
            json!({"changes": {"city": "Казань", "rooms": [2]}, "words": {"city": "в Казани"}});
        let parsed = checked(&good, &current, "двушку в Казани").unwrap();
        assert_eq!(parsed.changes.len(), 2);
        assert_eq!(parsed.changes[0].words, "в Казани");
        assert_eq!(parsed.changes[1].words, "двушку в Казани");
        for bad in [
            json!([1, 2]),
            json!({"changes": {"colour": "red"}}),
            json!({"changes": {"rooms": "две"}}),
            json!({"changes": {"floor_min": 500}}),
            json!({"changes": {"price_min": 10, "price_max": 5}}),
        ] {
            assert!(checked(&bad, &current, "текст").is_err(), "{bad}");
        }
    }
}
