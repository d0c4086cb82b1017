//! The held-back sample a model file carries: vacancies with true salaries that training
//! set aside (see [`crate::fitting::held_back`] for which), and the score of a model on
//! such rows.
//!
//! Two models trained by `payrange train` on the same file hold back the same vacancies,
//! so each can be scored on rows neither has seen: the check before an uploaded model may
//! serve.
//!
//! Stage 3 (serving): stored by [`crate::serving::artifact`] (format 6), scored through
//! [`Model::predict`], the path serving takes.

use serde::{Deserialize, Serialize};

use crate::VacancyText;
use crate::data::Row;
use crate::serving::model::Model;

/// One held-back vacancy: its text and its true salary bounds (currency units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldBackRow {
    /// Title.
    pub name: String,
    /// Description.
    pub description: String,
    /// Area, if given.
    pub area: Option<String>,
    /// True lower bound, if given.
    pub salary_from: Option<f64>,
    /// True upper bound, if given.
    pub salary_to: Option<f64>,
}

impl HeldBackRow {
    /// The row as scoring input.
    pub fn text(&self) -> VacancyText<'_> {
        VacancyText {
            name: &self.name,
            description: &self.description,
            area: self.area.as_deref(),
        }
    }

    /// Whether both bounds, when given, are finite and positive (what reading a data file
    /// guarantees, and reading a model file checks).
    pub(crate) fn salaries_valid(&self) -> bool {
        [self.salary_from, self.salary_to]
            .iter()
            .flatten()
            .all(|s| s.is_finite() && *s > 0.0)
    }
}

impl From<&Row> for HeldBackRow {
    fn from(r: &Row) -> Self {
        HeldBackRow {
            name: r.name.clone(),
            description: r.description.clone(),
            area: r.area.clone(),
            salary_from: r.salary_from,
            salary_to: r.salary_to,
        }
    }
}

/// A model's mean absolute errors on a set of rows (see [`Model::score_held_back`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HeldBackScore {
    /// Rows scored.
    pub rows: usize,
    /// Rows with a true lower bound.
    pub from_rows: usize,
    /// Mean absolute error of the predicted lower bound over those rows, currency units;
    /// `None` when there are none.
    pub mae_from: Option<f64>,
    /// Rows with a true upper bound.
    pub to_rows: usize,
    /// Mean absolute error of the predicted upper bound over those rows, currency units;
    /// `None` when there are none.
    pub mae_to: Option<f64>,
}

impl Model {
    /// The vacancies training held back from this model, stored in its file (empty for a
    /// format-5 file, or when training held none back).
    pub fn held_back(&self) -> &[HeldBackRow] {
        &self.held_back
    }

    /// Scores the model on `rows`: per bound, the mean absolute error of
    /// [`Model::predict`] (the path serving takes) over the rows that have that true bound.
    /// Rows with neither bound count in `rows` only. Never fails: an empty set scores
    /// `None` for both bounds.
    pub fn score_held_back(&self, rows: &[HeldBackRow]) -> HeldBackScore {
        let mut abs = [0.0f64; 2];
        let mut n = [0usize; 2];
        for r in rows {
            let p = self.predict(&r.text());
            for (b, (truth, pred)) in [(r.salary_from, p.salary_from), (r.salary_to, p.salary_to)]
                .into_iter()
                .enumerate()
            {
                if let Some(t) = truth {
                    abs[b] += (t - pred).abs();
                    n[b] += 1;
                }
            }
        }
        let mae = |b: usize| (n[b] > 0).then(|| abs[b] / n[b] as f64);
        HeldBackScore {
            rows: rows.len(),
            from_rows: n[0],
            mae_from: mae(0),
            to_rows: n[1],
            mae_to: mae(1),
        }
    }
}
