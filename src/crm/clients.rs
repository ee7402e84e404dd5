//! The two CRMs over HTTP, from their documented wire formats: amoCRM API v4 (`/api/v4/account`,
//! `/api/v4/leads`, `/api/v4/leads/complex`, `PATCH /api/v4/leads/{id}`, OAuth `/oauth2/access_token`) and Bitrix24
//! REST through an inbound webhook (`<webhook>/<method>.json`: `profile`, `crm.lead.add|list`,
//! `crm.deal.add|list|get|update`). Every request waits for its connection's rate limiter first. Errors are Russian
//! and never carry a credential (reqwest errors are stripped of their URL: a Bitrix24 webhook URL is a secret).

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

#[derive(Debug, thiserror::Error)]
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

    /// The id of the record made earlier for this external key, if the CRM has one.
    pub async fn find(
        &mut self,
        kind: RecordKind,
        external_key: &str,
    ) -> Result<Option<String>, CrmError> {
        match self.kind {
            super::CrmKind::Amocrm => {
                let path = format!("/api/v4/leads?query={external_key}");
                let found = self.amo(Method::GET, &path, None).await?;
                Ok(found["_embedded"]["leads"]
                    .as_array()
                    .and_then(|leads| {
                        leads.iter().find(|lead| {
                            lead["name"]
                                .as_str()
                                .is_some_and(|name| name.contains(&format!("[{external_key}]")))
                        })
                    })
                    .and_then(|lead| lead["id"].as_i64())
                    .map(|id| id.to_string()))
            }
            super::CrmKind::Bitrix24 => {
                let method = match kind {
                    RecordKind::Lead => "crm.lead.list",
                    RecordKind::Deal => "crm.deal.list",
                };
                let found = self
                    .bitrix(
                        method,
                        json!({
                            "filter": {"ORIGINATOR_ID": BITRIX_ORIGINATOR, "ORIGIN_ID": external_key},
                            "select": ["ID"],
                        }),
                    )
                    .await?;
                Ok(found
                    .as_array()
                    .and_then(|records| records.first())
                    .and_then(|record| id_text(&record["ID"])))
            }
        }
    }

    pub async fn create(&mut self, record: &NewRecord) -> Result<String, CrmError> {
        match self.kind {
            super::CrmKind::Amocrm => {
                let mut fields = Vec::new();
                if let Some(phone) = &record.phone {
                    fields.push(json!({"field_code": "PHONE", "values": [{"value": phone, "enum_code": "WORK"}]}));
                }
                if let Some(email) = &record.email {
                    fields.push(json!({"field_code": "EMAIL", "values": [{"value": email, "enum_code": "WORK"}]}));
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
                let created = self
                    .amo(Method::POST, "/api/v4/leads/complex", Some(json!([lead])))
                    .await?;
                created[0]["id"]
                    .as_i64()
                    .map(|id| id.to_string())
                    .ok_or_else(|| {
                        CrmError::Unexpected(format!("нет id сделки в ответе {created}"))
                    })
            }
            super::CrmKind::Bitrix24 => {
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
                let created = self.bitrix(method, json!({"fields": fields})).await?;
                id_text(&created)
                    .ok_or_else(|| CrmError::Unexpected(format!("нет id в ответе {created}")))
            }
        }
    }

    /// Moves a deal to a status/stage of the status map.
    pub async fn set_status(
        &mut self,
        external_id: &str,
        status: &str,
        pipeline: Option<&str>,
    ) -> Result<(), CrmError> {
        match self.kind {
            super::CrmKind::Amocrm => {
                let status: i64 = status
                    .parse()
                    .map_err(|_| CrmError::Setup(format!("статус amoCRM «{status}» — не число")))?;
                let mut body = json!({"status_id": status});
                if let Some(pipeline) = pipeline.and_then(|pipeline| pipeline.parse::<i64>().ok()) {
                    body["pipeline_id"] = json!(pipeline);
                }
                self.amo(
                    Method::PATCH,
                    &format!("/api/v4/leads/{external_id}"),
                    Some(body),
                )
                .await?;
                Ok(())
            }
            super::CrmKind::Bitrix24 => {
                self.bitrix(
                    "crm.deal.update",
                    json!({"id": external_id, "fields": {"STAGE_ID": status}}),
                )
                .await?;
                Ok(())
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
            self.limiter.acquire().await;
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
        self.limiter.acquire().await;
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
        self.limiter.acquire().await;
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
            return Err(match error {
                "QUERY_LIMIT_EXCEEDED" => CrmError::RateLimited {
                    status: status.as_u16(),
                },
                "INVALID_CREDENTIALS" | "NO_AUTH_FOUND" | "expired_token" => {
                    CrmError::Unauthorized {
                        status: status.as_u16(),
                    }
                }
                _ => CrmError::Rejected {
                    status: status.as_u16(),
                    detail: format!(
                        "{error}: {}",
                        answer["error_description"].as_str().unwrap_or("")
                    ),
                },
            });
        }
        Ok(answer["result"].clone())
    }
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
