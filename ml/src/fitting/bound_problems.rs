//! How the two bounds are turned into regression problems.
//!
//! Separate: one problem per bound, on the rows that have it. Joint ("frustratingly easy
//! domain adaptation"): one problem over all (row, bound) observations with features
//! `[x, gamma * x * is_from, gamma * x * is_to, is_to]`, so a row with only one bound
//! still teaches the other bound through the shared block. Either way each bound ends up
//! as a plain linear model over `x`, so the artifact and the scoring do not change.
//!
//! Stage 2 (fitting): between the TF-IDF matrix and the solver, in every CV fold
//! ([`crate::fitting::cv`]), final fit and learning-curve fit.

use sprs::CsMat;

/// Regression problems (CSC matrix and log targets) for the two bounds.
pub struct Problems {
    /// One problem (joint) or two (separate: from, to).
    pub list: Vec<(CsMat<f64>, Vec<f64>)>,
}

/// Builds the problems from a CSR matrix of documents and their log targets: two
/// separate problems (from, to) when `joint` is `None`, one joint problem with
/// bound-specific copies scaled by `g` when it is `Some(g)`.
pub fn build(x: &CsMat<f64>, targets: &[[Option<f64>; 2]], joint: Option<f64>) -> Problems {
    let list = match joint {
        None => (0..2).map(|b| separate(x, targets, b)).collect(),
        Some(g) => vec![joint_problem(x, targets, g)],
    };
    Problems { list }
}

/// The problem of bound `b` alone, on the rows that have it.
fn separate(x: &CsMat<f64>, targets: &[[Option<f64>; 2]], b: usize) -> (CsMat<f64>, Vec<f64>) {
    let (rows, y): (Vec<usize>, Vec<f64>) = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t[b].map(|v| (i, v)))
        .unzip();
    (csc_of_rows(x, &rows), y)
}

/// The joint problem: one observation per (row, bound), features
/// `[x, g * x * is_from, g * x * is_to, is_to]`.
fn joint_problem(x: &CsMat<f64>, targets: &[[Option<f64>; 2]], g: f64) -> (CsMat<f64>, Vec<f64>) {
    let nf = x.cols();
    let mut indptr = vec![0];
    let (mut indices, mut data, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for (i, t) in targets.iter().enumerate() {
        for (b, &tb) in t.iter().enumerate() {
            let Some(v) = tb else { continue };
            let Some(row) = x.outer_view(i) else { continue };
            indices.extend_from_slice(row.indices());
            data.extend_from_slice(row.data());
            let off = nf * (1 + b);
            indices.extend(row.indices().iter().map(|j| j + off));
            data.extend(row.data().iter().map(|v| v * g));
            if b == 1 {
                indices.push(3 * nf);
                data.push(1.0);
            }
            indptr.push(indices.len());
            y.push(v);
        }
    }
    let m = CsMat::new((y.len(), 3 * nf + 1), indptr, indices, data).to_csc();
    (m, y)
}

/// Rows `rows` of a CSR matrix as a CSC matrix, built directly (no intermediate CSR copy,
/// which at 100k rows is hundreds of MB); same result as selecting the rows and calling
/// `to_csc`.
fn csc_of_rows(x: &CsMat<f64>, rows: &[usize]) -> CsMat<f64> {
    let nc = x.cols();
    let mut indptr = vec![0usize; nc + 1];
    for &i in rows {
        if let Some(r) = x.outer_view(i) {
            for &j in r.indices() {
                indptr[j + 1] += 1;
            }
        }
    }
    for j in 0..nc {
        indptr[j + 1] += indptr[j];
    }
    let nnz = indptr[nc];
    let (mut indices, mut data) = (vec![0usize; nnz], vec![0.0; nnz]);
    let mut next = indptr.clone();
    for (k, &i) in rows.iter().enumerate() {
        if let Some(r) = x.outer_view(i) {
            for (j, &v) in r.iter() {
                indices[next[j]] = k;
                data[next[j]] = v;
                next[j] += 1;
            }
        }
    }
    CsMat::new_csc((rows.len(), nc), indptr, indices, data)
}

/// The bounds a problem's solution serves.
pub fn bounds_of(problem: usize, joint: Option<f64>) -> &'static [usize] {
    match (joint, problem) {
        (Some(_), _) => &[0, 1],
        (None, 0) => &[0],
        (None, _) => &[1],
    }
}

/// The linear model over `x` (length `nf`) for bound `b` from a problem's solution.
pub fn collapse(w: &[f64], icpt: f64, b: usize, nf: usize, joint: Option<f64>) -> (Vec<f64>, f64) {
    match joint {
        None => (w[..nf].to_vec(), icpt),
        Some(g) => {
            let off = nf * (1 + b);
            let coef = (0..nf).map(|j| w[j] + g * w[off + j]).collect();
            (coef, icpt + if b == 1 { w[3 * nf] } else { 0.0 })
        }
    }
}

/// Sample weights `exp(power * y)` of log targets `y` (salary^power), or `None` for 0.
/// With power 1 the squared log error is weighted by the salary, which approximates the
/// absolute error in currency units that the model is judged by.
pub fn weights(y: &[f64], power: f64) -> Option<Vec<f64>> {
    if power == 0.0 {
        return None;
    }
    let m = y.iter().sum::<f64>() / y.len().max(1) as f64;
    Some(y.iter().map(|v| (power * (v - m)).exp()).collect())
}
