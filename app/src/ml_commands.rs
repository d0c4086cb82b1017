//! The `payrange train | evaluate | predict` commands: thin wrappers over
//! `payrange_ml::commands`, adding argument parsing, a progress bar and printing.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use payrange_ml::commands::{evaluate_file, predict_csv, train_file};
use payrange_ml::fitting::settings::TrainSettings;
use payrange_ml::report;
use payrange_ml::report::{ReferenceScores, evaluation_report, training_report};
use payrange_ml::{Model, VacancyText};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Model commands.
#[derive(Debug, Subcommand)]
pub enum MlCommand {
    /// Train a model on a CSV of vacancies (name,description,salary_from,salary_to[,area]).
    Train(TrainArgs),
    /// Evaluate a model on a CSV with true salaries; prints one JSON object.
    Evaluate(EvaluateArgs),
    /// Predict the salary range of one vacancy or of every row of a CSV.
    Predict(PredictArgs),
}

/// Arguments of `payrange train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data CSV.
    #[arg(long)]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long)]
    pub out: PathBuf,
    /// Training time to record (RFC 3339); default SOURCE_DATE_EPOCH, else now. It does
    /// not enter the model version.
    #[arg(long)]
    pub trained_at: Option<String>,
    /// Worker threads for cross-validation.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Also run nested cross-validation of the whole training with this many outer folds
    /// (about that many times the training time) and record its honest metrics in the
    /// model; 0 skips it.
    #[arg(long, default_value_t = 0)]
    pub nested_folds: usize,
    /// Also write a self-contained HTML training report (data, CV against the reference,
    /// predicted against true, errors by salary band, interval calibration, learning
    /// curve, top terms, chosen settings).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The scikit-learn references' scores on the same outer folds, as printed by
    /// `scripts/nested_reference.py`, for the report's CV table.
    #[arg(long, requires = "report")]
    pub reference: Option<PathBuf>,
}

/// Arguments of `payrange evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model file; the bundled model when omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// CSV with true salaries.
    #[arg(long)]
    pub data: PathBuf,
    /// Also write a self-contained HTML report of the evaluation.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// Arguments of `payrange predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model file; the bundled model when omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Vacancy title (single prediction).
    #[arg(long, required_unless_present = "csv")]
    pub name: Option<String>,
    /// Vacancy description (single prediction).
    #[arg(long, default_value = "")]
    pub description: String,
    /// Area (single prediction).
    #[arg(long)]
    pub area: Option<String>,
    /// Number of explaining terms per bound (single prediction).
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Level of the likely range (single prediction), between 0 and 1.
    #[arg(long, default_value_t = 0.8, value_parser = parse_level)]
    pub level: f64,
    /// Input CSV (batch prediction).
    #[arg(long, requires = "out")]
    pub csv: Option<PathBuf>,
    /// Output CSV (batch prediction).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A coverage level strictly between 0 and 1.
fn parse_level(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(l) if l > 0.0 && l < 1.0 => Ok(l),
        _ => Err(format!("{s:?} is not a level between 0 and 1 (e.g. 0.8)")),
    }
}

/// Runs an ML command.
pub fn run(cmd: MlCommand) -> Result<()> {
    match cmd {
        MlCommand::Train(a) => run_train(a),
        MlCommand::Evaluate(a) => run_evaluate(a),
        MlCommand::Predict(a) => run_predict(a),
    }
}

fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    Ok(match path {
        Some(p) => Model::load(p).with_context(|| format!("loading model {}", p.display()))?,
        None => Model::bundled().context("loading the bundled model")?,
    })
}

fn trained_at(arg: Option<&str>) -> Result<OffsetDateTime> {
    if let Some(s) = arg {
        return OffsetDateTime::parse(s, &Rfc3339).with_context(|| format!("--trained-at {s}"));
    }
    if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        let secs: i64 = epoch.trim().parse().context("SOURCE_DATE_EPOCH")?;
        return OffsetDateTime::from_unix_timestamp(secs).context("SOURCE_DATE_EPOCH");
    }
    Ok(OffsetDateTime::now_utc())
}

/// `payrange train`: cross-validates the grid, fits, saves, prints the choice and metrics.
pub fn run_train(args: TrainArgs) -> Result<()> {
    let settings = TrainSettings {
        threads: args.threads,
        nested_outer_folds: args.nested_folds,
        ..TrainSettings::default()
    };
    let at = trained_at(args.trained_at.as_deref())?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcome = train_file(
        &args.data,
        &args.out,
        &settings,
        at,
        &mut |done, total, msg| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(msg.to_owned());
        },
    )
    .with_context(|| format!("training on {}", args.data.display()))?;
    bar.finish_and_clear();
    if let Some(path) = &args.report {
        let reference = match &args.reference {
            Some(p) => Some(
                serde_json::from_slice::<ReferenceScores>(
                    &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
                )
                .with_context(|| format!("{} is not nested_reference.py output", p.display()))?,
            ),
            None => None,
        };
        let data = training_report(&outcome, reference.as_ref());
        report::write(&data, path).with_context(|| format!("writing {}", path.display()))?;
    }
    let md = outcome.model.metadata();
    let summary = serde_json::json!({
        "model": args.out,
        "version": md.version,
        "seconds": outcome.seconds,
        "rows": md.rows,
        "held_back_rows": outcome.model.held_back().len(),
        "bad_rows": outcome.bad_rows,
        "hyperparameters": md.hyperparameters,
        "cv_metrics": md.cv_metrics,
        "cv_interval": md.cv_interval,
        "nested_cv": md.nested_cv,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

/// `payrange evaluate`: prints one JSON object of metrics.
pub fn run_evaluate(args: EvaluateArgs) -> Result<()> {
    let model = load_model(args.model.as_ref())?;
    let report = evaluate_file(&model, &args.data)
        .with_context(|| format!("evaluating on {}", args.data.display()))?;
    if let Some(path) = &args.report {
        let data = evaluation_report(&model, &args.data)
            .with_context(|| format!("evaluating on {}", args.data.display()))?;
        report::write(&data, path).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// `payrange predict`: one vacancy (with explanation) or a CSV file.
pub fn run_predict(args: PredictArgs) -> Result<()> {
    let model = load_model(args.model.as_ref())?;
    if let (Some(input), Some(out)) = (&args.csv, &args.out) {
        let (n, bad) = predict_csv(&model, input, out)
            .with_context(|| format!("predicting {}", input.display()))?;
        println!(
            "{}",
            serde_json::json!({ "rows": n, "bad_rows": bad, "out": out })
        );
        return Ok(());
    }
    let name = args.name.as_deref().unwrap_or_default();
    let v = VacancyText {
        name,
        description: &args.description,
        area: args.area.as_deref(),
    };
    let d = model.predict_explained(&v, args.top);
    let likely = model.likely_range(&d.difficulty, args.level).map(|(lo, hi)| {
        serde_json::json!({ "likely_from": lo.round(), "likely_to": hi.round(), "level": args.level })
    });
    let out = serde_json::json!({
        "salary_from": d.range.salary_from.round(),
        "salary_to": d.range.salary_to.round(),
        "likely": likely,
        "currency": model.metadata().currency,
        "model_version": model.metadata().version,
        "explanation": d.explanation,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
