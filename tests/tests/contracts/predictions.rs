//! The [`LogStore`] contract, part one: storing, reading and paging predictions.
//! `lifecycle.rs` covers the state changes.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore

use payrange_domain::models::{PageRequest, Prediction, PredictionId, PredictionStatus, UserId};
use payrange_domain::ports::StoreError;

use super::fixtures::{TestStore, at, contract_tests, estimate, ids, queued, user};

contract_tests!(
    an_inserted_prediction_reads_back_unchanged,
    a_prediction_without_area_or_request_id_reads_back_unchanged,
    a_finished_prediction_inserted_as_such_keeps_its_result_exactly,
    inserting_a_taken_id_is_a_duplicate_and_changes_nothing,
    an_unknown_prediction_is_none_not_an_error,
    history_is_newest_first_across_pages_and_never_shows_another_owner,
    a_page_ending_at_the_oldest_item_has_no_next_cursor,
    an_owner_without_predictions_gets_one_empty_last_page,
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
            .list_predictions(owner, page(limit, cursor))
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

    let first = s.list_predictions(ann.id, page(2, None)).await.unwrap();
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
    let first = s.list_predictions(ann.id, page(2, None)).await.unwrap();
    let next = first.next.expect("older items remain");
    let second = s
        .list_predictions(ann.id, page(2, Some(next.encode())))
        .await
        .unwrap();
    let got: Vec<_> = second.items.iter().map(|p| p.id).collect();
    assert_eq!(got, vec![ids[1], ids[0]]);
    assert_eq!(second.next, None, "nothing older than the oldest item");

    let whole = s.list_predictions(ann.id, page(4, None)).await.unwrap();
    assert_eq!(whole.items.len(), 4);
    assert_eq!(whole.next, None);
}

async fn an_owner_without_predictions_gets_one_empty_last_page(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    s.insert_prediction(&queued(PredictionId::generate(), bob.id, at(0)))
        .await
        .unwrap();
    let got = s.list_predictions(ann.id, page(20, None)).await.unwrap();
    assert!(got.items.is_empty());
    assert_eq!(got.next, None);
}
