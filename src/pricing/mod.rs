//! Dynamic pricing: the minute cycle (aggregates + one set-based pass in PostgreSQL), its scheduler and API.
pub mod cycle;
pub mod scheduler;

pub use cycle::{log_report, run_cycle, CycleReport, CycleRequest, PriceChange, Trigger};
pub mod api;
pub mod types;

pub use api::router;
