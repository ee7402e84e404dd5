//! One rule for the `Authorization` header, taken from the OpenAPI document: on every operation whose security
//! lists the bearer scheme, a header that is sent is checked before anything else — an invalid or expired token
//! answers 401 even where anonymous callers are served; no header means an anonymous caller. Operations without
//! the scheme (sign-in, token refresh, liveness) do not read the header at all.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{MatchedPath, OptionalFromRequestParts, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extractor::CurrentUser;
use crate::openapi::BEARER;
use crate::state::AppState;

/// The operations (method and path template) whose security lists the bearer scheme.
#[derive(Clone)]
pub struct BearerRule {
    state: AppState,
    operations: Arc<HashSet<(Method, String)>>,
}

impl BearerRule {
    pub fn new(state: AppState, api: &utoipa::openapi::OpenApi) -> Self {
        let document = serde_json::to_value(api).unwrap_or_default();
        let mut operations = HashSet::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let lists_bearer = operation["security"]
                    .as_array()
                    .is_some_and(|requirements| {
                        requirements
                            .iter()
                            .any(|requirement| requirement.get(BEARER).is_some())
                    });
                if let (true, Ok(method)) = (
                    lists_bearer,
                    Method::from_bytes(method.to_uppercase().as_bytes()),
                ) {
                    operations.insert((method, path.clone()));
                }
            }
        }
        Self {
            state,
            operations: Arc::new(operations),
        }
    }

    fn applies_to(&self, request: &Request) -> bool {
        let method = if request.method() == Method::HEAD {
            Method::GET
        } else {
            request.method().clone()
        };
        request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|path| {
                self.operations
                    .contains(&(method, path.as_str().to_owned()))
            })
    }
}

/// The middleware of [`BearerRule`]: the authenticated caller is left in the request for the handler's
/// `CurrentUser` / `MaybeUser`, so the token is checked once.
pub async fn enforce_bearer_rule(
    State(rule): State<BearerRule>,
    request: Request,
    next: Next,
) -> Response {
    if !request.headers().contains_key(header::AUTHORIZATION) || !rule.applies_to(&request) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    if let Err(error) = <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts,
        &rule.state,
    )
    .await
    {
        return error.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
