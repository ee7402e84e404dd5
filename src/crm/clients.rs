//! The two CRMs over HTTP, from their documented wire formats: amoCRM API v4 (`/api/v4/account`,
//! `/api/v4/leads`, `/api/v4/leads/complex`, `PATCH /api/v4/leads/{id}`, OAuth `/oauth2/access_token`) and Bitrix24
//! REST through an inbound webhook (`<webhook>/<method>.json`: `profile`, `crm.lead.add|list`,
//! `crm.deal.add|list|get|update`, and `batch` — up to 50 of those in one request). Every request waits for its
//! connection's rate limiter first and holds its slot until the answer is in. Errors are Russian and never carry a
//! credential (reqwest errors are stripped of their URL: a Bitrix24 webhook URL is a secret).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::limiter::RateLimiter;

/// The credentials of one connection, as sealed in `crm_connections.credentials_ciphertext`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_lived_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_token: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CrmError {
    #[error("CRM просит снизить частоту запросов (HTTP {status})")]
    RateLimited { status: u16 },
    #[error(
        "CRM не приняла учётные данные (HTTP {status}): проверьте токен или вебхук подключения"
    )]
    Unauthorized { status: u16 },
    #[error("CRM отклонила запрос (HTTP {status}): {detail}")]
    Rejected { status: u16, detail: String },
    #[error("CRM недоступна: {0}")]
    Unavailable(String),
    #[error("неожиданный ответ CRM: {0}")]
    Unexpected(String),
    #[error("{0}")]
    Setup(String),
}

/// What the service creates in a CRM: a lead (call-back request) or a deal (booking).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RecordKind {
    Lead,
    Deal,
}

/// A record to create, with our external key (`lead-12`, `booking-77`) to find it again after a crash.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub kind: RecordKind,
    pub external_key: String,
    pub title: String,
    pub price: Option<String>,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub comment: Option<String>,
    /// The CRM status/stage for a new record, from the connection's status map.
    pub status: Option<String>,
    pub pipeline: Option<String>,
}

/// What a delivery asks of a CRM.
#[derive(Debug, Clone)]
pub enum Operation {
    /// The record made earlier for our key, if any (a retry looks before creating).
    Find {
        kind: RecordKind,
        external_key: String,
    },
    Create(NewRecord),
    /// Moves a deal to a status/stage of the status map.
    SetStatus {
        external_id: String,
        status: String,
        pipeline: Option<String>,
    },
}

/// What an operation ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    Found(Option<String>),
    Created(String),
    StatusSet,
}

/// Bitrix24 runs at most this many commands in one `batch`.
pub const BITRIX_BATCH_LIMIT: usize = 50;

/// One connection's HTTP client.
pub struct CrmClient {
    http: reqwest::Client,
    kind: super::CrmKind,
    api_base_url: String,
    pub credentials: StoredCredentials,
    /// The credentials changed (an amoCRM OAuth refresh) and must be sealed and saved again.
    pub credentials_changed: bool,
    limiter: RateLimiter,
}

/// Marks our records in Bitrix24 (`ORIGINATOR_ID`), with `ORIGIN_ID` = the external key.
pub const BITRIX_ORIGINATOR: &str = "nedvizhimost";

impl CrmClient {
    pub fn new(
        http: reqwest::Client,
        kind: super::CrmKind,
        api_base_url: String,
        credentials: StoredCredentials,
        limiter: RateLimiter,
    ) -> Self {
        Self {
            http,
            kind,
            api_base_url: api_base_url.trim_end_matches('/').to_owned(),
            credentials,
            credentials_changed: false,
            limiter,
        }
    }

    /// One harmless read: the amoCRM account or the Bitrix24 profile of the webhook's user. (account id, text)
    pub async fn check(&mut self) -> Result<(Option<i64>, String), CrmError> {
        match self.kind {
            super::CrmKind::Amocrm => {
                let account = self.amo(Method::GET, "/api/v4/account", None).await?;
                let id = account["id"].as_i64();
                Ok((
                    id,
                    format!(
                        "amoCRM отвечает: аккаунт «{}» (id {})",
                        account["name"].as_str().unwrap_or("без названия"),
                        id.map_or("?".into(), |id| id.to_string())
                    ),
                ))
            }
            super::CrmKind::Bitrix24 => {
                let profile = self.bitrix("profile", json!({})).await?;
                Ok((
                    None,
                    format!(
                        "Битрикс24 отвечает: вебхук пользователя {} {} (id {})",
                        profile["NAME"].as_str().unwrap_or(""),
                        profile["LAST_NAME"].as_str().unwrap_or(""),
                        profile["ID"]
                    ),
                ))
            }
        }
    }

    /// One operation, one request.
    pub async fn run(&mut self, operation: &Operation) -> Result<Done, CrmError> {
        match self.kind {
            super::CrmKind::Amocrm => self.amo_run(operation).await,
            super::CrmKind::Bitrix24 => {
                let (method, params) = bitrix_call(operation);
                let result = self.bitrix(method, params).await?;
                bitrix_done(operation, result)
            }
        }
    }

    /// Whether an operation may travel inside a Bitrix24 `batch`: Bitrix24 substitutes `$result[…]` in a command's
    /// parameters with earlier commands' answers, so a value that contains it (a buyer's comment) goes alone.
    pub fn batchable(&self, operation: &Operation) -> bool {
        self.kind == super::CrmKind::Bitrix24
            && !query_pairs(&bitrix_call(operation).1)
                .iter()
                .any(|(_, value)| value.contains("$result"))
    }

    /// Up to 50 Bitrix24 operations in one `batch` request (one request against the limit). `Err` when the whole
    /// request failed (transport, 503 `QUERY_LIMIT_EXCEEDED`, credentials); otherwise each operation's own result —
    /// a command Bitrix24 refused comes back as its error, the others as done.
    /// Commands are named by the caller (`d901` for delivery 901), names unique within the batch.
    pub async fn run_batch(
        &mut self,
        operations: &[(String, Operation)],
    ) -> Result<Vec<Result<Done, CrmError>>, CrmError> {
        if operations.len() > BITRIX_BATCH_LIMIT {
            return Err(CrmError::Setup(format!(
                "в пакете Битрикс24 не больше {BITRIX_BATCH_LIMIT} команд"
            )));
        }
        let commands: serde_json::Map<String, Value> = operations
            .iter()
            .map(|(name, operation)| {
                let (method, params) = bitrix_call(operation);
                (name.clone(), json!(bitrix_command(method, &params)))
            })
            .collect();
        let answer = self
            .bitrix("batch", json!({"halt": 0, "cmd": commands}))
            .await?;
        Ok(operations
            .iter()
            .map(|(name, operation)| {
                if let Some(error) = answer["result_error"].get(name) {
                    Err(bitrix_error(
                        error["error"].as_str().unwrap_or("ERROR"),
                        error["error_description"].as_str().unwrap_or(""),
                        200,
                    ))
                } else if let Some(result) = answer["result"].get(name) {
                    bitrix_done(operation, result.clone())
                } else {
                    Err(CrmError::Unexpected(format!(
                        "в ответе batch нет команды {name}"
                    )))
                }
            })
            .collect())
    }

    async fn amo_run(&mut self, operation: &Operation) -> Result<Done, CrmError> {
        match operation {
            Operation::Find { external_key, .. } => {
                let path = format!("/api/v4/leads?query={external_key}");
                let found = self.amo(Method::GET, &path, None).await?;
                Ok(Done::Found(
                    found["_embedded"]["leads"]
                        .as_array()
                        .and_then(|leads| {
                            leads.iter().find(|lead| {
                                lead["name"]
                                    .as_str()
                                    .is_some_and(|name| name.contains(&format!("[{external_key}]")))
                            })
                        })
                        .and_then(|lead| lead["id"].as_i64())
                        .map(|id| id.to_string()),
                ))
            }
            Operation::Create(record) => {
                let created = self
                    .amo(
                        Method::POST,
                        "/api/v4/leads/complex",
                        Some(json!([amo_lead(record)])),
                    )
                    .await?;
                created[0]["id"]
                    .as_i64()
                    .map(|id| Done::Created(id.to_string()))
                    .ok_or_else(|| {
                        CrmError::Unexpected(format!("нет id сделки в ответе {created}"))
                    })
            }
            Operation::SetStatus {
                external_id,
                status,
                pipeline,
            } => {
                let status: i64 = status
                    .parse()
                    .map_err(|_| CrmError::Setup(format!("статус amoCRM «{status}» — не число")))?;
                let mut body = json!({"status_id": status});
                if let Some(pipeline) = pipeline
                    .as_deref()
                    .and_then(|pipeline| pipeline.parse::<i64>().ok())
                {
                    body["pipeline_id"] = json!(pipeline);
                }
                self.amo(
                    Method::PATCH,
                    &format!("/api/v4/leads/{external_id}"),
                    Some(body),
                )
                .await?;
                Ok(Done::StatusSet)
            }
        }
    }

    /// Bitrix24 events carry only the id: (stage, our external key) of the deal.
    pub async fn deal(&mut self, deal_id: &str) -> Result<(String, Option<String>), CrmError> {
        let deal = self.bitrix("crm.deal.get", json!({"id": deal_id})).await?;
        let stage = deal["STAGE_ID"]
            .as_str()
            .ok_or_else(|| CrmError::Unexpected(format!("нет STAGE_ID у сделки {deal_id}")))?;
        Ok((
            stage.to_owned(),
            deal["ORIGIN_ID"].as_str().map(str::to_owned),
        ))
    }

    /// Bitrix24 deals of ours modified after `since`: (deal id, stage, external key).
    pub async fn deals_modified_since(
        &mut self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, String, Option<String>)>, CrmError> {
        let deals = self
            .bitrix(
                "crm.deal.list",
                json!({
                    "filter": {"ORIGINATOR_ID": BITRIX_ORIGINATOR, ">DATE_MODIFY": since.to_rfc3339()},
                    "select": ["ID", "STAGE_ID", "ORIGIN_ID"],
                }),
            )
            .await?;
        Ok(deals
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|deal| {
                Some((
                    id_text(&deal["ID"])?,
                    deal["STAGE_ID"].as_str()?.to_owned(),
                    deal["ORIGIN_ID"].as_str().map(str::to_owned),
                ))
            })
            .collect())
    }

    async fn amo(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CrmError> {
        let mut refreshed = false;
        loop {
            let token = self.amo_token().await?;
            let _request = self.limiter.acquire().await;
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.api_base_url))
                .bearer_auth(token);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(transport)?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED
                && self.credentials.refresh_token.is_some()
                && !refreshed
            {
                self.credentials.access_token = None;
                refreshed = true;
                continue;
            }
            return read_json(response, status).await;
        }
    }

    /// The long-lived token, or an OAuth access token refreshed when missing or about to expire.
    async fn amo_token(&mut self) -> Result<String, CrmError> {
        if let Some(token) = &self.credentials.long_lived_token {
            return Ok(token.clone());
        }
        let fresh = self.credentials.access_token.clone().filter(|_| {
            self.credentials
                .access_token_expires_at
                .is_some_and(|expires| expires > Utc::now() + chrono::Duration::minutes(1))
        });
        if let Some(token) = fresh {
            return Ok(token);
        }
        let credentials = &self.credentials;
        let (Some(client_id), Some(client_secret), Some(refresh_token), Some(redirect_uri)) = (
            &credentials.client_id,
            &credentials.client_secret,
            &credentials.refresh_token,
            &credentials.redirect_uri,
        ) else {
            return Err(CrmError::Setup(
                "нет ни долгосрочного токена, ни данных OAuth amoCRM".into(),
            ));
        };
        let _request = self.limiter.acquire().await;
        let response = self
            .http
            .post(format!("{}/oauth2/access_token", self.api_base_url))
            .json(&json!({
                "client_id": client_id,
                "client_secret": client_secret,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "redirect_uri": redirect_uri,
            }))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let tokens = read_json(response, status).await?;
        let (Some(access), Some(refresh)) = (
            tokens["access_token"].as_str(),
            tokens["refresh_token"].as_str(),
        ) else {
            return Err(CrmError::Unexpected(
                "amoCRM не вернула access_token и refresh_token".into(),
            ));
        };
        let expires_in = tokens["expires_in"].as_i64().unwrap_or(86_400);
        self.credentials.access_token = Some(access.to_owned());
        self.credentials.refresh_token = Some(refresh.to_owned());
        self.credentials.access_token_expires_at =
            Some(Utc::now() + chrono::Duration::seconds(expires_in));
        self.credentials_changed = true;
        Ok(access.to_owned())
    }

    async fn bitrix(&mut self, method: &str, body: Value) -> Result<Value, CrmError> {
        let webhook = self
            .credentials
            .webhook_url
            .clone()
            .ok_or_else(|| CrmError::Setup("нет адреса входящего вебхука Битрикс24".into()))?;
        let _request = self.limiter.acquire().await;
        let response = self
            .http
            .post(format!("{}/{method}.json", webhook.trim_end_matches('/')))
            .json(&body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let answer = read_json(response, status).await?;
        if let Some(error) = answer["error"].as_str() {
            return Err(bitrix_error(
                error,
                answer["error_description"].as_str().unwrap_or(""),
                status.as_u16(),
            ));
        }
        Ok(answer["result"].clone())
    }
}

/// A Bitrix24 error code (of a request or of one command in a batch) as our error.
fn bitrix_error(error: &str, description: &str, status: u16) -> CrmError {
    match error {
        "QUERY_LIMIT_EXCEEDED" => CrmError::RateLimited { status },
        "INVALID_CREDENTIALS" | "NO_AUTH_FOUND" | "expired_token" => {
            CrmError::Unauthorized { status }
        }
        _ => CrmError::Rejected {
            status,
            detail: format!("{error}: {description}")
                .chars()
                .take(300)
                .collect(),
        },
    }
}

/// The Bitrix24 method and parameters of an operation.
fn bitrix_call(operation: &Operation) -> (&'static str, Value) {
    match operation {
        Operation::Find { kind, external_key } => (
            match kind {
                RecordKind::Lead => "crm.lead.list",
                RecordKind::Deal => "crm.deal.list",
            },
            json!({
                "filter": {"ORIGINATOR_ID": BITRIX_ORIGINATOR, "ORIGIN_ID": external_key},
                "select": ["ID"],
            }),
        ),
        Operation::Create(record) => {
            let mut fields = json!({
                "TITLE": record.title,
                "ORIGINATOR_ID": BITRIX_ORIGINATOR,
                "ORIGIN_ID": record.external_key,
                "COMMENTS": record.comment.clone().unwrap_or_default(),
            });
            if let Some(price) = &record.price {
                fields["OPPORTUNITY"] = json!(price);
                fields["CURRENCY_ID"] = json!("RUB");
            }
            if let Some(name) = &record.contact_name {
                fields["NAME"] = json!(name);
            }
            if let Some(phone) = &record.phone {
                fields["PHONE"] = json!([{"VALUE": phone, "VALUE_TYPE": "WORK"}]);
            }
            if let Some(email) = &record.email {
                fields["EMAIL"] = json!([{"VALUE": email, "VALUE_TYPE": "WORK"}]);
            }
            let method = match record.kind {
                RecordKind::Lead => "crm.lead.add",
                RecordKind::Deal => {
                    if let Some(stage) = &record.status {
                        fields["STAGE_ID"] = json!(stage);
                    }
                    if let Some(category) = &record.pipeline {
                        fields["CATEGORY_ID"] = json!(category);
                    }
                    "crm.deal.add"
                }
            };
            (method, json!({"fields": fields}))
        }
        Operation::SetStatus {
            external_id,
            status,
            ..
        } => (
            "crm.deal.update",
            json!({"id": external_id, "fields": {"STAGE_ID": status}}),
        ),
    }
}

/// An operation's Bitrix24 answer (`result`) as what it did.
fn bitrix_done(operation: &Operation, result: Value) -> Result<Done, CrmError> {
    match operation {
        Operation::Find { .. } => Ok(Done::Found(
            result
                .as_array()
                .and_then(|records| records.first())
                .and_then(|record| id_text(&record["ID"])),
        )),
        Operation::Create(_) => id_text(&result)
            .map(Done::Created)
            .ok_or_else(|| CrmError::Unexpected(format!("нет id в ответе {result}"))),
        Operation::SetStatus { .. } => Ok(Done::StatusSet),
    }
}

/// Parameters flattened the way PHP's `http_build_query` does: `fields[PHONE][0][VALUE]`; `null` is left out,
/// `true`/`false` are 1/0.
fn query_pairs(params: &Value) -> Vec<(String, String)> {
    fn flatten(key: String, value: &Value, pairs: &mut Vec<(String, String)>) {
        match value {
            Value::Null => {}
            Value::Bool(flag) => pairs.push((key, if *flag { "1" } else { "0" }.into())),
            Value::Number(number) => pairs.push((key, number.to_string())),
            Value::String(text) => pairs.push((key, text.clone())),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    flatten(format!("{key}[{index}]"), item, pairs);
                }
            }
            Value::Object(fields) => {
                for (name, item) in fields {
                    let nested = if key.is_empty() {
                        name.clone()
                    } else {
                        format!("{key}[{name}]")
                    };
                    flatten(nested, item, pairs);
                }
            }
        }
    }
    let mut pairs = Vec::new();
    flatten(String::new(), params, &mut pairs);
    pairs
}

/// One command of a `batch`: `crm.lead.add?fields%5BTITLE%5D=…`, percent-encoded as a form.
fn bitrix_command(method: &str, params: &Value) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query_pairs(params))
        .finish();
    format!("{method}?{query}")
}

async fn read_json(response: reqwest::Response, status: StatusCode) -> Result<Value, CrmError> {
    let text = response.text().await.map_err(transport)?;
    let body: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| Value::String(text.chars().take(300).collect()))
    };
    match status.as_u16() {
        200..=299 => Ok(body),
        429 => Err(CrmError::RateLimited { status: 429 }),
        503 if body["error"] == "QUERY_LIMIT_EXCEEDED" => {
            Err(CrmError::RateLimited { status: 503 })
        }
        401 | 403 => Err(CrmError::Unauthorized {
            status: status.as_u16(),
        }),
        code @ 400..=499 => Err(CrmError::Rejected {
            status: code,
            detail: body
                .get("detail")
                .or_else(|| body.get("title"))
                .or_else(|| body.get("error_description"))
                .map_or_else(|| body.to_string(), Value::to_string)
                .chars()
                .take(300)
                .collect(),
        }),
        code => Err(CrmError::Unavailable(format!("HTTP {code}"))),
    }
}

fn transport(error: reqwest::Error) -> CrmError {
    let error = error.without_url();
    if error.is_timeout() {
        CrmError::Unavailable("истекло время ожидания ответа".into())
    } else if error.is_connect() {
        CrmError::Unavailable("не удалось подключиться".into())
    } else {
        CrmError::Unavailable(error.to_string())
    }
}

/// The amoCRM `leads/complex` item of a record: the lead with our key in its name and tag, the contact embedded.
fn amo_lead(record: &NewRecord) -> Value {
    let mut fields = Vec::new();
    if let Some(phone) = &record.phone {
        fields.push(
            json!({"field_code": "PHONE", "values": [{"value": phone, "enum_code": "WORK"}]}),
        );
    }
    if let Some(email) = &record.email {
        fields.push(
            json!({"field_code": "EMAIL", "values": [{"value": email, "enum_code": "WORK"}]}),
        );
    }
    let mut lead = json!({
        "name": format!("{} [{}]", record.title, record.external_key),
        "_embedded": {
            "tags": [{"name": record.external_key}],
            "contacts": [{
                "first_name": record.contact_name.clone().unwrap_or_else(|| "Покупатель".into()),
                "custom_fields_values": fields,
            }],
        },
    });
    if let Some(price) = record.price.as_deref().and_then(whole_rubles) {
        lead["price"] = json!(price);
    }
    if let Some(status) = record
        .status
        .as_deref()
        .and_then(|status| status.parse::<i64>().ok())
    {
        lead["status_id"] = json!(status);
    }
    if let Some(pipeline) = record
        .pipeline
        .as_deref()
        .and_then(|pipeline| pipeline.parse::<i64>().ok())
    {
        lead["pipeline_id"] = json!(pipeline);
    }
    lead
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}

/// amoCRM keeps whole rubles in `price`.
fn whole_rubles(price: &str) -> Option<i64> {
    price.split('.').next()?.parse().ok()
}

/// The HTTP client every connection shares: the request timeout of `CRM_REQUEST_TIMEOUT_SECONDS`, no redirects (a
/// redirect could lead out of `CRM_ALLOWED_HOSTS`).
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("nedvizhimost-crm/1.0")
        .build()
        .expect("a reqwest client with rustls builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_commands_are_method_and_a_percent_encoded_query_like_http_build_query() {
        let record = NewRecord {
            kind: RecordKind::Lead,
            external_key: "lead-12".into(),
            title: "Заявка на звонок: квартира К1-5, ЖК «Парк» & сад".into(),
            price: Some("9167000.00".into()),
            contact_name: Some("Анна".into()),
            phone: Some("+79161234567".into()),
            email: None,
            comment: None,
            status: None,
            pipeline: None,
        };
        let (method, params) = bitrix_call(&Operation::Create(record));
        let command = bitrix_command(method, &params);
        assert!(command.starts_with("crm.lead.add?"), "{command}");
        let (_, query) = command.split_once('?').unwrap();
        assert!(!query.contains(['[', ']', ' ', '«']), "{query}");
        assert_eq!(query.matches('&').count() + 1, 9, "9 parameters: {query}");
        assert!(
            query.contains("fields%5BPHONE%5D%5B0%5D%5BVALUE%5D=%2B79161234567"),
            "{query}"
        );
        assert!(query.contains("fields%5BORIGIN_ID%5D=lead-12"), "{query}");
        // Decoded the way PHP's parse_str would, every value comes back as sent.
        let decoded: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert!(decoded.contains(&(
            "fields[TITLE]".into(),
            "Заявка на звонок: квартира К1-5, ЖК «Парк» & сад".into()
        )));
        assert!(decoded.contains(&("fields[OPPORTUNITY]".into(), "9167000.00".into())));
        assert!(decoded.contains(&("fields[COMMENTS]".into(), String::new())));
        let find = bitrix_command(
            "crm.deal.list",
            &bitrix_call(&Operation::Find {
                kind: RecordKind::Deal,
                external_key: "booking-7".into(),
            })
            .1,
        );
        assert_eq!(
            find,
            "crm.deal.list?filter%5BORIGINATOR_ID%5D=nedvizhimost&filter%5BORIGIN_ID%5D=booking-7&select%5B0%5D=ID"
        );
    }

    #[test]
    fn http_build_query_drops_nulls_and_writes_booleans_as_digits() {
        let pairs = query_pairs(&json!({"a": null, "b": true, "c": false, "d": [1, {"e": "x"}]}));
        assert_eq!(
            pairs,
            vec![
                ("b".to_owned(), "1".to_owned()),
                ("c".to_owned(), "0".to_owned()),
                ("d[0]".to_owned(), "1".to_owned()),
                ("d[1][e]".to_owned(), "x".to_owned()),
            ]
        );
    }
}
