//! AI apartment picker: a buyer says in Russian what they want, the picker understands, asks and finds.
//! `POST /picker/conversations`, `POST /picker/conversations/{id}/messages`, `GET /picker/conversations/{id}`.
//! The understanding is the deterministic parser of [`parser`]; the search is `GET /apartments`'s own
//! ([`crate::apartments::search::search`]); docs/picker.md.

pub mod filters;
pub mod llm;
mod medians;
pub mod parser;
pub mod ranking;
pub mod types;

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::apartments::search::{search, TotalCount};
use crate::apartments::ApartmentSearchQuery;
use crate::auth::{ClientIp, CurrentUser, MaybeUser, Role};
use crate::catalog::CatalogCache;
use crate::config::PickerSettings;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use filters::PickerFilters;
use parser::{CityIndex, Context};
use types::{
    Conversation, OwnerQuery, PickerMessageRequest, PickerReply, StartConversation, Understood,
    MAX_TEXT_CHARS,
};

/// Matches in a reply.
pub const MAX_MATCHES: usize = 10;
/// Candidates the relaxed search reads before ranking.
const CANDIDATES: i64 = 40;
/// The count of matching flats stops here (a reply says «1 000» for 1 000 or more).
pub const MAX_COUNTED: u32 = 1000;
/// How long the list of catalog cities is reused before it is read again.
const CITIES_REFRESH: Duration = Duration::from_secs(60);

/// The picker's settings, the catalog's cities (read from `projects.city`, refreshed every minute) and cluster medians.
#[derive(Clone)]
pub struct PickerState {
    pub settings: PickerSettings,
    /// The client of the optional model (`PICKER_LLM_TIMEOUT_MS` as its timeout, no redirects).
    http: reqwest::Client,
    cities: Arc<RwLock<Option<LoadedCities>>>,
    medians: Arc<medians::ClusterMedians>,
}

/// When the cities were read, and the index.
type LoadedCities = (Instant, Arc<CityIndex>);

impl PickerState {
    pub fn new(settings: PickerSettings) -> Self {
        let timeout = settings
            .llm
            .as_ref()
            .map_or(Duration::from_secs(3), |llm| llm.timeout);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("nedvizhimost-picker/1.0")
            .build()
            .unwrap_or_default();
        Self {
            settings,
            http,
            cities: Arc::default(),
            medians: Arc::default(),
        }
    }

    /// The cities of published projects, from memory while fresh.
    async fn cities(&self, client: &impl GenericClient) -> AppResult<Arc<CityIndex>> {
        if let Ok(guard) = self.cities.read() {
            if let Some((loaded, index)) = guard.as_ref() {
                if loaded.elapsed() < CITIES_REFRESH {
                    return Ok(index.clone());
                }
            }
        }
        let rows = client
            .query(
                "SELECT DISTINCT city FROM projects WHERE moderation_status = 'published' ORDER BY city",
                &[],
            )
            .await?;
        let mut names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
        if names.is_empty() {
            // An empty catalog: the parser's own list, so places are still understood.
            names = parser::places::known_city_names()
                .into_iter()
                .map(str::to_owned)
                .collect();
        }
        let index = Arc::new(CityIndex::new(&names));
        if let Ok(mut guard) = self.cities.write() {
            *guard = Some((Instant::now(), index.clone()));
        }
        Ok(index)
    }
}

impl Default for PickerState {
    fn default() -> Self {
        Self::new(PickerSettings::default())
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_conversation))
        .routes(routes!(get_conversation))
        .routes(routes!(post_message))
}

/// Who owns a conversation.
enum Owner {
    Visitor(String),
    User(i64),
}

impl Owner {
    fn visitor(&self) -> Option<&str> {
        match self {
            Owner::Visitor(id) => Some(id),
            Owner::User(_) => None,
        }
    }

    fn user(&self) -> Option<i64> {
        match self {
            Owner::User(id) => Some(*id),
            Owner::Visitor(_) => None,
        }
    }
}

/// The buyer behind the token, else the anonymous visitor id (422 without one); staff have no picker (403).
fn owner_of(caller: &Option<CurrentUser>, visitor_id: Option<&str>) -> AppResult<Owner> {
    match caller {
        Some(user) if user.role == Role::Buyer => Ok(Owner::User(user.id)),
        Some(_) => Err(AppError::Forbidden(
            "Подбор квартир — для покупателей и анонимных посетителей".into(),
        )),
        None => match visitor_id.map(str::trim) {
            None => Err(AppError::field(
                "visitor_id",
                "обязателен без access-токена: анонимный идентификатор посетителя от фронтенда",
            )),
            Some(id) if id.is_empty() || id.chars().count() > 128 => {
                Err(AppError::field("visitor_id", "от 1 до 128 символов"))
            }
            Some(id) if id.chars().any(char::is_control) => {
                Err(AppError::field("visitor_id", "без управляющих символов"))
            }
            Some(id) => Ok(Owner::Visitor(id.to_owned())),
        },
    }
}

/// 429 past the per-owner limit, and for anonymous callers past the per-address limit (counted in
/// `visitor_activity` under `picker-ip:<address>`, pruned after an hour with the other rows there).
async fn limit_rate(
    client: &impl GenericClient,
    settings: &PickerSettings,
    owner: &Owner,
    ClientIp(ip): ClientIp,
) -> AppResult<()> {
    let too_many = |detail: String, retry_after_seconds: u64| AppError::TooManyRequests {
        detail,
        retry_after_seconds,
    };
    if let (Owner::Visitor(_), Some(ip)) = (owner, ip) {
        let row = client
            .query_one(
                "INSERT INTO visitor_activity AS va (viewer, minute, events)
                 VALUES ($1, date_trunc('minute', now()), 1)
                 ON CONFLICT (viewer, minute) DO UPDATE SET events = va.events + 1
                 RETURNING va.events, 60 - extract(second FROM now())::integer AS retry_after",
                &[&format!("picker-ip:{ip}")],
            )
            .await?;
        let count: i32 = row.get("events");
        let limit = settings.messages_per_ip_per_minute;
        if i64::from(count) > i64::from(limit) {
            let retry = u64::try_from(row.get::<_, i32>("retry_after")).unwrap_or(60);
            return Err(too_many(
                format!("Слишком много сообщений подборщику с вашего адреса (больше {limit} в минуту); повторите позже"),
                retry.max(1),
            ));
        }
    }
    let recent: i64 = client
        .query_one(
            include_str!("owner_activity.sql"),
            &[&owner.visitor(), &owner.user()],
        )
        .await?
        .get("recent");
    let limit = settings.messages_per_minute;
    if recent >= i64::from(limit) {
        return Err(too_many(
            format!("Слишком много сообщений подборщику (больше {limit} в минуту); повторите через минуту"),
            60,
        ));
    }
    Ok(())
}

/// Начать разговор с подборщиком
///
/// Анонимно (с `visitor_id` от фронтенда) или с access-токеном покупателя. Отвечает пустым разговором; дальше —
/// `POST /picker/conversations/{id}/messages`. Разговор удаляется вместе с сообщениями через
/// `PICKER_CONVERSATION_TTL_DAYS` после последнего сообщения.
#[utoipa::path(post, path = "/picker/conversations", tag = "picker", security((), ("bearer" = [])),
    request_body = StartConversation,
    responses(
        (status = 201, description = "Разговор начат", body = Conversation),
        (status = 401, description = "Access-токен передан, но недействителен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Сотрудники застройщиков и модераторы подборщиком не пользуются", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет visitor_id без access-токена или он не 1–128 символов", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Больше PICKER_MESSAGES_PER_MINUTE с владельца или PICKER_MESSAGES_PER_IP_PER_MINUTE с адреса в минуту; заголовок Retry-After",
         body = Problem, content_type = "application/problem+json"),
    ))]
async fn start_conversation(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    client_ip: ClientIp,
    Json(body): Json<StartConversation>,
) -> AppResult<(StatusCode, Json<Conversation>)> {
    let owner = owner_of(&caller, body.visitor_id.as_deref())?;
    let client = state.pool.get().await?;
    limit_rate(&client, &state.picker.settings, &owner, client_ip).await?;
    let ttl = state.picker.settings.conversation_ttl.as_secs_f64();
    let row = client
        .query_one(
            "INSERT INTO picker_conversations (visitor_id, user_id, expires_at)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             RETURNING id, created_at, expires_at",
            &[&owner.visitor(), &owner.user(), &ttl],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Conversation {
            id: row.get("id"),
            created_at: row.get("created_at"),
            expires_at: row.get("expires_at"),
            filters: PickerFilters::default(),
            messages: Vec::new(),
        }),
    ))
}

/// A conversation of `owner`, or 404 (someone else's, expired or never existed look the same).
struct Loaded {
    id: i64,
    filters: PickerFilters,
    strict: Vec<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

async fn load(client: &impl GenericClient, id: i64, owner: &Owner) -> AppResult<Loaded> {
    let row = client
        .query_opt(
            include_str!("conversation.sql"),
            &[&id, &owner.visitor(), &owner.user()],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Разговор не найден или истёк"))?;
    Ok(Loaded {
        id: row.get("id"),
        filters: serde_json::from_value(row.get("filters")).unwrap_or_default(),
        strict: row.get("strict_slots"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
    })
}

/// Разговор и его история
///
/// Только владелец: тот же покупатель (по access-токену) или тот же `visitor_id`; чужой или истёкший — 404.
#[utoipa::path(get, path = "/picker/conversations/{id}", tag = "picker", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор разговора", example = 42), OwnerQuery),
    responses(
        (status = 200, description = "Разговор, текущие фильтры и все сообщения с ответами", body = Conversation),
        (status = 401, description = "Access-токен передан, но недействителен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Сотрудники застройщиков и модераторы подборщиком не пользуются", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Разговора нет, он чужой или истёк", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Нет visitor_id без access-токена", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_conversation(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<i64>,
    Query(query): Query<OwnerQuery>,
) -> AppResult<Json<Conversation>> {
    let owner = owner_of(&caller, query.visitor_id.as_deref())?;
    let client = state.pool.get().await?;
    let conversation = load(&client, id, &owner).await?;
    let rows = client
        .query(
            "SELECT id, text, answer, created_at FROM picker_messages
              WHERE conversation_id = $1 ORDER BY created_at, id",
            &[&conversation.id],
        )
        .await?;
    let messages = rows
        .iter()
        .map(|row| {
            let mut answer: serde_json::Value = row.get("answer");
            if let Some(object) = answer.as_object_mut() {
                object.insert("message_id".into(), row.get::<_, i64>("id").into());
                object.insert(
                    "created_at".into(),
                    serde_json::to_value(row.get::<_, DateTime<Utc>>("created_at"))
                        .unwrap_or_default(),
                );
                object.insert("text".into(), row.get::<_, String>("text").into());
            }
            answer
        })
        .collect();
    Ok(Json(Conversation {
        id: conversation.id,
        created_at: conversation.created_at,
        expires_at: conversation.expires_at,
        filters: conversation.filters,
        messages,
    }))
}

/// The question of a reply: a missing key slot, a city we don't have, or nothing found.
fn question(
    filters: &PickerFilters,
    unknown_city: Option<&str>,
    cities: &CityIndex,
    total: i64,
) -> Option<String> {
    let list = cities.names().join(", ");
    if let Some(city) = unknown_city {
        return Some(format!(
            "В городе {city} квартир у нас пока нет. Есть: {list}. Какой город смотрим?"
        ));
    }
    if filters.city.is_none() && filters.region.is_none() {
        return Some(format!("В каком городе ищете? Есть: {list}."));
    }
    if filters.rooms.is_none() {
        return Some("Сколько комнат нужно: студия, однушка, двушка, трёшка или больше?".into());
    }
    if filters.price_max.is_none() && filters.price_min.is_none() && filters.price_m2_max.is_none()
    {
        return Some("Какой бюджет: до скольки миллионов?".into());
    }
    if total == 0 {
        return Some(
            "Под эти условия сейчас ничего нет. Поднимем бюджет или уберём часть условий?".into(),
        );
    }
    None
}

/// Сообщение подборщику
///
/// Подборщик понимает сообщение (фильтры с исходными словами), уточняет состояние разговора (не начинает
/// заново: «а в Казани?» меняет только город, «сбрось» очищает всё), задаёт вопрос, если не хватает города,
/// комнатности или бюджета, и подбирает до 10 квартир тем же поиском, что `GET /apartments`, с объяснением.
/// Только владелец разговора; чужой или истёкший — 404.
#[utoipa::path(post, path = "/picker/conversations/{id}/messages", tag = "picker", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Идентификатор разговора", example = 42)),
    request_body = PickerMessageRequest,
    responses(
        (status = 200, description = "Что понято, фильтры целиком, вопрос и подобранные квартиры", body = PickerReply),
        (status = 401, description = "Access-токен передан, но недействителен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Сотрудники застройщиков и модераторы подборщиком не пользуются", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Разговора нет, он чужой или истёк", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Пустой текст, текст длиннее 1000 символов или нет visitor_id без access-токена", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Больше PICKER_MESSAGES_PER_MINUTE с владельца или PICKER_MESSAGES_PER_IP_PER_MINUTE с адреса в минуту; заголовок Retry-After",
         body = Problem, content_type = "application/problem+json"),
    ))]
async fn post_message(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogCache>,
    MaybeUser(caller): MaybeUser,
    client_ip: ClientIp,
    Path(id): Path<i64>,
    Json(body): Json<PickerMessageRequest>,
) -> AppResult<Json<PickerReply>> {
    let owner = owner_of(&caller, body.visitor_id.as_deref())?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::field("text", "от 1 до 1000 символов"));
    }
    let mut client = state.pool.get().await?;
    let conversation = load(&client, id, &owner).await?;
    limit_rate(&client, &state.picker.settings, &owner, client_ip).await?;
    let cities = state.picker.cities(&client).await?;
    let today = Utc::now().date_naive();
    // The optional model first; on a timeout, an error or an invalid answer — the built-in parser.
    let from_model = match &state.picker.settings.llm {
        Some(llm_settings) => {
            match llm::understand(
                &state.picker.http,
                llm_settings,
                text,
                &conversation.filters,
                &cities.names(),
                today,
            )
            .await
            {
                Ok(parsed) => Some(parsed),
                Err(failure) => {
                    tracing::warn!(
                        ?failure,
                        "picker model not used; the built-in parser answers"
                    );
                    None
                }
            }
        }
        None => None,
    };
    let engine = if from_model.is_some() { "llm" } else { "rules" };
    let understanding = understand(text, &conversation, &cities, today, from_model);
    let Understanding {
        parsed,
        filters,
        strict,
        not_understood,
    } = understanding;
    // The relaxed filters through GET /apartments's own search.
    let relaxed = ranking::relaxed(&filters, &strict);
    let query = ApartmentSearchQuery {
        limit: Some(CANDIDATES),
        // Without an order from the buyer, the cheapest first: the narrow on-sale index path of the search; the
        // ranking reorders them.
        sort: Some(filters.sort.clone().unwrap_or_else(|| "price".into())),
        ..relaxed.search_query()
    };
    // Without a city or region the picker asks for one instead of searching the whole country: flats in fifteen
    // cities are no answer to a buyer, and the country-wide page is the one query the indexes cannot make cheap.
    let (total, cards) = if filters.city.is_none() && filters.region.is_none() {
        (0, Vec::new())
    } else {
        let counted = TotalCount::AtMost(MAX_COUNTED);
        let page = search(
            &state.pool,
            &client,
            &catalog,
            &state.promotions,
            &query,
            counted,
        )
        .await?;
        (page.total, page.items)
    };
    let clusters: BTreeSet<medians::Cluster> = cards
        .iter()
        .map(|card| (card.project.id, card.rooms))
        .collect();
    let medians = state.picker.medians.of(&client, &clusters).await?;
    let matches = ranking::rank(cards, &filters, &medians, MAX_MATCHES);
    // «сбрось»: every slot that was set and is not set again by the same message is listed as cleared.
    let before = if parsed.reset {
        conversation.filters.slots()
    } else {
        Vec::new()
    };
    let cleared = before
        .into_iter()
        .filter(|(slot, _)| !parsed.changes.iter().any(|change| change.slot == slot))
        .map(|(slot, _)| Understood {
            slot,
            value: serde_json::Value::Null,
            words: text.to_owned(),
        });
    let understood: Vec<Understood> = cleared
        .chain(parsed.changes.iter().map(|change| Understood {
            slot: change.slot.to_owned(),
            value: change.value.clone(),
            words: change.words.clone(),
        }))
        .collect();
    let question = question(&filters, parsed.unknown_city.as_deref(), &cities, total);
    let mut reply = PickerReply {
        message_id: 0,
        created_at: Utc::now(),
        text: text.to_owned(),
        understood,
        filters,
        question,
        not_understood,
        total,
        matches,
        engine: engine.to_owned(),
    };
    let mut stored = serde_json::to_value(&reply).map_err(|error| {
        AppError::Internal(format!("ответ подборщика не сериализуется: {error}"))
    })?;
    if let Some(object) = stored.as_object_mut() {
        for key in ["message_id", "created_at", "text"] {
            object.remove(key);
        }
    }
    let filters_json = serde_json::to_value(&reply.filters).unwrap_or_default();
    let ttl = state.picker.settings.conversation_ttl.as_secs_f64();
    let transaction = client.transaction().await?;
    let row = transaction
        .query_one(
            include_str!("save_message.sql"),
            &[
                &conversation.id,
                &text,
                &stored,
                &filters_json,
                &strict,
                &ttl,
            ],
        )
        .await?;
    transaction.commit().await?;
    reply.message_id = row.get("id");
    reply.created_at = row.get("created_at");
    Ok(Json(reply))
}

/// What one message changes.
pub struct Understanding {
    pub parsed: parser::Parsed,
    /// The whole state after the message.
    pub filters: PickerFilters,
    /// Slots the buyer made strict.
    pub strict: Vec<String>,
    pub not_understood: Vec<String>,
}

/// Parses `text` against the conversation and keeps only changes the catalog's own validation accepts (a
/// refused one is reported as not understood).
fn understand(
    text: &str,
    conversation: &Loaded,
    cities: &CityIndex,
    today: chrono::NaiveDate,
    from_model: Option<parser::Parsed>,
) -> Understanding {
    let ctx = Context { cities, today };
    let mut parsed = from_model.unwrap_or_else(|| parser::parse(text, &conversation.filters, &ctx));
    let mut not_understood = std::mem::take(&mut parsed.not_understood);
    let mut accepted = parser::Parsed {
        reset: parsed.reset,
        unknown_city: parsed.unknown_city.clone(),
        ..parser::Parsed::default()
    };
    for change in parsed.changes {
        accepted.changes.push(change);
        if parser::apply(&conversation.filters, &accepted)
            .catalog_filters()
            .is_err()
        {
            if let Some(refused) = accepted.changes.pop() {
                not_understood.push(refused.words);
            }
        }
    }
    let filters = parser::apply(&conversation.filters, &accepted);
    let mut strict: Vec<String> = if accepted.reset {
        Vec::new()
    } else {
        conversation.strict.clone()
    };
    for change in &accepted.changes {
        strict.retain(|slot| slot != change.slot);
        if ranking::is_strict(&change.words) {
            strict.push(change.slot.to_owned());
        }
    }
    Understanding {
        parsed: accepted,
        filters,
        strict,
        not_understood,
    }
}
