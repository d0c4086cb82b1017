//! Driver errors mapped to [`StoreError`] at the seam, in the spirit of realworld-axum-sqlx:
//! the database's own verdict (unique violation, connection lost) becomes a domain error, and
//! `DbErr` never crosses a port.

use payrange_domain::ports::StoreError;
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps a driver error. `duplicate` names what a unique violation means for this operation
/// (`"email"`, `"session"`, `"prediction"`).
pub(crate) fn map_db_err(err: DbErr, duplicate: &'static str) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
        return StoreError::Duplicate(duplicate);
    }
    if is_unavailable(&err) {
        tracing::warn!(error = %err, "database unavailable");
        return StoreError::Unavailable(Box::new(err));
    }
    tracing::error!(error = %err, "database error");
    StoreError::Internal(Box::new(err))
}

/// Maps a driver error of an operation that cannot break a uniqueness rule.
pub(crate) fn db_err(err: DbErr) -> StoreError {
    map_db_err(err, "row")
}

/// A row that the domain cannot represent (unknown status, bad JSON, ...): a bug or corrupt
/// data, reported as [`StoreError::Internal`] with what was wrong.
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    let message = what.into();
    tracing::error!(%message, "corrupt row");
    StoreError::Internal(message.into())
}

/// Whether the error says "the database is not reachable right now" rather than "this
/// statement is wrong": callers may retry those later, and readiness probes report them.
fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        _ => false,
    }
}

/// PostgreSQL: class 08 (connection exception), 57P01-57P03 (shutting down, starting up),
/// 53300 (too many connections), 40P01 (deadlock detected: the statement was rolled back and
/// may simply run again). SQLite: `SQLITE_BUSY` / `SQLITE_LOCKED` (primary codes 5 and
/// 6, also as extended codes) after the busy timeout ran out.
fn transient_code(code: &str) -> bool {
    if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "40P01") {
        return true;
    }
    code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_connection_and_shutdown_codes_are_transient() {
        for code in ["08006", "08001", "57P01", "57P03", "53300", "40P01"] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["23505", "42P01", "22P02"] {
            assert!(!transient_code(code), "{code}");
        }
    }

    #[test]
    fn sqlite_busy_and_locked_are_transient_but_constraint_errors_are_not() {
        for code in ["5", "517", "6", "262"] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["2067", "1555", "787", "1"] {
            assert!(!transient_code(code), "{code}");
        }
    }

    #[test]
    fn pool_timeouts_are_unavailable_and_other_errors_internal() {
        let timeout = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        assert!(matches!(db_err(timeout), StoreError::Unavailable(_)));
        let other = DbErr::Custom("boom".into());
        assert!(matches!(db_err(other), StoreError::Internal(_)));
    }
}
