//! The [`BatchStore`] contract, on SQLite (a file, and in memory) and PostgreSQL: batches and
//! their predictions stored together, progress counted from the predictions' states, pages
//! of an owner's batches, results by line. (Not `batches.rs`: the worker's batches of jobs.)
//!
//! [`BatchStore`]: payrange_domain::ports::BatchStore

use std::sync::Arc;

use payrange_domain::models::{
    Batch, BatchId, BatchItem, PageRequest, PredictionFilter, PredictionStatus, UserId,
};
use payrange_domain::ports::{BatchStore, LogStore, UserStore};
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};

use super::fixtures::{Cleanup, at, estimate, ids, new_user, postgres_database, queued};

/// A migrated store and what to remove after the test.
struct Backend {
    store: Arc<SeaOrmStore>,
    _cleanup: Cleanup,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let store = SeaOrmStore::connect(&StoreSettings::new(url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Some(Backend {
        store: Arc::new(store),
        _cleanup: Cleanup::Nothing,
        _dir: Some(dir),
    })
}

async fn sqlite_memory() -> Option<Backend> {
    let store = SeaOrmStore::connect(&StoreSettings::new("sqlite::memory:"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Some(Backend {
        store: Arc::new(store),
        _cleanup: Cleanup::Nothing,
        _dir: None,
    })
}

async fn postgres() -> Option<Backend> {
    let (store, cleanup) = postgres_database().await?;
    Some(Backend {
        store: Arc::new(store),
        _cleanup: cleanup,
        _dir: None,
    })
}

macro_rules! batch_contract_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let b = super::sqlite().await.unwrap();
                    super::$name(&b.store).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_memory() {
                    let b = super::sqlite_memory().await.unwrap();
                    super::$name(&b.store).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = super::postgres().await {
                        super::$name(&b.store).await;
                    }
                }
            }
        )*
    };
}

batch_contract_tests!(
    a_batch_is_stored_with_its_predictions_and_counts_their_states,
    batches_are_listed_newest_first_by_owner_in_pages,
    an_unknown_batch_is_none_and_has_no_items,
    a_batchs_predictions_are_ordinary_predictions_of_its_owner,
    a_duplicate_batch_id_is_a_duplicate,
);

async fn owner(s: &SeaOrmStore, email: &str) -> UserId {
    s.create_user(new_user(email)).await.unwrap().id
}

/// A batch of `n` queued predictions of `owner` on lines 2, 4, 6, ...
fn batch_of(owner: UserId, n: usize, seconds: i64) -> (Batch, Vec<BatchItem>) {
    let batch = Batch {
        id: BatchId::generate(),
        owner,
        created_at: at(seconds),
        total: u32::try_from(n).unwrap(),
        rejected: 1,
    };
    let items = ids(n)
        .into_iter()
        .zip(1u32..)
        .map(|(id, i)| BatchItem {
            line: i * 2,
            prediction: queued(id, owner, at(seconds)),
        })
        .collect();
    (batch, items)
}

async fn a_batch_is_stored_with_its_predictions_and_counts_their_states(s: &SeaOrmStore) {
    let me = owner(s, "ann@example.com").await;
    // More rows than one INSERT holds.
    let (batch, items) = batch_of(me, 230, 0);
    s.insert_batch(&batch, &items).await.unwrap();
    let progress = s.batch(batch.id).await.unwrap().unwrap();
    assert_eq!(progress.batch, batch);
    assert_eq!(progress.counts.queued, 230);
    assert!(!progress.is_done());

    let est = estimate();
    s.finish_prediction(items[0].prediction.id, Ok(&est), at(5))
        .await
        .unwrap();
    s.finish_prediction(items[1].prediction.id, Err("boom"), at(5))
        .await
        .unwrap();
    s.start_prediction(items[2].prediction.id, at(5))
        .await
        .unwrap();
    let counts = s.batch(batch.id).await.unwrap().unwrap().counts;
    assert_eq!(
        (counts.queued, counts.running, counts.done, counts.failed),
        (227, 1, 1, 1)
    );

    let read = s.batch_items(batch.id).await.unwrap();
    assert_eq!(read.len(), 230);
    let lines: Vec<u32> = read.iter().map(|i| i.line).collect();
    assert_eq!(lines, (1..=230).map(|i| i * 2).collect::<Vec<_>>());
    assert_eq!(read[0].prediction.status, PredictionStatus::Done);
    assert_eq!(read[0].prediction.result.as_ref(), Some(&est));
    assert_eq!(read[1].prediction.error.as_deref(), Some("boom"));
    assert_eq!(read[5].prediction, items[5].prediction);

    for item in &items[2..] {
        s.finish_prediction(item.prediction.id, Err("x"), at(6))
            .await
            .unwrap();
    }
    assert!(s.batch(batch.id).await.unwrap().unwrap().is_done());
}

async fn batches_are_listed_newest_first_by_owner_in_pages(s: &SeaOrmStore) {
    let me = owner(s, "ann@example.com").await;
    let other = owner(s, "bob@example.com").await;
    let mut mine = Vec::new();
    for i in 0..3 {
        let (batch, items) = batch_of(me, 2, i);
        s.insert_batch(&batch, &items).await.unwrap();
        mine.push(batch.id);
    }
    let (theirs, items) = batch_of(other, 1, 9);
    s.insert_batch(&theirs, &items).await.unwrap();

    let first = s
        .list_batches(me, PageRequest::new(Some(2), None).unwrap())
        .await
        .unwrap();
    let got: Vec<BatchId> = first.items.iter().map(|b| b.batch.id).collect();
    assert_eq!(got, vec![mine[2], mine[1]]);
    assert_eq!(first.items[0].counts.queued, 2);
    let next = first.next.expect("an older page");
    let second = s
        .list_batches(me, PageRequest::new(Some(2), Some(&next.encode())).unwrap())
        .await
        .unwrap();
    let got: Vec<BatchId> = second.items.iter().map(|b| b.batch.id).collect();
    assert_eq!(got, vec![mine[0]]);
    assert!(second.next.is_none());
}

async fn an_unknown_batch_is_none_and_has_no_items(s: &SeaOrmStore) {
    assert!(s.batch(BatchId::generate()).await.unwrap().is_none());
    assert!(s.batch_items(BatchId::generate()).await.unwrap().is_empty());
}

async fn a_batchs_predictions_are_ordinary_predictions_of_its_owner(s: &SeaOrmStore) {
    let me = owner(s, "ann@example.com").await;
    let (batch, items) = batch_of(me, 3, 0);
    s.insert_batch(&batch, &items).await.unwrap();
    let history = s
        .list_predictions(
            &PredictionFilter::owned_by(me),
            PageRequest::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(history.items.len(), 3);
    let unfinished = s.unfinished_predictions(at(60), 10).await.unwrap();
    assert_eq!(unfinished.len(), 3, "republished like any other");
    let one = s.prediction(items[1].prediction.id).await.unwrap();
    assert_eq!(one.as_ref(), Some(&items[1].prediction));
}

async fn a_duplicate_batch_id_is_a_duplicate(s: &SeaOrmStore) {
    let me = owner(s, "ann@example.com").await;
    let (batch, items) = batch_of(me, 1, 0);
    s.insert_batch(&batch, &items).await.unwrap();
    let err = s.insert_batch(&batch, &[]).await.unwrap_err();
    assert!(
        matches!(err, payrange_domain::ports::StoreError::Duplicate("batch")),
        "{err:?}"
    );
}
