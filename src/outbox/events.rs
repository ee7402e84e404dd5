//! The bodies of the events the outbox publishes, as the SQL in `sql/outbox/` builds them. They are the schemas of
//! the AsyncAPI document (`/asyncapi.json`), and the tests read real outbox rows through them, so a field the SQL
//! adds or renames without changing these types fails a test.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Одна запись потока Redis (`XADD <префикс>:<тема> … * event_id … type … payload …`): поля записи — строки.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    /// Идентификатор события: один и тот же при повторной доставке — по нему потребитель убирает дубли
    #[schema(example = "918273")]
    pub event_id: String,
    /// Тип события
    #[schema(example = "price.changed")]
    pub r#type: String,
    /// id квартиры, брони или ЖК, о котором событие
    #[schema(example = "1042")]
    pub aggregate_id: String,
    /// Время транзакции, записавшей событие (RFC 3339, UTC)
    #[schema(example = "2026-12-03T07:01:00.123456Z")]
    pub recorded_at: String,
    /// Тело события — JSON-объект строкой; его схема зависит от type (PriceChanged, BookingChanged,
    /// ApartmentChanged, ProjectChanged, LeadCreated)
    #[schema(
        example = r#"{"apartment_id":1042,"project_id":7,"old_price":"8900000.00","new_price":"9167000.00","reason":"dynamic","pricing_run_id":5120,"changed_at":"2026-12-03T07:01:00+00:00","explanation":"Цена повышена на 3,0 %: спрос выше медианы кластера"}"#
    )]
    pub payload: String,
}

/// `price.changed` (поток `<префикс>:price`): цена квартиры изменилась — проходом ценообразования, застройщиком
/// вручную, выгрузкой цен или откатом прохода.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceChanged {
    /// Квартира
    #[schema(example = 1042)]
    pub apartment_id: i64,
    /// ЖК квартиры
    #[schema(example = 7)]
    pub project_id: i64,
    /// Цена до изменения, рубли с копейками строкой
    #[schema(example = "8900000.00")]
    pub old_price: String,
    /// Новая цена (current_price), рубли с копейками строкой
    #[schema(example = "9167000.00")]
    pub new_price: String,
    /// Причина: dynamic — проход ценообразования, manual — застройщик или откат прохода, promo — акция
    #[schema(example = "dynamic")]
    pub reason: String,
    /// Проход ценообразования (для reason = dynamic)
    #[schema(required = true, example = 5120)]
    pub pricing_run_id: Option<i64>,
    /// Момент изменения
    #[schema(example = "2026-12-03T07:01:00Z")]
    pub changed_at: DateTime<Utc>,
    /// Объяснение по-русски, как в истории цен
    #[schema(
        required = true,
        example = "Цена повышена на 3,0 %: спрос выше медианы кластера"
    )]
    pub explanation: Option<String>,
}

/// `booking.created|confirmed|cancelled|expired|sold` (поток `<префикс>:booking`): шаг жизни брони.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingChanged {
    /// Бронь
    #[schema(example = 311)]
    pub booking_id: i64,
    /// Квартира
    #[schema(example = 1042)]
    pub apartment_id: i64,
    /// ЖК квартиры
    #[schema(example = 7)]
    pub project_id: i64,
    /// Компания-застройщик ЖК
    #[schema(example = 2)]
    pub developer_id: i64,
    /// Покупатель (id аккаунта; личных данных в событии нет)
    #[schema(example = 58)]
    pub buyer_id: i64,
    /// Шаг: created, confirmed, cancelled, expired, sold
    #[schema(example = "created")]
    pub action: String,
    /// Статус брони после фиксации транзакции шага: pending, confirmed, cancelled, expired, sold
    #[schema(example = "pending")]
    pub status: String,
    /// Цена квартиры в брони, рубли с копейками строкой
    #[schema(example = "9167000.00")]
    pub price: String,
    /// До какого момента держится неподтверждённая бронь
    #[schema(example = "2026-12-05T07:01:00Z")]
    pub expires_at: DateTime<Utc>,
    /// Когда случился шаг
    #[schema(example = "2026-12-03T07:01:00Z")]
    pub occurred_at: DateTime<Utc>,
}

/// `apartment.published|unpublished|updated` (поток `<префикс>:catalog`): квартира появилась в каталоге, исчезла
/// из него или изменилась (поля, базовая цена, статус продажи). Изменение current_price — событие price.changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApartmentChanged {
    /// Квартира
    #[schema(example = 1042)]
    pub apartment_id: i64,
    /// ЖК
    #[schema(example = 7)]
    pub project_id: i64,
    /// Корпус
    #[schema(example = 15)]
    pub building_id: i64,
    /// Номер квартиры у застройщика
    #[schema(example = "К1-512")]
    pub code: String,
    /// Статус продажи: available, booked, sold
    #[schema(example = "available")]
    pub status: String,
    /// Статус модерации: published — видна покупателям
    #[schema(example = "published")]
    pub moderation_status: String,
    /// Текущая цена, рубли с копейками строкой
    #[schema(example = "9167000.00")]
    pub current_price: String,
    /// Изменившиеся поля (для updated), по алфавиту; пусто для published/unpublished при вставке
    #[schema(example = json!(["area_total", "floor"]))]
    pub changed: Vec<String>,
}

/// `project.published|unpublished|updated` (поток `<префикс>:catalog`): ЖК появился в каталоге, исчез или изменился.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChanged {
    /// ЖК
    #[schema(example = 7)]
    pub project_id: i64,
    /// Застройщик
    #[schema(example = 2)]
    pub developer_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Город
    #[schema(example = "Казань")]
    pub city: String,
    /// Код региона (ISO 3166-2)
    #[schema(example = "RU-TA")]
    pub region_code: String,
    /// Статус модерации: published — виден покупателям
    #[schema(example = "published")]
    pub moderation_status: String,
    /// Изменившиеся поля (для updated), по алфавиту
    #[schema(example = json!(["description"]))]
    pub changed: Vec<String>,
}

/// `lead.created` (поток `<префикс>:lead`): покупатель оставил заявку на обратный звонок. Имени и телефона в событии
/// нет: их видит застройщик в кабинете и получает его CRM.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadCreated {
    /// Заявка
    #[schema(example = 5120)]
    pub lead_id: i64,
    /// Квартира
    #[schema(example = 1042)]
    pub apartment_id: i64,
    /// ЖК квартиры
    #[schema(example = 7)]
    pub project_id: i64,
    /// Компания-застройщик ЖК
    #[schema(example = 2)]
    pub developer_id: i64,
    /// Когда оставлена заявка
    #[schema(example = "2026-12-03T07:01:00Z")]
    pub created_at: DateTime<Utc>,
}
