//! What the public catalog endpoints share: the filter set of `/apartments`, `/projects` and `/map/projects`,
//! a small SQL builder for them, the enums of the catalog and the moderation flow of projects and apartments.

pub mod cabinet;
pub mod cache;
pub mod filters;
pub mod moderation;
pub mod types;

pub use cache::CatalogCache;
pub use filters::{CatalogFilters, SqlParams};
pub use types::{
    ApartmentStatus, Currency, ModerationDecisionRequest, ProjectClass, PublishDecision, RoomCount,
};
