//! The [`LogStore`] contract, part three: starting and finishing several predictions in one
//! call, as a worker does with the jobs it holds. Each prediction must come out exactly as
//! the one-at-a-time methods would leave it; above all, a finished prediction is never
//! written again.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore

use payrange_domain::models::PredictionStatus;
use payrange_domain::ports::{StartOutcome, UnstartedFinish};

use super::fixtures::{
    TestStore, at, contract_tests, estimate, four_racing_finishers, ids, plain_estimate, queued,
    user,
};

contract_tests!(
    a_batch_start_starts_the_unfinished_and_reports_the_others,
    a_batch_finish_writes_each_outcome_and_never_over_a_finished_prediction,
    a_redelivered_batch_writes_nothing,
    a_batch_keeps_each_estimates_likely_range_stated_salary_and_pay_basis_or_their_absence,
    of_four_concurrent_batch_finishes_one_outcome_per_prediction_is_written,
);

async fn a_batch_start_starts_the_unfinished_and_reports_the_others(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for id in &ids[..3] {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    s.start_prediction(ids[1], at(1)).await.unwrap(); // running: started again
    assert!(
        s.finish_prediction(ids[2], Err("done"), at(2))
            .await
            .unwrap()
    );
    let finished = s.prediction(ids[2]).await.unwrap().unwrap();

    let outcomes = s.start_predictions(&ids, at(5)).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    for (i, attempts) in [(0, 1), (1, 2)] {
        let StartOutcome::Started(p) = &outcomes[i] else {
            panic!("{i} not started: {:?}", outcomes[i]);
        };
        assert_eq!(p.status, PredictionStatus::Running);
        assert_eq!((p.attempts, p.started_at), (attempts, Some(at(5))));
        assert_eq!(s.prediction(ids[i]).await.unwrap().as_ref(), Some(p));
    }
    assert_eq!(outcomes[2], StartOutcome::AlreadyFinished(finished.clone()));
    assert_eq!(outcomes[3], StartOutcome::Missing);
    assert_eq!(s.prediction(ids[2]).await.unwrap(), Some(finished));
    assert!(s.start_predictions(&[], at(6)).await.unwrap().is_empty());
}

async fn a_batch_finish_writes_each_outcome_and_never_over_a_finished_prediction(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for id in &ids[..3] {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    s.start_predictions(&ids[..2], at(1)).await.unwrap();
    assert!(
        s.finish_prediction(ids[2], Err("first"), at(2))
            .await
            .unwrap()
    );
    let finished = s.prediction(ids[2]).await.unwrap().unwrap();

    let est = estimate();
    let reason = "no «данных» \"here\"\nat all";
    let batch = [
        (ids[0], Ok(&est)),
        (ids[1], Err(reason)),
        (ids[2], Ok(&est)),
        (ids[3], Err("missing")),
    ];
    let written = s.finish_predictions(&batch, at(3)).await.unwrap();
    assert_eq!(written, vec![true, true, false, false]);

    let done = s.prediction(ids[0]).await.unwrap().unwrap();
    assert_eq!(done.status, PredictionStatus::Done);
    assert_eq!(
        done.result,
        Some(estimate()),
        "floats and explanation exact"
    );
    assert_eq!((done.error, done.finished_at), (None, Some(at(3))));
    assert_eq!(done.attempts, 1);
    let failed = s.prediction(ids[1]).await.unwrap().unwrap();
    assert_eq!(failed.status, PredictionStatus::Failed);
    assert_eq!(
        (failed.result, failed.error.as_deref()),
        (None, Some(reason))
    );
    assert_eq!(failed.finished_at, Some(at(3)));
    assert_eq!(s.prediction(ids[2]).await.unwrap(), Some(finished));
    assert_eq!(s.prediction(ids[3]).await.unwrap(), None);
    assert!(s.finish_predictions(&[], at(4)).await.unwrap().is_empty());
}

async fn a_batch_keeps_each_estimates_likely_range_stated_salary_and_pay_basis_or_their_absence(
    s: &TestStore,
) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for id in &ids {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    let (full, plain) = (estimate(), plain_estimate());
    assert!(full.likely.is_some() && full.explanation.stated_salary.is_some());
    assert!(plain.likely.is_none() && plain.explanation.stated_salary.is_none());
    // Started then finished together, and finished together on a first delivery.
    s.start_predictions(&ids[..2], at(1)).await.unwrap();
    let batch = [(ids[1], Ok(&plain)), (ids[0], Ok(&full))];
    assert_eq!(
        s.finish_predictions(&batch, at(2)).await.unwrap(),
        vec![true; 2]
    );
    let unstarted = [
        UnstartedFinish {
            id: ids[2],
            attempts: 0,
            outcome: Ok(&full),
        },
        UnstartedFinish {
            id: ids[3],
            attempts: 0,
            outcome: Ok(&plain),
        },
    ];
    assert_eq!(
        s.finish_unstarted(&unstarted, at(3), at(4)).await.unwrap(),
        vec![true; 2]
    );
    let read = s.predictions(&ids).await.unwrap();
    let results: Vec<_> = read.into_iter().map(|p| p.unwrap().result).collect();
    assert_eq!(
        results,
        vec![
            Some(full.clone()),
            Some(plain.clone()),
            Some(full),
            Some(plain)
        ]
    );
}

async fn a_redelivered_batch_writes_nothing(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(3);
    for id in &ids {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    let est = estimate();
    let first: Vec<_> = ids.iter().map(|id| (*id, Ok(&est))).collect();
    assert_eq!(
        s.finish_predictions(&first, at(1)).await.unwrap(),
        vec![true; 3]
    );
    let before: Vec<_> = {
        let mut rows = Vec::new();
        for id in &ids {
            rows.push(s.prediction(*id).await.unwrap());
        }
        rows
    };
    let again: Vec<_> = ids.iter().map(|id| (*id, Err("redelivered"))).collect();
    assert_eq!(
        s.finish_predictions(&again, at(2)).await.unwrap(),
        vec![false; 3]
    );
    let outcomes = s.start_predictions(&ids, at(3)).await.unwrap();
    for ((id, outcome), row) in ids.iter().zip(outcomes).zip(&before) {
        assert_eq!(
            Some(outcome),
            row.clone().map(StartOutcome::AlreadyFinished)
        );
        assert_eq!(&s.prediction(*id).await.unwrap(), row);
    }
}

async fn of_four_concurrent_batch_finishes_one_outcome_per_prediction_is_written(s: &TestStore) {
    four_racing_finishers(s, |store, mine, reason| async move {
        let batch: Vec<_> = mine.iter().map(|id| (*id, Err(reason.as_str()))).collect();
        store.finish_predictions(&batch, at(1)).await.unwrap()
    })
    .await;
}
