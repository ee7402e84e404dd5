//! argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1), always off the async runtime.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_PARALLELISM: u32 = 1;

fn argon2id() -> Argon2<'static> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .expect("the OWASP argon2 parameters are within argon2's limits");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified instead of a real hash when the email is unknown, so both cases take the same time.
static UNKNOWN_USER_HASH: LazyLock<String> = LazyLock::new(|| {
    let random_password: [u8; 32] = rand::random();
    argon2id()
        .hash_password(&random_password)
        .expect("hashing random bytes cannot fail")
        .to_string()
});

/// The upper length limit alone: checked before any hashing or verification (registration, login, password
/// change), so a megabyte "password" costs a length check, not an argon2 pass over it.
pub fn check_password_length(password: &str) -> Result<(), String> {
    if password.chars().nth(MAX_PASSWORD_CHARS).is_some() {
        return Err(format!(
            "пароль должен быть не длиннее {MAX_PASSWORD_CHARS} символов"
        ));
    }
    Ok(())
}

/// Length limits and no email inside the password; the message is for the `password` field.
pub fn check_password_policy(password: &str, email: &str) -> Result<(), String> {
    check_password_length(password)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "пароль должен быть не короче {MIN_PASSWORD_CHARS} символов"
        ));
    }
    let password = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    if password.contains(&email)
        || (local_part.chars().count() >= 3 && password.contains(local_part))
    {
        return Err("пароль не должен содержать email".into());
    }
    Ok(())
}

pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        argon2id()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::Internal(format!("argon2 hashing failed: {error}")))
    })
    .await
    .map_err(|error| AppError::Internal(format!("hashing task failed: {error}")))?
}

/// `stored_hash = None` (unknown user) still spends one full verification and answers false.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let known_user = stored_hash.is_some();
        let hash = stored_hash.unwrap_or_else(|| UNKNOWN_USER_HASH.clone());
        let matches = argon2id()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        known_user && matches
    })
    .await
    .map_err(|error| AppError::Internal(format!("verification task failed: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rejects_short_long_and_email_passwords() {
        let email = "ivan.petrov@example.ru";
        assert!(check_password_policy("short", email).is_err());
        assert!(check_password_policy(&"x".repeat(MAX_PASSWORD_CHARS + 1), email).is_err());
        assert!(check_password_policy("Ivan.Petrov2024!", email).is_err());
        assert!(check_password_policy("ivan.petrov@example.ru", email).is_err());
        assert!(check_password_policy("Ромашка-весна-2024", email).is_ok());
    }

    #[test]
    fn the_length_limit_counts_characters_and_matches_the_policy_message() {
        assert!(check_password_length(&"я".repeat(MAX_PASSWORD_CHARS)).is_ok());
        let too_long = "x".repeat(900 * 1024);
        assert_eq!(
            check_password_length(&too_long),
            check_password_policy(&too_long, "ivan@example.ru")
        );
        assert_eq!(
            check_password_length(&too_long).unwrap_err(),
            "пароль должен быть не длиннее 128 символов"
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = hash_password("Ромашка-весна-2024".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("Ромашка-весна-2024".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong password".into(), Some(hash))
            .await
            .unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }
}
