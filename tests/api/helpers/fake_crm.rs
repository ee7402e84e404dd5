//! Fake amoCRM and Bitrix24 on loopback, from their documented wire formats: they keep the records they were
//! asked to create, record every HTTP request with its time (what counts against the CRMs' limits) and every
//! method run (Bitrix24 `batch` commands one by one, as if received alone), answer scripted failures (500, 429, 503
//! QUERY_LIMIT_EXCEEDED, a refused command inside a batch), and check credentials like the real ones (amoCRM: a
//! long-lived token or an OAuth access token from `/oauth2/access_token`).

use std::collections::{BTreeMap, HashSet, VecDeque};
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
/// amoCRM OAuth: what the fake integration accepts and what its token endpoint hands out.
pub const AMO_CLIENT_ID: &str = "5b8e3f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
pub const AMO_CLIENT_SECRET: &str = "amo-client-secret-77e1f0c2";
pub const AMO_REFRESH_TOKEN: &str = "amo-refresh-token-first-3c9d";
pub const AMO_ACCESS_TOKEN: &str = "amo-access-token-issued-a41b";
pub const AMO_NEXT_REFRESH_TOKEN: &str = "amo-refresh-token-second-58e2";

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
    /// (when, method and path) of every HTTP request: a Bitrix24 batch is one (`POST batch`).
    pub requests: Vec<(Instant, String)>,
    /// Every Bitrix24 method run, alone or inside a batch: (method, inside a batch).
    pub commands: Vec<(String, bool)>,
    /// Statuses to answer instead of working, one per request, first to last.
    pub failures: VecDeque<u16>,
    /// Our keys (`ORIGIN_ID`) whose next Bitrix24 create is refused, once each.
    pub refused_keys: HashSet<String>,
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

    pub fn commands(&self) -> Vec<(String, bool)> {
        self.state.lock().unwrap().commands.clone()
    }

    /// The next Bitrix24 create with this `ORIGIN_ID` is refused (alone: HTTP 400; in a batch: in `result_error`).
    pub fn refuse_create_of(&self, external_key: &str) {
        self.state
            .lock()
            .unwrap()
            .refused_keys
            .insert(external_key.to_owned());
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
            .route("/oauth2/access_token", post(amo_oauth))
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
    let authorization = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    [AMO_TOKEN, AMO_ACCESS_TOKEN]
        .iter()
        .any(|token| authorization == Some(&format!("Bearer {token}")))
}

/// amoCRM's token endpoint: a refresh token of the integration for a new access and refresh token.
async fn amo_oauth(State(state): Shared, Json(body): Json<Value>) -> Response {
    arrive(&state, "POST /oauth2/access_token".into());
    let valid = body["client_id"] == AMO_CLIENT_ID
        && body["client_secret"] == AMO_CLIENT_SECRET
        && body["grant_type"] == "refresh_token"
        && [AMO_REFRESH_TOKEN, AMO_NEXT_REFRESH_TOKEN]
            .contains(&body["refresh_token"].as_str().unwrap_or(""));
    if !valid {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"title": "Bad Request", "status": 400, "hint": "Token has been revoked"})),
        )
            .into_response();
    }
    Json(json!({
        "token_type": "Bearer",
        "expires_in": 86_400,
        "access_token": AMO_ACCESS_TOKEN,
        "refresh_token": AMO_NEXT_REFRESH_TOKEN,
    }))
    .into_response()
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
    if method == "batch" {
        return Json(bitrix_batch(&mut state, &body)).into_response();
    }
    match bitrix_run(&mut state, &method, &body, false) {
        Ok(result) => {
            Json(json!({"result": result, "time": {"start": 0, "finish": 0}})).into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, Json(error)).into_response(),
    }
}

/// `batch` with `halt: 0`: every command of `cmd` (`method?query`, the query as PHP's `parse_str` reads it) runs as
/// if it came alone; answers by command name in `result` or `result_error` — an empty one is `[]`, as PHP sends it.
fn bitrix_batch(state: &mut FakeState, body: &Value) -> Value {
    assert_eq!(body["halt"], 0, "the dispatcher never halts a batch");
    let commands = body["cmd"]
        .as_object()
        .expect("cmd is an object of named commands");
    assert!(
        commands.len() <= 50,
        "Bitrix24 runs at most 50 commands in a batch"
    );
    let mut results = serde_json::Map::new();
    let mut errors = serde_json::Map::new();
    for (name, command) in commands {
        let command = command.as_str().expect("a command is a string");
        let (method, query) = command.split_once('?').unwrap_or((command, ""));
        let params = parse_str(query);
        match bitrix_run(state, method, &params, true) {
            Ok(result) => results.insert(name.clone(), result),
            Err(error) => errors.insert(name.clone(), error),
        };
    }
    let php = |map: serde_json::Map<String, Value>| {
        if map.is_empty() {
            json!([])
        } else {
            Value::Object(map)
        }
    };
    json!({
        "result": {
            "result": php(results),
            "result_error": php(errors),
            "result_total": [],
            "result_next": [],
            "result_time": {},
        },
        "time": {"start": 0, "finish": 0},
    })
}

/// A query string the way PHP's `parse_str` reads it: `fields[PHONE][0][VALUE]=…` → nested objects, a level
/// keyed 0, 1, 2… an array.
fn parse_str(query: &str) -> Value {
    fn insert(target: &mut Value, path: &[String], value: String) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if !target.is_object() {
            *target = json!({});
        }
        let slot = target
            .as_object_mut()
            .unwrap()
            .entry(first.clone())
            .or_insert(Value::Null);
        if rest.is_empty() {
            *slot = Value::String(value);
        } else {
            insert(slot, rest, value);
        }
    }
    fn arrays(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let indexed = !map.is_empty()
                    && map
                        .keys()
                        .map(|key| key.parse::<usize>().ok())
                        .collect::<Option<Vec<_>>>()
                        .is_some_and(|mut keys| {
                            keys.sort_unstable();
                            keys.iter().enumerate().all(|(index, key)| index == *key)
                        });
                if indexed {
                    let ordered: BTreeMap<usize, Value> = map
                        .into_iter()
                        .map(|(key, value)| (key.parse().unwrap(), arrays(value)))
                        .collect();
                    Value::Array(ordered.into_values().collect())
                } else {
                    Value::Object(
                        map.into_iter()
                            .map(|(key, value)| (key, arrays(value)))
                            .collect(),
                    )
                }
            }
            other => other,
        }
    }
    let mut params = json!({});
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let mut path: Vec<String> = Vec::new();
        let (head, mut rest) = key
            .split_once('[')
            .map_or((key.as_ref(), ""), |(head, rest)| (head, rest));
        path.push(head.to_owned());
        while let Some((inner, after)) = rest.split_once(']') {
            path.push(inner.to_owned());
            rest = after.strip_prefix('[').unwrap_or(after);
        }
        insert(&mut params, &path, value.into_owned());
    }
    arrays(params)
}

/// One Bitrix24 method: its `result`, or the error object Bitrix24 answers.
fn bitrix_run(
    state: &mut FakeState,
    method: &str,
    body: &Value,
    in_batch: bool,
) -> Result<Value, Value> {
    state.commands.push((method.to_owned(), in_batch));
    let id_of = |body: &Value| -> i64 {
        body["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .or(body["id"].as_i64())
            .unwrap_or_default()
    };
    match method {
        "profile" => Ok(json!({"ID": "1", "NAME": "Ирина", "LAST_NAME": "Интегратор"})),
        "crm.lead.add" | "crm.deal.add" => {
            let fields = &body["fields"];
            if let Some(key) = fields["ORIGIN_ID"].as_str() {
                if state.refused_keys.remove(key) {
                    return Err(
                        json!({"error": "ERROR_CORE", "error_description": format!("Scripted refusal of {key}")}),
                    );
                }
            }
            state.next_id += 1;
            let id = 900 + state.next_id;
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
            Ok(json!(id))
        }
        "crm.lead.list" | "crm.deal.list" => {
            let kind = if method == "crm.lead.list" {
                "lead"
            } else {
                "deal"
            };
            let origin = body["filter"]["ORIGIN_ID"].as_str();
            Ok(json!(state
                .records
                .iter()
                .filter(|record| record.kind == kind && (origin.is_none() || record.external_key.as_deref() == origin))
                .map(|record| json!({"ID": record.id.to_string(), "STAGE_ID": record.status, "ORIGIN_ID": record.external_key}))
                .collect::<Vec<_>>()))
        }
        "crm.deal.get" => {
            let id = id_of(body);
            match state.records.iter().find(|record| record.id == id) {
                Some(record) => Ok(
                    json!({"ID": id.to_string(), "STAGE_ID": record.status, "ORIGIN_ID": record.external_key}),
                ),
                None => Err(json!({"error": "NOT_FOUND", "error_description": "Not found"})),
            }
        }
        "crm.deal.update" => {
            let id = id_of(body);
            match state.records.iter_mut().find(|record| record.id == id) {
                Some(record) => {
                    record.status = body["fields"]["STAGE_ID"].as_str().map(str::to_owned);
                    Ok(json!(true))
                }
                None => Err(json!({"error": "NOT_FOUND", "error_description": "Not found"})),
            }
        }
        other => Err(json!({"error": "ERROR_METHOD_NOT_FOUND", "error_description": other})),
    }
}
