//! Sparse ElasticNet regression with linfa's `Fit` / `Predict` traits.
//!
//! [`SparseElasticNetParams`] fits on a [`SparseRecords`] (CSR or CSC `sprs` matrix) or a
//! dense `Array2`; [`SparseElasticNet`] predicts on either.
//!
//! Stage 2 (fitting): the solver under cross-validation and the final fits.

mod solver;

pub use solver::{Problem, Solution, SolverOptions};

use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};
use serde::{Deserialize, Serialize};
use sprs::{CsMat, CsMatView};

/// Errors of fitting.
#[derive(Debug, thiserror::Error)]
pub enum EnetError {
    /// A hyperparameter is out of range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// Records and targets disagree in length, or there are no rows.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// An error of linfa itself.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// A sparse matrix as linfa records (rows = samples). A newtype because linfa has no
/// `Records` impl for `sprs` matrices and the orphan rule forbids adding one.
#[derive(Debug, Clone)]
pub struct SparseRecords(pub CsMat<f64>);

impl Records for SparseRecords {
    type Elem = f64;
    fn nsamples(&self) -> usize {
        self.0.rows()
    }
    fn nfeatures(&self) -> usize {
        self.0.cols()
    }
}

/// Hyperparameters of [`SparseElasticNet`] (scikit-learn's `alpha` and `l1_ratio`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SparseElasticNetParams {
    /// Overall penalty strength.
    pub alpha: f64,
    /// Share of L1 in the penalty, in `[0, 1]`.
    pub l1_ratio: f64,
    /// Relative duality-gap tolerance.
    pub tol: f64,
    /// Maximum number of full sweeps.
    pub max_iter: usize,
}

impl SparseElasticNetParams {
    /// Parameters with scikit-learn's defaults for `tol` and `max_iter`.
    pub fn new(alpha: f64, l1_ratio: f64) -> Self {
        SparseElasticNetParams {
            alpha,
            l1_ratio,
            tol: 1e-4,
            max_iter: 1000,
        }
    }

    /// Sets the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    fn check(&self) -> Result<(), EnetError> {
        if !(self.alpha >= 0.0 && self.alpha.is_finite()) {
            return Err(EnetError::InvalidParameter(format!(
                "alpha = {}",
                self.alpha
            )));
        }
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(EnetError::InvalidParameter(format!(
                "l1_ratio = {}",
                self.l1_ratio
            )));
        }
        Ok(())
    }

    /// Fits on a CSC matrix view (rows = samples) and targets.
    pub fn fit_csc(&self, x: CsMatView<'_, f64>, y: &[f64]) -> Result<SparseElasticNet, EnetError> {
        self.check()?;
        if x.rows() != y.len() || y.is_empty() {
            return Err(EnetError::Shape(format!(
                "{} rows vs {} targets",
                x.rows(),
                y.len()
            )));
        }
        let p = Problem::new(x, y);
        let opt = SolverOptions {
            tol: self.tol,
            max_iter: self.max_iter,
        };
        let s = p.solve(self.alpha, self.l1_ratio, Vec::new(), opt);
        Ok(SparseElasticNet {
            coef: s.coef,
            intercept: s.intercept,
        })
    }
}

/// A fitted ElasticNet: `y = intercept + x . coef`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseElasticNet {
    /// Coefficients, one per feature.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

impl Fit<SparseRecords, Array1<f64>, EnetError> for SparseElasticNetParams {
    type Object = SparseElasticNet;
    fn fit(
        &self,
        ds: &DatasetBase<SparseRecords, Array1<f64>>,
    ) -> Result<SparseElasticNet, EnetError> {
        let csc = ds.records.0.to_csc();
        self.fit_csc(csc.view(), &ds.targets.to_vec())
    }
}

impl<S: Data<Elem = f64>> Fit<ArrayBase<S, Ix2>, Array1<f64>, EnetError>
    for SparseElasticNetParams
{
    type Object = SparseElasticNet;
    fn fit(
        &self,
        ds: &DatasetBase<ArrayBase<S, Ix2>, Array1<f64>>,
    ) -> Result<SparseElasticNet, EnetError> {
        let csc = CsMat::csc_from_dense(ds.records.view(), 0.0);
        self.fit_csc(csc.view(), &ds.targets.to_vec())
    }
}

impl SparseElasticNet {
    /// Prediction for one sparse row given as `(feature, value)` pairs.
    pub fn predict_row(&self, row: &[(u32, f64)]) -> f64 {
        self.intercept
            + row
                .iter()
                .map(|&(j, v)| self.coef[j as usize] * v)
                .sum::<f64>()
    }
}

impl PredictInplace<SparseRecords, Array1<f64>> for SparseElasticNet {
    fn predict_inplace(&self, x: &SparseRecords, y: &mut Array1<f64>) {
        let csr = x.0.to_csr();
        for (out, row) in y.iter_mut().zip(csr.outer_iterator()) {
            *out = self.intercept + row.iter().map(|(j, v)| self.coef[j] * v).sum::<f64>();
        }
    }
    fn default_target(&self, x: &SparseRecords) -> Array1<f64> {
        Array1::zeros(x.nsamples())
    }
}

impl PredictInplace<Array2<f64>, Array1<f64>> for SparseElasticNet {
    fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<f64>) {
        let w = Array1::from(self.coef.clone());
        *y = x.dot(&w) + self.intercept;
    }
    fn default_target(&self, x: &Array2<f64>) -> Array1<f64> {
        Array1::zeros(x.nrows())
    }
}
