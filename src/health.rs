use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::latest_embedded_migration;
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// Состояние процесса.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Всегда `ok`, если процесс отвечает
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Готовность к работе: база доступна, миграции применены.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, если сервис готов принимать запросы
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Последняя применённая в базе версия миграции
    #[schema(example = 2)]
    pub schema_version: i32,
}

/// Процесс жив
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "Процесс отвечает", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Готов ли сервис: база доступна и схема в актуальной версии
#[utoipa::path(get, path = "/ready", tag = "service",
    responses(
        (status = 200, description = "База доступна, миграции применены", body = Readiness),
        (status = 503, description = "База недоступна или миграции не применены", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
async fn ready(State(state): State<AppState>) -> AppResult<Json<Readiness>> {
    let unavailable = |reason: String| AppError::ServiceUnavailable(reason);
    let client = state
        .pool
        .get()
        .await
        .map_err(|error| unavailable(format!("база данных недоступна: {error}")))?;
    let applied: Option<i32> = client
        .query_one("SELECT max(version) FROM refinery_schema_history", &[])
        .await
        .map_err(|error| unavailable(format!("схема не создана: {error}")))?
        .get(0);
    let applied = applied.unwrap_or(0);
    let expected = latest_embedded_migration();
    if applied < expected {
        return Err(unavailable(format!(
            "миграции не применены: в базе версия {applied}, ожидается {expected}"
        )));
    }
    Ok(Json(Readiness {
        status: "ready",
        schema_version: applied,
    }))
}
