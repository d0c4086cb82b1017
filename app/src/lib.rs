//! The payrange service: typed settings, the wiring of adapters to the domain's use cases, the
//! HTTP API (poem-openapi) with the web UI, the in-process worker loop, the background tasks,
//! and [`run`], the entry point that `payrange serve` and the tests share.
//!
//! Who uses whom: [`wiring`] builds the [`App`] (it knows every adapter; only it names them);
//! [`http`], [`worker_loop`] and [`background`] take the `App` and talk to the domain through
//! it; [`completions`] (the waiters of predictions) is shared by HTTP, which registers
//! waiters, and the worker loop and the finish listener, which wake them.

pub mod background;
mod backoff;
pub mod common_passwords;
pub mod completions;
pub mod connections;
pub mod http;
pub mod limits;
pub mod lockout;
pub mod metrics;
pub mod settings;
pub mod training_export;
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
    let workers = worker_loop::spawn(&app, settings.serve_workers());
    let mut background = background::spawn_serve_tasks(&app, &settings);
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "payrange listening");
    let routes = http::routes(&app, &settings, local);
    if let Some(bind) = settings.metrics_bind {
        spawn_operations_listener(&mut background, &app, bind).await?;
    }
    connections::serve(listener, &settings, routes, shutdown).await?;
    tracing::info!("HTTP server stopped; stopping workers");
    background.abort_all();
    app.queue.drain().await;
    workers.join().await;
    app.queue.close().await;
    tracing::info!("payrange stopped");
    Ok(())
}

/// Binds `bind` and serves `/metrics` and `/health/*` there (`http::worker_routes`) in a task
/// of `tasks`, for Prometheus and probes on an address the API's clients do not reach.
///
/// # Errors
/// The address cannot be bound.
async fn spawn_operations_listener(
    tasks: &mut tokio::task::JoinSet<()>,
    app: &App,
    bind: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, "metrics and health listening");
    let routes = http::worker_routes(app);
    tasks.spawn(async move {
        if let Ok(acceptor) = TcpAcceptor::from_tokio(listener) {
            let _ = Server::new_with_acceptor(acceptor).run(routes).await;
        }
    });
    Ok(())
}

/// Runs `settings.workers` worker tasks (and the dead-letter handler) against RabbitMQ until
/// `shutdown` completes, then stops taking jobs and finishes the ones in hand. Serves
/// `/metrics` and `/health/*` on `worker_bind` when set.
///
/// # Errors
/// Start-up failures, or no RabbitMQ configured.
pub async fn run_worker(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        settings.amqp_url.is_some(),
        "payrange worker needs PAYRANGE_AMQP_URL (the embedded mode's `serve` works by itself)"
    );
    let app = App::build(&settings).await?;
    let workers = worker_loop::spawn(&app, settings.workers.max(1));
    let mut background = background::spawn_worker_tasks(&app, &settings);
    if let Some(bind) = settings.worker_bind {
        spawn_operations_listener(&mut background, &app, bind).await?;
    }
    tracing::info!(workers = settings.workers.max(1), "payrange worker running");
    shutdown.await;
    tracing::info!("stopping: finishing jobs in hand");
    background.abort_all();
    // Jobs in hand are finished and acknowledged before the connection closes, so none of
    // them is delivered again.
    app.queue.drain().await;
    workers.join().await;
    app.queue.close().await;
    tracing::info!("payrange worker stopped");
    Ok(())
}
