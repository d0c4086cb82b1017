//! Typed settings, loaded once: defaults, then an optional TOML file (`payrange.toml` in the
//! working directory, or the file named by `PAYRANGE_CONFIG`), then `PAYRANGE_*` environment
//! variables (e.g. `PAYRANGE_DATABASE_URL`, `PAYRANGE_BIND`, `PAYRANGE_MODEL`,
//! `PAYRANGE_TOKEN_KEY`).

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

/// Everything the service can be told.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// `sqlite://FILE?mode=rwc` (embedded default) or `postgres://...`. A secret: it may hold
    /// the database password, so `Debug` never shows it.
    #[serde(skip_serializing)]
    pub database_url: SecretString,
    /// Database pool size.
    pub database_max_connections: u32,
    /// PostgreSQL only: a direct connection for the listener that hears finished predictions,
    /// when `database_url` goes through a pooler in transaction mode (PgBouncer), which loses
    /// `LISTEN` notifications. Unset: `database_url`. A secret like `database_url`.
    #[serde(skip_serializing)]
    pub database_listen_url: Option<SecretString>,
    /// Model file written by `payrange train`; the bundled model when unset.
    pub model: Option<PathBuf>,
    /// Token key: 64 hex digits (32 bytes). Unset in embedded mode: a key is created beside the
    /// SQLite file (mode 0600) and reused.
    #[serde(skip_serializing)]
    pub token_key: Option<SecretString>,
    /// Previous token keys (comma-separated hex), still accepted during a key rotation.
    #[serde(skip_serializing)]
    pub token_previous_keys: Option<SecretString>,
    /// Token (and session) lifetime in seconds; at most 12 hours.
    pub token_ttl_secs: u32,
    /// Whether the session cookie gets `Secure`; by default, unless bound to loopback.
    pub cookie_secure: Option<bool>,
    /// `amqp://user:pass@host:5672/vhost` (or `amqps://...` for TLS, with `?cacertfile=...`):
    /// use RabbitMQ as the job queue (production mode).
    /// Unset: the in-process queue (embedded mode).
    #[serde(skip_serializing)]
    pub amqp_url: Option<SecretString>,
    /// RabbitMQ queue name.
    pub amqp_queue: String,
    /// Messages a worker process takes from RabbitMQ ahead of finishing the current ones
    /// (each holds up to `amqp_jobs_per_message` jobs).
    pub amqp_prefetch: u16,
    /// Most jobs `serve` publishes together in one RabbitMQ message: jobs accepted while the
    /// previous message awaits its confirm share the next one. 1 publishes each alone.
    pub amqp_jobs_per_message: usize,
    /// Worker tasks per process (`payrange worker`, or `serve` when it also works).
    pub workers: usize,
    /// Most jobs a worker task handles together: the one it waited for and those already
    /// delivered to its process, started with one statement and finished with one commit.
    /// 1 handles one job at a time.
    pub worker_batch: usize,
    /// Whether `serve` also processes jobs: default yes with the in-process queue, no with
    /// RabbitMQ (run `payrange worker` processes instead).
    pub work_in_serve: Option<bool>,
    /// With RabbitMQ, `serve` republishes predictions still unfinished this many seconds after
    /// they were accepted (a crash between storing and publishing, a lost message).
    pub reconcile_after_secs: u64,
    /// Where `payrange worker` serves `/metrics` and `/health/*` (unset: nowhere).
    pub worker_bind: Option<SocketAddr>,
    /// Where `payrange serve` serves `/metrics` and `/health/*`, and then not on `bind`
    /// (unset: `/metrics` stays on `bind`, as before).
    pub metrics_bind: Option<SocketAddr>,
    /// A prediction is given up after this many starts (crashes count).
    pub max_attempts: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest body of a batch upload (`POST /api/v1/batches`), in bytes.
    pub max_batch_body_bytes: usize,
    /// Largest model file an administrator may upload (`POST /api/v1/admin/models`), in
    /// bytes.
    pub max_model_bytes: usize,
    /// How often each `serve` and `worker` reads which model versions are active, in
    /// milliseconds: an activation or rollback serves everywhere within this time.
    pub model_sync_ms: u64,
    /// Seconds a client has to send a request head, from connecting or from the head's first
    /// byte; then the connection is closed.
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may carry no bytes either way before it is closed.
    pub idle_timeout_secs: u64,
    /// Most connections open at once on the API port; further ones wait to be accepted.
    pub max_connections: usize,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    /// Failed sign-ins allowed per account and client address pair within
    /// `signin_window_secs` (0: no limit).
    pub signin_max_failures_per_pair: usize,
    /// Failed sign-ins allowed per account, from all addresses together, within
    /// `signin_account_window_secs` (0: no limit); addresses that signed in to the account
    /// lately are exempt.
    pub signin_max_failures_per_account: usize,
    /// The per-account window, in seconds.
    pub signin_account_window_secs: u64,
    /// Failed sign-ins allowed per client address within `signin_window_secs` (0: no limit).
    pub signin_max_failures_per_address: usize,
    /// The per-pair and per-address sign-in window, in seconds.
    pub signin_window_secs: u64,
    /// Sign-up attempts allowed per client address within `signup_window_secs` (0: no limit).
    pub signup_max_per_address: usize,
    /// The sign-up limit's window, in seconds.
    pub signup_window_secs: u64,
    /// Predictions a user may submit within `submit_window_secs` (0: no limit).
    pub submit_quota: usize,
    /// The submission quota window, in seconds.
    pub submit_window_secs: u64,
    /// Estimates a client address may try without an account within `try_window_secs`
    /// (0: no limit).
    pub try_quota: usize,
    /// The try quota's window, in seconds.
    pub try_window_secs: u64,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Largest `worker_batch` allowed.
pub const MAX_WORKER_BATCH: usize = 256;

/// Largest `amqp_jobs_per_message` allowed.
pub const MAX_JOBS_PER_MESSAGE: usize = 256;

/// Longest token lifetime allowed: 12 hours.
pub const MAX_TOKEN_TTL_SECS: u32 = 12 * 3600;

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://payrange.db?mode=rwc".into(),
            database_max_connections: 8,
            database_listen_url: None,
            model: None,
            token_key: None,
            token_previous_keys: None,
            token_ttl_secs: MAX_TOKEN_TTL_SECS,
            cookie_secure: None,
            amqp_url: None,
            amqp_queue: "payrange.predictions".into(),
            amqp_prefetch: 16,
            amqp_jobs_per_message: 16,
            workers: 2,
            worker_batch: 16,
            work_in_serve: None,
            reconcile_after_secs: 600,
            max_model_bytes: 64 * 1024 * 1024,
            model_sync_ms: 1000,
            worker_bind: None,
            metrics_bind: None,
            max_attempts: 5,
            max_body_bytes: 64 * 1024,
            max_batch_body_bytes: 16 * 1024 * 1024,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 4096,
            log_format: LogFormat::Text,
            signin_max_failures_per_pair: 10,
            signin_max_failures_per_account: 100,
            signin_account_window_secs: 60 * 60,
            signin_max_failures_per_address: 100,
            signin_window_secs: 15 * 60,
            signup_max_per_address: 20,
            signup_window_secs: 60 * 60,
            submit_quota: 300,
            submit_window_secs: 60,
            try_quota: 5,
            try_window_secs: 60 * 60,
        }
    }
}

impl Settings {
    /// Loads defaults, then the config file, then the environment.
    ///
    /// # Errors
    /// A malformed file or variable, named in the message.
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var_os("PAYRANGE_CONFIG")
            .map_or_else(|| PathBuf::from("payrange.toml"), PathBuf::from);
        let settings: Self = Figment::from(Serialized::defaults(Self::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("PAYRANGE_").ignore(&["config", "log"]))
            .extract()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks cross-field rules.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (60..=MAX_TOKEN_TTL_SECS).contains(&self.token_ttl_secs),
            "token_ttl_secs must be between 60 and {MAX_TOKEN_TTL_SECS}"
        );
        anyhow::ensure!(self.max_attempts >= 1, "max_attempts must be at least 1");
        anyhow::ensure!(
            (1..=MAX_WORKER_BATCH).contains(&self.worker_batch),
            "worker_batch must be between 1 and {MAX_WORKER_BATCH}"
        );
        anyhow::ensure!(
            (1..=MAX_JOBS_PER_MESSAGE).contains(&self.amqp_jobs_per_message),
            "amqp_jobs_per_message must be between 1 and {MAX_JOBS_PER_MESSAGE}"
        );
        anyhow::ensure!(
            self.max_body_bytes >= 1024,
            "max_body_bytes must be at least 1024"
        );
        anyhow::ensure!(
            self.header_read_timeout_secs >= 1 && self.idle_timeout_secs >= 1,
            "header_read_timeout_secs and idle_timeout_secs must be at least 1"
        );
        anyhow::ensure!(
            self.max_connections >= 1,
            "max_connections must be at least 1"
        );
        anyhow::ensure!(
            self.model_sync_ms >= 100,
            "model_sync_ms must be at least 100"
        );
        Ok(())
    }

    /// The SQLite file, when the database is one.
    #[must_use]
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.expose_secret().strip_prefix("sqlite:")?;
        let rest = rest.trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// Worker tasks `serve` runs.
    #[must_use]
    pub fn serve_workers(&self) -> usize {
        if self.work_in_serve.unwrap_or(self.amqp_url.is_none()) {
            self.workers
        } else {
            0
        }
    }

    /// Whether cookies get the `Secure` attribute.
    #[must_use]
    pub fn secure_cookies(&self, bound: SocketAddr) -> bool {
        self.cookie_secure.unwrap_or(!bound.ip().is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_configuration_table_lists_every_setting() {
        let readme = include_str!("../../README.md");
        let start = readme.find("## Configuration").unwrap();
        let section = &readme[start..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
        // The fields as written (secrets included, which are never serialised).
        let source = include_str!("settings.rs");
        let body = &source[source.find("pub struct Settings {").unwrap()..];
        let body = &body[..body.find("\n}").unwrap()];
        let fields: Vec<&str> = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub ")?.split_once(':'))
            .map(|(name, _)| name)
            .collect();
        assert!(fields.len() > 20, "{fields:?}");
        for field in fields {
            let row = format!("| `PAYRANGE_{}` |", field.to_uppercase());
            assert!(
                section.contains(&row),
                "README, Configuration: no row {row}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_database_url() {
        let s = Settings {
            database_url: "postgres://app:s3cret@db/payrange".into(),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        let mut s = Settings::default();
        assert_eq!(s.sqlite_path(), Some(PathBuf::from("payrange.db")));
        s.database_url = "sqlite:///tmp/x/p.db?mode=rwc".into();
        assert_eq!(s.sqlite_path(), Some(PathBuf::from("/tmp/x/p.db")));
        s.database_url = "postgres://localhost/payrange".into();
        assert_eq!(s.sqlite_path(), None);
    }

    #[test]
    fn a_worker_batch_is_between_one_and_the_maximum() {
        for (batch, ok) in [(0, false), (1, true), (MAX_WORKER_BATCH, true)] {
            let s = Settings {
                worker_batch: batch,
                ..Settings::default()
            };
            assert_eq!(s.validate().is_ok(), ok, "{batch}");
        }
        let too_big = Settings {
            worker_batch: MAX_WORKER_BATCH + 1,
            ..Settings::default()
        };
        assert!(too_big.validate().is_err());
    }

    #[test]
    fn jobs_per_message_are_between_one_and_the_maximum() {
        for (jobs, ok) in [
            (0, false),
            (1, true),
            (MAX_JOBS_PER_MESSAGE, true),
            (MAX_JOBS_PER_MESSAGE + 1, false),
        ] {
            let s = Settings {
                amqp_jobs_per_message: jobs,
                ..Settings::default()
            };
            assert_eq!(s.validate().is_ok(), ok, "{jobs}");
        }
    }

    #[test]
    fn token_lifetime_is_capped_at_twelve_hours() {
        let s = Settings {
            token_ttl_secs: MAX_TOKEN_TTL_SECS + 1,
            ..Settings::default()
        };
        assert!(s.validate().is_err());
    }
}
