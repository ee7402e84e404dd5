//! The router under test, served on an ephemeral port of 127.0.0.1 inside the benchmark process.

use std::net::SocketAddr;

use axum::Router;
use tokio::task::JoinHandle;

pub struct LoopbackServer {
    pub address: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
}

impl LoopbackServer {
    pub async fn start(router: Router) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|error| error.to_string())?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        Ok(Self { address, task })
    }

    /// Stops serving and waits until the server task, with the pool connections it holds, is gone.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
