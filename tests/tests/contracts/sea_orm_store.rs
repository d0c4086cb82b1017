//! What `SeaOrmStore` promises beyond the ports: connection handling, failure mapping and
//! recovery. Not a port contract, so these run against the sea-orm adapter only.

use std::time::Duration;

use payrange_domain::models::{
    PageRequest, PayBasis, PredictionFilter, PredictionId, TermContribution, TermSource, UserId,
};
use payrange_domain::ports::{LogStore, StoreError, UserStore};
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use super::fixtures::{Cleanup, at, estimate, new_user, postgres_database, queued, with_database};

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
    let (half_likely, bad_confidence) = (PredictionId::generate(), PredictionId::generate());
    for id in [bad_status, bad_json, half_likely, bad_confidence] {
        store
            .insert_prediction(&queued(id, owner.id, at(0)))
            .await
            .unwrap();
    }
    for id in [bad_json, half_likely, bad_confidence] {
        assert!(
            store
                .finish_prediction(id, Ok(&estimate()), at(1))
                .await
                .unwrap()
        );
    }

    let raw = Database::connect(url.as_str()).await.unwrap();
    let hex = |id: PredictionId| id.as_uuid().simple().to_string();
    let sql = format!(
        "UPDATE predictions SET status = 'exploded' WHERE id = x'{}';
         UPDATE predictions SET explanation = '{{\"salary_from\": 1' WHERE id = x'{}';
         UPDATE predictions SET confidence = NULL WHERE id = x'{}';
         UPDATE predictions SET confidence = 'certain' WHERE id = x'{}';",
        hex(bad_status),
        hex(bad_json),
        hex(half_likely),
        hex(bad_confidence)
    );
    raw.execute_unprepared(&sql).await.unwrap();

    for id in [bad_status, bad_json, half_likely, bad_confidence] {
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

/// A row as a version before likely ranges, term sources and amounts left it: the
/// migration's columns dropped (and the migration forgotten), the explanation in the old form.
/// The store of this version must migrate over it and read it: terms split into source and
/// word, amounts computed from the row's bounds, internal features dropped.
async fn a_row_of_an_older_version_reads_after_the_upgrade(store: &SeaOrmStore, url: &str) {
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let id = PredictionId::generate();
    store
        .insert_prediction(&queued(id, owner.id, at(0)))
        .await
        .unwrap();
    let est = estimate();
    assert!(store.finish_prediction(id, Ok(&est), at(1)).await.unwrap());
    let written = store.prediction(id).await.unwrap().unwrap();

    let raw = Database::connect(url).await.unwrap();
    let literal = match raw.get_database_backend() {
        DbBackend::Sqlite => format!("x'{}'", id.as_uuid().simple()),
        _ => format!("'{}'", id.as_uuid()),
    };
    let old_explanation = r#"{"salary_from": [{"term": "title: rust", "contribution": 0.25},
        {"term": "title chars: 14", "contribution": 0.5},
        {"term": "amount: 150000", "contribution": 0.1},
        {"term": "stated salary: from", "contribution": 0.1}],
        "salary_to": [{"term": "description: machine learning", "contribution": -0.125}]}"#;
    let mut sql = String::new();
    for column in ["likely_from", "likely_to", "likely_level", "confidence"] {
        sql += &format!("ALTER TABLE predictions DROP COLUMN {column};\n");
    }
    sql += "DELETE FROM seaql_migrations WHERE version = 'm20261207_000002_likely_range';\n";
    sql +=
        &format!("UPDATE predictions SET explanation = '{old_explanation}' WHERE id = {literal};");
    raw.execute_unprepared(&sql).await.unwrap();
    raw.close().await.unwrap();

    let upgraded = SeaOrmStore::connect(&StoreSettings::new(url))
        .await
        .unwrap();
    upgraded.migrate().await.unwrap();
    let read = upgraded.prediction(id).await.unwrap().unwrap();
    let result = read.result.clone().unwrap();
    let amount = |bound: f64, c: f64| bound * (1.0 - (-c).exp());
    assert_eq!(
        result.explanation.salary_from,
        vec![TermContribution {
            term: "rust".into(),
            source: TermSource::Title,
            contribution: 0.25,
            amount: amount(est.salary_from, 0.25),
        }]
    );
    assert_eq!(
        result.explanation.salary_to,
        vec![TermContribution {
            term: "machine learning".into(),
            source: TermSource::Description,
            contribution: -0.125,
            amount: amount(est.salary_to, -0.125),
        }]
    );
    assert_eq!(result.explanation.stated_salary, None);
    assert_eq!(result.explanation.pay_basis, PayBasis::Unstated);
    assert_eq!(result.likely, None);
    assert_eq!(
        (result.salary_from, result.salary_to),
        (est.salary_from, est.salary_to)
    );
    let mut expected = written;
    expected.result = Some(result);
    assert_eq!(read, expected, "everything else unchanged");
}

#[tokio::test]
async fn a_sqlite_row_of_an_older_version_reads_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = sqlite_file(&dir).await;
    store.migrate().await.unwrap();
    a_row_of_an_older_version_reads_after_the_upgrade(&store, &url).await;
}

#[tokio::test]
async fn a_postgres_row_of_an_older_version_reads_after_the_upgrade() {
    let Some((store, cleanup)) = postgres_database().await else {
        return;
    };
    let Cleanup::Postgres { admin_url, name } = &cleanup else {
        unreachable!("a PostgreSQL fixture cleans up a database");
    };
    let url = with_database(admin_url, name);
    a_row_of_an_older_version_reads_after_the_upgrade(&store, &url).await;
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

#[tokio::test]
async fn the_finish_listener_connects_where_listen_url_says() {
    // Behind PgBouncer in transaction mode `LISTEN` must bypass the pooler: the listener, and
    // only the listener, uses `listen_url`.
    let Some((store, cleanup)) = postgres_database().await else {
        return;
    };
    let Cleanup::Postgres { admin_url, name } = &cleanup else {
        unreachable!("a PostgreSQL database")
    };
    let url = with_database(admin_url, name);
    let sep = if url.contains('?') { '&' } else { '?' };
    let direct = StoreSettings {
        listen_url: Some(format!("{url}{sep}application_name=payrange-listener")),
        ..StoreSettings::new(url.clone())
    };
    let listening = SeaOrmStore::connect(&direct).await.unwrap();
    let mut listener = listening.finished().await.unwrap();
    let owner = store
        .create_user(new_user("ann@example.com"))
        .await
        .unwrap();
    let id = PredictionId::generate();
    store
        .insert_prediction(&queued(id, owner.id, at(0)))
        .await
        .unwrap();
    assert!(
        store
            .finish_prediction(id, Ok(&estimate()), at(1))
            .await
            .unwrap()
    );
    assert!(next_finish(&mut listener, id).await.is_some());
    let db = Database::connect(url.as_str()).await.unwrap();
    let listeners = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = '{name}' AND application_name = 'payrange-listener'"
            ),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(
        listeners, 1,
        "one connection, the listener's, through listen_url"
    );
    db.close().await.unwrap();

    // A listen_url that leads nowhere fails the listener alone; the store works.
    let nowhere = StoreSettings {
        listen_url: Some("postgres://postgres@127.0.0.1:1/postgres".into()),
        ..StoreSettings::new(url)
    };
    let store = SeaOrmStore::connect(&nowhere).await.unwrap();
    assert!(store.user_by_id(owner.id).await.unwrap().is_some());
    match store.finished().await {
        Err(StoreError::Unavailable(_)) => {}
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("the listener connected although listen_url leads nowhere"),
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
        if p.id == done {
            let heard = announced.complete(p).unwrap();
            assert_eq!(heard.result, Some(estimate()), "with its likely range");
        }
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
