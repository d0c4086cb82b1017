//! The `payrange` command: `serve`, `openapi`, and the model commands `train`, `evaluate`,
//! `predict`.

mod ml_commands;

use clap::{Parser, Subcommand};
use payrange_app::Settings;
use payrange_app::settings::LogFormat;
use tracing_subscriber::EnvFilter;

/// Predicts the salary range of job vacancies.
#[derive(Parser)]
#[command(
    version,
    about = "payrange: predicts the salary range of job vacancies."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API, the web UI and in-process workers (settings from PAYRANGE_* env).
    Serve,
    /// Process jobs from RabbitMQ (production mode; needs PAYRANGE_AMQP_URL).
    Worker,
    /// Run the database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    #[command(flatten)]
    Ml(ml_commands::MlCommand),
}

fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_env("PAYRANGE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutdown signal received");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            let listener = tokio::net::TcpListener::bind(settings.bind).await?;
            payrange_app::run(settings, listener, shutdown_signal()).await
        }
        Command::Worker => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            payrange_app::run_worker(settings, shutdown_signal()).await
        }
        Command::Migrate => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            payrange_app::wiring::migrate(&settings).await
        }
        Command::Openapi => {
            println!("{}", payrange_app::http::spec_json());
            Ok(())
        }
        Command::Ml(cmd) => ml_commands::run(cmd),
    }
}
