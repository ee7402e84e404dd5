//! The real Redis at 127.0.0.1:6379 for the outbox tests: a stream prefix of its own per test, reading the
//! streams back, and a loopback proxy in front of Redis that a test can cut and restore to play an outage.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nedvizhimost::config::{OutboxSettings, RedisTarget, Secret};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub const REDIS_ADDRESS: &str = "127.0.0.1:6379";
/// Not the default database 0: the tests check that the index in REDIS_URL is respected.
pub const TEST_REDIS_DB: i64 = 5;

/// One entry of a stream: its Redis id and fields.
#[derive(Debug, Clone)]
pub struct Entry {
    pub fields: HashMap<String, String>,
}

impl Entry {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("no field {name} in {:?}", self.fields))
    }

    pub fn event_id(&self) -> i64 {
        self.field("event_id").parse().unwrap()
    }
}

/// The streams of one test: `test:<random>:price` and so on, in database `TEST_REDIS_DB`.
pub struct TestStreams {
    pub prefix: String,
    client: redis::Client,
}

impl TestStreams {
    pub fn new() -> Self {
        let prefix = format!("test{:08x}", rand::random::<u32>());
        let client =
            redis::Client::open(format!("redis://{REDIS_ADDRESS}/{TEST_REDIS_DB}")).unwrap();
        Self { prefix, client }
    }

    /// Relay settings publishing to these streams through `address` (Redis itself or a proxy).
    pub fn settings_via(&self, address: &str) -> OutboxSettings {
        OutboxSettings {
            redis: Some(RedisTarget {
                url: Secret::new(format!("redis://{address}/{TEST_REDIS_DB}")),
                password: None,
            }),
            stream_prefix: self.prefix.clone(),
            batch_size: 50,
            ..OutboxSettings::default()
        }
    }

    pub fn settings(&self) -> OutboxSettings {
        self.settings_via(REDIS_ADDRESS)
    }

    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        self.client
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Every entry of `<prefix>:<topic>`, oldest first.
    pub async fn entries(&self, topic: &str) -> Vec<Entry> {
        let mut connection = self.connection().await;
        let entries: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
            .arg(format!("{}:{topic}", self.prefix))
            .arg("-")
            .arg("+")
            .query_async(&mut connection)
            .await
            .unwrap();
        entries
            .into_iter()
            .map(|(_, fields)| Entry { fields })
            .collect()
    }

    pub async fn clean_up(&self) {
        let mut connection = self.connection().await;
        for topic in ["price", "booking", "catalog", "lead"] {
            let _: () = redis::cmd("DEL")
                .arg(format!("{}:{topic}", self.prefix))
                .query_async(&mut connection)
                .await
                .unwrap();
        }
    }
}

/// A TCP proxy on loopback in front of Redis: `cut` closes the listener and every open connection (Redis
/// "goes down" for whoever talks through the proxy), `restore` listens on the same port again.
pub struct CuttableProxy {
    pub address: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl CuttableProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            address: listener.local_addr().unwrap().to_string(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let tasks = self.tasks.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Ok(mut outbound) = TcpStream::connect(REDIS_ADDRESS).await else {
                    continue;
                };
                let forwarding = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                tasks.lock().unwrap().push(forwarding);
            }
        });
        self.tasks.lock().unwrap().push(accepting);
    }

    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub async fn restore(&self) {
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(&self.address).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not listen on {} again", self.address);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
