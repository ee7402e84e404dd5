//! The relay: outbox rows to Redis Streams in id order, at least once. One replica publishes at a time — the one
//! whose dedicated connection holds the session advisory lock `outbox_relay_lock_key()`; when it dies its
//! connection closes, the lock is released and another replica's relay takes over within `LEADER_RETRY`.
//! Redis down: the batch is retried with back-off; events wait in the outbox and nothing else stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, GenericClient, NoTls};

use crate::config::OutboxSettings;

/// How often a replica that is not the relay asks for the lock again.
pub const LEADER_RETRY: Duration = Duration::from_secs(2);
/// How long the relay waits for a NOTIFY before it looks at the outbox anyway.
const IDLE_POLL: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// The relay is reported as behind when the oldest waiting event is older than this.
const LAG_WARNING: Duration = Duration::from_secs(10);

/// One outbox row on its way to Redis.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub id: i64,
    pub topic: String,
    pub event_type: String,
    pub aggregate_id: i64,
    pub recorded_at: DateTime<Utc>,
    pub payload: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("PostgreSQL: {}", crate::db::describe_error(.0))]
    Database(#[from] tokio_postgres::Error),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// The next `limit` unpublished events in id order.
pub async fn next_batch(
    client: &impl GenericClient,
    limit: u32,
) -> Result<Vec<OutboxEvent>, tokio_postgres::Error> {
    let rows = client
        .query(include_str!("next_batch.sql"), &[&i64::from(limit)])
        .await?;
    Ok(rows
        .iter()
        .map(|row| OutboxEvent {
            id: row.get("id"),
            topic: row.get("topic"),
            event_type: row.get("event_type"),
            aggregate_id: row.get("aggregate_id"),
            recorded_at: row.get("recorded_at"),
            payload: row.get("payload"),
        })
        .collect())
}

/// `XADD` of every event to its topic's stream in one pipelined round trip, in the given order.
pub async fn publish(
    redis: &mut MultiplexedConnection,
    settings: &OutboxSettings,
    events: &[OutboxEvent],
) -> Result<(), redis::RedisError> {
    let mut pipeline = redis::pipe();
    for event in events {
        pipeline
            .cmd("XADD")
            .arg(stream_name(&settings.stream_prefix, &event.topic))
            .arg("MAXLEN")
            .arg("~")
            .arg(settings.stream_max_len)
            .arg("*")
            .arg("event_id")
            .arg(event.id.to_string())
            .arg("type")
            .arg(&event.event_type)
            .arg("aggregate_id")
            .arg(event.aggregate_id.to_string())
            .arg("recorded_at")
            .arg(
                event
                    .recorded_at
                    .to_rfc3339_opts(SecondsFormat::Micros, true),
            )
            .arg("payload")
            .arg(&event.payload)
            .ignore();
    }
    pipeline.query_async::<()>(redis).await
}

pub async fn mark_published(
    client: &impl GenericClient,
    events: &[OutboxEvent],
) -> Result<u64, tokio_postgres::Error> {
    let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
    client
        .execute(include_str!("mark_published.sql"), &[&ids])
        .await
}

/// One burst: the next batch to Redis, then marked published. A crash between the two republishes the same
/// events with the same `event_id`. Returns how many were published.
pub async fn relay_once(
    client: &impl GenericClient,
    redis: &mut MultiplexedConnection,
    settings: &OutboxSettings,
) -> Result<usize, RelayError> {
    let events = next_batch(client, settings.batch_size).await?;
    if events.is_empty() {
        return Ok(0);
    }
    publish(redis, settings, &events).await?;
    mark_published(client, &events).await?;
    Ok(events.len())
}

pub fn stream_name(prefix: &str, topic: &str) -> String {
    format!("{prefix}:{topic}")
}

/// Starts the relay of this replica; it runs until the task is aborted.
pub fn spawn(pg_config: tokio_postgres::Config, settings: OutboxSettings) -> JoinHandle<()> {
    tokio::spawn(run(pg_config, settings))
}

pub async fn run(pg_config: tokio_postgres::Config, settings: OutboxSettings) {
    let Some(redis_target) = settings.redis.clone() else {
        tracing::warn!(
            "REDIS_URL is not set: events accumulate in outbox_events and are not published"
        );
        return;
    };
    let redis_client = match redis_target
        .connection_info()
        .map_err(|error| error.to_string())
        .and_then(|info| redis::Client::open(info).map_err(|error| error.to_string()))
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "outbox relay cannot start");
            return;
        }
    };
    tracing::info!("outbox relay started");
    loop {
        if let Err(error) = lead_while_connected(&pg_config, &redis_client, &settings).await {
            tracing::error!(error = %error, "outbox relay lost its database connection; reconnecting");
        }
        tokio::time::sleep(LEADER_RETRY).await;
    }
}

/// Holds a dedicated connection (the advisory lock lives and dies with it), waits to become the relay, then
/// publishes until the connection fails.
async fn lead_while_connected(
    pg_config: &tokio_postgres::Config,
    redis_client: &redis::Client,
    settings: &OutboxSettings,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = pg_config.connect(NoTls).await?;
    let wake = Arc::new(Notify::new());
    let driver_wake = wake.clone();
    let driver = AbortOnDrop(tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => driver_wake.notify_one(),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }));
    while !client
        .query_one("SELECT pg_try_advisory_lock(outbox_relay_lock_key())", &[])
        .await?
        .get::<_, bool>(0)
    {
        tokio::time::sleep(LEADER_RETRY).await;
    }
    client.batch_execute("LISTEN outbox_events").await?;
    tracing::info!("this replica is now the outbox relay");

    let mut redis: Option<MultiplexedConnection> = None;
    let mut backoff = Duration::from_millis(200);
    let mut redis_failing_since: Option<Instant> = None;
    let mut housekept_at = Instant::now() - HOUSEKEEPING_EVERY;
    loop {
        if housekept_at.elapsed() >= HOUSEKEEPING_EVERY {
            housekeeping(&client, settings).await?;
            housekept_at = Instant::now();
        }
        let outcome = match redis.as_mut() {
            Some(connection) => relay_once(&client, connection, settings).await,
            None => match connect_redis(redis_client).await {
                Ok(connection) => {
                    redis = Some(connection);
                    continue;
                }
                Err(error) => Err(RelayError::Redis(error)),
            },
        };
        match outcome {
            Ok(published) => {
                if let Some(since) = redis_failing_since.take() {
                    tracing::info!(
                        outage_seconds = since.elapsed().as_secs(),
                        "Redis is back: the outbox relay publishes again"
                    );
                }
                backoff = Duration::from_millis(200);
                if published < settings.batch_size as usize {
                    let _ = tokio::time::timeout(IDLE_POLL, wake.notified()).await;
                }
            }
            Err(RelayError::Database(error)) => return Err(error),
            Err(RelayError::Redis(error)) => {
                redis = None;
                if redis_failing_since.is_none() {
                    redis_failing_since = Some(Instant::now());
                    tracing::warn!(
                        error = %error,
                        "Redis is unavailable: events wait in the outbox and go out in order when it returns"
                    );
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        if driver.0.is_finished() {
            return client.batch_execute("SELECT 1").await;
        }
    }
}

async fn connect_redis(client: &redis::Client) -> Result<MultiplexedConnection, redis::RedisError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// Once a minute: prune published events past retention, and say so when the relay is behind.
async fn housekeeping(
    client: &tokio_postgres::Client,
    settings: &OutboxSettings,
) -> Result<(), tokio_postgres::Error> {
    let pruned: i64 = client
        .query_one(
            "SELECT prune_outbox_events(now() - make_interval(secs => $1))",
            &[&settings.retention.as_secs_f64()],
        )
        .await?
        .get(0);
    let status = client
        .query_one(
            "SELECT pending_events, oldest_pending FROM outbox_status()",
            &[],
        )
        .await?;
    let pending: i64 = status.get("pending_events");
    let oldest: Option<DateTime<Utc>> = status.get("oldest_pending");
    let lag = oldest.map_or(Duration::ZERO, |oldest| {
        (Utc::now() - oldest).to_std().unwrap_or_default()
    });
    if lag > LAG_WARNING {
        tracing::warn!(
            pending,
            lag_seconds = lag.as_secs(),
            pruned,
            "outbox relay is behind"
        );
    } else {
        tracing::debug!(pending, pruned, "outbox housekeeping");
    }
    Ok(())
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
