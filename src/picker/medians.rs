//! Median price per m² of the clusters (project × rooms) of picked flats: the yardstick of «value for money» in the
//! ranking. Remembered for a minute: prices move once a minute with the pricing cycle, and the candidates of a city
//! keep falling into the same clusters, so most messages read no apartment for their medians.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use deadpool_postgres::GenericClient;

use crate::error::AppResult;

/// A cluster: project id and rooms.
pub type Cluster = (i64, i16);

/// How long a median read from the catalog is used: one pricing cycle.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Clusters remembered at most (a catalog of 1 M flats has ~10 000); past it, stale ones go, then all.
const REMEMBERED: usize = 20_000;

#[derive(Default)]
pub struct ClusterMedians {
    read: Mutex<HashMap<Cluster, (Instant, f64)>>,
}

impl ClusterMedians {
    /// Medians of `clusters` that have flats on sale (a cluster without any is left out), from memory while fresh.
    pub async fn of(
        &self,
        client: &impl GenericClient,
        clusters: &BTreeSet<Cluster>,
    ) -> AppResult<HashMap<Cluster, f64>> {
        let mut medians = HashMap::new();
        let mut missing: Vec<Cluster> = Vec::new();
        {
            let read = self.lock();
            for cluster in clusters {
                match read.get(cluster) {
                    Some((at, median)) if at.elapsed() < FRESH_FOR => {
                        medians.insert(*cluster, *median);
                    }
                    _ => missing.push(*cluster),
                }
            }
        }
        if missing.is_empty() {
            return Ok(medians);
        }
        let (projects, rooms): (Vec<i64>, Vec<i16>) = missing.into_iter().unzip();
        let read_at = Instant::now();
        let rows = client
            .query(include_str!("medians.sql"), &[&projects, &rooms])
            .await?;
        let mut read = self.lock();
        if read.len() + rows.len() > REMEMBERED {
            read.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
            if read.len() + rows.len() > REMEMBERED {
                read.clear();
            }
        }
        for row in &rows {
            let cluster = (row.get("project_id"), row.get("rooms"));
            let median = row.get::<_, Option<f64>>("median_m2").unwrap_or(0.0);
            read.insert(cluster, (read_at, median));
            medians.insert(cluster, median);
        }
        Ok(medians)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Cluster, (Instant, f64)>> {
        // A panic while holding the lock leaves a valid map: keep using it.
        self.read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
