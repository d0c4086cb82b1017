//! The [`LogStore`] contract, part one: storing, reading and paging predictions.
//! `lifecycle.rs` covers the state changes.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore

use payrange_domain::models::{
    PageRequest, Prediction, PredictionFilter, PredictionId, PredictionStatus, UserId,
};
use payrange_domain::ports::StoreError;

use super::fixtures::{TestStore, at, contract_tests, estimate, ids, queued, user};

contract_tests!(
    an_inserted_prediction_reads_back_unchanged,
    a_prediction_without_area_or_request_id_reads_back_unchanged,
    a_finished_prediction_inserted_as_such_keeps_its_result_exactly,
    inserting_a_taken_id_is_a_duplicate_and_changes_nothing,
    concurrent_inserts_each_get_their_own_verdict,
    an_unknown_prediction_is_none_not_an_error,
    history_is_newest_first_across_pages_and_never_shows_another_owner,
    a_page_ending_at_the_oldest_item_has_no_next_cursor,
    an_owner_without_predictions_gets_one_empty_last_page,
    a_filter_selects_by_owner_status_and_half_open_time_range,
    paging_through_a_filtered_listing_sees_each_selected_item_once,
);

async fn an_inserted_prediction_reads_back_unchanged(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(p));
}

async fn a_prediction_without_area_or_request_id_reads_back_unchanged(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let mut p = queued(PredictionId::generate(), ann.id, at(0));
    p.vacancy = payrange_domain::models::Vacancy::new("QA", "Test things.", None).unwrap();
    p.request_id = None;
    s.insert_prediction(&p).await.unwrap();
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(p));
}

async fn a_finished_prediction_inserted_as_such_keeps_its_result_exactly(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = Prediction {
        status: PredictionStatus::Done,
        result: Some(estimate()),
        attempts: 3,
        started_at: Some(at(1)),
        finished_at: Some(at(2)),
        ..queued(PredictionId::generate(), ann.id, at(0))
    };
    s.insert_prediction(&p).await.unwrap();
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(p));
}

async fn inserting_a_taken_id_is_a_duplicate_and_changes_nothing(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let p = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&p).await.unwrap();
    let again = Prediction {
        attempts: 7,
        ..p.clone()
    };
    let err = s.insert_prediction(&again).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Duplicate("prediction")),
        "{err:?}"
    );
    assert_eq!(s.prediction(p.id).await.unwrap(), Some(p));
}

/// Many inserts at once (which a store may join into one statement): a duplicate among them
/// fails alone, and every other row is stored unchanged.
async fn concurrent_inserts_each_get_their_own_verdict(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let taken = queued(PredictionId::generate(), ann.id, at(0));
    s.insert_prediction(&taken).await.unwrap();
    let mut calls = tokio::task::JoinSet::new();
    let mut fresh = Vec::new();
    for i in 0..24 {
        let owner = if i % 2 == 0 { ann.id } else { bob.id };
        let p = if i == 11 {
            Prediction {
                attempts: 7,
                ..taken.clone()
            }
        } else {
            let p = queued(PredictionId::generate(), owner, at(i));
            fresh.push(p.clone());
            p
        };
        let store = std::sync::Arc::clone(&s.store);
        calls.spawn(async move { (p.id, store.insert_prediction(&p).await) });
    }
    let mut duplicates = 0;
    while let Some(joined) = calls.join_next().await {
        let (id, result) = joined.unwrap();
        if id == taken.id {
            duplicates += 1;
            assert!(
                matches!(result, Err(StoreError::Duplicate("prediction"))),
                "{result:?}"
            );
        } else {
            result.unwrap();
        }
    }
    assert_eq!(duplicates, 1);
    assert_eq!(s.prediction(taken.id).await.unwrap(), Some(taken));
    for p in fresh {
        assert_eq!(s.prediction(p.id).await.unwrap(), Some(p));
    }
}

async fn an_unknown_prediction_is_none_not_an_error(s: &TestStore) {
    assert_eq!(s.prediction(PredictionId::generate()).await.unwrap(), None);
}

fn page(limit: u64, cursor: Option<String>) -> PageRequest {
    PageRequest::new(Some(limit), cursor.as_deref()).unwrap()
}

/// Walks every page of `owner`'s history; returns the ids per page.
async fn all_pages(s: &TestStore, owner: UserId, limit: u64) -> Vec<Vec<PredictionId>> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let got = s
            .list_predictions(&PredictionFilter::owned_by(owner), page(limit, cursor))
            .await
            .unwrap();
        assert!(got.items.len() <= limit as usize);
        assert!(
            got.items.iter().all(|p| p.owner == owner),
            "another owner's item"
        );
        pages.push(got.items.iter().map(|p| p.id).collect());
        match got.next {
            Some(next) => cursor = Some(next.encode()),
            None => return pages,
        }
        assert!(pages.len() < 100, "pagination does not end");
    }
}

async fn history_is_newest_first_across_pages_and_never_shows_another_owner(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let ids = ids(8);
    // Interleave owners so that Bob's rows sit between Ann's in id order.
    let mut anns = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let owner = if i % 3 == 1 { bob.id } else { ann.id };
        s.insert_prediction(&queued(*id, owner, at(i as i64)))
            .await
            .unwrap();
        if owner == ann.id {
            anns.push(*id);
        }
    }
    anns.reverse();
    assert_eq!(anns.len(), 5);

    let pages = all_pages(s, ann.id, 2).await;
    assert_eq!(
        pages,
        vec![anns[0..2].to_vec(), anns[2..4].to_vec(), anns[4..].to_vec()]
    );

    let first = s
        .list_predictions(&PredictionFilter::owned_by(ann.id), page(2, None))
        .await
        .unwrap();
    assert_eq!(
        first.items[0],
        s.prediction(anns[0]).await.unwrap().unwrap()
    );

    let bobs = all_pages(s, bob.id, 10).await;
    assert_eq!(bobs, vec![vec![ids[7], ids[4], ids[1]]]);
}

async fn a_page_ending_at_the_oldest_item_has_no_next_cursor(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(4);
    for (i, id) in ids.iter().enumerate() {
        s.insert_prediction(&queued(*id, ann.id, at(i as i64)))
            .await
            .unwrap();
    }
    let first = s
        .list_predictions(&PredictionFilter::owned_by(ann.id), page(2, None))
        .await
        .unwrap();
    let next = first.next.expect("older items remain");
    let second = s
        .list_predictions(
            &PredictionFilter::owned_by(ann.id),
            page(2, Some(next.encode())),
        )
        .await
        .unwrap();
    let got: Vec<_> = second.items.iter().map(|p| p.id).collect();
    assert_eq!(got, vec![ids[1], ids[0]]);
    assert_eq!(second.next, None, "nothing older than the oldest item");

    let whole = s
        .list_predictions(&PredictionFilter::owned_by(ann.id), page(4, None))
        .await
        .unwrap();
    assert_eq!(whole.items.len(), 4);
    assert_eq!(whole.next, None);
}

async fn an_owner_without_predictions_gets_one_empty_last_page(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    s.insert_prediction(&queued(PredictionId::generate(), bob.id, at(0)))
        .await
        .unwrap();
    let got = s
        .list_predictions(&PredictionFilter::owned_by(ann.id), page(20, None))
        .await
        .unwrap();
    assert!(got.items.is_empty());
    assert_eq!(got.next, None);
}

/// Ann has rows at 0..6 s (done at even seconds), Bob at 1 and 3 s: what each filter sees.
async fn a_filter_selects_by_owner_status_and_half_open_time_range(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let ids = ids(8);
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate().take(6) {
        let mut p = queued(*id, ann.id, at(i as i64));
        if i % 2 == 0 {
            p.status = PredictionStatus::Done;
            p.result = Some(estimate());
            p.finished_at = Some(at(i as i64));
        }
        rows.push(p);
    }
    rows.push(queued(ids[6], bob.id, at(1)));
    rows.push(queued(ids[7], bob.id, at(3)));
    for p in &rows {
        s.insert_prediction(p).await.unwrap();
    }
    let select = |filter: PredictionFilter| async move {
        let got = s.list_predictions(&filter, page(100, None)).await.unwrap();
        assert_eq!(got.next, None);
        got.items.iter().map(|p| p.id).collect::<Vec<_>>()
    };
    let everything = select(PredictionFilter::all()).await;
    assert_eq!(everything, ids.iter().rev().copied().collect::<Vec<_>>());

    let done = PredictionFilter::new(None, Some(PredictionStatus::Done), None, None);
    assert_eq!(select(done).await, vec![ids[4], ids[2], ids[0]]);

    let bobs_queued =
        PredictionFilter::new(Some(bob.id), Some(PredictionStatus::Queued), None, None);
    assert_eq!(select(bobs_queued).await, vec![ids[7], ids[6]]);

    // [1 s, 3 s): the row at 3 s is outside, the ones at exactly 1 s inside.
    let window = PredictionFilter::new(None, None, Some(at(1)), Some(at(3)));
    assert_eq!(select(window).await, vec![ids[6], ids[2], ids[1]]);

    let anns_done_late = PredictionFilter::new(
        Some(ann.id),
        Some(PredictionStatus::Done),
        Some(at(3)),
        None,
    );
    assert_eq!(select(anns_done_late).await, vec![ids[4]]);

    let empty = PredictionFilter::new(None, None, Some(at(3)), Some(at(3)));
    assert!(select(empty).await.is_empty());

    let nobody = PredictionFilter::owned_by(UserId::generate());
    assert!(select(nobody).await.is_empty());
}

async fn paging_through_a_filtered_listing_sees_each_selected_item_once(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let ids = ids(9);
    let mut failed = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut p = queued(*id, ann.id, at(i as i64));
        if i % 3 != 0 {
            p.status = PredictionStatus::Failed;
            p.error = Some("nope".into());
            p.finished_at = Some(at(i as i64));
            failed.push(*id);
        }
        s.insert_prediction(&p).await.unwrap();
    }
    failed.reverse();
    let filter = PredictionFilter::new(None, Some(PredictionStatus::Failed), None, None);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let got = s.list_predictions(&filter, page(4, cursor)).await.unwrap();
        assert!(got.items.len() <= 4);
        seen.extend(got.items.iter().map(|p| p.id));
        match got.next {
            Some(next) => cursor = Some(next.encode()),
            None => break,
        }
        assert!(seen.len() <= failed.len(), "pagination does not end");
    }
    assert_eq!(seen, failed);
}
