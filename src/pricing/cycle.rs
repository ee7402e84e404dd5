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

#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub run_id: Option<i64>,
    pub dry_run: bool,
    pub skipped_reason: Option<String>,
    pub decisions: BTreeMap<String, i64>,
    pub changes: Vec<PriceChange>,
    pub aggregates_took: Duration,
    pub pass_took: Duration,
    /// The transfer of changed popularity to `apartment_popularity` after the pass (not part of the cycle's time).
    pub popularity_took: Duration,
    /// Batches of whole projects the pass was split into (0 for a dry run).
    pub batches: i32,
    /// Connections that repriced batches.
    pub workers: Option<i32>,
    /// The pass stopped midway: finished batches are applied, the next pass goes on.
    pub interrupted: bool,
}

impl CycleReport {
    pub fn evaluated(&self) -> i64 {
        self.decisions.values().sum()
    }

    fn skipped(reason: String) -> Self {
        Self {
            skipped_reason: Some(reason),
            ..Self::default()
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
            "{kind} {run}: {evaluated} apartments on sale, {changed} prices changed [{decisions}]; {batches} batches on {workers} connections; aggregates {aggregates} ms, pass {pass} ms; popularity for search {popularity} ms after the cycle",
            kind = match (self.dry_run, self.interrupted) {
                (true, _) => "dry run",
                (false, true) => "pricing run INTERRUPTED (finished batches applied; the next pass goes on)",
                (false, false) => "pricing run",
            },
            batches = self.batches,
            workers = self.workers.unwrap_or(1),
            run = self.run_id.map_or_else(|| "-".to_owned(), |id| format!("#{id}")),
            evaluated = self.evaluated(),
            changed = self.changes.len(),
            aggregates = self.aggregates_took.as_millis(),
            pass = self.pass_took.as_millis(),
            popularity = self.popularity_took.as_millis(),
        )
    }
}

/// One minute of pricing. A real cycle is `CALL run_pricing_cycle(…)` (sql/pricing/run_pricing_cycle.sql: lock,
/// aggregates, batches of whole projects each committed on its own, summary) on `client`, while
/// `settings.workers − 1` more connections of the same pool reprice batches beside it.
/// A dry run refreshes the aggregates and previews every decision in one transaction that it rolls back.
pub async fn run_cycle(
    client: &mut deadpool_postgres::Object,
    settings: &PricingSettings,
    request: &CycleRequest,
) -> Result<CycleReport, tokio_postgres::Error> {
    if request.dry_run {
        return preview_cycle(client, settings, request).await;
    }
    client
        .batch_execute(&pricing_session_settings(settings))
        .await?;
    let helpers = BatchHelpers::spawn(deadpool_postgres::Object::pool(client), settings);
    let started = Instant::now();
    let called = client
        .query_one(
            "CALL run_pricing_cycle(coalesce($1::timestamptz, now()), $2::text::pricing_trigger, $3, $4, $5, $6, $7, $8)",
            &[
                &request.now,
                &request.trigger.as_sql(),
                &request.scheduled_for,
                &request.started_by,
                &settings.elasticity_cap,
                &settings.max_shift,
                &settings.batch_apartments,
                &i32::try_from(settings.workers).unwrap_or(1),
            ],
        )
        .await;
    helpers.stop().await;
    if called.is_err() {
        // A failed CALL may leave the session-level pass lock held by this pooled connection.
        let _ = client
            .batch_execute("SELECT pg_advisory_unlock_all()")
            .await;
    }
    let _ = client.batch_execute(RESET_PRICING_SESSION).await;
    let called = called?;
    let run_id: Option<i64> = called.get("pricing_run");
    match run_id {
        Some(run_id) => {
            let took = started.elapsed();
            let popularity_took = sync_popularity(client).await;
            let report = read_report(client, run_id, took).await?;
            Ok(CycleReport {
                popularity_took,
                ..report
            })
        }
        None => Ok(CycleReport::skipped(
            called
                .get::<_, Option<String>>("skipped_reason")
                .unwrap_or_default(),
        )),
    }
}

/// After the pass, outside the cycle's time: the popularity of flats whose counters the cycle changed goes to
/// `apartment_popularity`, the index of popularity pages by city (sql/demand/sync_apartment_popularity.sql). A failure
/// leaves the list for the next cycle.
async fn sync_popularity(client: &deadpool_postgres::Object) -> Duration {
    let started = Instant::now();
    match client
        .query_one("SELECT sync_apartment_popularity() AS synced", &[])
        .await
    {
        Ok(row) => match row.get::<_, Option<i32>>("synced") {
            Some(synced) => tracing::debug!(
                synced,
                took_ms = started.elapsed().as_millis() as u64,
                "popularity of changed counters synced"
            ),
            None => tracing::warn!(
                "популярность для поиска не перенесена: строка apartment_popularity занята; перенос — в следующем цикле"
            ),
        },
        Err(error) => tracing::warn!(
            error = %crate::db::describe_error(&error),
            "популярность для поиска не перенесена; перенос — в следующем цикле"
        ),
    }
    started.elapsed()
}

/// `statement_timeout` above the longest cycle (the coordinator's CALL is one statement); a server that notices a
/// dead client within a second instead of finishing its statement and keeping the pass lock; and batches that do
/// not wait for the WAL flush while they hold apartment rows (a crash loses at most the last batches, which the
/// next pass simply recomputes: a batch is atomic either way).
fn pricing_session_settings(settings: &PricingSettings) -> String {
    format!(
        "SET statement_timeout = {}; SET client_connection_check_interval = 1000; SET synchronous_commit = off",
        settings.statement_timeout.as_millis()
    )
}

const RESET_PRICING_SESSION: &str =
    "RESET statement_timeout; RESET client_connection_check_interval; RESET synchronous_commit";

async fn preview_cycle(
    client: &mut deadpool_postgres::Object,
    settings: &PricingSettings,
    request: &CycleRequest,
) -> Result<CycleReport, tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    let started = Instant::now();
    transaction
        .execute(
            "SELECT refresh_demand_aggregates(coalesce($1::timestamptz, now()))",
            &[&request.now],
        )
        .await?;
    let aggregates_took = started.elapsed();
    let rows = transaction
        .query(
            include_str!("preview.sql"),
            &[&request.now, &settings.elasticity_cap, &settings.max_shift],
        )
        .await?;
    transaction.rollback().await?;
    let mut report = CycleReport {
        dry_run: true,
        aggregates_took,
        pass_took: started.elapsed().saturating_sub(aggregates_took),
        ..CycleReport::default()
    };
    for row in &rows {
        let decision: String = row.get("decision");
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
    Ok(report)
}

/// The summary of a finished run from `pricing_runs` and its changes from `price_history`, by apartment.
async fn read_report(
    client: &deadpool_postgres::Object,
    run_id: i64,
    took: Duration,
) -> Result<CycleReport, tokio_postgres::Error> {
    let run = client
        .query_one(include_str!("run.sql"), &[&run_id])
        .await?;
    let decisions: serde_json::Value = run.get("decisions");
    let changes = client
        .query(include_str!("run_changes.sql"), &[&run_id])
        .await?
        .iter()
        .map(|row| PriceChange {
            apartment_id: row.get("apartment_id"),
            decision: row.get("decision"),
            old_price: row.get("old_price"),
            new_price: row.get("new_price"),
            explanation: row.get("explanation"),
        })
        .collect();
    let aggregates_took = Duration::from_secs_f64(run.get::<_, f64>("aggregates_seconds"));
    Ok(CycleReport {
        run_id: Some(run_id),
        dry_run: false,
        skipped_reason: None,
        decisions: serde_json::from_value(decisions).unwrap_or_default(),
        changes,
        aggregates_took,
        pass_took: took.saturating_sub(aggregates_took),
        batches: run.get("batches"),
        workers: run.get("workers"),
        interrupted: run.get::<_, String>("status") == "interrupted",
        popularity_took: Duration::ZERO,
    })
}

/// `settings.workers − 1` connections that take batches of the running pass until told to stop.
struct BatchHelpers {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl BatchHelpers {
    const IDLE_POLL: Duration = Duration::from_millis(25);

    /// At most `settings.workers − 1` helpers, and never more than the pool has connections besides the
    /// coordinator's (a helper waiting for a connection would keep the cycle from finishing).
    fn spawn(pool: Option<deadpool_postgres::Pool>, settings: &PricingSettings) -> Self {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let tasks = match pool {
            Some(pool) => (1..settings.workers.min(pool.status().max_size))
                .map(|worker| {
                    let pool = pool.clone();
                    let stopped = stopped.clone();
                    let session_settings = pricing_session_settings(settings);
                    tokio::spawn(async move {
                        if let Err(error) =
                            Self::help(&pool, &session_settings, stopped).await
                        {
                            tracing::warn!(
                                worker,
                                cause = %error,
                                "помощник прохода цен остановился; его пачки пересчитают остальные соединения"
                            );
                        }
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        Self { stop, tasks }
    }

    async fn help(
        pool: &deadpool_postgres::Pool,
        session_settings: &str,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), CycleFailure> {
        let client = pool.get().await.map_err(CycleFailure::Pool)?;
        client.batch_execute(session_settings).await?;
        // Stop when told to, or when the cycle was dropped midway (its sender is gone).
        while !*stopped.borrow() && stopped.has_changed().is_ok() {
            let repriced: bool = client
                .query_one("SELECT reprice_next_batch()", &[])
                .await?
                .get(0);
            if !repriced {
                tokio::select! {
                    _ = tokio::time::sleep(Self::IDLE_POLL) => {}
                    _ = stopped.changed() => {}
                }
            }
        }
        client.batch_execute(RESET_PRICING_SESSION).await?;
        Ok(())
    }

    async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for BatchHelpers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Why a cycle (or a helper) failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum CycleFailure {
    #[error("{}", describe_failure_of_database(.0))]
    Database(#[from] tokio_postgres::Error),
    #[error("база недоступна: {0}")]
    Pool(deadpool_postgres::PoolError),
}

/// The Russian cause of a failed pricing statement: deadlock, timeout, lost connection, or the server's words.
pub fn describe_failure_of_database(error: &tokio_postgres::Error) -> String {
    use tokio_postgres::error::SqlState;
    let cause = match error.code() {
        Some(code) if *code == SqlState::T_R_DEADLOCK_DETECTED => {
            "взаимоблокировка с другой транзакцией"
        }
        Some(code) if *code == SqlState::QUERY_CANCELED => {
            "превышено время запроса (PRICING_STATEMENT_TIMEOUT_SECONDS) или запрос отменён"
        }
        Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE => {
            "строка или таблица занята дольше lock_timeout"
        }
        Some(code)
            if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW =>
        {
            "сервер PostgreSQL остановлен или перезапускается"
        }
        Some(_) => return format!("ошибка базы: {}", crate::db::describe_error(error)),
        None if error.is_closed() => "соединение с базой потеряно",
        None => return format!("соединение с базой: {error}"),
    };
    format!("{cause} ({})", crate::db::describe_error(error))
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
