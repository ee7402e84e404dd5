//! Who is calling: the bearer access token checked against the database on every request.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Роль пользователя на платформе.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "buyer")]
pub enum Role {
    /// Покупатель
    Buyer,
    /// Сотрудник застройщика
    Developer,
    /// Модератор ассоциации застройщиков
    Moderator,
}

impl Role {
    /// The value of the PostgreSQL enum `user_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Developer => "developer",
            Role::Moderator => "moderator",
        }
    }

    pub fn from_db(value: &str) -> AppResult<Role> {
        match value {
            "buyer" => Ok(Role::Buyer),
            "developer" => Ok(Role::Developer),
            "moderator" => Ok(Role::Moderator),
            other => Err(AppError::Internal(format!("unknown user_role {other:?}"))),
        }
    }
}

/// The authenticated caller. Role and companies are read from the database on every request, so a
/// removed member or a deleted user loses access at once, whatever the token still claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: i64,
    pub role: Role,
    pub developer_ids: Vec<i64>,
}

impl CurrentUser {
    pub fn is_moderator(&self) -> bool {
        self.role == Role::Moderator
    }

    pub fn require_moderator(&self) -> AppResult<()> {
        if self.is_moderator() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Действие доступно только модератору".into(),
            ))
        }
    }

    pub fn require_developer_or_moderator(&self) -> AppResult<()> {
        match self.role {
            Role::Developer | Role::Moderator => Ok(()),
            Role::Buyer => Err(AppError::Forbidden(
                "Действие доступно только сотрудникам застройщика и модераторам".into(),
            )),
        }
    }

    /// Member of the company, or a moderator.
    pub fn can_manage_developer(&self, developer_id: i64) -> bool {
        match self.role {
            Role::Moderator => true,
            Role::Developer => self.developer_ids.contains(&developer_id),
            Role::Buyer => false,
        }
    }

    /// Rows owned by a user (bookings, favourites, leads): the owner or a moderator.
    pub fn can_access_user_data(&self, owner_user_id: i64) -> bool {
        self.id == owner_user_id || self.is_moderator()
    }
}

/// The caller if a bearer token was sent, `None` for anonymous visitors of public endpoints.
/// A token that was sent but is invalid still answers 401: the client should refresh it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeUser(pub Option<CurrentUser>);

fn unauthorized() -> AppError {
    AppError::Unauthorized(
        "Access-токен недействителен или истёк; обновите его через POST /auth/refresh".into(),
    )
}

/// `Authorization: Bearer <token>`; `None` when the header is absent.
fn bearer_token(headers: &HeaderMap) -> AppResult<Option<&str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| unauthorized())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthorized());
    }
    Ok(Some(token.trim()))
}

const ACCOUNT_SQL: &str = include_str!("account.sql");

/// Role, companies and the moment before which tokens are revoked; `None` if the user is gone.
pub(crate) struct Account {
    pub role: Role,
    pub developer_ids: Vec<i64>,
    pub sessions_revoked_epoch: i64,
}

pub(crate) async fn load_account(
    client: &impl deadpool_postgres::GenericClient,
    user_id: i64,
) -> AppResult<Option<Account>> {
    let statement = client.prepare_cached(ACCOUNT_SQL).await?;
    let Some(row) = client.query_opt(&statement, &[&user_id]).await? else {
        return Ok(None);
    };
    Ok(Some(Account {
        role: Role::from_db(row.get("role"))?,
        developer_ids: row.get("developer_ids"),
        sessions_revoked_epoch: row.get("sessions_revoked_epoch"),
    }))
}

async fn authenticate(state: &AppState, token: &str) -> AppResult<CurrentUser> {
    let claims = state.auth.decode_access_token(token)?;
    let user_id: i64 = claims.sub.parse().map_err(|_| unauthorized())?;
    let client = state.pool.get().await?;
    let account = load_account(&client, user_id)
        .await?
        .ok_or_else(unauthorized)?;
    if claims.iat < account.sessions_revoked_epoch {
        return Err(unauthorized());
    }
    Ok(CurrentUser {
        id: user_id,
        role: account.role,
        developer_ids: account.developer_ids,
    })
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        match <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await?
        {
            Some(user) => Ok(user),
            None => Err(AppError::Unauthorized(
                "Нужен access-токен в заголовке Authorization: Bearer <токен> (POST /auth/login)"
                    .into(),
            )),
        }
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Option<Self>> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(Some(user.clone()));
        }
        let Some(token) = bearer_token(&parts.headers)? else {
            return Ok(None);
        };
        let user = authenticate(state, token).await?;
        parts.extensions.insert(user.clone());
        Ok(Some(user))
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(MaybeUser)
    }
}

/// The client address used by the login limits: the socket peer, or the first `X-Forwarded-For`
/// hop when `TRUST_FORWARDED_FOR=true`. `None` when neither is known (never a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let forwarded = state
            .auth
            .settings()
            .trust_forwarded_for
            .then(|| first_forwarded_hop(&parts.headers))
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(ClientIp(forwarded.or(peer).map(|ip| ip.to_canonical())))
    }
}

fn first_forwarded_hop(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get("x-forwarded-for")?
        .to_str()
        .ok()?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        headers
    }

    #[test]
    fn bearer_scheme_is_required() {
        assert_eq!(bearer_token(&HeaderMap::new()).unwrap(), None);
        assert_eq!(bearer_token(&headers("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(bearer_token(&headers("bearer abc")).unwrap(), Some("abc"));
        assert!(bearer_token(&headers("Basic abc")).is_err());
        assert!(bearer_token(&headers("Bearer ")).is_err());
        assert!(bearer_token(&headers("abc")).is_err());
    }

    #[test]
    fn only_the_first_forwarded_hop_counts() {
        let mut map = HeaderMap::new();
        map.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.7, 10.0.0.1"),
        );
        assert_eq!(
            first_forwarded_hop(&map),
            Some("203.0.113.7".parse().unwrap())
        );
        map.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(first_forwarded_hop(&map), None);
    }

    #[test]
    fn company_access_follows_the_role() {
        let developer = CurrentUser {
            id: 1,
            role: Role::Developer,
            developer_ids: vec![7],
        };
        assert!(developer.can_manage_developer(7));
        assert!(!developer.can_manage_developer(8));
        assert!(developer.require_moderator().is_err());
        assert!(developer.require_developer_or_moderator().is_ok());
        let buyer = CurrentUser {
            role: Role::Buyer,
            ..developer.clone()
        };
        assert!(!buyer.can_manage_developer(7));
        assert!(buyer.require_developer_or_moderator().is_err());
        let moderator = CurrentUser {
            role: Role::Moderator,
            developer_ids: vec![],
            ..developer
        };
        assert!(moderator.can_manage_developer(8));
        assert!(moderator.require_moderator().is_ok());
    }
}
