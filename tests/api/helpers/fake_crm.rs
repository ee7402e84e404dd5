//! Fake amoCRM and Bitrix24 on loopback, from their documented wire formats: they keep the records they were
//! asked to create, record every request with its time, answer scripted failures (500, 429, 503
//! QUERY_LIMIT_EXCEEDED) and check credentials like the real ones.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const AMO_TOKEN: &str = "amo-long-lived-token-4f1c2d3e";
pub const AMO_ACCOUNT_ID: i64 = 30_012_345;
pub const BITRIX_SECRET: &str = "b1tr1xw3bh00ks3cr3t";
pub const BITRIX_APPLICATION_TOKEN: &str = "app-token-9a8b7c6d";

/// One record the fake CRM holds: a lead/deal with its name or title, status/stage and our key.
#[derive(Debug, Clone)]
pub struct FakeRecord {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub status: Option<String>,
    pub external_key: Option<String>,
    pub body: Value,
}

#[derive(Default)]
pub struct FakeState {
    pub records: Vec<FakeRecord>,
    /// (when, method and path) of every request.
    pub requests: Vec<(Instant, String)>,
    /// Statuses to answer instead of working, one per request, first to last.
    pub failures: VecDeque<u16>,
    pub next_id: i64,
}

#[derive(Clone)]
pub struct FakeCrm {
    pub address: SocketAddr,
    pub state: Arc<Mutex<FakeState>>,
}

impl FakeCrm {
    pub fn fail_next(&self, statuses: &[u16]) {
        self.state.lock().unwrap().failures.extend(statuses);
    }

    pub fn records(&self) -> Vec<FakeRecord> {
        self.state.lock().unwrap().records.clone()
    }

    pub fn requests(&self) -> Vec<(Instant, String)> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn set_status(&self, id: i64, status: &str) {
        let mut state = self.state.lock().unwrap();
        let record = state
            .records
            .iter_mut()
            .find(|record| record.id == id)
            .unwrap();
        record.status = Some(status.to_owned());
    }

    /// Adds a record as if an earlier attempt had created it.
    pub fn insert(&self, kind: &'static str, title: &str, external_key: &str) -> i64 {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = 31_500_000 + state.next_id;
        state.records.push(FakeRecord {
            id,
            kind,
            title: title.to_owned(),
            status: None,
            external_key: Some(external_key.to_owned()),
            body: Value::Null,
        });
        id
    }

    async fn serve(router: Router) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        address
    }

    /// amoCRM API v4 with a long-lived token.
    pub async fn amocrm() -> Self {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let router = Router::new()
            .route("/api/v4/account", get(amo_account))
            .route("/api/v4/leads", get(amo_find))
            .route("/api/v4/leads/complex", post(amo_create))
            .route("/api/v4/leads/{id}", patch(amo_update))
            .with_state(state.clone());
        Self {
            address: Self::serve(router).await,
            state,
        }
    }

    /// Bitrix24 REST behind an inbound webhook `/rest/1/<secret>/<method>.json`.
    pub async fn bitrix24() -> Self {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let router = Router::new()
            .route("/rest/1/{secret}/{method}", post(bitrix_method))
            .with_state(state.clone());
        Self {
            address: Self::serve(router).await,
            state,
        }
    }
}

type Shared = State<Arc<Mutex<FakeState>>>;

/// Records the request; the scripted failure to answer, if any.
fn arrive(state: &Mutex<FakeState>, what: String) -> Option<u16> {
    let mut state = state.lock().unwrap();
    state.requests.push((Instant::now(), what));
    state.failures.pop_front()
}

fn amo_authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {AMO_TOKEN}"))
}

fn amo_refusal(headers: &HeaderMap, failure: Option<u16>) -> Option<Response> {
    if let Some(status) = failure {
        let status = StatusCode::from_u16(status).unwrap();
        return Some(
            (
                status,
                Json(json!({"title": "Scripted", "status": status.as_u16()})),
            )
                .into_response(),
        );
    }
    (!amo_authorized(headers)).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"title": "Unauthorized", "status": 401})),
        )
            .into_response()
    })
}

async fn amo_account(State(state): Shared, headers: HeaderMap) -> Response {
    if let Some(refusal) = amo_refusal(&headers, arrive(&state, "GET /api/v4/account".into())) {
        return refusal;
    }
    Json(json!({"id": AMO_ACCOUNT_ID, "name": "Тестовый аккаунт", "subdomain": "test"}))
        .into_response()
}

async fn amo_find(
    State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(refusal) = amo_refusal(&headers, arrive(&state, "GET /api/v4/leads".into())) {
        return refusal;
    }
    let needle = query
        .iter()
        .find(|(name, _)| name == "query")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let found: Vec<Value> = state
        .lock()
        .unwrap()
        .records
        .iter()
        .filter(|record| record.title.contains(&needle))
        .map(|record| json!({"id": record.id, "name": record.title}))
        .collect();
    if found.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    Json(json!({"_embedded": {"leads": found}})).into_response()
}

async fn amo_create(State(state): Shared, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(refusal) = amo_refusal(
        &headers,
        arrive(&state, "POST /api/v4/leads/complex".into()),
    ) {
        return refusal;
    }
    let mut state = state.lock().unwrap();
    let mut created = Vec::new();
    for lead in body.as_array().unwrap() {
        state.next_id += 1;
        let id = 31_500_000 + state.next_id;
        let title = lead["name"].as_str().unwrap().to_owned();
        let external_key = lead["_embedded"]["tags"][0]["name"]
            .as_str()
            .map(str::to_owned);
        state.records.push(FakeRecord {
            id,
            kind: "lead",
            title,
            status: lead["status_id"].as_i64().map(|status| status.to_string()),
            external_key,
            body: lead.clone(),
        });
        created.push(json!({"id": id, "contact_id": id + 1, "company_id": null, "request_id": [id.to_string()], "merged": false}));
    }
    Json(json!(created)).into_response()
}

async fn amo_update(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refusal) = amo_refusal(
        &headers,
        arrive(&state, format!("PATCH /api/v4/leads/{id}")),
    ) {
        return refusal;
    }
    let mut state = state.lock().unwrap();
    let Some(record) = state.records.iter_mut().find(|record| record.id == id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"title": "Not Found"}))).into_response();
    };
    record.status = body["status_id"].as_i64().map(|status| status.to_string());
    Json(json!({"id": id, "updated_at": 1_764_748_800})).into_response()
}

async fn bitrix_method(
    State(state): Shared,
    Path((secret, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let method = method.trim_end_matches(".json").to_owned();
    let failure = arrive(&state, format!("POST {method}"));
    if secret != BITRIX_SECRET {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"})))
            .into_response();
    }
    match failure {
        Some(503) => return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}),
            ),
        )
            .into_response(),
        Some(status) => {
            return (
                StatusCode::from_u16(status).unwrap(),
                Json(json!({"error": "INTERNAL_SERVER_ERROR"})),
            )
                .into_response()
        }
        None => {}
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut state = state.lock().unwrap();
    let result = match method.as_str() {
        "profile" => json!({"ID": "1", "NAME": "Ирина", "LAST_NAME": "Интегратор"}),
        "crm.lead.add" | "crm.deal.add" => {
            state.next_id += 1;
            let id = 900 + state.next_id;
            let fields = &body["fields"];
            state.records.push(FakeRecord {
                id,
                kind: if method == "crm.lead.add" {
                    "lead"
                } else {
                    "deal"
                },
                title: fields["TITLE"].as_str().unwrap_or_default().to_owned(),
                status: fields["STAGE_ID"].as_str().map(str::to_owned),
                external_key: fields["ORIGIN_ID"].as_str().map(str::to_owned),
                body: body.clone(),
            });
            json!(id)
        }
        "crm.lead.list" | "crm.deal.list" => {
            let kind = if method == "crm.lead.list" {
                "lead"
            } else {
                "deal"
            };
            let origin = body["filter"]["ORIGIN_ID"].as_str();
            json!(state
                .records
                .iter()
                .filter(|record| record.kind == kind && (origin.is_none() || record.external_key.as_deref() == origin))
                .map(|record| json!({"ID": record.id.to_string(), "STAGE_ID": record.status, "ORIGIN_ID": record.external_key}))
                .collect::<Vec<_>>())
        }
        "crm.deal.get" => {
            let id: i64 = body["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .or(body["id"].as_i64())
                .unwrap_or_default();
            match state.records.iter().find(|record| record.id == id) {
                Some(record) => {
                    json!({"ID": id.to_string(), "STAGE_ID": record.status, "ORIGIN_ID": record.external_key})
                }
                None => {
                    return (
                        StatusCode::BAD_REQUEST,
                        Json(json!({"error": "NOT_FOUND", "error_description": "Not found"})),
                    )
                        .into_response()
                }
            }
        }
        "crm.deal.update" => {
            let id: i64 = body["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .or(body["id"].as_i64())
                .unwrap_or_default();
            if let Some(record) = state.records.iter_mut().find(|record| record.id == id) {
                record.status = body["fields"]["STAGE_ID"].as_str().map(str::to_owned);
            }
            json!(true)
        }
        other => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "ERROR_METHOD_NOT_FOUND", "error_description": other})),
            )
                .into_response()
        }
    };
    Json(json!({"result": result, "time": {"start": 0, "finish": 0}})).into_response()
}
