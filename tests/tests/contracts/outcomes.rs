//! The [`LogStore`] contract for real outcomes: [`LogStore::set_outcome`] writes, replaces
//! and clears the outcome of a done prediction only; it reads back exactly with the
//! prediction (one, several, a history page); listings select by model version and by
//! having an outcome.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore
//! [`LogStore::set_outcome`]: payrange_domain::ports::LogStore::set_outcome

use payrange_domain::models::{
    Outcome, OutcomeKind, PageRequest, PredictionFilter, PredictionId, SalaryEstimate,
};

use super::fixtures::{TestStore, at, contract_tests, estimate, queued, user};

contract_tests!(
    an_outcome_is_written_replaced_and_cleared_and_reads_back_exactly,
    an_outcome_is_refused_for_an_unfinished_failed_or_unknown_prediction,
    a_listing_selects_by_model_version_and_by_having_an_outcome,
);

fn outcome(from: Option<f64>, to: Option<f64>, kind: Option<OutcomeKind>) -> Outcome {
    // A recording time with microseconds and an awkward figure, to check exact storage.
    let t = at(10) + time::Duration::microseconds(123_456);
    Outcome::new(from, to, estimate().currency, kind, t).unwrap()
}

async fn done(
    s: &TestStore,
    owner: payrange_domain::models::UserId,
    e: &SalaryEstimate,
    t: i64,
) -> PredictionId {
    let p = queued(PredictionId::generate(), owner, at(t));
    s.insert_prediction(&p).await.unwrap();
    assert!(s.finish_prediction(p.id, Ok(e), at(t + 1)).await.unwrap());
    p.id
}

async fn an_outcome_is_written_replaced_and_cleared_and_reads_back_exactly(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let id = done(s, ann.id, &estimate(), 0).await;
    let before = s.prediction(id).await.unwrap().unwrap();
    assert_eq!(before.outcome, None);

    let first = outcome(
        Some(123_456.78),
        Some(234_567.0),
        Some(OutcomeKind::Offered),
    );
    assert!(s.set_outcome(id, Some(&first)).await.unwrap());
    let read = s.prediction(id).await.unwrap().unwrap();
    assert_eq!(read.outcome.as_ref(), Some(&first));
    // Nothing else about the prediction changed.
    assert_eq!(
        payrange_domain::models::Prediction {
            outcome: None,
            ..read.clone()
        },
        before
    );
    assert_eq!(
        s.predictions(&[id]).await.unwrap(),
        vec![Some(read.clone())]
    );
    let page = s
        .list_predictions(
            &PredictionFilter::owned_by(ann.id),
            PageRequest::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.items, vec![read]);

    let second = outcome(None, Some(99_000.0), None);
    assert!(s.set_outcome(id, Some(&second)).await.unwrap());
    assert_eq!(
        s.prediction(id).await.unwrap().unwrap().outcome,
        Some(second)
    );

    assert!(s.set_outcome(id, None).await.unwrap());
    assert_eq!(s.prediction(id).await.unwrap().unwrap(), before);
}

async fn an_outcome_is_refused_for_an_unfinished_failed_or_unknown_prediction(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let o = outcome(Some(1000.0), None, Some(OutcomeKind::Published));
    let queued_one = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&queued_one).await.unwrap();
    assert!(!s.set_outcome(queued_one.id, Some(&o)).await.unwrap());
    assert_eq!(s.prediction(queued_one.id).await.unwrap(), Some(queued_one));

    let failed = queued(PredictionId::generate(), ann.id, at(1));
    s.insert_prediction(&failed).await.unwrap();
    s.finish_prediction(failed.id, Err("no"), at(2))
        .await
        .unwrap();
    assert!(!s.set_outcome(failed.id, Some(&o)).await.unwrap());
    assert_eq!(
        s.prediction(failed.id).await.unwrap().unwrap().outcome,
        None
    );

    assert!(
        !s.set_outcome(PredictionId::generate(), Some(&o))
            .await
            .unwrap()
    );
    assert!(!s.set_outcome(PredictionId::generate(), None).await.unwrap());
}

async fn a_listing_selects_by_model_version_and_by_having_an_outcome(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let v1 = estimate();
    let v2 = SalaryEstimate {
        model_version: format!("{}-next", v1.model_version),
        ..estimate()
    };
    let a1 = done(s, ann.id, &v1, 0).await;
    let a2 = done(s, ann.id, &v2, 2).await;
    let b1 = done(s, bob.id, &v1, 4).await;
    let queued_one = queued(PredictionId::generate(), ann.id, at(6));
    s.insert_prediction(&queued_one).await.unwrap();
    let o = outcome(Some(5000.0), Some(6000.0), None);
    assert!(s.set_outcome(a2, Some(&o)).await.unwrap());
    assert!(s.set_outcome(b1, Some(&o)).await.unwrap());

    let ids = |filter: PredictionFilter| async move {
        let page = s
            .list_predictions(&filter, PageRequest::new(Some(100), None).unwrap())
            .await
            .unwrap();
        page.items.iter().map(|p| p.id).collect::<Vec<_>>()
    };
    let version = |v: &str| PredictionFilter::all().with_model_version(Some(v.to_owned()));
    assert_eq!(ids(version(&v1.model_version)).await, vec![b1, a1]);
    assert_eq!(ids(version(&v2.model_version)).await, vec![a2]);
    assert_eq!(ids(version("no-such-version")).await, vec![]);
    assert_eq!(
        ids(PredictionFilter::owned_by(ann.id).with_model_version(Some(v1.model_version.clone())))
            .await,
        vec![a1]
    );
    assert_eq!(
        ids(PredictionFilter::all().with_outcome_only()).await,
        vec![b1, a2]
    );
    assert_eq!(
        ids(version(&v1.model_version).with_outcome_only()).await,
        vec![b1]
    );
    // The reference semantics agree.
    let a2_read = s.prediction(a2).await.unwrap().unwrap();
    assert!(
        version(&v2.model_version)
            .with_outcome_only()
            .matches(&a2_read)
    );
    assert!(!version(&v1.model_version).matches(&a2_read));
}
