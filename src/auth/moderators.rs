//! The first moderator comes from the CLI (`create-moderator`); later ones are granted over the API.

use deadpool_postgres::GenericClient;

use super::password::{check_password_policy, hash_password};
use super::tokens::revoke_all_sessions;
use crate::error::{AppError, AppResult};
use crate::validation::normalize_email;

/// The outcome of [`create_or_promote_moderator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeratorAccount {
    pub user_id: i64,
    pub email: String,
    /// `false`: the email already existed and was promoted, its password replaced.
    pub created: bool,
}

/// Creates a moderator, or promotes an existing account and sets its password (which ends its
/// sessions). Safe to run again.
pub async fn create_or_promote_moderator(
    client: &impl GenericClient,
    email: &str,
    password: &str,
) -> AppResult<ModeratorAccount> {
    let email = normalize_email(email).map_err(|message| AppError::field("email", message))?;
    check_password_policy(password, &email)
        .map_err(|message| AppError::field("password", message))?;
    let password_hash = hash_password(password.to_owned()).await?;
    let row = client
        .query_one(
            "INSERT INTO users (email, password_hash, role, display_name)
             VALUES ($1, $2, 'moderator', 'Модератор')
             ON CONFLICT ((lower(email))) DO UPDATE
                SET role = 'moderator', password_hash = EXCLUDED.password_hash
             RETURNING id, (xmax = 0) AS created",
            &[&email, &password_hash],
        )
        .await?;
    let account = ModeratorAccount {
        user_id: row.get("id"),
        email,
        created: row.get("created"),
    };
    if !account.created {
        revoke_all_sessions(client, account.user_id).await?;
    }
    client
        .execute(
            "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
             VALUES (NULL, 'user.grant_moderator', 'user', $1, jsonb_build_object('via', 'cli'))",
            &[&account.user_id],
        )
        .await?;
    Ok(account)
}
