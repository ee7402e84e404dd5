use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};

/// Какая CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "amocrm")]
pub enum CrmKind {
    /// amoCRM (API v4)
    Amocrm,
    /// Битрикс24 (REST через входящий вебхук)
    Bitrix24,
}

impl CrmKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Amocrm => "amocrm",
            Self::Bitrix24 => "bitrix24",
        }
    }

    pub fn parse(text: &str) -> AppResult<Self> {
        match text {
            "amocrm" => Ok(Self::Amocrm),
            "bitrix24" => Ok(Self::Bitrix24),
            other => Err(AppError::Internal(format!("unknown crm_kind {other:?}"))),
        }
    }
}

/// Учётные данные CRM — только для записи: API их никогда не возвращает, в журнал они не попадают.
/// amoCRM: либо `long_lived_token` (долгосрочный токен частной интеграции), либо OAuth — `client_id`,
/// `client_secret`, `refresh_token`, `redirect_uri`. Битрикс24: `webhook_url` (входящий вебхук с правами crm и
/// user) и `application_token` (токен исходящего вебхука, им подписаны события Битрикс24).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsRequest {
    /// amoCRM: долгосрочный токен частной интеграции
    #[schema(max_length = 4096, example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9…")]
    pub long_lived_token: Option<String>,
    /// amoCRM OAuth: ID интеграции
    #[schema(max_length = 200, example = "5b8e3f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b")]
    pub client_id: Option<String>,
    /// amoCRM OAuth: секретный ключ интеграции
    #[schema(max_length = 500, example = "k9XU2…")]
    pub client_secret: Option<String>,
    /// amoCRM OAuth: refresh-токен (сервис обновляет его сам и хранит новый)
    #[schema(max_length = 4096, example = "def50200…")]
    pub refresh_token: Option<String>,
    /// amoCRM OAuth: redirect URI интеграции
    #[schema(
        max_length = 500,
        example = "https://nedvizhimost.example/oauth/amocrm"
    )]
    pub redirect_uri: Option<String>,
    /// Битрикс24: адрес входящего вебхука, https://<портал>/rest/<пользователь>/<секрет>/
    #[schema(
        max_length = 500,
        example = "https://example.bitrix24.ru/rest/1/abcd1234efgh5678/"
    )]
    pub webhook_url: Option<String>,
    /// Битрикс24: application_token исходящего вебхука (события ONCRMDEALUPDATE)
    #[schema(max_length = 200, example = "t0k3nFr0mB1tr1x24")]
    pub application_token: Option<String>,
}

/// Какой статус (этап) CRM соответствует шагу брони. amoCRM — id статуса воронки, Битрикс24 — STAGE_ID. Шаг без
/// соответствия в CRM не отправляется; входящее изменение в несопоставленный статус записывается и не угадывается.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusMap {
    /// Новая бронь
    #[schema(max_length = 64, example = "142")]
    pub created: Option<String>,
    /// Застройщик подтвердил
    #[schema(max_length = 64, example = "143")]
    pub confirmed: Option<String>,
    /// Бронь отменена
    #[schema(max_length = 64, example = "144")]
    pub cancelled: Option<String>,
    /// Бронь истекла
    #[schema(max_length = 64, example = "145")]
    pub expired: Option<String>,
    /// Квартира продана
    #[schema(max_length = 64, example = "146")]
    pub sold: Option<String>,
}

impl StatusMap {
    pub fn for_action(&self, action: &str) -> Option<&str> {
        match action {
            "created" => self.created.as_deref(),
            "confirmed" => self.confirmed.as_deref(),
            "cancelled" => self.cancelled.as_deref(),
            "expired" => self.expired.as_deref(),
            "sold" => self.sold.as_deref(),
            _ => None,
        }
    }

    /// The booking step a CRM status stands for; created/expired are not steps one takes from a CRM.
    pub fn step_for(&self, crm_status: &str) -> Option<crate::bookings::Step> {
        use crate::bookings::Step;
        [
            (self.confirmed.as_deref(), Step::Confirm),
            (self.cancelled.as_deref(), Step::Cancel),
            (self.sold.as_deref(), Step::Sell),
        ]
        .into_iter()
        .find(|(status, _)| *status == Some(crm_status))
        .map(|(_, step)| step)
    }
}

/// Подключение CRM: создать или заменить.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRequest {
    /// Какая CRM
    pub kind: CrmKind,
    /// amoCRM — поддомен аккаунта (example для example.amocrm.ru) или полный адрес; Битрикс24 — адрес портала
    #[schema(min_length = 1, max_length = 253, example = "example")]
    pub account: String,
    /// Учётные данные (только запись)
    pub credentials: CredentialsRequest,
    /// Соответствие шагов брони статусам CRM
    #[serde(default)]
    pub status_map: StatusMap,
    /// Воронка amoCRM (pipeline_id) или направление сделок Битрикс24 (CATEGORY_ID); пусто — основная
    #[schema(max_length = 64, example = "5012345")]
    pub pipeline_id: Option<String>,
    /// Отправлять события и принимать вебхуки (по умолчанию true)
    #[schema(example = true)]
    pub enabled: Option<bool>,
}

/// Подключение CRM без учётных данных.
#[derive(Debug, Serialize, ToSchema)]
pub struct Connection {
    /// Идентификатор подключения
    #[schema(example = 3)]
    pub id: i64,
    /// Компания-застройщик
    #[schema(example = 2)]
    pub developer_id: i64,
    /// Какая CRM
    pub kind: CrmKind,
    /// Аккаунт amoCRM или портал Битрикс24
    #[schema(example = "example")]
    pub account: String,
    /// Куда ходит сервис (без секретов)
    #[schema(example = "https://example.amocrm.ru")]
    pub api_base_url: String,
    /// Какие учётные данные сохранены (только имена полей, не значения)
    #[schema(example = json!(["long_lived_token"]))]
    pub credentials_saved: Vec<String>,
    /// Соответствие шагов брони статусам CRM
    pub status_map: StatusMap,
    /// Воронка (направление)
    #[schema(required = true, example = "5012345")]
    pub pipeline_id: Option<String>,
    /// Включено
    #[schema(example = true)]
    pub enabled: bool,
    /// Адрес для вебхука в CRM. Для amoCRM секрет в адресе показывается только в ответе на подключение (хранится
    /// только его хеш); в остальных ответах вместо него `…`
    #[schema(example = "https://api.nedvizhimost.example/integrations/amocrm/3/webhook?secret=…")]
    pub webhook_url: String,
    /// Когда последний раз проверяли подключение
    #[schema(required = true, example = "2026-12-03T07:00:00Z")]
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Итог последней проверки
    #[schema(
        required = true,
        example = "amoCRM отвечает: аккаунт «Пример» (id 30012345)"
    )]
    pub last_check_result: Option<String>,
    /// Когда подключено
    #[schema(example = "2026-12-01T10:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Когда изменено
    #[schema(example = "2026-12-01T10:00:00Z")]
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    pub fn from_row(
        row: &Row,
        credentials_saved: Vec<String>,
        webhook_url: String,
    ) -> AppResult<Self> {
        let status_map: Value = row.get("status_map");
        Ok(Self {
            id: row.get("id"),
            developer_id: row.get("developer_id"),
            kind: CrmKind::parse(row.get("kind"))?,
            account: row.get("account"),
            api_base_url: row.get("api_base_url"),
            credentials_saved,
            status_map: serde_json::from_value(status_map)
                .map_err(|error| AppError::Internal(error.to_string()))?,
            pipeline_id: row.get("pipeline_id"),
            enabled: row.get("enabled"),
            webhook_url,
            last_checked_at: row.get("last_checked_at"),
            last_check_result: row.get("last_check_result"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        })
    }
}

/// Итог проверки подключения.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionCheck {
    /// CRM ответила на безвредный запрос чтения
    #[schema(example = true)]
    pub ok: bool,
    /// Что ответила CRM, по-русски
    #[schema(example = "amoCRM отвечает: аккаунт «Пример» (id 30012345)")]
    pub message: String,
    /// Когда проверено
    #[schema(example = "2026-12-03T07:00:00Z")]
    pub checked_at: DateTime<Utc>,
}

/// Доставка события в CRM.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Идентификатор доставки
    #[schema(example = 901)]
    pub id: i64,
    /// Подключение CRM
    #[schema(example = 3)]
    pub connection_id: i64,
    /// Событие: lead.created или booking.created|confirmed|cancelled|expired|sold
    #[schema(example = "booking.created")]
    pub event_type: String,
    /// id заявки или брони
    #[schema(example = 77)]
    pub aggregate_id: i64,
    /// pending — ждёт (или повтора), delivered — доставлена, dead — отложена после CRM_MAX_ATTEMPTS неудач
    #[schema(example = "dead")]
    pub status: String,
    /// Попыток
    #[schema(example = 8)]
    pub attempts: i32,
    /// Следующая попытка не раньше
    #[schema(example = "2026-12-03T07:05:00Z")]
    pub next_attempt_at: DateTime<Utc>,
    /// Последняя ошибка по-русски
    #[schema(required = true, example = "CRM недоступна: HTTP 500")]
    pub last_error: Option<String>,
    /// id записи в CRM
    #[schema(required = true, example = "31500123")]
    pub crm_external_id: Option<String>,
    /// Когда событие попало в очередь
    #[schema(example = "2026-12-03T07:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Когда доставлено
    #[schema(required = true, example = json!(null))]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Delivery {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            connection_id: row.get("connection_id"),
            event_type: row.get("event_type"),
            aggregate_id: row.get("aggregate_id"),
            status: row.get("status"),
            attempts: row.get("attempts"),
            next_attempt_at: row.get("next_attempt_at"),
            last_error: row.get("last_error"),
            crm_external_id: row.get("crm_external_id"),
            created_at: row.get("created_at"),
            delivered_at: row.get("delivered_at"),
        }
    }
}

crate::pagination::page_of! {
    /// Страница доставок в CRM.
    DeliveryPage, Delivery,
    total = "Сколько доставок под фильтром",
    items = "Доставки, новые первыми"
}

/// Фильтр доставок.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    /// Только в этом состоянии: pending, delivered, dead
    #[param(example = "dead", pattern = "^(pending|delivered|dead)$")]
    pub status: Option<String>,
    /// Размер страницы: от 1 до 200, по умолчанию 50
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// Входящий вебхук CRM, как он сохранён.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxEntry {
    /// Идентификатор
    #[schema(example = 5001)]
    pub id: i64,
    /// Источник: amocrm, bitrix24 или bitrix24_reconcile (сверка изменённых сделок)
    #[schema(example = "amocrm")]
    pub source: String,
    /// Подключение
    #[schema(required = true, example = 3)]
    pub connection_id: Option<i64>,
    /// Состояние: received — ждёт обработки, processed — обработан, ignored — ничего не меняет, rejected —
    /// отвергнут как подделка, failed — обработка не удалась (можно переобработать)
    #[schema(example = "processed")]
    pub status: String,
    /// Тело запроса: поля формы как есть (имя поля → значение)
    #[schema(value_type = std::collections::BTreeMap<String, String>,
        example = json!({"leads[status][0][id]": "31500123", "leads[status][0][status_id]": "143"}))]
    pub payload: Value,
    /// Важные заголовки (имя → значение)
    #[schema(value_type = std::collections::BTreeMap<String, String>,
        example = json!({"content-type": "application/x-www-form-urlencoded"}))]
    pub headers: Value,
    /// Когда получен
    #[schema(example = "2026-12-03T07:00:00Z")]
    pub received_at: DateTime<Utc>,
    /// Когда обработан
    #[schema(required = true, example = "2026-12-03T07:00:01Z")]
    pub processed_at: Option<DateTime<Utc>>,
    /// Сколько раз обрабатывали
    #[schema(example = 1)]
    pub attempts: i32,
    /// Что сделала обработка
    #[schema(
        required = true,
        example = "бронь №77 подтверждена (статус amoCRM 143)"
    )]
    pub outcome: Option<String>,
    /// Ошибка обработки
    #[schema(required = true, example = json!(null))]
    pub error: Option<String>,
}

impl InboxEntry {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            source: row.get("source"),
            connection_id: row.get("connection_id"),
            status: row.get("status"),
            payload: row.get("payload"),
            headers: row.get("headers"),
            received_at: row.get("received_at"),
            processed_at: row.get("processed_at"),
            attempts: row.get("attempts"),
            outcome: row.get("outcome"),
            error: row.get("error"),
        }
    }
}

crate::pagination::page_of! {
    /// Страница входящих вебхуков.
    InboxPage, InboxEntry,
    total = "Сколько вебхуков под фильтром",
    items = "Вебхуки, новые первыми"
}

/// Фильтр входящих вебхуков.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxListQuery {
    /// Только в этом состоянии: received, processed, ignored, rejected, failed
    #[param(
        example = "failed",
        pattern = "^(received|processed|ignored|rejected|failed)$"
    )]
    pub status: Option<String>,
    /// Только этого подключения
    #[param(example = 3)]
    pub connection_id: Option<i64>,
    /// Размер страницы: от 1 до 200, по умолчанию 50
    #[param(example = 50, minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Сколько записей пропустить: от 0 до 10000
    #[param(example = 0, minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// Ответ CRM на вебхук.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAccepted {
    /// Вебхук сохранён и будет обработан
    #[schema(example = 5001)]
    pub inbox_id: i64,
}
