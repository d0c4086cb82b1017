//! Reading vacancy CSV files (`name,description,salary_from,salary_to[,area,id,currency]`).
//!
//! Bad rows (missing name, non-numeric or non-positive salary) are counted, not fatal.
//!
//! The input of every stage: training, evaluation and batch prediction read their rows
//! here.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::VacancyText;

/// Errors reading a data file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV is malformed beyond single rows (e.g. unreadable header).
    #[error("bad CSV in {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// A required column is missing from the header.
    #[error("{path} has no `{column}` column")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
    },
}

/// One vacancy row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Id from the file, or the 0-based row number when there is no `id` column.
    pub id: String,
    /// Title.
    pub name: String,
    /// Description.
    pub description: String,
    /// Area, if given.
    pub area: Option<String>,
    /// Lower bound, if given.
    pub salary_from: Option<f64>,
    /// Upper bound, if given.
    pub salary_to: Option<f64>,
    /// Currency, if given.
    pub currency: Option<String>,
}

impl Row {
    /// The row as scoring input.
    pub fn text(&self) -> VacancyText<'_> {
        VacancyText {
            name: &self.name,
            description: &self.description,
            area: self.area.as_deref(),
        }
    }
}

/// A loaded file: good rows plus counts of what was skipped.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedData {
    /// Good rows.
    #[serde(skip)]
    pub rows: Vec<Row>,
    /// File name (without directories).
    pub file_name: String,
    /// Hex sha256 of the file bytes.
    pub sha256: String,
    /// Records read (good and bad).
    pub records: usize,
    /// Skipped records by reason.
    pub bad_rows: BTreeMap<String, usize>,
}

fn parse_salary(s: &str) -> Result<Option<f64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
        _ => Err(()),
    }
}

/// Reads a vacancy CSV. With `need_salary`, rows without salary columns fail the header
/// check; rows with no bound at all are then counted as bad.
pub fn load_csv(path: &Path, need_salary: bool) -> Result<LoadedData, DataError> {
    let io = |source| DataError::Io {
        path: path.to_owned(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let csv_err = |source| DataError::Csv {
        path: path.to_owned(),
        source,
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let need = |name: &'static str| {
        col(name).ok_or(DataError::MissingColumn {
            path: path.to_owned(),
            column: name,
        })
    };
    let (c_name, c_desc) = (need("name")?, need("description")?);
    let (c_from, c_to) = if need_salary {
        (Some(need("salary_from")?), Some(need("salary_to")?))
    } else {
        (col("salary_from"), col("salary_to"))
    };
    let (c_area, c_id, c_cur) = (col("area"), col("id"), col("currency"));
    let mut out = LoadedData {
        rows: Vec::new(),
        file_name: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        records: 0,
        bad_rows: BTreeMap::new(),
    };
    let mut bad = |reason: &str| *out.bad_rows.entry(reason.to_owned()).or_insert(0) += 1;
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        out.records += 1;
        let Ok(rec) = rec else {
            bad("unreadable record");
            continue;
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let name = get(Some(c_name)).trim();
        if name.is_empty() {
            bad("missing name");
            continue;
        }
        let (Ok(from), Ok(to)) = (parse_salary(get(c_from)), parse_salary(get(c_to))) else {
            bad("non-numeric or non-positive salary");
            continue;
        };
        if need_salary && from.is_none() && to.is_none() {
            bad("no salary bound");
            continue;
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        rows.push(Row {
            id: opt(get(c_id)).unwrap_or_else(|| i.to_string()),
            name: name.to_owned(),
            description: get(Some(c_desc)).to_owned(),
            area: opt(get(c_area)),
            salary_from: from,
            salary_to: to,
            currency: opt(get(c_cur)),
        });
    }
    out.rows = rows;
    Ok(out)
}
