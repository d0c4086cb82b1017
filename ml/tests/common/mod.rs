//! Shared helpers of the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use payrange_ml::Model;
use payrange_ml::data::{LoadedData, load_csv};
use payrange_ml::fitting::settings::TrainSettings;
use payrange_ml::fitting::train::train;

/// The 200-row fixture sample.
pub fn fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hh_sample.csv"
    ))
}

/// A small, fast grid for tests.
pub fn small_settings() -> TrainSettings {
    TrainSettings {
        l1_ratios: vec![0.2],
        n_alphas: 4,
        alpha_min_ratio: 1e-2,
        folds: 3,
        ..TrainSettings::default()
    }
}

/// The fixture data.
pub fn fixture_data() -> LoadedData {
    load_csv(&fixture(), true).unwrap()
}

/// A model trained on the fixture with the small grid.
pub fn small_model() -> Model {
    let t = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    train(&fixture_data(), &small_settings(), t, &mut |_, _, _| {}).unwrap()
}
