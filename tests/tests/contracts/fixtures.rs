//! Backends under test and the values the contracts are written with.

use std::sync::Arc;

use payrange_domain::memory::{MemoryLimits, MemoryStore};
use payrange_domain::models::{
    Confidence, Email, Explanation, LikelyRange, NewUser, PasswordHash, PayBasis, Prediction,
    PredictionId, PredictionStatus, Role, SalaryEstimate, StatedSalary, StatedSalaryEffect,
    TermContribution, TermSource, User, UserId, Vacancy,
};
use payrange_domain::ports::{LimitStore, LogStore, ModelStore, SessionStore, UserStore};
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use time::OffsetDateTime;
use time::macros::datetime;

/// Everything a storage adapter implements.
pub trait Store: UserStore + SessionStore + LogStore + ModelStore {}
impl<T: UserStore + SessionStore + LogStore + ModelStore> Store for T {}

/// A store for one test, and whatever must be cleaned up after it.
pub struct TestStore {
    /// The adapter under test.
    pub store: Arc<dyn Store>,
    /// The same backend's rate-limit counters ([`MemoryLimits`] beside [`MemoryStore`]).
    pub limits: Arc<dyn LimitStore>,
    _cleanup: Cleanup,
}

/// What to remove once a test is over (also when it panicked).
pub enum Cleanup {
    /// Nothing to remove.
    Nothing,
    /// A temporary directory, removed on drop.
    TempDir(#[allow(dead_code)] tempfile::TempDir),
    /// A PostgreSQL database, dropped (with force) on drop.
    Postgres {
        /// Connection to a database of the server other than `name`.
        admin_url: String,
        /// The database to drop.
        name: String,
    },
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

/// The reference implementation.
pub async fn memory() -> TestStore {
    TestStore {
        store: Arc::new(MemoryStore::new()),
        limits: Arc::new(MemoryLimits::new()),
        _cleanup: Cleanup::Nothing,
    }
}

impl TestStore {
    /// A `SeaOrmStore` whose database the caller cleans up, with its own limit counters.
    pub fn over(store: Arc<SeaOrmStore>) -> Self {
        Self {
            store: store.clone(),
            limits: store,
            _cleanup: Cleanup::Nothing,
        }
    }
}

/// `SeaOrmStore` over a fresh SQLite file (WAL, several connections: the production setup).
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("payrange.db").display()
    );
    let store = SeaOrmStore::connect(&StoreSettings::new(url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let store = Arc::new(store);
    TestStore {
        store: store.clone(),
        limits: store,
        _cleanup: Cleanup::TempDir(dir),
    }
}

/// `SeaOrmStore` over a private in-memory SQLite database (one connection).
pub async fn sqlite_memory() -> TestStore {
    let store = SeaOrmStore::connect(&StoreSettings::new("sqlite::memory:"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let store = Arc::new(store);
    TestStore {
        store: store.clone(),
        limits: store,
        _cleanup: Cleanup::Nothing,
    }
}

/// `SeaOrmStore` over a fresh PostgreSQL database, or `None` (skip) without
/// `TEST_DATABASE_URL`; with `TEST_REQUIRE_SERVICES=1` a missing URL fails the test.
pub async fn postgres() -> Option<TestStore> {
    let (store, cleanup) = postgres_database().await?;
    let store = Arc::new(store);
    Some(TestStore {
        store: store.clone(),
        limits: store,
        _cleanup: cleanup,
    })
}

/// A migrated `SeaOrmStore` over a fresh PostgreSQL database, the database's URL, and the
/// guard that drops it; `None` as for [`postgres`].
pub async fn postgres_database() -> Option<(SeaOrmStore, Cleanup)> {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var("TEST_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "TEST_REQUIRE_SERVICES=1 but TEST_DATABASE_URL is not set"
        );
        eprintln!("skipped: set TEST_DATABASE_URL to run the PostgreSQL contract tests");
        return None;
    };
    let name = format!("payrange_test_{}", uuid::Uuid::new_v4().simple());
    payrange_tests::scratch::create_database(&admin_url, &name).await;
    let store = SeaOrmStore::connect(&StoreSettings::new(with_database(&admin_url, &name)))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Some((store, Cleanup::Postgres { admin_url, name }))
}

pub use payrange_tests::scratch::database_url as with_database;

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = self {
            payrange_tests::scratch::drop_database_now(admin_url, name);
        }
    }
}

/// A fixed instant with a microsecond fraction (storage keeps microseconds).
pub fn t0() -> OffsetDateTime {
    datetime!(2026-03-01 12:00:00.123456 UTC)
}

/// `t0` plus whole seconds.
pub fn at(seconds: i64) -> OffsetDateTime {
    t0() + time::Duration::seconds(seconds)
}

/// A new user with this address.
pub fn new_user(email: &str) -> NewUser {
    NewUser {
        id: UserId::generate(),
        email: Email::parse(email).unwrap(),
        password_hash: PasswordHash::new(format!("$argon2id$v=19$m=19456,t=2,p=1$salt${email}")),
        role: Role::User,
        created_at: t0(),
    }
}

/// Stores a fresh user.
pub async fn user(store: &TestStore, email: &str) -> User {
    store.create_user(new_user(email)).await.unwrap()
}

/// `n` fresh prediction ids, oldest first.
pub fn ids(n: usize) -> Vec<PredictionId> {
    let mut ids: Vec<_> = (0..n).map(|_| PredictionId::generate()).collect();
    ids.sort();
    ids
}

/// A queued prediction with every optional field set.
pub fn queued(id: PredictionId, owner: UserId, created_at: OffsetDateTime) -> Prediction {
    Prediction {
        id,
        owner,
        vacancy: Vacancy::new(
            "Rust developer",
            "Write services.\nIn Rust.",
            Some("Москва"),
        )
        .unwrap(),
        status: PredictionStatus::Queued,
        result: None,
        error: None,
        attempts: 0,
        request_id: Some(format!("req-{id}")),
        created_at,
        started_at: None,
        finished_at: None,
        outcome: None,
    }
}

/// An estimate whose numbers and text are awkward to store exactly, with every optional part
/// (likely range, stated salary, pay basis) present.
pub fn estimate() -> SalaryEstimate {
    let term = |term: &str, source, contribution: f64, amount: f64| TermContribution {
        term: term.to_owned(),
        source,
        contribution,
        amount,
    };
    SalaryEstimate {
        salary_from: 123_456.789_012_345_6,
        salary_to: 0.1 + 0.2 + 200_000.0,
        currency: "RUR".into(),
        model_version: "sha256:abc".into(),
        explanation: Explanation {
            salary_from: vec![
                term("rust", TermSource::Title, 0.1 + 0.2, 31_752.123_456_789_01),
                term(
                    "\"quoted\" \\ back\nslash",
                    TermSource::Description,
                    -1.234_567_890_123_456_7e-12,
                    -1.524_157_875_323_883_7e-7,
                ),
            ],
            salary_to: vec![
                term("москва 🦀", TermSource::Area, 5e-324, 0.0),
                term("", TermSource::Title, 1e300, 200_000.300_000_000_03),
            ],
            stated_salary: Some(StatedSalary {
                from: Some(150_000.000_000_1),
                to: None,
                effect: StatedSalaryEffect::MovedTowards,
            }),
            pay_basis: PayBasis::Net,
        },
        likely: Some(LikelyRange {
            from: 140_000.123_456_789_1,
            to: 0.1 + 0.7 + 180_000.0,
            level: 0.8,
            confidence: Confidence::Medium,
        }),
    }
}

/// An estimate without the optional parts: no likely range (an uncalibrated model), no
/// stated salary, pay basis unstated.
pub fn plain_estimate() -> SalaryEstimate {
    SalaryEstimate {
        salary_from: 90_000.0,
        salary_to: 110_000.5,
        currency: "GBP".into(),
        model_version: "sha256:def".into(),
        explanation: Explanation::default(),
        likely: None,
    }
}

/// Declares one test per backend for each listed contract of the enclosing module.
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::contracts::fixtures::memory().await).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::contracts::fixtures::sqlite().await).await;
                }
            )*
        }
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::contracts::fixtures::sqlite_memory().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = crate::contracts::fixtures::postgres().await {
                        super::$name(&store).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use contract_tests;

#[test]
fn the_test_database_url_keeps_server_and_query() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}

/// Races four workers to finish `ids` (queued for a new user), each holding them in another
/// order and failing them with the reason `worker N`: `finish(store, ids, reason)` is one
/// worker's batch call, returning what it wrote. Checks that each prediction was written by
/// exactly one worker, with that worker's outcome, and returns the stored predictions.
pub async fn four_racing_finishers<F, Fut>(s: &TestStore, finish: F) -> Vec<Prediction>
where
    F: Fn(Arc<dyn Store>, Vec<PredictionId>, String) -> Fut,
    Fut: std::future::Future<Output = Vec<bool>> + Send + 'static,
{
    let ann = user(s, "ann@example.com").await;
    let ids = ids(5);
    for id in &ids {
        s.insert_prediction(&queued(*id, ann.id, at(0)))
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..4)
        .map(|worker| {
            let mut mine: Vec<PredictionId> = ids.clone();
            mine.rotate_left(worker);
            let reason = format!("worker {worker}");
            let race = finish(Arc::clone(&s.store), mine.clone(), reason.clone());
            tokio::spawn(async move {
                let written = race.await;
                mine.into_iter()
                    .zip(written)
                    .filter(|(_, won)| *won)
                    .map(|(id, _)| (id, reason.clone()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    let mut stored = Vec::with_capacity(ids.len());
    for id in &ids {
        let won: Vec<_> = winners.iter().filter(|(w, _)| w == id).collect();
        assert_eq!(won.len(), 1, "{id}: {winners:?}");
        let row = s.prediction(*id).await.unwrap().unwrap();
        assert_eq!(row.error.as_ref(), Some(&won[0].1), "the winner's outcome");
        stored.push(row);
    }
    stored
}
