//! The sparse coordinate-descent solver agrees with linfa-elasticnet and scikit-learn on
//! small dense problems.
#![allow(clippy::unwrap_used)]

use linfa::traits::{Fit, Predict};
use linfa::{Dataset, DatasetBase};
use ndarray::{Array1, Array2};
use payrange_ml::fitting::enet::{SparseElasticNetParams, SparseRecords};
use sprs::CsMat;

const N: usize = 30;
const P: usize = 6;

/// The problem of `scripts/enet_reference.py` (kept in sync by hand).
fn problem() -> (Array2<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((N, P), |(i, j)| {
        ((i * 7 + j * 13) % 11) as f64 / 5.0 - 1.0 + ((i * j) % 3) as f64 * 0.1
    });
    let y = Array1::from_shape_fn(N, |i| {
        1.5 * x[[i, 0]] - 2.0 * x[[i, 2]] + 0.5 * x[[i, 4]] + ((i * 5) % 7) as f64 * 0.1 + 3.0
    });
    (x, y)
}

#[test]
fn coefficients_match_recorded_scikit_learn_values() {
    // scikit-learn 1.9.1 `ElasticNet(alpha, l1_ratio, tol=1e-10, max_iter=100000)`, see
    // scripts/enet_reference.py.
    let cases: [(f64, f64, [f64; P], f64); 3] = [
        (
            0.01,
            0.5,
            [
                1.3710704525304933,
                0.045285192338080066,
                -1.938405157260529,
                -0.14566231973950997,
                0.5636033869886529,
                0.012128063743248037,
            ],
            3.2756618721133095,
        ),
        (
            0.1,
            0.1,
            [
                1.1415535576123748,
                0.001724561522586514,
                -1.6189902999946055,
                -0.16049756491820977,
                0.48365309153163843,
                0.21050479125904237,
            ],
            3.228895916567961,
        ),
        (
            0.05,
            0.9,
            [
                1.2877134759892754,
                0.0,
                -1.925078492124948,
                -0.09070549345712037,
                0.43186530041039123,
                0.0,
            ],
            3.295295479657195,
        ),
    ];
    let (x, y) = problem();
    for (alpha, l1, coef, intercept) in cases {
        let ds = Dataset::new(x.clone(), y.clone());
        let m = SparseElasticNetParams::new(alpha, l1)
            .tol(1e-12)
            .fit(&ds)
            .unwrap();
        for (a, b) in m.coef.iter().zip(coef) {
            assert!((a - b).abs() < 1e-6, "alpha {alpha} l1 {l1}: {a} vs {b}");
        }
        assert!((m.intercept - intercept).abs() < 1e-6);
    }
}

#[test]
fn coefficients_match_linfa_elasticnet_on_centred_data() {
    // linfa-elasticnet centres y but not X, so it equals scikit-learn (and us) only when
    // the columns of X have zero mean.
    let (x, y) = problem();
    let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
    let xc = &x - &mean;
    for (alpha, l1) in [(0.01, 0.5), (0.1, 0.1), (0.05, 0.9), (0.2, 1.0)] {
        let ds = Dataset::new(xc.clone(), y.clone());
        let theirs = linfa_elasticnet::ElasticNet::params()
            .penalty(alpha)
            .l1_ratio(l1)
            .tolerance(1e-12)
            .max_iterations(100_000)
            .fit(&ds)
            .unwrap();
        let ours = SparseElasticNetParams::new(alpha, l1)
            .tol(1e-12)
            .fit(&ds)
            .unwrap();
        for (a, b) in ours.coef.iter().zip(theirs.hyperplane()) {
            assert!((a - b).abs() < 1e-6, "alpha {alpha} l1 {l1}: {a} vs {b}");
        }
        assert!((ours.intercept - theirs.intercept()).abs() < 1e-6);
        let p_ours: Array1<f64> = ours.predict(&xc);
        let p_theirs = theirs.predict(&xc);
        for (a, b) in p_ours.iter().zip(p_theirs.iter()) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}

#[test]
fn sparse_records_give_the_same_fit_as_dense() {
    let (x, y) = problem();
    let dense = SparseElasticNetParams::new(0.01, 0.5)
        .fit(&Dataset::new(x.clone(), y.clone()))
        .unwrap();
    let sparse = SparseRecords(CsMat::csr_from_dense(x.view(), 0.0));
    let fitted = SparseElasticNetParams::new(0.01, 0.5)
        .fit(&DatasetBase::new(sparse.clone(), y.clone()))
        .unwrap();
    assert_eq!(dense, fitted);
    let p: Array1<f64> = fitted.predict(&DatasetBase::new(sparse, y.clone()));
    let mae = (&p - &y).mapv(f64::abs).mean().unwrap();
    assert!(mae < 0.2, "mae {mae}");
}

#[test]
fn invalid_parameters_are_rejected() {
    let (x, y) = problem();
    let ds = Dataset::new(x, y);
    assert!(SparseElasticNetParams::new(-1.0, 0.5).fit(&ds).is_err());
    assert!(SparseElasticNetParams::new(0.1, 1.5).fit(&ds).is_err());
}

#[test]
fn weighted_coefficients_match_recorded_scikit_learn_values() {
    // scikit-learn 1.9.1, `fit(X, y, sample_weight = 1 + i % 4)`, scripts/enet_reference.py.
    let coef = [
        1.3120767707961296,
        0.019134664294139778,
        -1.9741043296343213,
        -0.13300245746693926,
        0.5302124342935727,
        0.05210707872083247,
    ];
    let (x, y) = problem();
    let csc = CsMat::csc_from_dense(x.view(), 0.0);
    let w: Vec<f64> = (0..N).map(|i| 1.0 + (i % 4) as f64).collect();
    let p = payrange_ml::fitting::enet::Problem::with_weights(
        csc.view(),
        y.as_slice().unwrap(),
        Some(&w),
    );
    let opt = payrange_ml::fitting::enet::SolverOptions {
        tol: 1e-12,
        max_iter: 100_000,
    };
    let s = p.solve(0.01, 0.5, Vec::new(), opt);
    for (a, b) in s.coef.iter().zip(coef) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    assert!((s.intercept - 3.2787296975836435).abs() < 1e-6);
}
