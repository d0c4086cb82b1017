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
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    admin.close().await.unwrap();
    database_url(admin_url, name)
}

/// The URL of database `name` on the server of `url` (its query string kept).
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..path_start])
}

/// Runs `work` to its end on a runtime of its own, on another thread: a guard's `drop` runs
/// inside the test's runtime (or while unwinding), where it cannot block on async drivers.
fn blocking<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, Box<dyn std::error::Error + Send + Sync>>>
    + Send
    + 'static,
) -> Result<T, String> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(work).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "the clean-up thread panicked".to_owned())?
}

/// Drops database `name` on `admin_url`'s server, ending its sessions; says on standard
/// error if it could not. For guards' `drop`.
pub fn drop_database_now(admin_url: &str, name: &str) {
    let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
    let dropped = blocking(async move {
        let admin = Database::connect(admin_url.as_str()).await?;
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        admin.execute_unprepared(&sql).await?;
        Ok(admin.close().await?)
    });
    if let Err(e) = dropped {
        eprintln!("could not drop a test database: {e}");
    }
}

/// Deletes `queue`, its dead-letter queue and its dead-letter exchange (`{queue}.dead`) on
/// `amqp_url`; says on standard error if it could not. For guards' `drop`.
pub fn delete_queue_now(amqp_url: &str, queue_name: &str) {
    let (amqp_url, queue) = (amqp_url.to_owned(), queue_name.to_owned());
    let deleted = blocking(async move {
        let args = payrange_queue_amqp::connection_arguments(&amqp_url)?;
        let connection = Connection::open(&args).await?;
        let channel = connection.open_channel(None).await?;
        let dead = format!("{queue}.dead");
        for q in [&queue, &dead] {
            channel.queue_delete(QueueDeleteArguments::new(q)).await?;
        }
        channel
            .exchange_delete(ExchangeDeleteArguments::new(&dead))
            .await?;
        Ok(connection.close().await?)
    });
    if let Err(e) = deleted {
        eprintln!("could not delete test queue {queue_name}: {e}");
    }
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
        drop_database_now(&self.admin_url, &self.database);
        delete_queue_now(&self.amqp_url, &self.queue);
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
