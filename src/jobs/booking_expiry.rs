//! The booking expiry job: overdue pending bookings expire and their apartments go back on sale.

use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExpiryReport {
    pub expired_bookings: i64,
}

pub async fn run_once(client: &impl GenericClient) -> Result<ExpiryReport, tokio_postgres::Error> {
    let expired_bookings: i64 = client
        .query_one("SELECT count(*) FROM expire_overdue_bookings(now())", &[])
        .await?
        .get(0);
    Ok(ExpiryReport { expired_bookings })
}

/// Runs [`run_once`] every minute until aborted.
pub fn spawn(pool: Pool) -> JoinHandle<()> {
    super::spawn_every_minute("booking expiry", pool, |client| async move {
        let report = run_once(&client).await?;
        if report != ExpiryReport::default() {
            tracing::info!(
                expired_bookings = report.expired_bookings,
                "overdue bookings expired"
            );
        }
        Ok(())
    })
}
