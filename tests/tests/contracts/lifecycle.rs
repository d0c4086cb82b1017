//! The [`LogStore`] contract, part two: starting and finishing predictions, also under races,
//! and the reconciler's view of unfinished work.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore

use std::sync::Arc;

use payrange_domain::models::{Prediction, PredictionId, PredictionStatus};
use payrange_domain::ports::StartOutcome;
use time::macros::datetime;

use super::fixtures::{TestStore, at, contract_tests, estimate, ids, plain_estimate, queued, user};

contract_tests!(
    starting_marks_running_and_counts_attempts,
    starting_a_finished_prediction_changes_nothing,
    starting_an_unknown_prediction_reports_it_missing,
    finishing_with_an_estimate_stores_it_exactly,
    finishing_with_an_estimate_without_likely_range_reads_back_without_one,
    finishing_with_a_reason_marks_the_prediction_failed,
    finishing_twice_writes_only_the_first_outcome,
    finishing_an_unknown_prediction_returns_false,
    of_eight_concurrent_finishes_exactly_one_writes,
    concurrent_starts_each_count_one_attempt,
    unfinished_predictions_are_oldest_first_before_the_cutoff_and_limited,
);

async fn starting_marks_running_and_counts_attempts(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();

    let StartOutcome::Started(first) = s.start_prediction(p.id, at(1)).await.unwrap() else {
        panic!("not started");
    };
    assert_eq!(first.status, PredictionStatus::Running);
    assert_eq!(first.attempts, 1);
    assert_eq!(first.started_at, Some(at(1)));
    assert_eq!(first.vacancy, p.vacancy);

    // A redelivery after a crash starts it again.
    let StartOutcome::Started(second) = s.start_prediction(p.id, at(5)).await.unwrap() else {
        panic!("not restarted");
    };
    assert_eq!(second.attempts, 2);
    assert_eq!(second.started_at, Some(at(5)));
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(second));
}

async fn starting_a_finished_prediction_changes_nothing(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    s.start_prediction(p.id, at(1)).await.unwrap();
    assert!(
        s.finish_prediction(p.id, Ok(&estimate()), at(2))
            .await
            .unwrap()
    );
    let done = s.prediction(p.id).await.unwrap().unwrap();

    let outcome = s.start_prediction(p.id, at(3)).await.unwrap();
    assert_eq!(outcome, StartOutcome::AlreadyFinished(done.clone()));
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(done));
}

async fn starting_an_unknown_prediction_reports_it_missing(s: &TestStore) {
    let outcome = s
        .start_prediction(PredictionId::generate(), at(1))
        .await
        .unwrap();
    assert_eq!(outcome, StartOutcome::Missing);
}

async fn finishing_with_an_estimate_stores_it_exactly(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    s.start_prediction(p.id, at(1)).await.unwrap();
    assert!(
        s.finish_prediction(p.id, Ok(&estimate()), at(2))
            .await
            .unwrap()
    );

    let done = s.prediction(p.id).await.unwrap().unwrap();
    assert_eq!(done.status, PredictionStatus::Done);
    assert_eq!(
        done.result,
        Some(estimate()),
        "explanation and floats round-trip"
    );
    assert_eq!(done.error, None);
    assert_eq!(done.finished_at, Some(at(2)));
    assert_eq!(done.attempts, 1);
}

async fn finishing_with_an_estimate_without_likely_range_reads_back_without_one(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    assert!(
        s.finish_prediction(p.id, Ok(&plain_estimate()), at(1))
            .await
            .unwrap()
    );
    let done = s.prediction(p.id).await.unwrap().unwrap();
    assert_eq!(done.result, Some(plain_estimate()));
}

async fn finishing_with_a_reason_marks_the_prediction_failed(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    let reason = "description is too short to predict — «нет данных»";
    assert!(s.finish_prediction(p.id, Err(reason), at(2)).await.unwrap());

    let failed = s.prediction(p.id).await.unwrap().unwrap();
    assert_eq!(failed.status, PredictionStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some(reason));
    assert_eq!(failed.result, None);
    assert_eq!(failed.finished_at, Some(at(2)));
}

async fn finishing_twice_writes_only_the_first_outcome(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    assert!(
        s.finish_prediction(p.id, Ok(&estimate()), at(2))
            .await
            .unwrap()
    );
    let first = s.prediction(p.id).await.unwrap().unwrap();

    assert!(
        !s.finish_prediction(p.id, Err("late failure"), at(3))
            .await
            .unwrap()
    );
    let mut other = estimate();
    other.salary_from = 1.0;
    assert!(!s.finish_prediction(p.id, Ok(&other), at(4)).await.unwrap());
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(first));
}

async fn finishing_an_unknown_prediction_returns_false(s: &TestStore) {
    let id = PredictionId::generate();
    assert!(!s.finish_prediction(id, Err("gone"), at(1)).await.unwrap());
    assert_eq!(s.prediction(id).await.unwrap(), None);
}

async fn of_eight_concurrent_finishes_exactly_one_writes(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&s.store);
            tokio::spawn(async move {
                let reason = format!("worker {i}");
                let won = store
                    .finish_prediction(p.id, Err(&reason), at(i))
                    .await
                    .unwrap();
                won.then_some(reason)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = s.prediction(p.id).await.unwrap().unwrap();
    assert_eq!(
        stored.error.as_ref(),
        winners.first(),
        "the winner's outcome is stored"
    );
}

async fn concurrent_starts_each_count_one_attempt(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&s.store);
            tokio::spawn(async move { store.start_prediction(p.id, at(i)).await.unwrap() })
        })
        .collect();
    let mut attempts = Vec::new();
    for task in tasks {
        let StartOutcome::Started(started) = task.await.unwrap() else {
            panic!("not started");
        };
        attempts.push(started.attempts);
    }
    attempts.sort_unstable();
    assert_eq!(
        attempts,
        (1..=8).collect::<Vec<_>>(),
        "each start saw its own increment"
    );
    assert_eq!(s.prediction(p.id).await.unwrap().unwrap().attempts, 8);
}

async fn unfinished_predictions_are_oldest_first_before_the_cutoff_and_limited(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(6);
    // As in production, creation order is id order. The first one is on a whole second (no
    // fraction), which text comparison of RFC 3339 timestamps would misplace.
    let whole_second = datetime!(2026-03-01 12:00:00 UTC);
    let created = [whole_second, at(10), at(20), at(30), at(40), at(50)];
    for (id, created_at) in ids.iter().zip(created) {
        s.insert_prediction(&queued(*id, ann.id, created_at))
            .await
            .unwrap();
    }
    s.start_prediction(ids[2], at(60)).await.unwrap(); // running: still unfinished
    s.finish_prediction(ids[3], Err("failed"), at(60))
        .await
        .unwrap();
    s.finish_prediction(ids[5], Ok(&estimate()), at(60))
        .await
        .unwrap();

    let order =
        |ps: Vec<Prediction>| -> Vec<PredictionId> { ps.into_iter().map(|p| p.id).collect() };
    let all = s.unfinished_predictions(at(100), 10).await.unwrap();
    assert_eq!(order(all), vec![ids[0], ids[1], ids[2], ids[4]]);
    let limited = s.unfinished_predictions(at(100), 2).await.unwrap();
    assert_eq!(order(limited), vec![ids[0], ids[1]]);
    let before = s.unfinished_predictions(at(20), 10).await.unwrap();
    assert_eq!(
        order(before),
        vec![ids[0], ids[1]],
        "strictly before the cutoff"
    );
    let first = s.unfinished_predictions(at(0), 10).await.unwrap();
    assert_eq!(
        order(first),
        vec![ids[0]],
        "12:00:00 is before 12:00:00.123456"
    );
    assert!(
        s.unfinished_predictions(whole_second, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
