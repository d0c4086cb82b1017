//! Errors by salary band: the (true, predicted) pairs of a bound split into equal-sized
//! bands of true salary, each with its MAE and median relative errors. The bands
//! section shows them as a table ([`super::sections`]) and a chart ([`super::charts`]).

/// Errors of one band of true salaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Band {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) n: usize,
    pub(super) mae: f64,
    /// Median of |predicted − true| / true.
    pub(super) median_abs_rel: f64,
    /// Median of (predicted − true) / true: below zero the band is under-predicted.
    pub(super) median_rel: f64,
}

/// Splits the pairs into `k` bands of (nearly) equal size by true value.
pub(super) fn bands(points: &[(f64, f64)], k: usize) -> Vec<Band> {
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(t, p)| t.is_finite() && p.is_finite() && *t > 0.0)
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = p.len();
    let k = k.min(n);
    (0..k)
        .map(|i| {
            let part = &p[i * n / k..(i + 1) * n / k];
            let m = part.len() as f64;
            let mut abs_rel: Vec<f64> = part.iter().map(|(t, p)| ((p - t) / t).abs()).collect();
            let mut rel: Vec<f64> = part.iter().map(|(t, p)| (p - t) / t).collect();
            Band {
                lo: part[0].0,
                hi: part[part.len() - 1].0,
                n: part.len(),
                mae: part.iter().map(|(t, p)| (p - t).abs()).sum::<f64>() / m,
                median_abs_rel: median(&mut abs_rel),
                median_rel: median(&mut rel),
            }
        })
        .collect()
}

pub(super) fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Bands per bound.
pub(super) const BANDS: usize = 5;
