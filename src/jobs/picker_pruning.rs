//! The picker pruning job: conversations past their expiry are deleted with their messages.

use deadpool_postgres::{GenericClient, Pool};
use tokio::task::JoinHandle;

/// Deletes expired picker conversations; answers how many.
pub async fn run_once(client: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    Ok(client
        .query_one("SELECT prune_picker_conversations(now())", &[])
        .await?
        .get(0))
}

/// Runs [`run_once`] every minute until aborted.
pub fn spawn(pool: Pool) -> JoinHandle<()> {
    super::spawn_every_minute("picker pruning", pool, |client| async move {
        let pruned = run_once(&client).await?;
        if pruned > 0 {
            tracing::info!(pruned, "expired picker conversations deleted");
        }
        Ok(())
    })
}
