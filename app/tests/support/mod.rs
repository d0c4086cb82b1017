//! What the fault and scale-out tests share: which services they need (and whether their
//! absence is a skip or a failure), free ports, polling with a deadline, the `payrange`
//! processes under test ([`processes`]), an HTTP client for them ([`client`]), direct looks
//! into PostgreSQL and RabbitMQ ([`inspect`]), and private servers to restart ([`servers`]).

#![allow(dead_code)] // Each test binary uses a different part of it.

pub mod client;
pub mod inspect;
pub mod processes;
pub mod servers;

use std::future::Future;
use std::time::{Duration, Instant};

/// Whether missing services fail the test instead of skipping it (`.ci/run` sets both).
pub fn services_required() -> bool {
    std::env::var("TEST_REQUIRE_SERVICES").as_deref() == Ok("1")
        || std::env::var("CI").as_deref() == Ok("true")
}

/// Fails under [`services_required`], else prints why the test is skipped.
pub fn skip(why: &str) {
    assert!(!services_required(), "cannot run: {why}");
    eprintln!("SKIPPED: {why}");
}

/// `(TEST_DATABASE_URL, TEST_AMQP_URL)`: the machine's shared PostgreSQL (an admin URL; tests
/// create their own database) and RabbitMQ (tests use their own queue). `None` to skip.
pub fn shared_services() -> Option<(String, String)> {
    match (
        std::env::var("TEST_DATABASE_URL"),
        std::env::var("TEST_AMQP_URL"),
    ) {
        (Ok(db), Ok(amqp)) if db.starts_with("postgres") => Some((db, amqp)),
        _ => {
            skip("set TEST_DATABASE_URL (PostgreSQL) and TEST_AMQP_URL");
            None
        }
    }
}

/// Private servers can be started (else skipped, or failed under [`services_required`]).
pub fn private_servers_available() -> bool {
    match servers::missing() {
        None => true,
        Some(what) => {
            skip(&format!("{what} is not installed"));
            false
        }
    }
}

/// A TCP port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A name no other test run uses (for databases and queues).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Polls `probe` every 50 ms until it returns `Some`, failing the test after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// [`eventually`] for a blocking condition.
pub fn wait_until_sync(what: &str, deadline: Duration, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !ok() {
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A fresh database on the shared PostgreSQL and a fresh queue on the shared RabbitMQ, a
/// directory for logs, and a [`processes::Deployment`] on them; dropped in that order.
pub struct Fixture {
    /// The deployment's settings (add more with `deployment.set`).
    pub deployment: processes::Deployment,
    /// The fresh database's URL.
    pub db_url: String,
    /// The shared RabbitMQ.
    pub amqp_url: String,
    /// The fresh queue.
    pub queue: String,
    /// The fresh database's name.
    pub db_name: String,
    /// The admin URL of the shared PostgreSQL.
    pub admin_url: String,
    _queue: inspect::DeleteQueue,
    _db: inspect::DropDatabase,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// On `TEST_DATABASE_URL` and `TEST_AMQP_URL`; `None` to skip.
    pub async fn on_shared_services() -> Option<Self> {
        let (admin_url, amqp_url) = shared_services()?;
        let db_name = unique("payrange_faults");
        let db_url = inspect::create_database(&admin_url, &db_name).await;
        Some(Self::new(admin_url, db_name, db_url, amqp_url))
    }

    /// With its own database on `admin_url` and queue on `amqp_url`.
    pub fn new(admin_url: String, db_name: String, db_url: String, amqp_url: String) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("payrange-faults-")
            .tempdir()
            .unwrap();
        let queue = unique("payrange.faults");
        Self {
            deployment: processes::Deployment::new(&db_url, &amqp_url, &queue, dir.path()),
            _queue: inspect::DeleteQueue {
                url: amqp_url.clone(),
                queue: queue.clone(),
            },
            _db: inspect::DropDatabase {
                admin_url: admin_url.clone(),
                name: db_name.clone(),
            },
            db_url,
            amqp_url,
            queue,
            db_name,
            admin_url,
            _dir: dir,
        }
    }
}
