//! The event stream for the NestJS side: the transactional outbox (`outbox_events`, written by the SQL in
//! `sql/outbox/` in the same transaction as each change), its relay to Redis Streams, the AsyncAPI document of
//! the events and the relay's status.

pub mod asyncapi;
pub mod events;
pub mod relay;

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::extract::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(outbox_status))
}

/// Насколько отстаёт публикация событий в Redis Streams.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxStatus {
    /// Событий ждут публикации
    #[schema(example = 0)]
    pub pending_events: i64,
    /// Сколько секунд ждёт самое старое неопубликованное событие (0 — ничего не ждёт): датчик отставания
    #[schema(example = 0)]
    pub lag_seconds: i64,
    /// Когда записано самое старое неопубликованное событие
    #[schema(required = true, example = json!(null))]
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// Когда событие было опубликовано в последний раз (среди ещё хранящихся)
    #[schema(required = true, example = "2026-12-03T07:01:00.420Z")]
    pub last_published_at: Option<DateTime<Utc>>,
    /// Какая-то реплика держит блокировку ретранслятора и публикует события
    #[schema(example = true)]
    pub relay_connected: bool,
}

/// Отставание публикации событий
///
/// Для операторов и мониторинга: сколько событий ждут отправки в Redis Streams, как долго ждёт самое старое и
/// работает ли ретранслятор. Redis недоступен — события копятся и уйдут по порядку, когда он вернётся.
#[utoipa::path(get, path = "/outbox/status", tag = "service",
    responses(
        (status = 200, description = "Состояние outbox", body = OutboxStatus),
        (status = 503, description = "База недоступна", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
async fn outbox_status(State(state): State<AppState>) -> AppResult<Json<OutboxStatus>> {
    let client = state.pool.get().await?;
    let row = client
        .query_one(
            "SELECT pending_events, oldest_pending, last_published, relay_connected, \
                    coalesce(floor(extract(epoch FROM now() - oldest_pending)), 0)::bigint AS lag_seconds \
               FROM outbox_status()",
            &[],
        )
        .await?;
    Ok(Json(OutboxStatus {
        pending_events: row.get("pending_events"),
        lag_seconds: row.get("lag_seconds"),
        oldest_pending_at: row.get("oldest_pending"),
        last_published_at: row.get("last_published"),
        relay_connected: row.get("relay_connected"),
    }))
}
