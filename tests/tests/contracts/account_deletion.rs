//! Deleting an account: the [`UserStore::delete_user`] and [`LimitStore::clear_ending`]
//! contracts on every backend, and, on SQLite and PostgreSQL, a scan of every table of the
//! database for anything left of the deleted user.
//!
//! [`UserStore::delete_user`]: payrange_domain::ports::UserStore::delete_user
//! [`LimitStore::clear_ending`]: payrange_domain::ports::LimitStore::clear_ending

use payrange_domain::models::{
    Market, ModelActivation, Outcome, PageRequest, PredictionFilter, Session, SessionId, User,
    UserId,
};
use payrange_domain::ports::UnstartedFinish;
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use time::Duration;

use super::fixtures::{
    Cleanup, TestStore, at, contract_tests, estimate, ids, postgres_database, queued, user,
    with_database,
};

contract_tests!(
    deleting_a_user_removes_their_sessions_and_predictions_and_nothing_else,
    deleting_an_unknown_user_deletes_nothing,
    a_deleted_users_prediction_cannot_be_started_or_finished,
    clearing_counters_by_suffix_forgets_exactly_the_matching_keys,
);

/// Gives `u` a session, a finished prediction with an outcome and a queued one, and the
/// rate-limit counters the app keeps about an account (see `payrange_app::limits`).
async fn with_data(
    s: &TestStore,
    u: &User,
) -> (SessionId, Vec<payrange_domain::models::PredictionId>) {
    let session = Session {
        id: SessionId::generate(),
        user_id: u.id,
        created_at: at(0),
        expires_at: at(3600),
        revoked_at: None,
    };
    s.create_session(&session).await.unwrap();
    let ids = ids(2);
    for id in &ids {
        s.insert_prediction(&queued(*id, u.id, at(1)))
            .await
            .unwrap();
    }
    s.finish_prediction(ids[0], Ok(&estimate()), at(2))
        .await
        .unwrap();
    let outcome = Outcome::new(Some(1.0), None, estimate().currency, None, at(3)).unwrap();
    assert!(s.set_outcome(ids[0], Some(&outcome)).await.unwrap());
    // An administrator's upload and activation (the rows keep no trace of them once gone).
    let version = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    let mut model = super::models::stored(&version, Market::Ru, 4);
    model.uploaded_by = Some(u.id);
    s.insert_model(&model, b"model").await.unwrap();
    s.push_activation(&ModelActivation {
        market: Market::Ru,
        version: model.version().to_owned(),
        activated_at: at(5),
        activated_by: Some(u.id),
        rolled_back_at: None,
    })
    .await
    .unwrap();
    for key in [
        format!("submissions:{}", u.id),
        format!("signin-account:{}", u.email),
        format!("signin-pair:127.0.0.1 {}", u.email),
        format!("signin-known:::1 {}", u.email),
    ] {
        s.limits.hit(&key, Duration::hours(1), at(0)).await.unwrap();
    }
    (session.id, ids)
}

/// What the app does to delete an account, store-wise.
async fn delete_account(s: &TestStore, u: &User) -> bool {
    let deleted = s.delete_user(u.id).await.unwrap();
    for suffix in [
        format!(":{}", u.id),
        format!(":{}", u.email),
        format!(" {}", u.email),
    ] {
        s.limits.clear_ending(&suffix).await.unwrap();
    }
    deleted
}

async fn deleting_a_user_removes_their_sessions_and_predictions_and_nothing_else(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let (ann_session, ann_ids) = with_data(s, &ann).await;
    let (bob_session, bob_ids) = with_data(s, &bob).await;

    assert!(delete_account(s, &ann).await);

    assert_eq!(s.user_by_id(ann.id).await.unwrap(), None);
    assert_eq!(s.user_by_email(&ann.email).await.unwrap(), None);
    assert_eq!(s.session(ann_session).await.unwrap(), None);
    assert_eq!(s.session_with_user(ann_session).await.unwrap(), None);
    for id in &ann_ids {
        assert_eq!(s.prediction(*id).await.unwrap(), None);
    }
    let page = PageRequest::new(Some(100), None).unwrap();
    let left = s
        .list_predictions(&PredictionFilter::owned_by(ann.id), page)
        .await
        .unwrap();
    assert!(left.items.is_empty());
    for key in [
        format!("submissions:{}", ann.id),
        format!("signin-account:{}", ann.email),
        format!("signin-pair:127.0.0.1 {}", ann.email),
        format!("signin-known:::1 {}", ann.email),
    ] {
        assert_eq!(s.limits.counter(&key, at(1)).await.unwrap(), None, "{key}");
    }

    // Bob keeps everything.
    assert_eq!(s.user_by_id(bob.id).await.unwrap(), Some(bob.clone()));
    assert!(s.session(bob_session).await.unwrap().is_some());
    for id in &bob_ids {
        assert_eq!(s.prediction(*id).await.unwrap().unwrap().owner, bob.id);
    }
    for key in [
        format!("submissions:{}", bob.id),
        format!("signin-pair:127.0.0.1 {}", bob.email),
    ] {
        assert!(
            s.limits.counter(&key, at(1)).await.unwrap().is_some(),
            "{key}"
        );
    }
    // The address is free again.
    user(s, "ann@example.com").await;
}

async fn deleting_an_unknown_user_deletes_nothing(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    assert!(!s.delete_user(UserId::generate()).await.unwrap());
    assert_eq!(s.user_by_id(ann.id).await.unwrap(), Some(ann.clone()));
    assert!(s.delete_user(ann.id).await.unwrap());
    assert!(
        !s.delete_user(ann.id).await.unwrap(),
        "twice is not an error"
    );
}

/// A worker holding a job of a user deleted meanwhile: every way it may write finds nothing
/// and writes nothing, so no row comes back.
async fn a_deleted_users_prediction_cannot_be_started_or_finished(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let (_, ids) = with_data(s, &ann).await;
    let queued_id = ids[1];
    let read = s.prediction(queued_id).await.unwrap().unwrap();
    assert!(s.delete_user(ann.id).await.unwrap());

    let e = estimate();
    assert_eq!(
        s.finish_unstarted(
            &[UnstartedFinish {
                id: queued_id,
                attempts: read.attempts,
                outcome: Ok(&e),
            }],
            at(3),
            at(4),
        )
        .await
        .unwrap(),
        vec![false]
    );
    assert!(matches!(
        s.start_prediction(queued_id, at(3)).await.unwrap(),
        payrange_domain::ports::StartOutcome::Missing
    ));
    assert!(!s.finish_prediction(queued_id, Ok(&e), at(4)).await.unwrap());
    assert_eq!(
        s.finish_predictions(&[(queued_id, Err("late"))], at(5))
            .await
            .unwrap(),
        vec![false]
    );
    assert_eq!(s.prediction(queued_id).await.unwrap(), None);
    assert!(
        s.unfinished_predictions(at(100), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn clearing_counters_by_suffix_forgets_exactly_the_matching_keys(s: &TestStore) {
    let l = &s.limits;
    let window = Duration::hours(1);
    for key in [
        "a:x_y@e.com",
        "b:1.2.3.4 x_y@e.com",
        "c:xay@e.com",
        "x_y@e.com:z",
        "y@e.com",
    ] {
        l.hit(key, window, at(0)).await.unwrap();
    }
    // `_` and `%` are literal, not wildcards; a key shorter than the suffix is not matched.
    assert_eq!(l.clear_ending("%").await.unwrap(), 0);
    assert_eq!(l.clear_ending(" x_y@e.com").await.unwrap(), 1);
    assert_eq!(l.clear_ending(":x_y@e.com").await.unwrap(), 1);
    for (key, kept) in [
        ("a:x_y@e.com", false),
        ("b:1.2.3.4 x_y@e.com", false),
        ("c:xay@e.com", true),
        ("x_y@e.com:z", true),
        ("y@e.com", true),
    ] {
        assert_eq!(
            l.counter(key, at(1)).await.unwrap().is_some(),
            kept,
            "{key}"
        );
    }
}

/// How many rows of each table of `db` mention `needle` in any column (as text, or, for
/// SQLite's binary UUIDs, in hexadecimal): `(table, rows)` for each table with any.
async fn rows_mentioning(db: &DatabaseConnection, id: UserId, email: &str) -> Vec<(String, i64)> {
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let tables: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    assert!(tables.len() >= 4, "the schema's tables: {tables:?}");
    let uuid = id.as_uuid();
    let values: Vec<sea_orm::Value> = vec![
        format!("%{}%", uuid.hyphenated()).into(),
        format!("%{}%", uuid.simple()).into(),
        format!("%{email}%").into(),
    ];
    let mut found = Vec::new();
    for table in tables {
        let condition = match backend {
            // The whole row as text: every column, whatever the schema grows.
            DbBackend::Postgres => {
                "lower(r::text) LIKE $1 OR lower(r::text) LIKE $2 OR lower(r::text) LIKE $3"
                    .to_owned()
            }
            _ => {
                let columns: Vec<String> = db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("SELECT name FROM pragma_table_info('{table}')"),
                    ))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.try_get::<String>("", "name").unwrap())
                    .collect();
                columns
                    .iter()
                    .map(|c| {
                        format!(
                            "CAST(\"{c}\" AS TEXT) LIKE $1 OR hex(\"{c}\") LIKE $2 \
                             OR CAST(\"{c}\" AS TEXT) LIKE $3"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" OR ")
            }
        };
        let sql = format!("SELECT count(*) AS n FROM \"{table}\" AS r WHERE {condition}");
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                &sql,
                values.clone(),
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n > 0 {
            found.push((table, n));
        }
    }
    found
}

/// Fills the database of `store` (at `url`) with two users' data, deletes one account and
/// scans every table for it.
async fn nothing_remains(store: SeaOrmStore, url: &str) {
    let store = std::sync::Arc::new(store);
    let s = TestStore::over(store.clone());
    let ann = user(&s, "ann@example.com").await;
    let bob = user(&s, "bob@example.com").await;
    with_data(&s, &ann).await;
    with_data(&s, &bob).await;
    let db = Database::connect(url).await.unwrap();
    let before = rows_mentioning(&db, ann.id, ann.email.as_str()).await;
    let tables: Vec<&str> = before.iter().map(|(t, _)| t.as_str()).collect();
    for table in [
        "users",
        "sessions",
        "predictions",
        "limit_counters",
        "models",
        "model_activations",
    ] {
        assert!(tables.contains(&table), "the scan sees {table}: {before:?}");
    }

    assert!(delete_account(&s, &ann).await);

    assert_eq!(
        rows_mentioning(&db, ann.id, ann.email.as_str()).await,
        vec![],
        "nothing of the deleted user remains"
    );
    let bobs: Vec<String> = rows_mentioning(&db, bob.id, bob.email.as_str())
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        bobs.len(),
        before.len(),
        "the other user's rows stay: {bobs:?}"
    );
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_nothing_of_a_deleted_user_in_any_table() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let store = SeaOrmStore::connect(&StoreSettings::new(url.clone()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    nothing_remains(store, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_nothing_of_a_deleted_user_in_any_table() {
    let Some((store, cleanup)) = postgres_database().await else {
        return;
    };
    let Cleanup::Postgres { admin_url, name } = &cleanup else {
        unreachable!("a PostgreSQL database")
    };
    let url = with_database(admin_url, name);
    nothing_remains(store, &url).await;
}
