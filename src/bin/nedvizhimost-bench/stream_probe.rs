//! The event stream under the `events` load: the real outbox relay publishes to Redis, and a consumer in a
//! consumer group (`XREADGROUP … BLOCK`, `XACK`) records how long each `price.changed` took from the transaction
//! that wrote it (`recorded_at`, its start — so an upper bound of the time from commit) to the consumer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use nedvizhimost::config::{OutboxSettings, RedisTarget, Secret};
use nedvizhimost::outbox::relay;
use tokio::task::JoinHandle;

const GROUP: &str = "bench";

pub struct StreamProbe {
    stream: String,
    redis: redis::Client,
    relay: JoinHandle<()>,
    consumer: JoinHandle<()>,
    received: Arc<Mutex<Vec<Received>>>,
}

#[derive(Clone, Copy)]
struct Received {
    recorded_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    /// How many entries came in the same `XREADGROUP` reply.
    burst: usize,
}

#[derive(Debug)]
pub struct StreamReport {
    pub drained_events: i64,
    pub drain_time: Duration,
    pub events: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub largest_burst: usize,
}

impl StreamReport {
    pub fn summary(&self) -> String {
        format!(
            "event stream: backlog of {} events published in {:.1} s ({:.0} events/s); under the load {} \
             price.changed from transaction start to the consumer: p50 {} ms, p99 {} ms, max {} ms; \
             largest burst in one XREADGROUP reply: {}",
            self.drained_events,
            self.drain_time.as_secs_f64(),
            self.drained_events as f64 / self.drain_time.as_secs_f64().max(0.001),
            self.events,
            self.p50.as_millis(),
            self.p99.as_millis(),
            self.max.as_millis(),
            self.largest_burst,
        )
    }
}

impl StreamProbe {
    /// Starts the consumer group (at the stream's end) and the relay of `pg_config`'s database.
    pub async fn start(redis_url: &str, pg_config: tokio_postgres::Config) -> Result<Self, String> {
        let settings = OutboxSettings {
            redis: Some(RedisTarget {
                url: Secret::new(redis_url),
                password: None,
            }),
            stream_prefix: format!("bench{}", std::process::id()),
            ..OutboxSettings::default()
        };
        let info = settings
            .redis
            .as_ref()
            .unwrap()
            .connection_info()
            .map_err(|error| error.to_string())?;
        let redis = redis::Client::open(info).map_err(|error| error.to_string())?;
        let stream = relay::stream_name(&settings.stream_prefix, "price");
        let mut connection = redis
            .get_multiplexed_async_connection()
            .await
            .map_err(|error| format!("Redis at {redis_url}: {error}"))?;
        let _: () = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&stream)
            .arg(GROUP)
            .arg("$")
            .arg("MKSTREAM")
            .query_async(&mut connection)
            .await
            .map_err(|error| error.to_string())?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let consumer = tokio::spawn(consume(connection, stream.clone(), received.clone()));
        let relay = relay::spawn(pg_config, settings);
        Ok(Self {
            stream,
            redis,
            relay,
            consumer,
            received,
        })
    }

    /// Waits until the relay has published everything already in the outbox (the first pass's backlog).
    pub async fn wait_drained(&self, pool: &Pool) -> Result<(i64, Duration), String> {
        let started = Instant::now();
        let client = pool.get().await.map_err(|error| error.to_string())?;
        let backlog = pending_events(&client).await?;
        while pending_events(&client).await? > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok((backlog, started.elapsed()))
    }

    /// Stops the relay and the consumer and reports the latencies of the events recorded since `since`.
    pub async fn finish(self, since: DateTime<Utc>, drained: (i64, Duration)) -> StreamReport {
        // What the relay already took is published within its idle poll: give the consumer a moment.
        tokio::time::sleep(Duration::from_secs(3)).await;
        self.relay.abort();
        self.consumer.abort();
        let received: Vec<Received> = self
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|entry| entry.recorded_at >= since)
            .copied()
            .collect();
        let mut latencies: Vec<Duration> = received
            .iter()
            .map(|entry| {
                (entry.received_at - entry.recorded_at)
                    .to_std()
                    .unwrap_or_default()
            })
            .collect();
        latencies.sort();
        let percentile = |fraction: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * fraction).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        if let Ok(mut connection) = self.redis.get_multiplexed_async_connection().await {
            let _: Result<(), _> = redis::cmd("DEL")
                .arg(&self.stream)
                .query_async(&mut connection)
                .await;
        }
        StreamReport {
            drained_events: drained.0,
            drain_time: drained.1,
            events: latencies.len(),
            p50: percentile(0.5),
            p99: percentile(0.99),
            max: latencies.last().copied().unwrap_or_default(),
            largest_burst: received
                .iter()
                .map(|entry| entry.burst)
                .max()
                .unwrap_or_default(),
        }
    }
}

async fn pending_events(client: &tokio_postgres::Client) -> Result<i64, String> {
    client
        .query_one("SELECT pending_events FROM outbox_status()", &[])
        .await
        .map(|row| row.get(0))
        .map_err(|error| nedvizhimost::db::describe_error(&error))
}

type StreamReply = Vec<(
    String,
    Vec<(String, std::collections::HashMap<String, String>)>,
)>;

async fn consume(
    mut connection: redis::aio::MultiplexedConnection,
    stream: String,
    received: Arc<Mutex<Vec<Received>>>,
) {
    loop {
        let reply: Result<Option<StreamReply>, _> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("probe")
            .arg("COUNT")
            .arg(10_000)
            .arg("BLOCK")
            .arg(1000)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .query_async(&mut connection)
            .await;
        let Ok(Some(reply)) = reply else {
            continue;
        };
        let received_at = Utc::now();
        for (_, entries) in reply {
            let burst = entries.len();
            let mut ids = Vec::with_capacity(burst);
            {
                let mut received = received.lock().unwrap();
                for (id, fields) in entries {
                    if let Some(recorded_at) = fields
                        .get("recorded_at")
                        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                    {
                        received.push(Received {
                            recorded_at: recorded_at.with_timezone(&Utc),
                            received_at,
                            burst,
                        });
                    }
                    ids.push(id);
                }
            }
            let _: Result<(), _> = redis::cmd("XACK")
                .arg(&stream)
                .arg(GROUP)
                .arg(&ids)
                .query_async(&mut connection)
                .await;
        }
    }
}
