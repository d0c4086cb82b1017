//! `payrange admin model ...`: models as a managed resource from the command line, against
//! the database of `PAYRANGE_DATABASE_URL` (the same use cases as `/api/v1/admin/models`,
//! acting as the operator). Every running `serve` and `worker` serves an activation or a
//! rollback within `model_sync_ms`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use payrange_app::Settings;
use payrange_domain::models::{HeldBackScore, Market, ModelActivation, StoredModel};
use payrange_domain::services::{Actor, UploadOptions};

/// Model management.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Check a model file written by `payrange train` and store it (it serves once
    /// activated). Refused if worse than the active model on its held-back sample by more
    /// than 2 % on either bound, or without such a sample, unless --force.
    Upload {
        /// The model file.
        file: PathBuf,
        /// Store it even if the check refuses it.
        #[arg(long)]
        force: bool,
        /// Activate it once stored.
        #[arg(long)]
        activate: bool,
    },
    /// Make a version (an uploaded or a bundled model's) the model of its market.
    Activate {
        /// The model version.
        version: String,
    },
    /// Roll a market back to the version active before its current one.
    Rollback {
        /// `ru` or `uk`.
        market: String,
    },
    /// List the models serving, bundled and stored, and the latest activations.
    List,
}

fn score(s: &HeldBackScore) -> String {
    let mae = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |m| format!("{m:.0}"));
    format!(
        "{} rows, MAE {} / {}",
        s.rows,
        mae(s.mae_from),
        mae(s.mae_to)
    )
}

fn stored_line(m: &StoredModel) -> String {
    let (c, i) = (&m.check, &m.check.info);
    format!(
        "{} {} {} trained {} on {} rows, sha256 {}, held back: {} (active {}: {}){}",
        i.version,
        i.market,
        i.currency,
        i.trained_at,
        i.training_rows,
        c.sha256,
        score(&c.candidate),
        c.active_version,
        score(&c.active),
        if m.forced { ", forced" } else { "" }
    )
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn activation_line(a: &ModelActivation) -> String {
    format!(
        "{} {} activated {}{}",
        a.market,
        a.version,
        rfc3339(a.activated_at),
        a.rolled_back_at
            .map_or_else(String::new, |t| format!(", rolled back {}", rfc3339(t)))
    )
}

/// Runs one model command.
///
/// # Errors
/// What the use case refused, or storage failures, with the reason.
pub async fn run(settings: &Settings, command: ModelCommand) -> anyhow::Result<()> {
    let models = payrange_app::wiring::model_service(settings).await?;
    match command {
        ModelCommand::Upload {
            file,
            force,
            activate,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let options = UploadOptions {
                force,
                sha256: None,
            };
            let stored = models.upload(Actor::Operator, &bytes, &options).await?;
            println!("stored {}", stored_line(&stored));
            if activate {
                let a = models.activate(Actor::Operator, stored.version()).await?;
                println!("activated {}", activation_line(&a));
            }
        }
        ModelCommand::Activate { version } => {
            let a = models.activate(Actor::Operator, version.trim()).await?;
            println!("activated {}", activation_line(&a));
        }
        ModelCommand::Rollback { market } => {
            let market = Market::parse(&market)?;
            let a = models.rollback(Actor::Operator, market).await?;
            println!("rolled back {}", activation_line(&a));
            if let Some(now) = models.serving().iter().find(|m| m.market == market) {
                println!("{market} serves {} now", now.version);
            }
        }
        ModelCommand::List => {
            let c = models.catalog(Actor::Operator).await?;
            println!("active:");
            for m in &c.serving {
                println!("  {} {} {}", m.market, m.version, m.currency);
            }
            println!("bundled:");
            for m in &c.bundled {
                println!("  {} {} {}", m.market, m.version, m.currency);
            }
            println!("stored:");
            for m in &c.stored {
                println!("  {}", stored_line(m));
            }
            println!("activations:");
            for a in &c.activations {
                println!("  {}", activation_line(a));
            }
        }
    }
    Ok(())
}
