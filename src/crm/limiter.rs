//! Request budgets per CRM connection, as each CRM counts them. A connection is served by one replica at a time (its
//! advisory lock), so this replica's limiter is its whole budget.
//!
//! amoCRM: at most N requests in any window (7 in a second). The CRM counts a request when it arrives, which is
//! somewhere between our send and its answer, so a slot is taken when a request starts and freed one window after
//! the request *ended* (answer, error or timeout). Then any N+1 arrivals inside one window would need N+1 slots
//! taken at once — impossible — whatever the network delays: no guessed jitter margin. The price is the answer's
//! latency: N requests per (window + latency).
//!
//! Bitrix24: a leaky bucket — up to `burst` at once, refilled at `rate` per window (50, 2 per second); its 503
//! `QUERY_LIMIT_EXCEEDED` empties the budget (`drain`).
//!
//! The window is one second in production; tests shrink it (`CrmSettings::amocrm_window`, `bitrix24_window`) to
//! run a burst of hundreds in seconds while asserting the same ratio.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    budget: Mutex<Budget>,
    /// Woken when a request ends: a window slot may be waiting for it.
    ended: Notify,
}

enum Budget {
    /// At most `limit` requests whose slot is taken: running now or ended less than `window` ago.
    Window {
        limit: usize,
        window: Duration,
        running: usize,
        ended: VecDeque<Instant>,
    },
    /// `burst` tokens, refilled at `rate` per `window`.
    Bucket {
        rate: f64,
        window: Duration,
        burst: f64,
        tokens: f64,
        refilled_at: Instant,
    },
}

impl Budget {
    /// Takes a slot or a token now, or says how long to wait (`None`: until a running request ends).
    fn take(&mut self, now: Instant) -> Result<(), Option<Duration>> {
        match self {
            Budget::Window {
                limit,
                window,
                running,
                ended,
            } => {
                while ended
                    .front()
                    .is_some_and(|at| now.duration_since(*at) >= *window)
                {
                    ended.pop_front();
                }
                if *running + ended.len() < *limit {
                    *running += 1;
                    return Ok(());
                }
                Err(ended.front().map(|at| *window - now.duration_since(*at)))
            }
            Budget::Bucket {
                rate,
                window,
                burst,
                tokens,
                refilled_at,
            } => {
                let per_second = *rate / window.as_secs_f64();
                *tokens = (*tokens + now.duration_since(*refilled_at).as_secs_f64() * per_second)
                    .min(*burst);
                *refilled_at = now;
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    return Ok(());
                }
                Err(Some(Duration::from_secs_f64((1.0 - *tokens) / per_second)))
            }
        }
    }
}

/// A request in flight: hold it until the answer (or the error) is in; dropping it ends the request.
#[must_use = "the request counts as running until the permit is dropped"]
pub struct Permit {
    shared: Arc<Shared>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut budget = self.shared.budget.lock().unwrap();
        if let Budget::Window { running, ended, .. } = &mut *budget {
            *running = running.saturating_sub(1);
            ended.push_back(Instant::now());
        }
        drop(budget);
        self.shared.ended.notify_waiters();
    }
}

impl RateLimiter {
    /// At most `limit` requests arrive in any `window`.
    pub fn window(limit: u32, window: Duration) -> Self {
        Self::with(Budget::Window {
            limit: limit.max(1) as usize,
            window: window.max(Duration::from_millis(1)),
            running: 0,
            ended: VecDeque::new(),
        })
    }

    /// Up to `burst` at once, then `rate` per `window`.
    pub fn bucket(rate: u32, burst: u32, window: Duration) -> Self {
        Self::with(Budget::Bucket {
            rate: f64::from(rate.max(1)),
            window: window.max(Duration::from_millis(1)),
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            refilled_at: Instant::now(),
        })
    }

    fn with(budget: Budget) -> Self {
        Self {
            shared: Arc::new(Shared {
                budget: Mutex::new(budget),
                ended: Notify::new(),
            }),
        }
    }

    /// Waits until one more request fits the budget and counts it; the request runs while the permit lives.
    pub async fn acquire(&self) -> Permit {
        loop {
            // Registered before looking, so that a request ending in between is not missed.
            let ended = self.shared.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let wait = match self.shared.budget.lock().unwrap().take(Instant::now()) {
                Ok(()) => {
                    return Permit {
                        shared: self.shared.clone(),
                    }
                }
                Err(wait) => wait,
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = &mut ended => {}
                    }
                }
                None => ended.await,
            }
        }
    }

    /// After a CRM said "too many requests": the next request waits a full window (or a refill).
    pub fn drain(&self) {
        let mut budget = self.shared.budget.lock().unwrap();
        let now = Instant::now();
        match &mut *budget {
            Budget::Window { limit, ended, .. } => {
                ended.clear();
                ended.extend(std::iter::repeat_n(now, *limit));
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

    /// The most of `times` that fall into one `window`.
    fn busiest(times: &[Duration], window: Duration) -> usize {
        times
            .iter()
            .enumerate()
            .map(|(index, at)| {
                times[index..]
                    .iter()
                    .take_while(|later| **later - *at < window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_never_lets_more_than_the_limit_into_any_second() {
        let limiter = RateLimiter::window(7, Duration::from_secs(1));
        let started = Instant::now();
        let mut times = Vec::new();
        for _ in 0..30 {
            let _request = limiter.acquire().await;
            times.push(started.elapsed());
        }
        assert_eq!(busiest(&times, Duration::from_secs(1)), 7);
        assert!(
            times[29] >= Duration::from_secs(4),
            "30 at 7/s take over 4 s: {:?}",
            times[29]
        );
        assert!(
            times[29] < Duration::from_millis(4100),
            "and not much more: {:?}",
            times[29]
        );
    }

    /// Requests that reach the CRM late (slow network on the way there) and answer late: their arrivals still never
    /// bunch into more than the limit per window, because a slot is freed a window after the answer.
    #[tokio::test(start_paused = true)]
    async fn arrivals_stay_within_the_window_whatever_the_network_delays() {
        let window = Duration::from_millis(100);
        let limiter = RateLimiter::window(7, window);
        let started = Instant::now();
        let mut arrivals = Vec::new();
        for index in 0..80u64 {
            let _request = limiter.acquire().await;
            // On the way: 0 to 90 ms, uneven; the answer takes 1 ms more.
            let delay = Duration::from_millis((index * 37) % 91);
            tokio::time::sleep(delay).await;
            arrivals.push(started.elapsed());
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        arrivals.sort();
        assert!(busiest(&arrivals, window) <= 7, "{arrivals:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn running_requests_hold_their_slots() {
        let limiter = RateLimiter::window(2, Duration::from_secs(1));
        let first = limiter.acquire().await;
        let _second = limiter.acquire().await;
        let third = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let _request = limiter.acquire().await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!third.is_finished(), "both slots are running");
        let ended = Instant::now();
        drop(first);
        let started = third.await.unwrap();
        assert_eq!(
            started - ended,
            Duration::from_secs(1),
            "a window after the end"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_allows_a_burst_then_the_steady_rate() {
        let limiter = RateLimiter::bucket(2, 5, Duration::from_secs(1));
        let started = Instant::now();
        for _ in 0..5 {
            let _request = limiter.acquire().await;
        }
        assert!(
            started.elapsed() < Duration::from_millis(10),
            "the burst is immediate"
        );
        for _ in 0..4 {
            let _request = limiter.acquire().await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert!(
            (1.9..2.2).contains(&elapsed),
            "4 more at 2/s take 2 s, took {elapsed}"
        );
        limiter.drain();
        let drained = Instant::now();
        let _request = limiter.acquire().await;
        assert_eq!(drained.elapsed(), Duration::from_millis(500));
    }
}
