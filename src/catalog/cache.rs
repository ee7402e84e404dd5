//! Short-lived in-process cache of `total` of catalog searches, keyed by the normalised filter set (everything but
//! sort and page). A total is exact at the moment it was counted and is served for at most the configured TTL;
//! the page itself is always read fresh. Refresh-ahead: a total older than 3/4 of the TTL is still served, and the
//! first such request starts one background recount, so a filter set asked for at least every TTL/4 never makes a
//! request wait for a count. Bounded: when full, expired entries go first, then the oldest one.
//!
//! Also the answers of the map built from the summary `cluster_demand`: such an answer is a function of the
//! summary and of `projects` / `developers` only, so it is reused while `map_summary_fingerprint()` of those is
//! unchanged — exact memoisation, never stale against the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::config::CatalogSettings;

/// What the public catalog handlers share besides the pool: settings and the `total` cache. Cheap to clone.
#[derive(Clone)]
pub struct CatalogCache {
    inner: Arc<Inner>,
}

struct Entry {
    counted_at: Instant,
    total: i64,
    /// A background recount of this entry is under way.
    refreshing: bool,
}

/// What the cache knows about a filter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Counted less than 3/4 of the TTL ago (or a recount is already under way).
    Fresh(i64),
    /// Counted between 3/4 of the TTL and the TTL ago: serve it and recount in the background (the caller was chosen to,
    /// see [`CatalogCache::remember`] and [`CatalogCache::abandon`]).
    Refresh(i64),
    /// Unknown or older than the TTL: count now.
    Missing,
}

struct Inner {
    settings: CatalogSettings,
    totals: Mutex<HashMap<String, Entry>>,
    hits: AtomicU64,
    misses: AtomicU64,
    maps: Mutex<HashMap<String, MapAnswer>>,
    map_hits: AtomicU64,
    map_misses: AtomicU64,
}

/// A map answer built from the summary, valid while the data fingerprint is the same.
struct MapAnswer {
    fingerprint: String,
    body: Bytes,
    stored_at: Instant,
}

/// Map answers remembered at most (different windows, zooms and filters); the oldest goes first.
pub const MAP_ANSWERS: usize = 1_000;

impl CatalogCache {
    pub fn new(settings: CatalogSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                totals: Mutex::new(HashMap::new()),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                maps: Mutex::new(HashMap::new()),
                map_hits: AtomicU64::new(0),
                map_misses: AtomicU64::new(0),
            }),
        }
    }

    pub fn settings(&self) -> &CatalogSettings {
        &self.inner.settings
    }

    fn ttl(&self) -> Duration {
        self.inner.settings.total_cache_ttl
    }

    fn totals(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a valid map: keep using it.
        self.inner
            .totals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached total of `key`, and whether this caller should recount it in the background.
    pub fn lookup(&self, key: &str) -> Lookup {
        let ttl = self.ttl();
        let found = if ttl.is_zero() {
            Lookup::Missing
        } else {
            match self.totals().get_mut(key) {
                Some(entry) if entry.counted_at.elapsed() < ttl * 3 / 4 || entry.refreshing => {
                    if entry.counted_at.elapsed() < ttl {
                        Lookup::Fresh(entry.total)
                    } else {
                        Lookup::Missing
                    }
                }
                Some(entry) if entry.counted_at.elapsed() < ttl => {
                    entry.refreshing = true;
                    Lookup::Refresh(entry.total)
                }
                _ => Lookup::Missing,
            }
        };
        let counter = match found {
            Lookup::Missing => &self.inner.misses,
            _ => &self.inner.hits,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// The cached total of `key` if it was counted less than the TTL ago (no background recount).
    pub fn total(&self, key: &str) -> Option<i64> {
        match self.lookup(key) {
            Lookup::Fresh(total) => Some(total),
            Lookup::Refresh(total) => {
                self.abandon(key);
                Some(total)
            }
            Lookup::Missing => None,
        }
    }

    /// A background recount failed: the next request past 3/4 of the TTL may try again.
    pub fn abandon(&self, key: &str) {
        if let Some(entry) = self.totals().get_mut(key) {
            entry.refreshing = false;
        }
    }

    /// Remembers `total` of `key`, counted at `counted_at` (when the counting query started).
    pub fn remember(&self, key: String, counted_at: Instant, total: i64) {
        let ttl = self.ttl();
        if ttl.is_zero() {
            return;
        }
        let capacity = self.inner.settings.total_cache_entries.max(1);
        let mut totals = self.totals();
        if totals.len() >= capacity && !totals.contains_key(&key) {
            totals.retain(|_, entry| entry.counted_at.elapsed() < ttl);
            if totals.len() >= capacity {
                if let Some(oldest) = totals
                    .iter()
                    .min_by_key(|(_, entry)| entry.counted_at)
                    .map(|(key, _)| key.clone())
                {
                    totals.remove(&oldest);
                }
            }
        }
        totals.insert(
            key,
            Entry {
                counted_at,
                total,
                refreshing: false,
            },
        );
    }

    /// The map answer of `key` if it was built from data with this `fingerprint` (`map_summary_fingerprint()`).
    pub fn map_answer(&self, key: &str, fingerprint: &str) -> Option<Bytes> {
        let found = self
            .inner
            .maps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(key)
            .filter(|answer| answer.fingerprint == fingerprint)
            .map(|answer| answer.body.clone());
        let counter = if found.is_some() {
            &self.inner.map_hits
        } else {
            &self.inner.map_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Remembers the map answer of `key` built from data with this `fingerprint`.
    pub fn remember_map_answer(&self, key: String, fingerprint: String, body: Bytes) {
        let mut maps = self
            .inner
            .maps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if maps.len() >= MAP_ANSWERS && !maps.contains_key(&key) {
            maps.retain(|_, answer| answer.fingerprint == fingerprint);
            if maps.len() >= MAP_ANSWERS {
                if let Some(oldest) = maps
                    .iter()
                    .min_by_key(|(_, answer)| answer.stored_at)
                    .map(|(key, _)| key.clone())
                {
                    maps.remove(&oldest);
                }
            }
        }
        maps.insert(
            key,
            MapAnswer {
                fingerprint,
                body,
                stored_at: Instant::now(),
            },
        );
    }

    /// Map requests answered from memory and map requests built by the database, since start.
    pub fn map_hits_and_misses(&self) -> (u64, u64) {
        (
            self.inner.map_hits.load(Ordering::Relaxed),
            self.inner.map_misses.load(Ordering::Relaxed),
        )
    }

    /// Lookups answered from the cache and lookups that had to count, since start.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (
            self.inner.hits.load(Ordering::Relaxed),
            self.inner.misses.load(Ordering::Relaxed),
        )
    }

    pub fn len(&self) -> usize {
        self.totals().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self::new(CatalogSettings::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl: Duration, entries: usize) -> CatalogCache {
        CatalogCache::new(CatalogSettings {
            total_cache_ttl: ttl,
            total_cache_entries: entries,
            ..CatalogSettings::default()
        })
    }

    #[test]
    fn totals_expire_and_zero_ttl_disables_the_cache() {
        let cache = cache(Duration::from_millis(50), 10);
        cache.remember("a".into(), Instant::now(), 7);
        assert_eq!(cache.total("a"), Some(7));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.total("a"), None);
        assert_eq!(cache.hits_and_misses(), (1, 1));

        let disabled = super::tests::cache(Duration::ZERO, 10);
        disabled.remember("a".into(), Instant::now(), 7);
        assert_eq!(disabled.total("a"), None);
        assert!(disabled.is_empty());
    }

    #[test]
    fn past_three_quarters_of_the_ttl_one_caller_recounts_in_the_background() {
        let cache = cache(Duration::from_millis(100), 10);
        cache.remember("a".into(), Instant::now(), 7);
        assert_eq!(cache.lookup("a"), Lookup::Fresh(7));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(
            cache.lookup("a"),
            Lookup::Refresh(7),
            "the first one recounts"
        );
        assert_eq!(cache.lookup("a"), Lookup::Fresh(7), "the others do not");
        cache.remember("a".into(), Instant::now(), 8);
        assert_eq!(cache.lookup("a"), Lookup::Fresh(8));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(cache.lookup("a"), Lookup::Refresh(8));
        cache.abandon("a");
        assert_eq!(
            cache.lookup("a"),
            Lookup::Refresh(8),
            "a failed recount is retried"
        );
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            cache.lookup("a"),
            Lookup::Missing,
            "never older than the TTL"
        );
    }

    #[test]
    fn a_full_cache_evicts_the_oldest_entry() {
        let cache = cache(Duration::from_secs(60), 3);
        let start = Instant::now();
        for (index, key) in ["a", "b", "c"].into_iter().enumerate() {
            cache.remember(key.into(), start + Duration::from_millis(index as u64), 1);
        }
        cache.remember("d".into(), start + Duration::from_millis(5), 4);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.total("a"), None, "the oldest went first");
        assert_eq!(cache.total("d"), Some(4));
        assert_eq!(cache.total("b"), Some(1));
    }
}
