//! The payrange service: typed settings, the wiring of adapters to the domain's use cases, the
//! HTTP API (poem-openapi) with the web UI, the in-process worker loop, and [`run`], the entry
//! point that `payrange serve` and the tests share.

pub mod http;
pub mod limits;
pub mod metrics;
pub mod settings;
pub mod wiring;
pub mod worker_loop;

use std::future::Future;

use poem::Server;
use poem::listener::TcpAcceptor;
use tokio::net::TcpListener;

pub use settings::Settings;
pub use wiring::App;

/// Serves the API, the UI and (in embedded mode) the in-process workers on `listener` until
/// `shutdown` completes; then stops accepting requests, lets in-flight ones finish (up to 10 s)
/// and stops the workers after their current job. Jobs still queued stay unfinished in the
/// database and are picked up at the next start.
///
/// # Errors
/// Start-up failures (database, model, key) and listener errors.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let workers = worker_loop::spawn(&app, settings.workers);
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "payrange listening");
    let routes = http::routes(&app, &settings, local);
    Server::new_with_acceptor(TcpAcceptor::from_tokio(listener)?)
        .run_with_graceful_shutdown(routes, shutdown, Some(std::time::Duration::from_secs(10)))
        .await?;
    tracing::info!("HTTP server stopped; stopping workers");
    app.queue_shutdown();
    workers.join().await;
    tracing::info!("payrange stopped");
    Ok(())
}
