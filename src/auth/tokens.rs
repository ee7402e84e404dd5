//! Access tokens (JWT HS256, algorithm pinned) and opaque rotating refresh tokens.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use deadpool_postgres::GenericClient;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::extractor::{load_account, Role};
use super::types::TokenResponse;
use crate::config::{AuthSettings, Secret};
use crate::error::{AppError, AppResult};

/// The `typ` claim of access tokens; anything else (a refresh or another token) is refused.
pub const ACCESS_TOKEN_TYPE: &str = "access";
/// Clock skew tolerated on `exp`.
pub const LEEWAY_SECONDS: u64 = 30;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// User id as a string (RFC 7519 `sub`).
    pub sub: String,
    pub role: Role,
    /// Companies the user works for at issue time.
    pub developer_ids: Vec<i64>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub iat: i64,
    pub jti: String,
    pub typ: String,
}

/// JWT keys, issuer, audience, lifetimes and login limits; cheap to clone.
#[derive(Clone)]
pub struct AuthKeys(Arc<KeysInner>);

struct KeysInner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: AuthSettings,
}

impl fmt::Debug for AuthKeys {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("AuthKeys")
            .field("secret", &"***")
            .field("settings", &self.0.settings)
            .finish()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

fn unauthorized() -> AppError {
    AppError::Unauthorized(
        "Access-токен недействителен или истёк; обновите его через POST /auth/refresh".into(),
    )
}

impl AuthKeys {
    /// The secret's strength is checked by `SettingsReader::jwt_secret` at start-up.
    pub fn new(secret: &Secret, settings: AuthSettings) -> Self {
        let bytes = secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self(Arc::new(KeysInner {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            settings,
        }))
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.0.settings
    }

    pub fn access_token_ttl_seconds(&self) -> u64 {
        self.0.settings.access_token_ttl.as_secs()
    }

    pub fn issue_access_token(
        &self,
        user_id: i64,
        role: Role,
        developer_ids: &[i64],
    ) -> AppResult<String> {
        let now = unix_now();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            role,
            developer_ids: developer_ids.to_vec(),
            iss: self.0.settings.issuer.clone(),
            aud: self.0.settings.audience.clone(),
            exp: now + self.access_token_ttl_seconds(),
            iat: i64::try_from(now).unwrap_or(i64::MAX),
            jti: random_hex::<16>(),
            typ: ACCESS_TOKEN_TYPE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
            .map_err(|error| AppError::Internal(format!("cannot sign an access token: {error}")))
    }

    /// Signature, algorithm, `exp` (with leeway), `iss`, `aud` and `typ`; any failure is 401.
    pub fn decode_access_token(&self, token: &str) -> AppResult<AccessClaims> {
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, &self.0.decoding, &self.0.validation)
                .map_err(|_| unauthorized())?;
        if data.claims.typ != ACCESS_TOKEN_TYPE {
            return Err(unauthorized());
        }
        Ok(data.claims)
    }
}

fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// 256 random bits, URL-safe base64 without padding (43 characters).
pub fn new_refresh_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Only this SHA-256 is stored; the token itself is shown to the client once.
pub fn refresh_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new access token and a refresh token in `family_id` (a new family for a fresh login).
pub async fn issue_token_pair(
    client: &impl GenericClient,
    keys: &AuthKeys,
    user_id: i64,
    family_id: Option<&str>,
) -> AppResult<TokenResponse> {
    let account = load_account(client, user_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Пользователь не найден".into()))?;
    let access_token = keys.issue_access_token(user_id, account.role, &account.developer_ids)?;
    let refresh_token = new_refresh_token();
    let refresh_ttl_seconds = keys.settings().refresh_token_ttl.as_secs_f64();
    if family_id.is_none() {
        client
            .execute(
                "DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < now()",
                &[&user_id],
            )
            .await?;
    }
    client
        .execute(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
             VALUES ($1, coalesce($2::text::uuid, gen_random_uuid()), $3,
                     now() + make_interval(secs => $4))",
            &[
                &user_id,
                &family_id,
                &refresh_token_hash(&refresh_token),
                &refresh_ttl_seconds,
            ],
        )
        .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: keys.access_token_ttl_seconds(),
    })
}

enum Rotation {
    Rotated(TokenResponse),
    ReuseDetected { user_id: i64, family_id: String },
    Rejected,
}

/// Exchanges a refresh token for a new pair. A token presented a second time means it was stolen
/// (or the client is broken): its whole family is revoked and the call answers 401.
pub async fn rotate_refresh_token(
    client: &mut deadpool_postgres::Client,
    keys: &AuthKeys,
    refresh_token: &str,
) -> AppResult<TokenResponse> {
    let transaction = client.transaction().await?;
    let row = transaction
        .query_opt(
            "SELECT id, user_id, family_id::text AS family_id,
                    used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked,
                    expires_at <= now() AS expired
               FROM refresh_tokens
              WHERE token_hash = $1
                FOR UPDATE",
            &[&refresh_token_hash(refresh_token)],
        )
        .await?;
    let outcome = match row {
        None => Rotation::Rejected,
        Some(row) if row.get::<_, bool>("revoked") || row.get::<_, bool>("expired") => {
            Rotation::Rejected
        }
        Some(row) if row.get::<_, bool>("used") => {
            let family_id: String = row.get("family_id");
            revoke_family(&transaction, &family_id).await?;
            Rotation::ReuseDetected {
                user_id: row.get("user_id"),
                family_id,
            }
        }
        Some(row) => {
            let id: i64 = row.get("id");
            let family_id: String = row.get("family_id");
            transaction
                .execute(
                    "UPDATE refresh_tokens SET used_at = now() WHERE id = $1",
                    &[&id],
                )
                .await?;
            Rotation::Rotated(
                issue_token_pair(&transaction, keys, row.get("user_id"), Some(&family_id)).await?,
            )
        }
    };
    if let Rotation::ReuseDetected { user_id, family_id } = &outcome {
        transaction
            .execute(
                "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details)
                 VALUES ($1, 'auth.refresh_reuse', 'user', $1, jsonb_build_object('family_id', $2::text))",
                &[user_id, family_id],
            )
            .await?;
        tracing::warn!(user_id, %family_id, "refresh token reused: family revoked");
    }
    transaction.commit().await?;
    match outcome {
        Rotation::Rotated(tokens) => Ok(tokens),
        Rotation::ReuseDetected { .. } | Rotation::Rejected => Err(AppError::Unauthorized(
            "Refresh-токен недействителен, отозван или уже использован; войдите заново".into(),
        )),
    }
}

async fn revoke_family(client: &impl GenericClient, family_id: &str) -> AppResult<u64> {
    Ok(client
        .execute(
            "UPDATE refresh_tokens SET revoked_at = now()
              WHERE family_id = $1::text::uuid AND revoked_at IS NULL",
            &[&family_id],
        )
        .await?)
}

/// Logout: the family of this token; unknown tokens are ignored (the answer is the same).
pub async fn revoke_family_of(client: &impl GenericClient, refresh_token: &str) -> AppResult<()> {
    client
        .execute(
            "UPDATE refresh_tokens SET revoked_at = now()
              WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
                AND revoked_at IS NULL",
            &[&refresh_token_hash(refresh_token)],
        )
        .await?;
    Ok(())
}

/// Password change: every refresh token and every access token issued before this second.
pub async fn revoke_all_sessions(client: &impl GenericClient, user_id: i64) -> AppResult<()> {
    client
        .execute(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
            &[&user_id],
        )
        .await?;
    client
        .execute(
            "UPDATE users SET sessions_revoked_at = date_trunc('second', now()) WHERE id = $1",
            &[&user_id],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AuthKeys {
        AuthKeys::new(
            &Secret::new("unit-test-secret-0123456789-abcdefghij"),
            AuthSettings::default(),
        )
    }

    #[test]
    fn access_tokens_round_trip() {
        let keys = keys();
        let token = keys
            .issue_access_token(42, Role::Developer, &[3, 5])
            .unwrap();
        let claims = keys.decode_access_token(&token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.role, Role::Developer);
        assert_eq!(claims.developer_ids, vec![3, 5]);
        assert_eq!(claims.typ, ACCESS_TOKEN_TYPE);
        assert_eq!(claims.exp - u64::try_from(claims.iat).unwrap(), 15 * 60);
    }

    #[test]
    fn tokens_of_another_audience_are_refused() {
        let other = AuthKeys::new(
            &Secret::new("unit-test-secret-0123456789-abcdefghij"),
            AuthSettings {
                audience: "someone-else".into(),
                ..AuthSettings::default()
            },
        );
        let token = other.issue_access_token(1, Role::Buyer, &[]).unwrap();
        assert!(keys().decode_access_token(&token).is_err());
    }

    #[test]
    fn refresh_tokens_are_256_bit_and_hashed() {
        let token = new_refresh_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(token, new_refresh_token());
        assert_eq!(refresh_token_hash(&token).len(), 32);
    }
}
