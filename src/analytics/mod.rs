//! Analytics: demand analytics for a developer company (its own data only) and market analytics for the
//! association, read from the roll-ups that `refresh_analytics()` keeps (`sql/analytics/`, job
//! `src/jobs/analytics.rs`). Every endpoint answers JSON, CSV with Russian headers (`Accept: text/csv`), and the
//! main series also as an SVG chart. One module per resource: funnel, popular, prices, sales, market.

pub mod chart;
pub mod csv;
pub mod funnel;
pub mod market;
pub mod popular;
pub mod prices;
pub mod sales;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{project_of_company, CurrentUser};
use crate::catalog::types::ProjectClass;
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;
use crate::validation::normalize_region_code;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(funnel::funnel))
        .routes(routes!(funnel::funnel_chart))
        .routes(routes!(popular::popular))
        .routes(routes!(prices::price_clusters))
        .routes(routes!(sales::sales))
        .routes(routes!(sales::sales_chart))
        .routes(routes!(market::market))
        .routes(routes!(market::market_chart))
}

/// The longest period one request may ask for, days.
pub const MAX_PERIOD_DAYS: i64 = 731;
/// The period when the request names none, days back from today (Moscow).
pub const DEFAULT_PERIOD_DAYS: i64 = 30;
/// Market cells with fewer companies are hidden from developers.
pub const MIN_COMPANIES_PER_CELL: i32 = 3;

/// Today by Moscow time (UTC+3 all year round since 2014).
pub fn moscow_today() -> NaiveDate {
    (Utc::now() + Duration::hours(3)).date_naive()
}

/// The filters every analytics endpoint shares, checked and scoped to the caller.
#[derive(Debug, Clone)]
pub struct Scope {
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub region: Option<String>,
    pub city: Option<String>,
    pub project_id: Option<i64>,
    pub class: Option<&'static str>,
    /// A moderator sees every company; a developer only `developer_ids`.
    pub all_companies: bool,
    pub developer_ids: Vec<i64>,
}

/// The raw filters of a query string.
#[derive(Debug, Default, Clone)]
pub struct RawFilters<'a> {
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub region: Option<&'a str>,
    pub city: Option<&'a str>,
    pub project_id: Option<i64>,
    pub class: Option<ProjectClass>,
}

impl Scope {
    /// Checks the filters and who asks: buyers get 403, another company's project 404 (like a missing one).
    pub async fn of(
        client: &impl GenericClient,
        caller: &CurrentUser,
        raw: RawFilters<'_>,
    ) -> AppResult<Self> {
        caller.require_developer_or_moderator()?;
        let mut errors = Vec::new();
        let date_to = raw.date_to.unwrap_or_else(moscow_today);
        let date_from = raw
            .date_from
            .unwrap_or(date_to - Duration::days(DEFAULT_PERIOD_DAYS - 1));
        if date_from > date_to {
            errors.push(FieldError::new(
                "date_from",
                "начало периода должно быть не позже date_to",
            ));
        } else if (date_to - date_from).num_days() + 1 > MAX_PERIOD_DAYS {
            errors.push(FieldError::new(
                "date_to",
                format!("период не длиннее {MAX_PERIOD_DAYS} дней"),
            ));
        }
        let region = match raw.region.map(normalize_region_code) {
            Some(Ok(code)) => Some(code),
            Some(Err(message)) => {
                errors.push(FieldError::new("region", message));
                None
            }
            None => None,
        };
        let city = raw.city.map(str::trim).map(str::to_owned);
        if city
            .as_deref()
            .is_some_and(|city| city.is_empty() || city.chars().count() > 100)
        {
            errors.push(FieldError::new("city", "от 1 до 100 символов"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        if let Some(project_id) = raw.project_id {
            project_of_company(client, caller, project_id).await?;
        }
        Ok(Self {
            date_from,
            date_to,
            region,
            city,
            project_id: raw.project_id,
            class: raw.class.map(ProjectClass::as_str),
            all_companies: caller.is_moderator(),
            developer_ids: caller.developer_ids.clone(),
        })
    }

    /// `$1` date_from, `$2` date_to, `$3` region, `$4` project_id, `$5` class, `$6` all companies,
    /// `$7` the caller's companies, `$8` city: the parameters every analytics query starts with.
    pub fn params(&self) -> [&(dyn ToSql + Sync); 8] {
        [
            &self.date_from,
            &self.date_to,
            &self.region,
            &self.project_id,
            &self.class,
            &self.all_companies,
            &self.developer_ids,
            &self.city,
        ]
    }
}

/// When the roll-ups were last refreshed (`None` before the first refresh).
pub async fn refreshed_at(client: &impl GenericClient) -> AppResult<Option<DateTime<Utc>>> {
    Ok(client
        .query_one("SELECT refreshed_at FROM analytics_refresh_state", &[])
        .await?
        .get(0))
}

/// What the queries read as `{cluster_demand}`: the medians of the clusters, or no rows until the pricing cycle
/// has filled the materialized view once (reading an unpopulated view is an error, not an empty set).
pub async fn cluster_demand_source(client: &impl GenericClient) -> AppResult<&'static str> {
    let populated: bool = client
        .query_one(
            "SELECT coalesce((SELECT ispopulated FROM pg_matviews
                               WHERE schemaname = current_schema() AND matviewname = 'cluster_demand'), false)",
            &[],
        )
        .await?
        .get(0);
    Ok(if populated {
        "cluster_demand"
    } else {
        "(SELECT NULL::bigint AS project_id, NULL::smallint AS rooms, NULL::numeric AS median_demand WHERE false)"
    })
}

/// `numerator ÷ denominator` rounded to `places`, `None` when the denominator is zero.
pub fn ratio(numerator: i64, denominator: i64, places: u32) -> Option<rust_decimal::Decimal> {
    (denominator != 0).then(|| {
        (rust_decimal::Decimal::from(numerator) / rust_decimal::Decimal::from(denominator))
            .round_dp(places)
    })
}
