//! Dynamic pricing: the minute cycle (aggregates + one set-based pass in PostgreSQL), its scheduler and API.
pub mod cycle;
pub mod scheduler;

pub use cycle::{
    describe_failure_of_database, log_report, run_cycle, CycleFailure, CycleReport, CycleRequest,
    PriceChange, Trigger,
};
pub mod api;
pub mod bench;
pub mod types;

pub use api::router;
