//! Queues under test, their clean-up, and helpers the contracts are written with.

use std::sync::Arc;
use std::time::Duration;

use amqprs::channel::QueueDeclareArguments;
use amqprs::connection::Connection;
use payrange_domain::models::PredictionId;
use payrange_domain::ports::{Delivery, Job, JobQueue, QueueError};
use payrange_queue_amqp::{AmqpJobQueue, AmqpSettings};
use payrange_queue_memory::MemoryQueue;

/// How long a contract waits for a job that must come.
pub const PATIENCE: Duration = Duration::from_secs(20);
/// How long a contract waits to be sure a job does not come.
pub const QUIET: Duration = Duration::from_millis(700);

/// A queue for one test, and whatever must be cleaned up after it.
pub struct TestQueue {
    /// The adapter under test.
    pub queue: Arc<dyn JobQueue>,
    /// The broker's test queues, deleted when the `TestQueue` drops (after the adapter).
    _cleanup: Option<AmqpCleanup>,
}

impl std::ops::Deref for TestQueue {
    type Target = dyn JobQueue;
    fn deref(&self) -> &Self::Target {
        &*self.queue
    }
}

/// The reference implementation.
pub fn memory() -> TestQueue {
    TestQueue {
        queue: Arc::new(MemoryQueue::new()),
        _cleanup: None,
    }
}

/// The broker URL, or `None` (skip) without `TEST_AMQP_URL`; with `TEST_REQUIRE_SERVICES=1`
/// a missing URL fails the test.
pub fn amqp_url() -> Option<String> {
    let Ok(url) = std::env::var("TEST_AMQP_URL") else {
        assert!(
            std::env::var("TEST_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "TEST_REQUIRE_SERVICES=1 but TEST_AMQP_URL is not set"
        );
        eprintln!("skipped: set TEST_AMQP_URL to run the RabbitMQ contract tests");
        return None;
    };
    Some(url)
}

/// Settings for a fresh, uniquely named queue (and connection) on the test broker.
pub fn amqp_settings(url: &str) -> AmqpSettings {
    let name = format!("payrange.test.{}", uuid::Uuid::new_v4().simple());
    AmqpSettings {
        queue: name.clone(),
        connection_name: name,
        confirm_timeout: Duration::from_secs(10),
        ..AmqpSettings::new(url)
    }
}

/// `AmqpJobQueue` on a fresh queue, or `None` as for [`amqp_url`].
pub async fn amqp() -> Option<TestQueue> {
    let url = amqp_url()?;
    Some(amqp_with(amqp_settings(&url)).await)
}

/// `AmqpJobQueue` with these settings; its queues are deleted when the `TestQueue` drops.
pub async fn amqp_with(settings: AmqpSettings) -> TestQueue {
    let cleanup = AmqpCleanup(settings.clone());
    TestQueue {
        queue: Arc::new(AmqpJobQueue::connect(settings).await.unwrap()),
        _cleanup: Some(cleanup),
    }
}

/// Deletes a test's queues and dead-letter exchange on drop (also when the test panicked).
pub struct AmqpCleanup(pub AmqpSettings);

impl Drop for AmqpCleanup {
    fn drop(&mut self) {
        payrange_tests::scratch::delete_queue_now(&self.0.url, &self.0.queue);
    }
}

/// A plain client connection to the test broker (to inspect or tamper with queues), its URL
/// parsed as the adapter parses it.
pub async fn open(url: &str) -> Result<Connection, Box<dyn std::error::Error + Send + Sync>> {
    let args = payrange_queue_amqp::connection_arguments(url)?;
    Ok(Connection::open(&args).await?)
}

/// Messages ready in `queue` (not counting unacknowledged ones).
pub async fn ready_messages(url: &str, queue: &str) -> u32 {
    let connection = open(url).await.unwrap();
    let channel = connection.open_channel(None).await.unwrap();
    let (_, count, _) = channel
        .queue_declare(QueueDeclareArguments::new(queue).passive(true).finish())
        .await
        .unwrap()
        .unwrap();
    connection.close().await.unwrap();
    count
}

/// A fresh job with a request id.
pub fn job() -> Job {
    let prediction_id = PredictionId::generate();
    Job {
        prediction_id,
        request_id: Some(format!("req-{prediction_id}")),
        seen_before: false,
    }
}

/// Publishes a fresh job and returns it.
pub async fn published(q: &dyn JobQueue) -> Job {
    let j = job();
    q.publish(&j).await.unwrap();
    j
}

/// The next delivery; waits out `Unavailable` (a reconnecting adapter) up to [`PATIENCE`].
pub async fn next(q: &dyn JobQueue) -> Box<dyn Delivery> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match q.receive().await {
                Ok(d) => return d,
                Err(QueueError::Unavailable(_)) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("receive failed: {e:?}"),
            }
        }
    })
    .await
    .expect("no job arrived in time")
}

/// Asserts that no job arrives within [`QUIET`].
pub async fn assert_nothing_comes(q: &dyn JobQueue) {
    if let Ok(Ok(d)) = tokio::time::timeout(QUIET, q.receive()).await {
        panic!(
            "unexpected job {:?} ({} redeliveries)",
            d.job(),
            d.redeliveries()
        );
    }
}

/// Declares one test per backend for each listed contract of the enclosing module.
macro_rules! queue_contracts {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::queue_contracts::fixtures::memory()).await;
                }
            )*
        }
        mod amqp {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(q) = crate::queue_contracts::fixtures::amqp().await else {
                        return;
                    };
                    super::$name(&q).await;
                    q.close().await;
                }
            )*
        }
    };
}
pub(crate) use queue_contracts;
