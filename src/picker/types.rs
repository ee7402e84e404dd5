//! Requests and answers of `/picker/conversations`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::filters::PickerFilters;
use crate::apartments::ApartmentCard;

/// Longest message text, characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Начать разговор. С access-токеном покупателя тело может быть пустым объектом; без токена нужен `visitor_id`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartConversation {
    /// Анонимный идентификатор посетителя от фронтенда (1–128 символов); обязателен без access-токена
    #[schema(min_length = 1, max_length = 128, example = "v-3f9c2a7e")]
    pub visitor_id: Option<String>,
}

/// Сообщение покупателя.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickerMessageRequest {
    /// Что покупатель написал, 1–1000 символов
    #[schema(
        min_length = 1,
        max_length = 1000,
        example = "Ищу двушку в Казани до 12 млн, не первый этаж"
    )]
    pub text: String,
    /// Анонимный идентификатор посетителя — тот же, что при создании разговора; без access-токена обязателен
    #[schema(min_length = 1, max_length = 128, example = "v-3f9c2a7e")]
    pub visitor_id: Option<String>,
}

/// Владелец разговора для чтения без access-токена.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OwnerQuery {
    /// Анонимный идентификатор посетителя, создавшего разговор; без access-токена обязателен
    #[param(min_length = 1, max_length = 128, example = "v-3f9c2a7e")]
    pub visitor_id: Option<String>,
}

/// Понятый фильтр: какое поле `filters` изменилось, на что и из каких слов.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Understood {
    /// Поле `filters` (имя параметра `GET /apartments`)
    #[schema(example = "price_max")]
    pub slot: String,
    /// Новое значение; `null` — фильтр снят («не Москва», «без акций»)
    #[schema(value_type = crate::openapi::FilterValue)]
    pub value: serde_json::Value,
    /// Слова сообщения, из которых это понято
    #[schema(example = "до 12 млн")]
    pub words: String,
}

/// Подобранная квартира с объяснением.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickerMatch {
    /// Карточка квартиры, как в `GET /apartments`
    pub apartment: ApartmentCard,
    /// Итоговая оценка 0–1: 0,6·соответствие + 0,2·спрос + 0,2·выгодность
    #[schema(example = 0.82)]
    pub score: f64,
    /// Соответствие условиям 0–1 (1 — все условия выполнены, меньше — мягкие условия нарушены)
    #[schema(example = 1.0)]
    pub fit: f64,
    /// Спрос 0–1: популярность за 24 ч относительно самых популярных из подобранных
    #[schema(example = 0.4)]
    pub demand: f64,
    /// Выгодность 0–1: цена за м² против медианы ЖК для той же комнатности (0,5 — на уровне медианы)
    #[schema(example = 0.7)]
    pub value: f64,
    /// Чем подходит, по-русски
    #[schema(example = json!(["в бюджете: 11,6 млн ₽ при потолке 12 млн ₽", "кухня 14 м²"]))]
    pub reasons: Vec<String>,
    /// Где не дотягивает
    #[schema(example = json!(["на 300 тыс. ₽ дороже бюджета"]))]
    pub shortfalls: Vec<String>,
}

/// Ответ подборщика на сообщение.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickerReply {
    /// Сообщение
    #[schema(example = 501)]
    pub message_id: i64,
    /// Когда получено
    #[schema(example = "2026-12-03T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Текст покупателя
    #[schema(example = "Ищу двушку в Казани до 12 млн")]
    pub text: String,
    /// Что понято из этого сообщения
    pub understood: Vec<Understood>,
    /// Фильтры разговора целиком после этого сообщения
    pub filters: PickerFilters,
    /// Уточняющий вопрос, когда не хватает города, комнатности или бюджета либо ничего не нашлось
    #[schema(required = true, example = "Какой бюджет: до скольки миллионов?")]
    pub question: Option<String>,
    /// Фразы, которые подборщик видел, но не превратил в фильтры
    #[schema(example = json!(["с ипотекой платёж до 60 тысяч"]))]
    pub not_understood: Vec<String>,
    /// Сколько квартир подходит с учётом мягких допусков (бюджет +5 %, площадь −10 %); счёт останавливается на 1000
    /// (1000 — «1000 или больше»); 0, пока не назван город или регион: по всей стране подборщик не ищет, а
    /// спрашивает город
    #[schema(example = 37, minimum = 0, maximum = 1000)]
    pub total: i64,
    /// До 10 лучших квартир по оценке
    pub matches: Vec<PickerMatch>,
    /// Кто понял сообщение: `rules` — встроенный разбор, `llm` — модель `PICKER_LLM_URL`
    #[schema(example = "rules")]
    pub engine: String,
}

/// Разговор и его история.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conversation {
    /// Идентификатор разговора
    #[schema(example = 42)]
    pub id: i64,
    /// Начат
    #[schema(example = "2026-12-03T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Когда будет удалён вместе с сообщениями (последнее сообщение + PICKER_CONVERSATION_TTL_DAYS)
    #[schema(example = "2026-12-10T09:00:00Z")]
    pub expires_at: DateTime<Utc>,
    /// Текущие фильтры разговора
    pub filters: PickerFilters,
    /// Сообщения и ответы по порядку
    #[schema(value_type = Vec<PickerReply>)]
    pub messages: Vec<serde_json::Value>,
}
