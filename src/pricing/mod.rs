//! Dynamic pricing: the minute cycle (aggregates + one set-based pass in PostgreSQL) and its API; the job that
//! runs it every minute is `crate::jobs::pricing`.
pub mod cycle;

pub use cycle::{
    describe_failure_of_database, log_report, run_cycle, CycleFailure, CycleReport, CycleRequest,
    PriceChange, Trigger,
};
pub mod api;
pub mod report_text;
pub mod types;

pub use api::router;
