//! The AsyncAPI 3 document of the event streams (`GET /asyncapi.json`): channels are the Redis streams, messages
//! are the event types, and the bodies' schemas (with their Russian descriptions and examples) come from the same
//! types in `events.rs` that the tests read real outbox rows through.

use axum::extract::State;
use serde_json::{json, Map, Value};
use utoipa::PartialSchema;

use super::events::{
    ApartmentChanged, BookingChanged, LeadCreated, PriceChanged, ProjectChanged, StreamEntry,
};
use super::relay::stream_name;
use crate::extract::Json;
use crate::state::AppState;

/// Every event type: (type, topic, body schema name, summary).
pub const EVENT_TYPES: [(&str, &str, &str, &str); 13] = [
    (
        "price.changed",
        "price",
        "PriceChanged",
        "Цена квартиры изменилась",
    ),
    (
        "booking.created",
        "booking",
        "BookingChanged",
        "Квартира забронирована",
    ),
    (
        "booking.confirmed",
        "booking",
        "BookingChanged",
        "Застройщик подтвердил бронь",
    ),
    (
        "booking.cancelled",
        "booking",
        "BookingChanged",
        "Бронь отменена",
    ),
    (
        "booking.expired",
        "booking",
        "BookingChanged",
        "Неподтверждённая бронь истекла, квартира снова в продаже",
    ),
    (
        "booking.sold",
        "booking",
        "BookingChanged",
        "Квартира по брони продана",
    ),
    (
        "apartment.published",
        "catalog",
        "ApartmentChanged",
        "Квартира опубликована и видна покупателям",
    ),
    (
        "apartment.unpublished",
        "catalog",
        "ApartmentChanged",
        "Квартира снята с публикации",
    ),
    (
        "apartment.updated",
        "catalog",
        "ApartmentChanged",
        "Опубликованная квартира изменилась",
    ),
    (
        "project.published",
        "catalog",
        "ProjectChanged",
        "ЖК опубликован и виден покупателям",
    ),
    (
        "project.unpublished",
        "catalog",
        "ProjectChanged",
        "ЖК снят с публикации",
    ),
    (
        "project.updated",
        "catalog",
        "ProjectChanged",
        "Опубликованный ЖК изменился",
    ),
    (
        "lead.created",
        "lead",
        "LeadCreated",
        "Покупатель оставил заявку на обратный звонок",
    ),
];

const TOPICS: [(&str, &str); 4] = [
    ("price", "Цены квартир: каждое изменение current_price (проход ценообразования раз в минуту — одной пачкой)"),
    ("booking", "Брони: каждый шаг жизни брони"),
    ("catalog", "Каталог: публикация, снятие и изменения квартир и ЖК"),
    ("lead", "Заявки на обратный звонок (без имени и телефона)"),
];

/// AsyncAPI 3 документ потоков событий
pub async fn asyncapi_document(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state.event_streams_prefix))
}

pub fn document(prefix: &str) -> Value {
    let schemas = json!({
        "StreamEntry": schema_of::<StreamEntry>(),
        "PriceChanged": schema_of::<PriceChanged>(),
        "BookingChanged": schema_of::<BookingChanged>(),
        "ApartmentChanged": schema_of::<ApartmentChanged>(),
        "ProjectChanged": schema_of::<ProjectChanged>(),
        "LeadCreated": schema_of::<LeadCreated>(),
    });
    let mut channels = Map::new();
    let mut operations = Map::new();
    for (topic, description) in TOPICS {
        let messages: Map<String, Value> = EVENT_TYPES
            .iter()
            .filter(|(_, event_topic, _, _)| *event_topic == topic)
            .map(|(event_type, ..)| {
                let name = message_name(event_type);
                (
                    name.clone(),
                    json!({ "$ref": format!("#/components/messages/{name}") }),
                )
            })
            .collect();
        let message_refs: Vec<Value> = messages
            .keys()
            .map(|name| json!({ "$ref": format!("#/channels/{topic}/messages/{name}") }))
            .collect();
        channels.insert(
            topic.into(),
            json!({
                "address": stream_name(prefix, topic),
                "title": format!("Поток {}", stream_name(prefix, topic)),
                "description": description,
                "messages": messages,
            }),
        );
        operations.insert(
            format!("receive_{topic}"),
            json!({
                "action": "receive",
                "channel": { "$ref": format!("#/channels/{topic}") },
                "summary": format!("Читать {} группой потребителей (XREADGROUP), подтверждать XACK", stream_name(prefix, topic)),
                "messages": message_refs,
            }),
        );
    }
    let messages: Map<String, Value> = EVENT_TYPES
        .iter()
        .map(|(event_type, _, body, summary)| {
            (
                message_name(event_type),
                message(event_type, body, summary, &schemas),
            )
        })
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "Недвижимость 4.0: события для фронтенда",
            "version": "1.0.0",
            "description": "Изменения цен, броней и каталога, опубликованные в Redis Streams из транзакционного \
                outbox: событие записывается в той же транзакции, что и изменение, и публикуется хотя бы один раз. \
                Повторная доставка возможна — убирайте дубли по event_id. Порядок в потоке — порядок event_id; \
                события одной квартиры, брони или ЖК идут в порядке фиксации их транзакций.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "redis": {
                "host": "redis:6379",
                "protocol": "redis",
                "description": "Redis из docker compose (REDIS_URL сервиса); номер базы — из REDIS_URL",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": { "messages": messages, "schemas": schemas },
    })
}

fn message_name(event_type: &str) -> String {
    event_type.replace('.', "_")
}

fn message(event_type: &str, body: &str, summary: &str, schemas: &Value) -> Value {
    let body_example = example_of(&schemas[body]);
    let aggregate_id = body_example
        .as_object()
        .and_then(|fields| fields.values().next())
        .map(|value| value.to_string())
        .unwrap_or_default();
    json!({
        "name": event_type,
        "title": event_type,
        "summary": summary,
        "description": format!(
            "Запись потока: поля event_id, type = {event_type}, aggregate_id, recorded_at и payload — JSON-объект \
             строкой по схеме {body}"
        ),
        "payload": {
            "type": "object",
            "required": ["event_id", "type", "aggregate_id", "recorded_at", "payload"],
            "additionalProperties": false,
            "properties": {
                "event_id": schemas["StreamEntry"]["properties"]["event_id"],
                "type": { "type": "string", "const": event_type, "description": "Тип события" },
                "aggregate_id": schemas["StreamEntry"]["properties"]["aggregate_id"],
                "recorded_at": schemas["StreamEntry"]["properties"]["recorded_at"],
                "payload": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "description": format!("Тело события, JSON строкой: схема #/components/schemas/{body}"),
                    "x-content-schema": { "$ref": format!("#/components/schemas/{body}") },
                },
            },
        },
        "examples": [{
            "name": message_name(event_type),
            "summary": summary,
            "payload": {
                "event_id": "918273",
                "type": event_type,
                "aggregate_id": aggregate_id,
                "recorded_at": "2026-12-03T07:01:00.123456Z",
                "payload": body_example.to_string(),
            },
        }],
    })
}

fn schema_of<T: PartialSchema>() -> Value {
    serde_json::to_value(T::schema()).expect("a utoipa schema serializes to JSON")
}

/// The example object of a schema, made of its properties' examples.
fn example_of(schema: &Value) -> Value {
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    Value::Object(
        properties
            .into_iter()
            .map(|(name, property)| {
                let example = property
                    .get("examples")
                    .and_then(|examples| examples.get(0))
                    .or_else(|| property.get("example"))
                    .cloned()
                    .unwrap_or(Value::Null);
                (name, example)
            })
            .collect(),
    )
}
