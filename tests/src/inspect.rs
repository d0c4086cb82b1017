//! Looking into PostgreSQL and RabbitMQ directly, and the two faults the tests inject into a
//! test's own database with triggers (the service's code is not changed for tests):
//!
//! - [`FinishGate`]: holds every finishing `UPDATE` (a prediction becoming `done` or `failed`)
//!   until released, so a test can catch a worker *mid-job*: the job taken, its result
//!   computed but not yet committed (on a first delivery, its attempt is committed with it).
//! - [`poison`]: makes starting or completing a chosen prediction fail in the database, so its
//!   job fails on every delivery.

use std::collections::HashMap;
use std::time::Duration;

use amqprs::channel::QueueDeclareArguments;
use amqprs::connection::Connection;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::client::User;
use crate::eventually;

/// One connection (a pool of one, so session-level locks stay with it).
pub async fn connect(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(options).await.unwrap()
}

async fn query(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Number of predictions by status.
pub async fn statuses(db: &DatabaseConnection) -> HashMap<String, i64> {
    query(
        db,
        "SELECT status, count(*) AS n FROM predictions GROUP BY status",
    )
    .await
    .iter()
    .map(|r| {
        (
            r.try_get("", "status").unwrap(),
            r.try_get("", "n").unwrap(),
        )
    })
    .collect()
}

/// `(status, attempts)` of one prediction.
pub async fn row(db: &DatabaseConnection, id: &str) -> (String, i32) {
    let rows = query(
        db,
        &format!("SELECT status, attempts FROM predictions WHERE id = '{id}'"),
    )
    .await;
    let r = rows.first().unwrap_or_else(|| panic!("no prediction {id}"));
    (
        r.try_get("", "status").unwrap(),
        r.try_get("", "attempts").unwrap(),
    )
}

const GATE_KEY: i64 = 0x7061_7972;

/// Holds every finishing update of `predictions` while it exists and is closed. Each such
/// update waits inside the database for a shared advisory lock this gate holds exclusively.
pub struct FinishGate {
    db: DatabaseConnection,
}

impl FinishGate {
    /// Installs the trigger in the database at `url` and closes the gate.
    pub async fn install(url: &str) -> Self {
        let db = connect(url).await;
        db.execute_unprepared(&format!(
            "CREATE FUNCTION payrange_test_finish_gate() RETURNS trigger AS $$
             BEGIN
               IF NEW.status IN ('done', 'failed') THEN
                 PERFORM pg_advisory_xact_lock_shared({GATE_KEY});
               END IF;
               RETURN NEW;
             END $$ LANGUAGE plpgsql;
             CREATE TRIGGER payrange_test_finish_gate BEFORE UPDATE ON predictions
               FOR EACH ROW EXECUTE FUNCTION payrange_test_finish_gate();
             SELECT pg_advisory_lock({GATE_KEY});"
        ))
        .await
        .unwrap();
        Self { db }
    }

    /// How many finishing updates are waiting at the gate.
    pub async fn waiting(&self) -> usize {
        let rows = query(
            &self.db,
            &format!(
                "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' \
                 AND NOT granted AND objid = {GATE_KEY} AND database = \
                 (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
        )
        .await;
        let n: i64 = rows[0].try_get("", "n").unwrap();
        usize::try_from(n).unwrap()
    }

    /// Waits until `n` finishing updates wait at the gate.
    pub async fn wait_for(&self, n: usize) {
        eventually(
            &format!("{n} job(s) to wait at the finish gate"),
            Duration::from_secs(30),
            || async { (self.waiting().await == n).then_some(()) },
        )
        .await;
    }

    /// Submits six predictions as `user` so that each of a worker's two tasks holds one of
    /// them mid-job, waiting here, and the other four reach the worker and wait unstarted: one
    /// at a time until its task waits at the gate, then four. (Submitted at once, they could
    /// reach the worker together and, with batches, all be taken by one task.) Returns the ids
    /// in order, the two held first.
    pub async fn hold_two_of_six(&self, user: &User, title: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(user.submit_accepted(&format!("{title} {i}")).await);
            if i < 2 {
                self.wait_for(i + 1).await;
            }
        }
        ids
    }

    /// Opens the gate for good.
    pub async fn open(&self) {
        self.db
            .execute_unprepared(&format!("SELECT pg_advisory_unlock({GATE_KEY})"))
            .await
            .unwrap();
    }
}

/// Makes starting or completing any prediction whose vacancy is named `name` fail in the
/// database (a worker's `UPDATE ... SET status = 'running'` or `'done'` raises an error), so
/// its job fails on every delivery. Finishing it as failed still works.
pub async fn poison(url: &str, name: &str) {
    let db = connect(url).await;
    db.execute_unprepared(&format!(
        "CREATE FUNCTION payrange_test_poison() RETURNS trigger AS $$
         BEGIN
           IF NEW.status IN ('running', 'done') AND NEW.name = '{name}' THEN
             RAISE EXCEPTION 'injected failure for a test';
           END IF;
           RETURN NEW;
         END $$ LANGUAGE plpgsql;
         CREATE TRIGGER payrange_test_poison BEFORE UPDATE ON predictions
           FOR EACH ROW EXECUTE FUNCTION payrange_test_poison();"
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
}

/// Opens an AMQP connection, parsing the URL as the adapter does (TLS included).
pub async fn amqp(url: &str) -> Connection {
    let args = payrange_queue_amqp::connection_arguments(url).unwrap();
    Connection::open(&args).await.unwrap()
}

/// Messages ready (not delivered to a consumer) in `queue`.
pub async fn ready_messages(url: &str, queue: &str) -> u32 {
    let connection = amqp(url).await;
    let channel = connection.open_channel(None).await.unwrap();
    let (_, ready, _) = channel
        .queue_declare(QueueDeclareArguments::new(queue).passive(true).finish())
        .await
        .unwrap()
        .unwrap();
    connection.close().await.unwrap();
    ready
}
