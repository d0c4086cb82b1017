//! A database and a queue of a test's own on the shared PostgreSQL and RabbitMQ, removed when
//! their guard drops, also when the test panicked, so that test runs leave nothing behind on
//! the servers other runs use.

use amqprs::channel::{ExchangeDeleteArguments, QueueDeleteArguments};
use amqprs::connection::Connection;
use sea_orm::{ConnectionTrait, Database};

use crate::{shared_services, unique};

/// Creates database `name` next to `admin_url`'s and returns its URL.
pub async fn create_database(admin_url: &str, name: &str) -> String {
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// Drops database `database` (ending its sessions) on `admin_url`'s server, and deletes
/// `queue`, its dead-letter queue and dead-letter exchange on `amqp_url`, on drop.
pub struct Cleanup {
    /// The admin URL of the PostgreSQL server.
    pub admin_url: String,
    /// The database to drop.
    pub database: String,
    /// The RabbitMQ server.
    pub amqp_url: String,
    /// The work queue to delete.
    pub queue: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (admin_url, database) = (self.admin_url.clone(), self.database.clone());
        let (amqp_url, queue) = (self.amqp_url.clone(), self.queue.clone());
        // Drop runs inside the test's runtime (or while unwinding), where it cannot block on
        // the async drivers: use a runtime of our own on another thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().ok()?;
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                    let _ = admin.execute_unprepared(&sql).await;
                }
                let args = payrange_queue_amqp::connection_arguments(&amqp_url).ok()?;
                let connection = Connection::open(&args).await.ok()?;
                let channel = connection.open_channel(None).await.ok()?;
                let dead = format!("{queue}.dead");
                for q in [&queue, &dead] {
                    let _ = channel.queue_delete(QueueDeleteArguments::new(q)).await;
                }
                let _ = channel
                    .exchange_delete(ExchangeDeleteArguments::new(&dead))
                    .await;
                connection.close().await.ok()
            })
        })
        .join();
    }
}

/// A fresh database on one PostgreSQL and a fresh queue name on one RabbitMQ; both removed
/// on drop.
pub struct Scratch {
    /// The admin URL of the PostgreSQL server.
    pub admin_url: String,
    /// The fresh database's name.
    pub db_name: String,
    /// The fresh database's URL.
    pub db_url: String,
    /// The RabbitMQ server.
    pub amqp_url: String,
    /// The fresh queue (declared by whoever uses it first).
    pub queue: String,
    _cleanup: Cleanup,
}

impl Scratch {
    /// On `TEST_DATABASE_URL` and `TEST_AMQP_URL`, with names starting `prefix`; `None` to
    /// skip (see [`crate::skip`]).
    pub async fn on_shared_services(prefix: &str) -> Option<Self> {
        let (admin_url, amqp_url) = shared_services()?;
        let db_name = unique(prefix);
        let db_url = create_database(&admin_url, &db_name).await;
        Some(Self::new(
            admin_url,
            db_name,
            db_url,
            amqp_url,
            unique(&prefix.replace('_', ".")),
        ))
    }

    /// Takes charge of database `db_name` (already created, at `db_url`) on `admin_url`'s
    /// server and of `queue` on `amqp_url`.
    pub fn new(
        admin_url: String,
        db_name: String,
        db_url: String,
        amqp_url: String,
        queue: String,
    ) -> Self {
        Self {
            _cleanup: Cleanup {
                admin_url: admin_url.clone(),
                database: db_name.clone(),
                amqp_url: amqp_url.clone(),
                queue: queue.clone(),
            },
            admin_url,
            db_name,
            db_url,
            amqp_url,
            queue,
        }
    }
}
