use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use rust_decimal::Decimal;

use crate::config::PricingSettings;

/// Who asked for the pass; stored in `pricing_runs.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
    Cli,
}

impl Trigger {
    fn as_sql(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Cli => "cli",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CycleRequest {
    pub trigger: Trigger,
    pub dry_run: bool,
    /// Simulated "now" for tests and benchmarks; `None` is the database clock.
    pub now: Option<DateTime<Utc>>,
    /// The schedule slot, so that replicas never run the same minute twice.
    pub scheduled_for: Option<DateTime<Utc>>,
    pub started_by: Option<i64>,
}

impl CycleRequest {
    pub fn new(trigger: Trigger) -> Self {
        Self {
            trigger,
            dry_run: false,
            now: None,
            scheduled_for: None,
            started_by: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceChange {
    pub apartment_id: i64,
    pub decision: String,
    pub old_price: Decimal,
    pub new_price: Decimal,
    pub explanation: String,
}

#[derive(Debug, Clone)]
pub struct CycleReport {
    pub run_id: Option<i64>,
    pub dry_run: bool,
    pub skipped_reason: Option<String>,
    pub decisions: BTreeMap<String, i64>,
    pub changes: Vec<PriceChange>,
    pub aggregates_took: Duration,
    pub pass_took: Duration,
}

impl CycleReport {
    pub fn evaluated(&self) -> i64 {
        self.decisions.values().sum()
    }

    fn skipped(reason: String, dry_run: bool) -> Self {
        Self {
            run_id: None,
            dry_run,
            skipped_reason: Some(reason),
            decisions: BTreeMap::new(),
            changes: Vec::new(),
            aggregates_took: Duration::ZERO,
            pass_took: Duration::ZERO,
        }
    }

    /// The operator's one-line summary of a run.
    pub fn summary_line(&self) -> String {
        if let Some(reason) = &self.skipped_reason {
            return reason.clone();
        }
        let decisions = self
            .decisions
            .iter()
            .map(|(decision, count)| format!("{decision}={count}"))
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "{kind} {run}: {evaluated} apartments on sale, {changed} prices changed [{decisions}]; aggregates {aggregates} ms, pass {pass} ms",
            kind = if self.dry_run { "dry run" } else { "pricing run" },
            run = self.run_id.map_or_else(|| "-".to_owned(), |id| format!("#{id}")),
            evaluated = self.evaluated(),
            changed = self.changes.len(),
            aggregates = self.aggregates_took.as_millis(),
            pass = self.pass_took.as_millis(),
        )
    }
}

/// Refreshes the 24 h aggregates, then runs one pricing pass, in one transaction.
/// A dry run does the same work and rolls it all back, so its preview sees fresh aggregates.
pub async fn run_cycle(
    client: &mut deadpool_postgres::Object,
    settings: &PricingSettings,
    request: &CycleRequest,
) -> Result<CycleReport, tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    if !request.dry_run {
        let locked: bool = transaction
            .query_one(
                "SELECT pg_try_advisory_xact_lock(pricing_pass_lock_key())",
                &[],
            )
            .await?
            .get(0);
        if !locked {
            return Ok(CycleReport::skipped(
                "Проход пропущен: другой проход ценообразования ещё выполняется".into(),
                request.dry_run,
            ));
        }
    }
    let started = Instant::now();
    transaction
        .execute(
            "SELECT refresh_demand_aggregates(coalesce($1::timestamptz, now()))",
            &[&request.now],
        )
        .await?;
    let aggregates_took = started.elapsed();
    let report = run_pass(&transaction, settings, request, aggregates_took).await?;
    if request.dry_run {
        transaction.rollback().await?;
    } else {
        transaction.commit().await?;
    }
    Ok(report)
}

/// One pass without refreshing aggregates (the caller's transaction decides when it commits).
pub async fn run_pass(
    client: &impl GenericClient,
    settings: &PricingSettings,
    request: &CycleRequest,
    aggregates_took: Duration,
) -> Result<CycleReport, tokio_postgres::Error> {
    let started = Instant::now();
    let rows = client
        .query(
            include_str!("pass.sql"),
            &[
                &request.now,
                &request.dry_run,
                &request.trigger.as_sql(),
                &settings.elasticity_cap,
                &settings.max_shift,
                &request.scheduled_for,
                &request.started_by,
            ],
        )
        .await?;
    let mut report = CycleReport {
        run_id: None,
        dry_run: request.dry_run,
        skipped_reason: None,
        decisions: BTreeMap::new(),
        changes: Vec::new(),
        aggregates_took,
        pass_took: Duration::ZERO,
    };
    for row in &rows {
        let decision: String = row.get("decision");
        if decision == "skipped" {
            report.skipped_reason = row.get("explanation");
            continue;
        }
        *report.decisions.entry(decision.clone()).or_default() += 1;
        if decision == "raise" || decision == "lower" {
            report.changes.push(PriceChange {
                apartment_id: row.get("apartment_id"),
                decision,
                old_price: row.get("old_price"),
                new_price: row.get("new_price"),
                explanation: row.get("explanation"),
            });
        }
    }
    // A real pass answers its changes in evaluation order (V9); logs and callers get them by apartment.
    report
        .changes
        .sort_unstable_by_key(|change| change.apartment_id);
    if !request.dry_run && report.skipped_reason.is_none() {
        if let Some(run) = client.query_opt(include_str!("run.sql"), &[]).await? {
            report.run_id = Some(run.get("id"));
            let decisions: serde_json::Value = run.get("decisions");
            report.decisions = serde_json::from_value(decisions).unwrap_or_default();
        }
    }
    report.pass_took = started.elapsed();
    Ok(report)
}

/// One tracing line per change and one summary line per run.
pub fn log_report(report: &CycleReport) {
    for change in &report.changes {
        tracing::info!(
            run_id = report.run_id,
            apartment_id = change.apartment_id,
            old_price = %change.old_price,
            new_price = %change.new_price,
            "{}",
            change.explanation
        );
    }
    tracing::info!(run_id = report.run_id, "{}", report.summary_line());
}
