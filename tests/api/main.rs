//! The integration tests: one binary, one module per area, the shared harness in `helpers`.

mod helpers;

mod analytics;
mod auth;
mod bookings;
mod catalog_apartments;
mod cli;
mod crm;
mod developers;
mod events;
mod favourites;
mod foundation;
mod map;
mod openapi_contract;
mod outbox;
mod picker;
mod pricing_api;
mod pricing_batches;
mod pricing_cycle;
mod pricing_integrity;
mod pricing_model;
mod pricing_rules;
mod projects;
mod promotions;
mod request_errors;
mod search;
mod seed_demo;
mod sql_layout;
