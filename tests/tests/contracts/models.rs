//! The [`ModelStore`] contract: model files round-trip with their check, a version is stored
//! once, activations stack per market and roll back one at a time, latest first, and the
//! standing activation of each market is the latest not rolled back.
//!
//! [`ModelStore`]: payrange_domain::ports::ModelStore

use payrange_domain::models::{
    BoundMetrics, HeldBackScore, IntervalQuality, Market, ModelActivation, ModelCheck, ModelInfo,
    StoredModel,
};
use payrange_domain::ports::StoreError;

use super::fixtures::{TestStore, at, contract_tests, user};

contract_tests!(
    a_model_round_trips_with_its_check_and_is_stored_once,
    activations_stack_per_market_and_roll_back_latest_first,
);

/// A stored model of `version` for `market`, uploaded at `at(uploaded)`.
pub fn stored(version: &str, market: Market, uploaded: i64) -> StoredModel {
    let info = ModelInfo {
        market,
        version: version.into(),
        trained_at: "2026-12-08T00:00:00Z".into(),
        currency: if market == Market::Ru { "RUR" } else { "GBP" }.into(),
        data_file: "hh_sample.csv".into(),
        data_sha256: "ab".repeat(32),
        training_rows: 285,
        salary_from: BoundMetrics {
            mae: 31_050.5,
            mape: 0.25,
            r2: 0.5,
        },
        salary_to: BoundMetrics {
            mae: 46_520.25,
            mape: 0.3,
            r2: 0.4,
        },
        coverage: 0.34,
        likely: Some(IntervalQuality {
            level: 0.8,
            coverage: 0.81,
            mean_width: 120_000.0,
        }),
    };
    StoredModel {
        uploaded_at: at(uploaded),
        uploaded_by: None,
        check: ModelCheck {
            info,
            sha256: "cd".repeat(32),
            size_bytes: 2_408_401,
            candidate: HeldBackScore {
                rows: 15,
                mae_from: Some(40_000.5),
                mae_to: None,
            },
            active_version: "83f9415997424031".into(),
            active: HeldBackScore {
                rows: 15,
                mae_from: Some(30_000.0),
                mae_to: Some(45_000.0),
            },
        },
        forced: true,
    }
}

async fn a_model_round_trips_with_its_check_and_is_stored_once(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let mut first = stored("0a1b2c3d4e5f6071", Market::Ru, 1);
    first.uploaded_by = Some(ann.id);
    let second = stored("1a1b2c3d4e5f6071", Market::Uk, 2);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.insert_model(&first, &bytes).await.unwrap();
    s.insert_model(&second, b"uk").await.unwrap();
    assert!(matches!(
        s.insert_model(&first, b"again").await,
        Err(StoreError::Duplicate("model"))
    ));
    assert_eq!(s.stored_models().await.unwrap(), [second, first.clone()]);
    assert_eq!(
        s.model_bytes(first.version()).await.unwrap(),
        Some(bytes),
        "every byte, NULs and high bytes included"
    );
    assert_eq!(s.model_bytes("ffffffffffffffff").await.unwrap(), None);
}

fn activation(market: Market, version: &str, t: i64) -> ModelActivation {
    ModelActivation {
        market,
        version: version.into(),
        activated_at: at(t),
        activated_by: None,
        rolled_back_at: None,
    }
}

async fn activations_stack_per_market_and_roll_back_latest_first(s: &TestStore) {
    let m = s;
    assert_eq!(m.standing_activations().await.unwrap(), []);
    assert_eq!(m.pop_activation(Market::Ru, at(0)).await.unwrap(), None);

    m.push_activation(&activation(Market::Ru, "a", 1))
        .await
        .unwrap();
    m.push_activation(&activation(Market::Uk, "u", 2))
        .await
        .unwrap();
    m.push_activation(&activation(Market::Ru, "b", 3))
        .await
        .unwrap();
    let standing = m.standing_activations().await.unwrap();
    assert_eq!(
        standing,
        [
            activation(Market::Ru, "b", 3),
            activation(Market::Uk, "u", 2)
        ]
    );

    let popped = m.pop_activation(Market::Ru, at(4)).await.unwrap().unwrap();
    assert_eq!(
        popped,
        ModelActivation {
            rolled_back_at: Some(at(4)),
            ..activation(Market::Ru, "b", 3)
        }
    );
    assert_eq!(m.standing_activations().await.unwrap()[0].version, "a");
    // Activating again after a rollback stacks on what stands.
    m.push_activation(&activation(Market::Ru, "c", 5))
        .await
        .unwrap();
    assert_eq!(
        m.pop_activation(Market::Ru, at(6))
            .await
            .unwrap()
            .unwrap()
            .version,
        "c"
    );
    assert_eq!(
        m.pop_activation(Market::Ru, at(7))
            .await
            .unwrap()
            .unwrap()
            .version,
        "a"
    );
    assert_eq!(m.pop_activation(Market::Ru, at(8)).await.unwrap(), None);
    assert_eq!(
        m.standing_activations().await.unwrap(),
        [activation(Market::Uk, "u", 2)]
    );

    let history: Vec<(String, bool)> = m
        .activations(Market::Ru, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.version, a.rolled_back_at.is_some()))
        .collect();
    let expected = [("c", true), ("b", true), ("a", true)];
    assert_eq!(history, expected.map(|(v, r)| (v.to_owned(), r)),);
    assert_eq!(m.activations(Market::Ru, 1).await.unwrap().len(), 1);
}
