pub mod analytics;
pub mod apartments;
pub mod audit;
pub mod auth;
pub mod bookings;
pub mod buildings;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod crm;
pub mod db;
pub mod developers;
pub mod error;
pub mod events;
pub mod extract;
pub mod favourites;
pub mod health;
pub mod jobs;
pub mod map;
pub mod openapi;
pub mod outbox;
pub mod pagination;
pub mod picker;
pub mod pricing;
pub mod projects;
pub mod promotions;
pub mod seed;
pub mod state;
pub mod telemetry;
pub mod text;
pub mod validation;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use state::AppState;

/// Request bodies larger than this answer 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The routes of the API and their OpenAPI document, with the responses every operation shares documented.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, api) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .merge(developers::router())
        .merge(apartments::router())
        .merge(apartments::bulk_router())
        .merge(projects::router())
        .merge(buildings::router())
        .merge(map::router())
        .merge(catalog::cabinet::router())
        .merge(pricing::router())
        .merge(events::router())
        .merge(favourites::router())
        .merge(picker::router())
        .merge(bookings::router())
        .merge(promotions::router())
        .merge(outbox::router())
        .merge(crm::router())
        .merge(analytics::router())
        .split_for_parts();
    (router, openapi::document_common_responses(api))
}

pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// The router with the default catalog settings (`CatalogSettings::default()`).
pub fn app(state: AppState) -> Router {
    app_with_catalog(state, catalog::CatalogCache::default())
}

/// The router with the given catalog cache (its settings come from `CATALOG_*` / `MAP_*` in production).
pub fn app_with_catalog(state: AppState, catalog: catalog::CatalogCache) -> Router {
    let (router, api) = api_router();
    let bearer_rule = auth::BearerRule::new(state.clone(), &api);
    router
        .layer(axum::middleware::from_fn_with_state(
            bearer_rule,
            auth::enforce_bearer_rule,
        ))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .route(
            "/asyncapi.json",
            axum::routing::get(outbox::asyncapi::asyncapi_document),
        )
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            error::AppError::MethodNotAllowed(method.to_string())
        })
        .layer(axum::Extension(catalog))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(telemetry::request_trace_layer())
        .fallback(|| async {
            error::AppError::not_found("Такого адреса нет; список эндпоинтов — /docs")
        })
        .with_state(state)
}
