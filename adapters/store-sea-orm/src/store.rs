//! The store itself: connecting (with the SQLite pragmas a server needs), migrating and the
//! readiness check. The port implementations live in `users`, `sessions` and `predictions`.

use std::sync::Arc;

use payrange_domain::models::{Cursor, Page, PageRequest};
use payrange_domain::ports::StoreError;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use sea_orm_migration::MigratorTrait;

use crate::coalesce::Coalescer;
use crate::entity::prediction;
use crate::errors::db_err;
use crate::pool::{Pool, Suspicion};
use crate::sessions::SessionWithUser;
use crate::{Migrator, StoreSettings};

/// How long SQLite waits for another connection's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Users, sessions and predictions in SQLite or PostgreSQL, through sea-orm.
///
/// Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct SeaOrmStore {
    /// Reads (and, except for SQLite files, writes).
    pub(crate) db: Pool,
    /// Writes. For a SQLite file, a pool of exactly one connection: SQLite has one writer at a
    /// time anyway, and writers queueing here (in order, without sleeping) beat writers
    /// contending for the file lock in SQLite's busy handler, which sleeps in steps of up to
    /// 100 ms. Otherwise the same pool as `db`.
    pub(crate) writer: Pool,
    /// PostgreSQL: where the finish listener connects (see `finished`).
    pub(crate) listen_url: Option<String>,
    /// Session lookups of concurrent requests, joined into one read (see `coalesce`).
    pub(crate) session_lookups: Arc<Coalescer<uuid::Uuid, Option<SessionWithUser>>>,
    /// New prediction rows of concurrent requests, joined into one insert.
    pub(crate) prediction_inserts: Arc<Coalescer<prediction::ActiveModel, ()>>,
}

/// How many session lookups (and, separately, prediction inserts) run at once, each a batch.
/// Fewer runners make larger batches under load (fewer statements) but queue more calls
/// behind a slow one; with PostgreSQL each running batch holds one pooled connection. 2 beat
/// 1 and 4 at concurrency 64 (docs/benchmarks-history.md).
const RUNNERS: usize = 2;

/// Most calls joined into one statement (each batch size is a distinct prepared statement).
const MAX_BATCH: usize = 32;

impl std::fmt::Debug for SeaOrmStore {
    // By hand: the listener's URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmStore")
            .field("db", &self.db)
            .field("writer", &self.writer)
            .field("notifies_finished", &self.listen_url.is_some())
            .finish()
    }
}

impl SeaOrmStore {
    /// Opens a connection pool.
    ///
    /// SQLite files are created if missing (mode 0600, see `sqlite_file`) and run with WAL
    /// journaling, `synchronous = NORMAL`, a busy timeout and foreign keys on; all writes go
    /// through one connection of their own (see `writer`), reads through the pool. `sqlite::memory:` uses exactly one
    /// connection that is never recycled (closing it would lose the database).
    ///
    /// Pooled PostgreSQL connections are replaced when broken, so after a PostgreSQL outage
    /// the store recovers by itself, without a liveness round trip before every statement
    /// (see `pool`); while the database is down, calls fail within `acquire_timeout` with
    /// [`StoreError::Unavailable`].
    ///
    /// Spawns, on the current Tokio runtime, the tasks that join the session lookups and
    /// prediction inserts of concurrent calls (see `coalesce`); they end when the last clone
    /// of the store is dropped.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached now,
    /// [`StoreError::Internal`] for a malformed URL.
    pub async fn connect(settings: &StoreSettings) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(settings.url.clone());
        options
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .connect_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        if settings.is_sqlite_memory() {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        if settings.is_sqlite() {
            // A connection to a local file cannot go stale: skip sqlx's liveness ping before
            // every acquire (a round trip to the connection's thread per statement).
            options.test_before_acquire(false);
            let file_backed = !settings.is_sqlite_memory();
            options.map_sqlx_sqlite_opts(move |o| {
                let o = o
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                if file_backed {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                } else {
                    o
                }
            });
        }
        if settings.is_sqlite() {
            crate::sqlite_file::create_private(&settings.url);
        }
        let suspicion = (!settings.is_sqlite()).then(Suspicion::new);
        if let Some(suspicion) = &suspicion {
            suspicion.install(&mut options);
        }
        let db = Database::connect(options.clone()).await.map_err(db_err)?;
        let writer = if settings.is_sqlite() && !settings.is_sqlite_memory() {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
            Database::connect(options).await.map_err(db_err)?
        } else {
            db.clone()
        };
        tracing::debug!(backend = ?db.get_database_backend(), "store connected");
        let listen_url = (db.get_database_backend() == sea_orm::DbBackend::Postgres).then(|| {
            settings
                .listen_url
                .clone()
                .unwrap_or_else(|| settings.url.clone())
        });
        let db = Pool::new(db, suspicion.clone());
        let writer = Pool::new(writer, suspicion);
        let reads = db.clone();
        let session_lookups = Coalescer::spawn(RUNNERS, MAX_BATCH, move |ids| {
            let reads = reads.clone();
            async move { crate::sessions::sessions_with_users(&reads, &ids).await }
        });
        let writes = writer.clone();
        let prediction_inserts = Coalescer::spawn(RUNNERS, MAX_BATCH, move |rows| {
            let writes = writes.clone();
            async move { crate::predictions::insert_rows(&writes, rows).await }
        });
        Ok(Self {
            db,
            writer,
            listen_url,
            session_lookups: Arc::new(session_lookups),
            prediction_inserts: Arc::new(prediction_inserts),
        })
    }

    /// Applies every pending migration of [`Migrator`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.writer.inner, None).await.map_err(db_err)
    }

    /// SQLite files: copies the write-ahead log into the database and truncates it, so that
    /// the WAL does not grow without bound under steady load (SQLite's automatic checkpoints
    /// cannot restart the log while readers keep using it). Waits up to the busy timeout for
    /// readers; writers queue meanwhile. Does nothing for other databases.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.writer.get_database_backend() != sea_orm::DbBackend::Sqlite {
            return Ok(());
        }
        self.writer
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Checks that the database answers now (for readiness probes).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let db = &self.db;
        db.retrying("SELECT 1", || db.inner.ping())
            .await
            .map_err(|e| match db_err(e) {
                StoreError::Internal(cause) => StoreError::Unavailable(cause),
                other => other,
            })
    }

    /// Closes the pool; later calls fail with [`StoreError::Unavailable`].
    ///
    /// # Errors
    /// [`StoreError::Internal`] if the pool could not be closed cleanly.
    pub async fn close(self) -> Result<(), StoreError> {
        if self.writer.get_database_backend() == sea_orm::DbBackend::Sqlite {
            // A separate pool only for SQLite files; closing a shared pool twice is harmless.
            self.writer.inner.clone().close().await.map_err(db_err)?;
        }
        self.db.inner.close().await.map_err(db_err)
    }
}

/// Turns up to `limit + 1` rows, newest first, into the page `page` asked for: the extra row
/// only says that an older page exists.
pub(crate) fn page_from_rows<T>(
    mut rows: Vec<T>,
    page: PageRequest,
    id: impl Fn(&T) -> uuid::Uuid,
) -> Page<T> {
    let limit = page.limit() as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|item| Cursor::after(id(item)))
    } else {
        None
    };
    Page { items: rows, next }
}
