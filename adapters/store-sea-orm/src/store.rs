//! The store itself: connecting (with the SQLite pragmas a server needs), migrating and the
//! readiness check. The port implementations live in `users`, `sessions` and `predictions`.

use payrange_domain::models::{Cursor, Page, PageRequest};
use payrange_domain::ports::StoreError;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

use crate::errors::db_err;
use crate::{Migrator, StoreSettings};

/// How long SQLite waits for another connection's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Users, sessions and predictions in SQLite or PostgreSQL, through sea-orm.
///
/// Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct SeaOrmStore {
    pub(crate) db: DatabaseConnection,
}

impl SeaOrmStore {
    /// Opens a connection pool.
    ///
    /// SQLite files are created if missing and run with WAL journaling, `synchronous =
    /// NORMAL`, a busy timeout and foreign keys on. `sqlite::memory:` uses exactly one
    /// connection that is never recycled (closing it would lose the database).
    ///
    /// Pooled connections are checked before use and replaced when broken, so after a
    /// PostgreSQL outage the store recovers by itself; while the database is down, calls
    /// fail within `acquire_timeout` with [`StoreError::Unavailable`].
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
            .test_before_acquire(true)
            .sqlx_logging(false);
        if settings.is_sqlite_memory() {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        if settings.is_sqlite() {
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
        let db = Database::connect(options).await.map_err(db_err)?;
        tracing::debug!(backend = ?db.get_database_backend(), "store connected");
        Ok(Self { db })
    }

    /// Applies every pending migration of [`Migrator`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await.map_err(db_err)
    }

    /// Checks that the database answers now (for readiness probes).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(|e| match db_err(e) {
            StoreError::Internal(cause) => StoreError::Unavailable(cause),
            other => other,
        })
    }

    /// Closes the pool; later calls fail with [`StoreError::Unavailable`].
    ///
    /// # Errors
    /// [`StoreError::Internal`] if the pool could not be closed cleanly.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(db_err)
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
