//! The test harness: one migrated template database per schema, one clone per test, the real router served
//! over loopback HTTP, and the shared ways to make rows and read answers.

mod accounts;
mod app;
pub mod catalog;
mod database;
pub mod fake_crm;
pub mod fixtures;
mod problem;
pub mod redis;

pub use accounts::{random_inn, random_ogrn, TEST_PASSWORD};
pub use app::{
    send_concurrently, test_signal_settings, TestApp, TEST_JWT_SECRET, TEST_SERVICE_TOKEN,
};
pub use database::{admin_config, connect, unix_seconds, TestDb};
pub use fixtures::CatalogRows;
pub use problem::{content_type, error_fields, Problem, PROBLEM_JSON};
