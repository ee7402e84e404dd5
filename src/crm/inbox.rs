//! The moderator's view of `webhook_inbox`: list, inspect, re-process.

use axum::extract::State;

use super::types::{InboxEntry, InboxListQuery, InboxPage};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{fetch_page, LIST_PAGES};
use crate::state::AppState;

const INBOX_FIELDS: &str =
    "w.id, w.source, w.connection_id, w.status::text AS status, w.payload, w.headers, \
    w.received_at, w.processed_at, w.attempts, w.outcome, w.error";

/// Входящие вебхуки CRM
///
/// Модератор: всё, что прислали CRM, как есть, с итогом обработки; фильтры по состоянию и подключению.
#[utoipa::path(get, path = "/moderation/webhook-inbox", tag = "crm", security(("bearer" = [])),
    params(InboxListQuery),
    responses(
        (status = 200, description = "Страница вебхуков", body = InboxPage),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Неверный фильтр или страница", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_inbox(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(query): Query<InboxListQuery>,
) -> AppResult<Json<InboxPage>> {
    caller.require_moderator()?;
    let page = LIST_PAGES.page(query.limit, query.offset)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(status @ ("received" | "processed" | "ignored" | "rejected" | "failed")) => {
            Some(status.to_owned())
        }
        Some(_) => {
            return Err(AppError::field(
                "status",
                "ожидается received, processed, ignored, rejected или failed",
            ))
        }
    };
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {INBOX_FIELDS}, count(*) OVER () AS total FROM webhook_inbox w
         WHERE ($1::text IS NULL OR w.status::text = $1) AND ($2::bigint IS NULL OR w.connection_id = $2)
         ORDER BY w.id DESC LIMIT $3 OFFSET $4"
    );
    let (total, rows) = fetch_page(&client, &sql, &[&status, &query.connection_id], page).await?;
    Ok(Json(InboxPage::new(
        total,
        page,
        rows.iter().map(InboxEntry::from_row).collect(),
    )))
}

/// Входящий вебхук CRM
#[utoipa::path(get, path = "/moderation/webhook-inbox/{id}", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Вебхук", example = 5001)),
    responses(
        (status = 200, description = "Вебхук", body = InboxEntry),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Вебхука нет", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_inbox_entry(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<InboxEntry>> {
    caller.require_moderator()?;
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            &format!("SELECT {INBOX_FIELDS} FROM webhook_inbox w WHERE w.id = $1"),
            &[&id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Вебхука нет"))?;
    Ok(Json(InboxEntry::from_row(&row)))
}

/// Переобработать вебхук
///
/// Модератор: вебхук снова ждёт обработки (например, после исправления соответствия статусов). Обработка
/// идемпотентна: уже сделанный шаг брони второй раз не применяется. Отвергнутые (подделки) не переобрабатываются.
#[utoipa::path(post, path = "/moderation/webhook-inbox/{id}/reprocess", tag = "crm", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Вебхук", example = 5001)),
    responses(
        (status = 200, description = "Вебхук снова в очереди", body = InboxEntry),
        (status = 401, description = "Нет или недействителен access-токен", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Только модератор", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Вебхука нет", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Вебхук отвергнут как подделка", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn reprocess_inbox_entry(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<InboxEntry>> {
    caller.require_moderator()?;
    let client = state.pool.get().await?;
    let status: String = client
        .query_opt(
            "SELECT status::text FROM webhook_inbox WHERE id = $1",
            &[&id],
        )
        .await?
        .ok_or_else(|| AppError::not_found("Вебхука нет"))?
        .get(0);
    if status == "rejected" {
        return Err(AppError::Conflict {
            detail: "Отвергнутый вебхук (подделка) не переобрабатывается".into(),
            field: None,
        });
    }
    let row = client
        .query_one(
            &format!(
                "UPDATE webhook_inbox w SET status = 'received', processed = false, error = NULL
                 WHERE w.id = $1 RETURNING {INBOX_FIELDS}"
            ),
            &[&id],
        )
        .await?;
    Ok(Json(InboxEntry::from_row(&row)))
}
