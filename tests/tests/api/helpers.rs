//! The API tests' names for the harness of `payrange-tests` (`tests/src/`): the app started
//! in this process ([`TestApp`]), its users, and the assertions the tests share.

pub use payrange_tests::app::{TestApp, User, production};
pub use payrange_tests::client::{PASSWORD, assert_error, json_of, vacancy};
pub use payrange_tests::scratch::Scratch;

/// Trains a model on the CSV `data` into `out` with `payrange train`'s code and small
/// settings (one L1 ratio, four alphas, three folds): seconds, not minutes.
pub fn train_quickly(
    data: &std::path::Path,
    out: &std::path::Path,
) -> payrange_ml::commands::TrainOutcome {
    let settings = payrange_ml::fitting::settings::TrainSettings {
        l1_ratios: vec![0.2],
        n_alphas: 4,
        alpha_min_ratio: 1e-2,
        folds: 3,
        ..Default::default()
    };
    payrange_ml::commands::train_file(
        data,
        out,
        &settings,
        time::OffsetDateTime::now_utc(),
        &mut |_, _, _| {},
    )
    .unwrap()
}
