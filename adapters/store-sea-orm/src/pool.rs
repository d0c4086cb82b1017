//! The connection pool as the store uses it: a sea-orm connection that, on PostgreSQL, survives
//! connections broken behind its back (a server restart, a killed backend) without a liveness
//! round trip before every statement.
//!
//! sqlx checks each connection as it goes back to the pool (a round trip it always makes) and
//! closes it if that fails, so a connection that breaks during a statement is never reused.
//! One that breaks while idle in the pool is only found out when used next. Pinging on every
//! acquire (`test_before_acquire`) found it first, at one round trip per statement; instead:
//!
//! - a connection idle for [`PING_IF_IDLE_FOR`] or longer is pinged before it is handed out;
//! - a statement that fails because its connection was broken is run once more, and for the
//!   next [`SUSPECT_FOR`] every connection is pinged before it is handed out, so that the
//!   second try (and every other call meanwhile) gets a live connection or a new one.
//!
//! A statement is run twice only when its connection broke, and never an `INSERT`: had it
//! committed just before (the server went away between committing and answering), a second
//! run would report a duplicate of its own row, e.g. "email taken" to the person whose
//! account was just created. An insert on a broken connection fails as unavailable (503 with
//! `Retry-After`; the reconciler republishes a prediction row it may have left), and the
//! client's retry gets a live connection. Reads, deletes and the store's conditional updates
//! are safe to run twice: a second run finds its own work done and changes nothing more.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sea_orm::sqlx::Connection as _;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement, sqlx,
};

/// A pooled PostgreSQL connection idle for at least this long is pinged before it is handed
/// out (and replaced if the ping fails).
pub(crate) const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// After a statement failed on a broken connection, every connection is pinged before it is
/// handed out for this long.
pub(crate) const SUSPECT_FOR: Duration = Duration::from_secs(5);

/// Whether connections are suspect, shared by a pool's `before_acquire` hook and the store.
#[derive(Debug)]
pub(crate) struct Suspicion {
    since: Instant,
    /// Milliseconds after `since` until which every acquire pings; 0 when none is suspect.
    until_ms: AtomicU64,
}

impl Suspicion {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            since: Instant::now(),
            until_ms: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn raise(&self) {
        let until = self.now_ms().saturating_add(SUSPECT_FOR.as_millis() as u64);
        self.until_ms.fetch_max(until, Ordering::Relaxed);
    }

    fn active(&self) -> bool {
        self.now_ms() < self.until_ms.load(Ordering::Relaxed)
    }

    /// Installs the ping before acquire on PostgreSQL `options`: connections idle for
    /// [`PING_IF_IDLE_FOR`], and every connection while suspicion is raised.
    pub(crate) fn install(self: &Arc<Self>, options: &mut ConnectOptions) {
        let suspicion = Arc::clone(self);
        options
            .test_before_acquire(false)
            .map_sqlx_postgres_before_acquire(move |conn, meta| {
                let ping = meta.idle_for >= PING_IF_IDLE_FOR || suspicion.active();
                Box::pin(async move {
                    if ping {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
    }
}

/// A sea-orm connection (pool) that runs a statement once more when its connection was broken
/// (PostgreSQL; see the module documentation). Everything else is passed through.
#[derive(Clone, Debug)]
pub(crate) struct Pool {
    pub(crate) inner: DatabaseConnection,
    /// `None` for SQLite, whose connections cannot break behind its back.
    suspicion: Option<Arc<Suspicion>>,
}

impl Pool {
    pub(crate) fn new(inner: DatabaseConnection, suspicion: Option<Arc<Suspicion>>) -> Self {
        Self { inner, suspicion }
    }

    /// Runs `op` (statement `sql`), and once more if it failed on a broken connection and is
    /// not an insert (raising suspicion first, so that the next try gets a live connection).
    pub(crate) async fn retrying<T, F, Fut>(&self, sql: &str, op: F) -> Result<T, DbErr>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = Result<T, DbErr>> + Send,
    {
        let first = op().await;
        match (&self.suspicion, first) {
            (Some(suspicion), Err(e)) if broken_connection(&e) => {
                suspicion.raise();
                if is_insert(sql) {
                    tracing::info!(error = %e, "a pooled connection was broken during an insert");
                    return Err(e);
                }
                tracing::info!(error = %e, "a pooled connection was broken; trying once more");
                op().await
            }
            (_, result) => result,
        }
    }
}

/// Whether `sql` inserts rows (and so must not run twice: see the module documentation).
fn is_insert(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("insert"))
}

/// Whether `err` says that the connection broke (rather than that the statement failed, or
/// that no connection could be had).
fn broken_connection(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    match &**e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        // Class 08: connection exception; 57P01-57P03: the server is shutting down or
        // restarting (the statement was not committed).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

#[async_trait]
impl ConnectionTrait for Pool {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.retrying(&stmt.sql, || self.inner.execute_raw(stmt.clone()))
            .await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.retrying(sql, || self.inner.execute_unprepared(sql))
            .await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.retrying(&stmt.sql, || self.inner.query_one_raw(stmt.clone()))
            .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.retrying(&stmt.sql, || self.inner.query_all_raw(stmt.clone()))
            .await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicion_is_raised_for_a_while() {
        let s = Suspicion::new();
        assert!(!s.active());
        s.raise();
        assert!(s.active());
        s.until_ms
            .store(s.now_ms().saturating_sub(1), Ordering::Relaxed);
        assert!(!s.active(), "it lapses");
    }

    #[test]
    fn inserts_are_told_apart_from_other_statements() {
        assert!(is_insert("INSERT INTO \"users\" (\"id\") VALUES ($1)"));
        assert!(is_insert("  insert into sessions values ($1)"));
        assert!(!is_insert(
            "UPDATE predictions SET status = $1 WHERE status <> 'done'"
        ));
        assert!(!is_insert("SELECT 1"));
        assert!(!is_insert("DELETE FROM sessions WHERE id = $1"));
        assert!(!is_insert("ins"));
    }

    #[test]
    fn only_connection_failures_count_as_broken_connections() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert!(broken_connection(&DbErr::Query(RuntimeErr::SqlxError(
            io.into()
        ))));
        let timeout = sqlx::Error::PoolTimedOut;
        assert!(!broken_connection(&DbErr::Query(RuntimeErr::SqlxError(
            timeout.into()
        ))));
        assert!(!broken_connection(&DbErr::Custom("boom".into())));
    }
}
