//! The `payrange` command: `serve`, `worker`, `migrate`, `openapi`, `admin create-user`,
//! `admin model ...`, `export-training-data`, and the model commands `train`, `evaluate`,
//! `predict`.

mod ml_commands;
mod model_commands;

use clap::{Parser, Subcommand};
use payrange_app::Settings;
use payrange_app::settings::LogFormat;
use payrange_domain::models::Role;
use secrecy::ExposeSecret as _;
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
    /// Administration from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write every estimated vacancy whose real salary a user recorded, in the format
    /// `payrange train --data` reads (the outcome's salaries, not the estimate's).
    ExportTrainingData {
        /// The CSV file to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Database to read (default: PAYRANGE_DATABASE_URL, as `serve` uses).
        #[arg(long)]
        database_url: Option<String>,
    },
    #[command(flatten)]
    Ml(ml_commands::MlCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account (an administrator with --admin). The password is read from standard
    /// input: prompted for twice without echo on a terminal, else the first line.
    CreateUser {
        /// E-mail address of the account.
        #[arg(long)]
        email: String,
        /// Give the account the admin role.
        #[arg(long)]
        admin: bool,
    },
    /// Models in the store: upload, activate, roll back, list.
    #[command(subcommand)]
    Model(model_commands::ModelCommand),
}

/// The new account's password: asked for twice without echo on a terminal, else read as the
/// first line of standard input (for scripts: `printf '%s\n' "$PW" | payrange admin ...`).
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    Ok(password.strip_suffix('\r').unwrap_or(password).to_owned())
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
        Command::Admin(AdminCommand::CreateUser { email, admin }) => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            let password = read_password()?;
            let role = if admin { Role::Admin } else { Role::User };
            let user =
                payrange_app::wiring::create_user(&settings, &email, &password, role).await?;
            println!("created {} {} ({})", role.as_str(), user.email, user.id);
            Ok(())
        }
        Command::Admin(AdminCommand::Model(command)) => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            model_commands::run(&settings, command).await
        }
        Command::ExportTrainingData { out, database_url } => {
            let settings = Settings::load()?;
            init_logs(settings.log_format);
            let url = match database_url {
                Some(url) => url,
                None => settings.database_url.expose_secret().to_owned(),
            };
            let rows = payrange_app::training_export::export_training_data(&url, &out).await?;
            println!("wrote {rows} vacancies with outcomes to {}", out.display());
            Ok(())
        }
        Command::Ml(cmd) => ml_commands::run(cmd),
    }
}
