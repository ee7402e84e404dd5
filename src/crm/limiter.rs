//! Request budgets per CRM connection, as each CRM counts them. amoCRM: at most 7 requests in any second — a sliding
//! window over the last requests' times, 1.1 s long so that network jitter cannot bunch 8 into the CRM's second. Bitrix24: a leaky bucket — up to 50 at once, refilled at 2 per second. A
//! connection is served by one replica at a time (its advisory lock), so this replica's limiter is its whole budget.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Clone)]
pub struct RateLimiter {
    state: Arc<tokio::sync::Mutex<Budget>>,
}

enum Budget {
    /// At most `per_second` requests in any 1-second window.
    Window {
        per_second: usize,
        sent: VecDeque<Instant>,
    },
    /// `burst` tokens, refilled at `rate` per second.
    Bucket {
        rate: f64,
        burst: f64,
        tokens: f64,
        refilled_at: Instant,
    },
}

/// The window is a little longer than the CRM's second: requests sent 1 s apart can arrive closer together.
const WINDOW: Duration = Duration::from_millis(1100);

impl RateLimiter {
    pub fn window(per_second: u32) -> Self {
        Self::with(Budget::Window {
            per_second: per_second.max(1) as usize,
            sent: VecDeque::new(),
        })
    }

    pub fn bucket(rate: u32, burst: u32) -> Self {
        Self::with(Budget::Bucket {
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            refilled_at: Instant::now(),
        })
    }

    fn with(budget: Budget) -> Self {
        Self {
            state: Arc::new(tokio::sync::Mutex::new(budget)),
        }
    }

    /// Waits until one more request fits the budget and counts it.
    pub async fn acquire(&self) {
        let mut budget = self.state.lock().await;
        loop {
            let now = Instant::now();
            let wait = match &mut *budget {
                Budget::Window { per_second, sent } => {
                    while sent
                        .front()
                        .is_some_and(|at| now.duration_since(*at) >= WINDOW)
                    {
                        sent.pop_front();
                    }
                    if sent.len() < *per_second {
                        sent.push_back(now);
                        return;
                    }
                    WINDOW - now.duration_since(*sent.front().expect("a full window"))
                }
                Budget::Bucket {
                    rate,
                    burst,
                    tokens,
                    refilled_at,
                } => {
                    *tokens = (*tokens + now.duration_since(*refilled_at).as_secs_f64() * *rate)
                        .min(*burst);
                    *refilled_at = now;
                    if *tokens >= 1.0 {
                        *tokens -= 1.0;
                        return;
                    }
                    Duration::from_secs_f64((1.0 - *tokens) / *rate)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// After a CRM said "too many requests": the next request waits a full second (window) or refill (bucket).
    pub async fn drain(&self) {
        let mut budget = self.state.lock().await;
        let now = Instant::now();
        match &mut *budget {
            Budget::Window { per_second, sent } => {
                sent.clear();
                sent.extend(std::iter::repeat_n(now, *per_second));
            }
            Budget::Bucket {
                tokens,
                refilled_at,
                ..
            } => {
                *tokens = 0.0;
                *refilled_at = now;
            }
        }
    }
}

/// The limiters of every connection this replica has talked to.
#[derive(Clone, Default)]
pub struct Limiters {
    by_connection: Arc<Mutex<HashMap<i64, RateLimiter>>>,
}

impl Limiters {
    pub fn for_connection(
        &self,
        connection_id: i64,
        make: impl FnOnce() -> RateLimiter,
    ) -> RateLimiter {
        self.by_connection
            .lock()
            .unwrap()
            .entry(connection_id)
            .or_insert_with(make)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_window_never_lets_more_than_the_limit_into_any_second() {
        let limiter = RateLimiter::window(7);
        let started = Instant::now();
        let mut times = Vec::new();
        for _ in 0..30 {
            limiter.acquire().await;
            times.push(started.elapsed());
        }
        for (index, at) in times.iter().enumerate() {
            let in_window = times[index..]
                .iter()
                .take_while(|later| **later - *at < Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 7,
                "{in_window} requests within a second from {at:?}"
            );
        }
        assert!(
            times[29] >= Duration::from_secs(4),
            "30 at 7/s take over 4 s: {:?}",
            times[29]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_allows_a_burst_then_the_steady_rate() {
        let limiter = RateLimiter::bucket(2, 5);
        let started = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        assert!(
            started.elapsed() < Duration::from_millis(10),
            "the burst is immediate"
        );
        for _ in 0..4 {
            limiter.acquire().await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert!(
            (1.9..2.2).contains(&elapsed),
            "4 more at 2/s take 2 s, took {elapsed}"
        );
    }
}
