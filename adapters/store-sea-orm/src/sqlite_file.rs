//! The SQLite file is created readable and writable by its owner only (mode 0600), like the
//! token key beside it: it holds password hashes and every user's history.
//!
//! SQLite creates a missing database file with the process's default mode (0644 under the
//! usual umask), and its `-wal` and `-shm` files with the mode of the database file. So the
//! file is created here first, empty (which SQLite takes for a new database), with 0600, and
//! the other two follow. A process-wide umask would do the same for every file the process
//! writes, reports included, so it is not used. An existing file keeps the mode it has.

use std::path::PathBuf;
use std::str::FromStr as _;

use sea_orm::sqlx::sqlite::SqliteConnectOptions;

/// The file a `sqlite:` URL names (sqlx's reading of it), or `None` for an in-memory one.
fn file_of(url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    (!in_memory && !path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

/// Creates the database file `url` names, with mode 0600, if it does not exist yet.
///
/// Any failure is left for opening the database to report, which fails the same way with
/// sqlx's context (a missing directory, no permission).
pub(crate) fn create_private(url: &str) {
    let Some(path) = file_of(url) else {
        return;
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(_) => tracing::debug!(path = %path.display(), "created the SQLite file, mode 0600"),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "cannot create the SQLite file")
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::{SeaOrmStore, StoreSettings};

    #[test]
    fn files_are_read_from_urls_as_sqlx_reads_them() {
        assert_eq!(
            file_of("sqlite:///tmp/a b.db?mode=rwc"),
            Some(PathBuf::from("/tmp/a b.db"))
        );
        assert_eq!(
            file_of("sqlite://payrange.db"),
            Some(PathBuf::from("payrange.db"))
        );
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://?mode=memory"), None);
    }

    #[tokio::test]
    async fn the_database_and_its_wal_and_shm_files_are_private_to_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("payrange.db");
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let store = SeaOrmStore::connect(&StoreSettings::new(url))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        for name in ["payrange.db", "payrange.db-wal", "payrange.db-shm"] {
            let meta = std::fs::metadata(dir.path().join(name)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        }
        store.close().await.unwrap();
    }
}
