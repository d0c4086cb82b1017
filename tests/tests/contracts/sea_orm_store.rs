//! What `SeaOrmStore` promises beyond the ports: connection handling, failure mapping and
//! recovery. Not a port contract, so these run against the sea-orm adapter only.

use std::time::Duration;

use payrange_domain::models::{PageRequest, PredictionFilter, PredictionId, UserId};
use payrange_domain::ports::{LogStore, StoreError, UserStore};
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use super::fixtures::{Cleanup, at, estimate, new_user, postgres_database, queued};

async fn sqlite_file(dir: &tempfile::TempDir) -> (SeaOrmStore, String) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("new.db").display());
    let store = SeaOrmStore::connect(&StoreSettings::new(url.clone()))
        .await
        .unwrap();
    (store, url)
}

#[tokio::test]
async fn a_missing_sqlite_file_is_created_and_journals_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = sqlite_file(&dir).await;
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // already applied: nothing to do
    store.ping().await.unwrap();
    assert!(dir.path().join("new.db").exists());
    assert!(dir.path().join("new.db-wal").exists(), "WAL journal in use");
}

#[tokio::test]
async fn an_in_memory_sqlite_store_keeps_its_data_between_calls() {
    let store = SeaOrmStore::connect(&StoreSettings::new("sqlite::memory:"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let user = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(store.user_by_id(user.id).await.unwrap(), Some(user));
}

#[tokio::test]
async fn corrupt_rows_are_internal_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = sqlite_file(&dir).await;
    store.migrate().await.unwrap();
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let (bad_status, bad_json) = (PredictionId::generate(), PredictionId::generate());
    for id in [bad_status, bad_json] {
        store
            .insert_prediction(&queued(id, owner.id, at(0)))
            .await
            .unwrap();
    }
    assert!(
        store
            .finish_prediction(bad_json, Ok(&estimate()), at(1))
            .await
            .unwrap()
    );

    let raw = Database::connect(url.as_str()).await.unwrap();
    let hex = |id: PredictionId| id.as_uuid().simple().to_string();
    let sql = format!(
        "UPDATE predictions SET status = 'exploded' WHERE id = x'{}';
         UPDATE predictions SET explanation = '{{\"salary_from\": 1' WHERE id = x'{}';",
        hex(bad_status),
        hex(bad_json)
    );
    raw.execute_unprepared(&sql).await.unwrap();

    for id in [bad_status, bad_json] {
        let err = store.prediction(id).await.unwrap_err();
        assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    }
    let page = PageRequest::new(None, None).unwrap();
    let err = store
        .list_predictions(&PredictionFilter::owned_by(owner.id), page)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
}

#[tokio::test]
async fn a_closed_store_reports_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = sqlite_file(&dir).await;
    store.migrate().await.unwrap();
    store.clone().close().await.unwrap();
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let err = store.user_by_id(UserId::generate()).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_postgres_is_unavailable() {
    let settings = StoreSettings {
        acquire_timeout: Duration::from_millis(500),
        ..StoreSettings::new("postgres://postgres@127.0.0.1:1/postgres")
    };
    let err = SeaOrmStore::connect(&settings).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_postgres_store_recovers_by_itself_when_its_connections_are_killed() {
    let Some((store, cleanup)) = postgres_database().await else {
        return;
    };
    let Cleanup::Postgres { admin_url, name } = &cleanup else {
        unreachable!("a PostgreSQL fixture cleans up a database");
    };
    let user = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();

    // What a server restart does to open connections.
    let admin = Database::connect(admin_url.as_str()).await.unwrap();
    let kill = format!(
        "SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    let row = admin
        .query_one_raw(Statement::from_string(DbBackend::Postgres, kill))
        .await
        .unwrap()
        .unwrap();
    let killed: i64 = row.try_get("", "killed").unwrap();
    assert!(killed > 0, "the store had open connections to kill");
    admin.close().await.unwrap();

    store.ping().await.unwrap();
    assert_eq!(store.user_by_id(user.id).await.unwrap(), Some(user));
}

#[tokio::test]
async fn a_sqlite_checkpoint_truncates_the_write_ahead_log() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = sqlite_file(&dir).await;
    store.migrate().await.unwrap();
    assert!(
        !store.notifies_finished(),
        "only PostgreSQL announces finishes"
    );
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    for i in 0..20 {
        store
            .insert_prediction(&queued(PredictionId::generate(), owner.id, at(i)))
            .await
            .unwrap();
    }
    let wal = dir.path().join("new.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "writes went to the WAL"
    );
    store.checkpoint().await.unwrap();
    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "WAL truncated");
    assert_eq!(
        store.user_by_id(owner.id).await.unwrap(),
        Some(owner),
        "the data survived the checkpoint"
    );
}

#[tokio::test]
async fn a_postgres_store_announces_each_committed_finish_once() {
    use payrange_store_sea_orm::Finished;
    let Some((store, _cleanup)) = postgres_database().await else {
        return;
    };
    assert!(store.notifies_finished());
    let mut listener = store.finished().await.unwrap();
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let (first, second) = (PredictionId::generate(), PredictionId::generate());
    for id in [first, second] {
        store
            .insert_prediction(&queued(id, owner.id, at(0)))
            .await
            .unwrap();
    }
    assert!(
        store
            .finish_prediction(first, Ok(&estimate()), at(1))
            .await
            .unwrap()
    );
    // A finish that writes nothing announces nothing.
    assert!(
        !store
            .finish_prediction(first, Err("late"), at(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_prediction(second, Err("failed"), at(3))
            .await
            .unwrap()
    );
    for expected in [first, second] {
        let heard = tokio::time::timeout(Duration::from_secs(5), listener.next())
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(heard, Finished::Prediction(id, Some(_)) if id == expected),
            "{heard:?}"
        );
    }
}

/// Hears the next finish, which must be of `id`, and returns what it carried.
async fn next_finish(
    listener: &mut payrange_store_sea_orm::FinishedListener,
    id: PredictionId,
) -> Option<payrange_store_sea_orm::Announced> {
    use payrange_store_sea_orm::Finished;
    let heard = tokio::time::timeout(Duration::from_secs(5), listener.next())
        .await
        .unwrap()
        .unwrap();
    match heard {
        Finished::Prediction(heard, announced) if heard == id => announced,
        other => panic!("expected a finish of {id}, heard {other:?}"),
    }
}

#[tokio::test]
async fn a_finish_announcement_carries_the_prediction_exactly_as_a_read_returns_it() {
    let Some((store, _cleanup)) = postgres_database().await else {
        return;
    };
    let mut listener = store.finished().await.unwrap();
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let (done, failed) = (PredictionId::generate(), PredictionId::generate());
    // Submitted with nanoseconds, as the API does; the store keeps microseconds.
    let created = at(0) + time::Duration::nanoseconds(123_456_789);
    let mut submitted = Vec::new();
    for id in [done, failed] {
        let mut p = queued(id, owner.id, created);
        p.request_id = Some(format!("req \"{id}\" ü"));
        store.insert_prediction(&p).await.unwrap();
        submitted.push(p);
    }
    store.start_prediction(done, at(1)).await.unwrap();
    assert!(
        store
            .finish_prediction(done, Ok(&estimate()), at(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_prediction(failed, Err("no \"model\"\nhere"), at(3))
            .await
            .unwrap()
    );
    for p in &submitted {
        let announced = next_finish(&mut listener, p.id).await.unwrap();
        let read = store.prediction(p.id).await.unwrap().unwrap();
        assert_eq!(announced.complete(p), Some(read));
        // Never applied to another prediction, nor to the same id under another owner.
        let other = queued(PredictionId::generate(), owner.id, created);
        assert_eq!(announced.complete(&other), None);
        let mut stranger = p.clone();
        stranger.owner = UserId::generate();
        assert_eq!(announced.complete(&stranger), None);
    }
}

#[tokio::test]
async fn a_row_too_long_for_a_notification_is_announced_by_its_id_alone() {
    let Some((store, _cleanup)) = postgres_database().await else {
        return;
    };
    let mut listener = store.finished().await.unwrap();
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let id = PredictionId::generate();
    store
        .insert_prediction(&queued(id, owner.id, at(0)))
        .await
        .unwrap();
    let reason = "x".repeat(8000);
    assert!(
        store
            .finish_prediction(id, Err(&reason), at(1))
            .await
            .unwrap()
    );
    assert_eq!(next_finish(&mut listener, id).await, None);
    let read = store.prediction(id).await.unwrap().unwrap();
    assert_eq!(read.error.as_deref(), Some(reason.as_str()));
}
