//! [`Fixture`]: a deployment of `payrange` processes on a database and a queue of its own,
//! for the fault, scale-out and shared-limit tests of `payrange-app`.

use crate::processes::Deployment;
use crate::scratch::{Scratch, create_database};
use crate::{shared_services, unique};

/// A [`Scratch`] database and queue, a directory for logs, and a [`Deployment`] on them;
/// dropped in that order (the processes first).
pub struct Fixture {
    /// The deployment's settings (add more with `deployment.set`).
    pub deployment: Deployment,
    /// The fresh database's URL.
    pub db_url: String,
    /// The RabbitMQ server.
    pub amqp_url: String,
    /// The fresh queue.
    pub queue: String,
    /// The fresh database's name.
    pub db_name: String,
    /// The admin URL of the PostgreSQL server.
    pub admin_url: String,
    _scratch: Scratch,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// `binary` on `TEST_DATABASE_URL` and `TEST_AMQP_URL`; `None` to skip.
    pub async fn on_shared_services(binary: &str) -> Option<Self> {
        let (admin_url, amqp_url) = shared_services()?;
        let db_name = unique("payrange_faults");
        let db_url = create_database(&admin_url, &db_name).await;
        Some(Self::new(binary, admin_url, db_name, db_url, amqp_url))
    }

    /// `binary` with its own database `db_name` (already created, at `db_url`) on
    /// `admin_url`'s server and a fresh queue on `amqp_url`.
    pub fn new(
        binary: &str,
        admin_url: String,
        db_name: String,
        db_url: String,
        amqp_url: String,
    ) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("payrange-faults-")
            .tempdir()
            .unwrap();
        let queue = unique("payrange.faults");
        let scratch = Scratch::new(admin_url, db_name, db_url, amqp_url, queue);
        Self {
            deployment: Deployment::new(
                binary,
                &scratch.db_url,
                &scratch.amqp_url,
                &scratch.queue,
                dir.path(),
            ),
            db_url: scratch.db_url.clone(),
            amqp_url: scratch.amqp_url.clone(),
            queue: scratch.queue.clone(),
            db_name: scratch.db_name.clone(),
            admin_url: scratch.admin_url.clone(),
            _scratch: scratch,
            _dir: dir,
        }
    }
}
