//! The moderation flow of projects and apartments, like the developer company cards: the company submits a
//! draft (or a rejected object) for review, a moderator publishes it or rejects it with a comment.

use deadpool_postgres::GenericClient;

use super::types::{ModerationDecisionRequest, PublishDecision};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::validation::required_text;

const MAX_COMMENT_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderated {
    Project,
    Apartment,
}

impl Moderated {
    fn sql(self, template: &str) -> String {
        let (table, entity) = match self {
            Moderated::Project => ("projects", "project"),
            Moderated::Apartment => ("apartments", "apartment"),
        };
        template
            .replace("{table}", table)
            .replace("{entity}", entity)
    }

    fn missing(self) -> AppError {
        match self {
            Moderated::Project => AppError::not_found("ЖК не найден"),
            Moderated::Apartment => AppError::not_found("Квартира не найдена"),
        }
    }
}

/// Draft or rejected → `pending_review`; 409 when it is already under review or published.
pub async fn submit(
    client: &impl GenericClient,
    kind: Moderated,
    id: i64,
    caller: &CurrentUser,
) -> AppResult<()> {
    let row = client
        .query_opt(
            kind.sql(include_str!("submit.sql")).as_str(),
            &[&id, &caller.id],
        )
        .await?
        .ok_or_else(|| kind.missing())?;
    if row.get::<_, bool>("submitted") {
        return Ok(());
    }
    let detail = match row.get::<_, &str>("before") {
        "pending_review" => "Объект уже ждёт проверки",
        _ => "Объект уже опубликован; после изменения он сам вернётся на проверку",
    };
    Err(AppError::Conflict {
        detail: detail.into(),
        field: None,
    })
}

/// A moderator's decision; a rejection needs a comment.
pub async fn decide(
    client: &impl GenericClient,
    kind: Moderated,
    id: i64,
    caller: &CurrentUser,
    request: &ModerationDecisionRequest,
) -> AppResult<()> {
    caller.require_moderator()?;
    let comment = match request.comment.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(comment) => Some(
            required_text(comment, MAX_COMMENT_CHARS)
                .map_err(|message| AppError::field("comment", message))?,
        ),
    };
    let decision = match request.decision {
        PublishDecision::Publish => "publish",
        PublishDecision::Reject if comment.is_none() => {
            return Err(AppError::field("comment", "укажите причину отказа"));
        }
        PublishDecision::Reject => "reject",
    };
    client
        .query_opt(
            kind.sql(include_str!("moderate.sql")).as_str(),
            &[&id, &decision, &comment, &caller.id],
        )
        .await?
        .ok_or_else(|| kind.missing())?;
    Ok(())
}
