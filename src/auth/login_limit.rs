//! Brute-force limits of password checks, kept in PostgreSQL so that every replica sees them.

use std::net::IpAddr;

use deadpool_postgres::GenericClient;

use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};

/// A password check in progress; forgotten (kept as a failure) unless `succeeded` is called.
#[derive(Debug)]
pub struct LoginAttempt {
    id: i64,
    email: String,
    client_ip: Option<IpAddr>,
}

/// Records the attempt, or answers 429 with `Retry-After` when the email or the address is over
/// its limit. Call before verifying the password.
pub async fn begin_attempt(
    client: &impl GenericClient,
    settings: &AuthSettings,
    email: &str,
    client_ip: Option<IpAddr>,
) -> AppResult<LoginAttempt> {
    let limit = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    let row = client
        .query_one(
            "SELECT attempt_id, retry_after_seconds
               FROM register_login_attempt($1, $2, make_interval(secs => $3), $4, $5)",
            &[
                &email,
                &client_ip,
                &settings.login_failure_window.as_secs_f64(),
                &limit(settings.login_failures_per_email),
                &limit(settings.login_failures_per_ip),
            ],
        )
        .await?;
    match row.get::<_, Option<i64>>("attempt_id") {
        Some(id) => Ok(LoginAttempt {
            id,
            email: email.to_owned(),
            client_ip,
        }),
        None => {
            let retry_after: i32 = row
                .get::<_, Option<i32>>("retry_after_seconds")
                .unwrap_or(1);
            // No e-mail in logs: its pseudonym still ties the lines of one account together.
            tracing::warn!(
                email_sha256 = %crate::telemetry::pseudonym(email),
                ?client_ip,
                retry_after,
                "login attempts over the limit"
            );
            Err(AppError::TooManyRequests {
                detail: format!(
                    "Слишком много неудачных попыток входа; повторите через {} с",
                    retry_after
                ),
                retry_after_seconds: u64::try_from(retry_after.max(1)).unwrap_or(1),
            })
        }
    }
}

impl LoginAttempt {
    /// The right password: this attempt and earlier failures of the same email from the same address
    /// no longer count. Failures from other addresses still do.
    pub async fn succeeded(self, client: &impl GenericClient) -> AppResult<()> {
        client
            .execute(
                "DELETE FROM login_attempts
                  WHERE id = $1 OR (email = $2 AND client_ip IS NOT DISTINCT FROM $3)",
                &[&self.id, &self.email, &self.client_ip],
            )
            .await?;
        Ok(())
    }
}
