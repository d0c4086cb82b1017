//! The [`LogStore`] contract, part four: what a worker does with a job on its first delivery.
//! It reads the predictions ([`LogStore::predictions`]) instead of starting them, and commits
//! each outcome together with the attempt ([`LogStore::finish_unstarted`]), only if no other
//! worker started or finished the prediction since the read.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore
//! [`LogStore::predictions`]: payrange_domain::ports::LogStore::predictions
//! [`LogStore::finish_unstarted`]: payrange_domain::ports::LogStore::finish_unstarted

use payrange_domain::models::PredictionStatus;
use payrange_domain::ports::UnstartedFinish;

use super::fixtures::{
    TestStore, at, contract_tests, estimate, four_racing_finishers, ids, queued, user,
};

contract_tests!(
    several_predictions_are_read_in_the_order_asked,
    an_unstarted_finish_records_the_attempt_with_the_outcome,
    an_unstarted_finish_writes_nothing_once_another_worker_started_or_finished,
    of_four_concurrent_unstarted_finishes_one_per_prediction_is_written,
);

async fn several_predictions_are_read_in_the_order_asked(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(3);
    for id in &ids[..2] {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    let one = s.prediction(ids[0]).await.unwrap();
    let two = s.prediction(ids[1]).await.unwrap();
    assert!(one.is_some() && two.is_some());
    let read = s.predictions(&[ids[1], ids[2], ids[0]]).await.unwrap();
    assert_eq!(read, vec![two, None, one.clone()]);
    assert_eq!(s.predictions(&[ids[0]]).await.unwrap(), vec![one]);
    assert!(s.predictions(&[]).await.unwrap().is_empty());
}

async fn an_unstarted_finish_records_the_attempt_with_the_outcome(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for id in &ids {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    // The fourth was started before (an earlier delivery that crashed): its attempt counts.
    s.start_prediction(ids[3], at(1)).await.unwrap();
    let est = estimate();
    let alone = UnstartedFinish {
        id: ids[0],
        attempts: 0,
        outcome: Ok(&est),
    };
    assert_eq!(
        s.finish_unstarted(&[alone], at(2), at(3)).await.unwrap(),
        vec![true]
    );
    let reason = "no «данных» \"here\"\nat all";
    let batch = [
        UnstartedFinish {
            id: ids[1],
            attempts: 0,
            outcome: Ok(&est),
        },
        UnstartedFinish {
            id: ids[2],
            attempts: 0,
            outcome: Err(reason),
        },
        UnstartedFinish {
            id: ids[3],
            attempts: 1,
            outcome: Ok(&est),
        },
    ];
    assert_eq!(
        s.finish_unstarted(&batch, at(4), at(5)).await.unwrap(),
        vec![true; 3]
    );

    let done = s.prediction(ids[0]).await.unwrap().unwrap();
    assert_eq!(done.status, PredictionStatus::Done);
    assert_eq!(
        done.result,
        Some(estimate()),
        "floats and explanation exact"
    );
    assert_eq!(
        (done.attempts, done.started_at, done.finished_at, done.error),
        (1, Some(at(2)), Some(at(3)), None)
    );
    let done = s.prediction(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.result),
        (PredictionStatus::Done, Some(est.clone()))
    );
    assert_eq!(
        (done.attempts, done.started_at, done.finished_at),
        (1, Some(at(4)), Some(at(5)))
    );
    let failed = s.prediction(ids[2]).await.unwrap().unwrap();
    assert_eq!(failed.status, PredictionStatus::Failed);
    assert_eq!(
        (failed.result, failed.error.as_deref()),
        (None, Some(reason))
    );
    assert_eq!((failed.attempts, failed.finished_at), (1, Some(at(5))));
    let second = s.prediction(ids[3]).await.unwrap().unwrap();
    assert_eq!(second.status, PredictionStatus::Done);
    assert_eq!((second.attempts, second.started_at), (2, Some(at(4))));
    assert!(
        s.finish_unstarted(&[], at(6), at(6))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn an_unstarted_finish_writes_nothing_once_another_worker_started_or_finished(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for id in &ids[..3] {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    // Read by us with 0 attempts; meanwhile another worker started the first and finished the
    // second; the fourth never existed.
    s.start_prediction(ids[0], at(1)).await.unwrap();
    assert!(
        s.finish_prediction(ids[1], Err("theirs"), at(1))
            .await
            .unwrap()
    );
    let before: Vec<_> = {
        let mut rows = Vec::new();
        for id in &ids {
            rows.push(s.prediction(*id).await.unwrap());
        }
        rows
    };
    let est = estimate();
    let finishes: Vec<_> = ids
        .iter()
        .map(|id| UnstartedFinish {
            id: *id,
            attempts: 0,
            outcome: Ok(&est),
        })
        .collect();
    // One at a time, then as a batch (with one that still may be written).
    for f in [finishes[0], finishes[1], finishes[3]] {
        assert_eq!(
            s.finish_unstarted(&[f], at(2), at(3)).await.unwrap(),
            vec![false],
            "{f:?}"
        );
    }
    assert_eq!(
        s.finish_unstarted(&finishes, at(2), at(3)).await.unwrap(),
        vec![false, false, true, false]
    );
    for (i, row) in before.iter().enumerate().filter(|(i, _)| *i != 2) {
        assert_eq!(&s.prediction(ids[i]).await.unwrap(), row, "{i} unchanged");
    }
    let ours = s.prediction(ids[2]).await.unwrap().unwrap();
    assert_eq!((ours.status, ours.attempts), (PredictionStatus::Done, 1));
}

async fn of_four_concurrent_unstarted_finishes_one_per_prediction_is_written(s: &TestStore) {
    // All four read them unstarted.
    let stored = four_racing_finishers(s, |store, mine, reason| async move {
        let batch: Vec<_> = mine
            .iter()
            .map(|id| UnstartedFinish {
                id: *id,
                attempts: 0,
                outcome: Err(reason.as_str()),
            })
            .collect();
        store.finish_unstarted(&batch, at(1), at(2)).await.unwrap()
    })
    .await;
    for p in stored {
        assert_eq!(p.attempts, 1, "one attempt recorded for {}", p.id);
    }
}
