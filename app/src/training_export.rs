//! `payrange export-training-data`: every estimated vacancy with a real outcome, written in
//! the training format `payrange train` reads, so that the next model learns from real
//! traffic.
//!
//! The format is the shared data sets' (`id,name,description,salary_from,salary_to,currency,
//! area,source`; UTF-8, CRLF, RFC 4180 quoting, whole salaries without a decimal point,
//! others with at most 2 decimals). The salaries are the outcome's, never the estimate's:
//! training on the model's own answers would teach it nothing. Text is written exactly as
//! stored: this file is for the trainer, not a spreadsheet.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use payrange_domain::models::Prediction;
use payrange_domain::services::OutcomeService;
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};

/// The columns, in order.
pub const COLUMNS: [&str; 8] = [
    "id",
    "name",
    "description",
    "salary_from",
    "salary_to",
    "currency",
    "area",
    "source",
];

/// A salary as the data sets write it: whole numbers without a decimal point, others with
/// at most 2 decimals.
fn salary(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => {
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    }
}

/// The training CSV of `predictions`: one row per prediction with a result and an outcome
/// (the others are skipped), in the order given.
///
/// # Errors
/// Only if the CSV writer fails, which writing to memory does not.
pub fn training_csv(predictions: &[Prediction]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for p in predictions {
        let (Some(result), Some(outcome)) = (&p.result, &p.outcome) else {
            continue;
        };
        let source = match outcome.kind() {
            Some(kind) => format!("payrange:{}", kind.as_str()),
            None => "payrange:outcome".to_owned(),
        };
        w.write_record([
            p.id.to_string(),
            p.vacancy.name().to_owned(),
            p.vacancy.description().to_owned(),
            salary(outcome.salary_from()),
            salary(outcome.salary_to()),
            // The estimate's currency as the model's data name it (`RUR`), which the outcome
            // was checked to be.
            result.currency.clone(),
            p.vacancy.area().unwrap_or_default().to_owned(),
            source,
        ])?;
    }
    w.into_inner().context("cannot finish the CSV")
}

/// Writes every prediction with an outcome from the database of `database_url` to `out`;
/// returns how many rows were written. Runs the migrations first, like the other commands
/// that open the database.
///
/// # Errors
/// The database cannot be opened or read, or the file cannot be written.
pub async fn export_training_data(database_url: &str, out: &Path) -> anyhow::Result<usize> {
    let store = Arc::new(
        SeaOrmStore::connect(&StoreSettings::new(database_url))
            .await
            .context("cannot open the database")?,
    );
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let mut rows = OutcomeService::new(store)
        .with_outcomes(None)
        .await
        .context("cannot read the outcomes")?;
    // Oldest first: a file that grows at its end from one export to the next.
    rows.reverse();
    let bytes = training_csv(&rows)?;
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salaries_are_written_as_the_data_sets_write_them() {
        assert_eq!(salary(Some(120_000.0)), "120000");
        assert_eq!(salary(Some(1234.5)), "1234.5");
        assert_eq!(salary(Some(1234.567)), "1234.57");
        assert_eq!(salary(None), "");
    }
}
