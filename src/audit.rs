//! `audit_log`: one row per action, written inside the transaction that performs the action.
use deadpool_postgres::GenericClient;
use serde_json::Value;

/// Records `action` by `actor_user_id` on `entity` #`entity_id`; `details` is a JSON object (`{}` when empty).
pub async fn record(
    client: &impl GenericClient,
    actor_user_id: i64,
    action: &str,
    entity: &str,
    entity_id: i64,
    details: Value,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5)",
            &[&actor_user_id, &action, &entity, &entity_id, &details],
        )
        .await?;
    Ok(())
}
