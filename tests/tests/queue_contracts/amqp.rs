//! What only the RabbitMQ adapter promises: dead letters, durability across connections,
//! failing fast without a broker, and reconnecting by itself.

use std::time::{Duration, Instant};

use amqprs::BasicProperties;
use amqprs::channel::BasicPublishArguments;
use payrange_domain::ports::{DeadLetter, Job, JobQueue, QueueError};
use payrange_queue_amqp::{AmqpJobQueue, AmqpSettings};

use super::fixtures::{
    AmqpCleanup, PATIENCE, TestQueue, amqp_settings, amqp_url, amqp_with, assert_nothing_comes,
    next, open, published, ready_messages,
};

/// A fresh AMQP test queue with these settings changes, or return (skip).
macro_rules! amqp_queue {
    ($($field:ident: $value:expr),* $(,)?) => {{
        let Some(url) = amqp_url() else { return };
        #[allow(unused_mut)]
        let mut settings = amqp_settings(&url);
        $(settings.$field = $value;)*
        (amqp_with(settings.clone()).await, settings)
    }};
}

async fn dead_letter(q: &TestQueue) -> Box<dyn DeadLetter> {
    tokio::time::timeout(PATIENCE, q.receive_dead_letter())
        .await
        .expect("no dead letter in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_job_lands_in_the_dead_letter_queue() {
    let (q, _) = amqp_queue!();
    let j = published(&*q).await;
    next(&*q).await.reject().await.unwrap();

    let dead = dead_letter(&q).await;
    assert_eq!((dead.job(), dead.reason()), (&j, Some("rejected")));
    dead.ack().await.unwrap();
    assert_nothing_comes(&*q).await;
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_retried_more_than_max_deliveries_times_is_dead_lettered() {
    let (q, settings) = amqp_queue!(max_deliveries: 2);
    let j = published(&*q).await;
    let mut deliveries = 0;
    while let Ok(Ok(d)) = tokio::time::timeout(Duration::from_secs(2), q.receive()).await {
        assert_eq!(d.job(), &j);
        deliveries += 1;
        d.retry().await.unwrap();
    }
    assert_eq!(deliveries, settings.max_deliveries + 1);

    let dead = dead_letter(&q).await;
    assert_eq!((dead.job(), dead.reason()), (&j, Some("delivery_limit")));
    dead.ack().await.unwrap();
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_dead_lettered_and_the_next_job_still_comes() {
    let (q, settings) = amqp_queue!();
    let connection = open(&settings.url).await.unwrap();
    let channel = connection.open_channel(None).await.unwrap();
    channel
        .basic_publish(
            BasicProperties::default(),
            b"{not a job".to_vec(),
            BasicPublishArguments::new("", &settings.queue),
        )
        .await
        .unwrap();
    channel.close().await.unwrap();
    connection.close().await.unwrap();
    let j = published(&*q).await;

    let d = next(&*q).await;
    assert_eq!(d.job(), &j);
    d.ack().await.unwrap();
    let dead_queue = settings.dead_letter_queue();
    let deadline = Instant::now() + PATIENCE;
    while ready_messages(&settings.url, &dead_queue).await != 1 {
        assert!(
            Instant::now() < deadline,
            "the malformed message was not dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    q.close().await;
}

/// Publishes `jobs` as one message in the adapter's format for several jobs, from a client
/// of its own.
async fn published_together(settings: &AmqpSettings, jobs: &[Job]) {
    let body = serde_json::json!({
        "jobs": jobs
            .iter()
            .map(|j| serde_json::json!({
                "prediction_id": j.prediction_id.to_string(),
                "request_id": j.request_id,
            }))
            .collect::<Vec<_>>(),
    });
    let connection = open(&settings.url).await.unwrap();
    let channel = connection.open_channel(None).await.unwrap();
    channel
        .basic_publish(
            BasicProperties::default()
                .with_delivery_mode(amqprs::DELIVERY_MODE_PERSISTENT)
                .finish(),
            serde_json::to_vec(&body).unwrap(),
            BasicPublishArguments::new("", &settings.queue),
        )
        .await
        .unwrap();
    channel.close().await.unwrap();
    connection.close().await.unwrap();
}

fn seen_before(job: &Job) -> Job {
    Job {
        seen_before: true,
        ..job.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_published_at_the_same_time_share_messages_and_each_comes_once() {
    let (q, settings) = amqp_queue!();
    let jobs: Vec<Job> = (0..40).map(|_| super::fixtures::job()).collect();
    let mut publishing = tokio::task::JoinSet::new();
    for j in jobs.clone() {
        let queue = q.queue.clone();
        publishing.spawn(async move { queue.publish(&j).await });
    }
    while let Some(published) = publishing.join_next().await {
        published.unwrap().unwrap();
    }
    // Nobody consumes yet: every job is in the queue, in fewer messages than jobs.
    let messages = ready_messages(&settings.url, &settings.queue).await;
    let most = jobs.len().div_ceil(settings.jobs_per_message) as u32;
    assert!((most..40).contains(&messages), "{messages} messages");

    let mut received = Vec::new();
    for _ in &jobs {
        let d = next(&*q).await;
        assert_eq!(d.redeliveries(), 0);
        received.push(d.job().clone());
        d.ack().await.unwrap();
    }
    received.sort_by_key(|j| j.prediction_id);
    let mut sorted = jobs;
    sorted.sort_by_key(|j| j.prediction_id);
    assert_eq!(received, sorted);
    assert_nothing_comes(&*q).await;
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_of_one_message_are_settled_each_on_its_own() {
    let (q, settings) = amqp_queue!();
    let jobs: Vec<Job> = (0..3).map(|_| super::fixtures::job()).collect();
    published_together(&settings, &jobs).await;
    let (acked, retried, rejected) = (next(&*q).await, next(&*q).await, next(&*q).await);
    assert_eq!(
        [acked.job(), retried.job(), rejected.job()],
        [&jobs[0], &jobs[1], &jobs[2]]
    );
    acked.ack().await.unwrap();
    retried.retry().await.unwrap();
    rejected.reject().await.unwrap();

    // The retried job comes back alone, as a job delivered before; the rejected one is
    // dead-lettered as the broker would have dead-lettered it alone; the acked one is gone.
    let again = next(&*q).await;
    assert_eq!(
        (again.job(), again.redeliveries()),
        (&seen_before(&jobs[1]), 1)
    );
    again.ack().await.unwrap();
    let dead = dead_letter(&q).await;
    assert_eq!((dead.job(), dead.reason()), (&jobs[2], Some("rejected")));
    dead.ack().await.unwrap();
    assert_nothing_comes(&*q).await;
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_several_jobs_delivered_again_comes_back_as_one_message_per_job() {
    let (q, settings) = amqp_queue!(max_deliveries: 2);
    let jobs: Vec<Job> = (0..2).map(|_| super::fixtures::job()).collect();
    published_together(&settings, &jobs).await;
    // Both returned, as a worker that lost its database would: the message goes back whole.
    let (first, second) = (next(&*q).await, next(&*q).await);
    first.retry().await.unwrap();
    drop(second);

    // Delivered again, it is split: each job comes on its own, marked as seen before, and
    // is retried and dead-lettered alone from then on.
    let mut again = Vec::new();
    for _ in &jobs {
        let d = next(&*q).await;
        assert_eq!(d.redeliveries(), 1, "{:?}", d.job());
        again.push(d);
    }
    assert_eq!(
        [again[0].job(), again[1].job()],
        [&seen_before(&jobs[0]), &seen_before(&jobs[1])]
    );
    let kept = again.remove(0);
    kept.ack().await.unwrap();
    let mut poison = again.remove(0);
    loop {
        poison.retry().await.unwrap();
        match tokio::time::timeout(Duration::from_secs(2), q.receive()).await {
            Ok(Ok(d)) => poison = d,
            _ => break,
        }
    }
    let dead = dead_letter(&q).await;
    assert_eq!(
        (dead.job(), dead.reason()),
        (&seen_before(&jobs[1]), Some("delivery_limit"))
    );
    dead.ack().await.unwrap();
    assert_nothing_comes(&*q).await;
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_draining_the_job_in_hand_can_still_be_acked_and_the_rest_go_back() {
    let (q, settings) = amqp_queue!();
    let jobs = [
        published(&*q).await,
        published(&*q).await,
        published(&*q).await,
    ];
    let held = next(&*q).await;
    q.drain().await;
    assert!(matches!(q.receive().await, Err(QueueError::Closed)));
    // The two prefetched jobs nobody took are back in the queue; the one in hand is not.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ready = ready_messages(&settings.url, &settings.queue).await;
        if ready == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{ready} jobs ready, not 2");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(held.job(), &jobs[0]);
    held.ack().await.unwrap();
    q.close().await;

    let second = AmqpJobQueue::connect(settings).await.unwrap();
    let mut received = Vec::new();
    for _ in 0..2 {
        let d = next(&second).await;
        received.push(d.job().clone());
        d.ack().await.unwrap();
    }
    received.sort_by_key(|j| j.prediction_id);
    let mut rest = jobs[1..].to_vec();
    rest.sort_by_key(|j| j.prediction_id);
    assert_eq!(received, rest, "the acked job does not come back");
    assert_nothing_comes(&second).await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_jobs_survive_closing_and_reconnecting() {
    let (first, settings) = amqp_queue!();
    let jobs = [published(&*first).await, published(&*first).await];
    // One taken but not settled when the queue closes: it must come back too.
    let held = next(&*first).await;
    first.close().await;
    drop(held);

    let second = AmqpJobQueue::connect(settings).await.unwrap();
    let mut received = Vec::new();
    for _ in &jobs {
        let d = next(&second).await;
        received.push(d.job().clone());
        d.ack().await.unwrap();
    }
    // Returned jobs may come back in any order.
    received.sort_by_key(|j| j.prediction_id);
    assert_eq!(received, jobs);
    assert_nothing_comes(&second).await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_broker_connect_and_publish_fail_fast_with_unavailable() {
    let settings = AmqpSettings {
        queue: "payrange.test.unreachable".into(),
        ..AmqpSettings::new("amqp://guest:guest@127.0.0.1:1/%2f")
    };
    let connect = tokio::time::timeout(PATIENCE, AmqpJobQueue::connect(settings.clone()));
    assert!(matches!(
        connect.await.unwrap().err(),
        Some(QueueError::Unavailable(_))
    ));

    let q = AmqpJobQueue::connect_lazy(settings).unwrap();
    let started = Instant::now();
    let published = q.publish(&super::fixtures::job()).await;
    assert!(matches!(published, Err(QueueError::Unavailable(_))));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(q.check().await, Err(QueueError::Unavailable(_))));
    assert!(matches!(
        q.receive().await.err(),
        Some(QueueError::Unavailable(_))
    ));
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lazily_started_queue_connects_in_the_background() {
    let Some(url) = amqp_url() else { return };
    let settings = amqp_settings(&url);
    let _cleanup = AmqpCleanup(settings.clone());
    let q = AmqpJobQueue::connect_lazy(settings).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while q.check().await.is_err() {
        assert!(Instant::now() < deadline, "the queue did not connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let j = published(&q).await;
    let d = next(&q).await;
    assert_eq!(d.job(), &j);
    d.ack().await.unwrap();
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_broker_closes_the_connection_the_queue_reconnects_and_delivers() {
    let (q, settings) = amqp_queue!();
    let before = published(&*q).await;
    // Taken but unsettled when the connection dies: settling it later fails quietly.
    let stale = next(&*q).await;
    assert_eq!(stale.job(), &before);

    close_connection_named(&settings.connection_name).await;

    // Only a new connection with a new consumer can get it again.
    let d = next(&*q).await;
    assert_eq!((d.job(), d.redeliveries()), (&before, 1));
    assert!(matches!(stale.ack().await, Err(QueueError::Unavailable(_))));
    d.ack().await.unwrap();
    q.check().await.unwrap();
    let after = published(&*q).await;
    let d = next(&*q).await;
    assert_eq!(d.job(), &after);
    d.ack().await.unwrap();
    q.close().await;
}

/// Closes this test's connection from the broker side (`rabbitmqctl close_connection`).
async fn close_connection_named(name: &str) {
    let listed = rabbitmqctl(&[
        "list_connections",
        "-q",
        "--no-table-headers",
        "pid",
        "client_properties",
    ])
    .await;
    let ours: Vec<&str> = listed
        .lines()
        .filter(|line| line.contains(name))
        .filter_map(|line| line.split('\t').next())
        .collect();
    assert_eq!(ours.len(), 1, "connections named {name}: {listed}");
    rabbitmqctl(&["close_connection", ours[0], "contract test"]).await;
}

async fn rabbitmqctl(args: &[&str]) -> String {
    let output = tokio::process::Command::new("rabbitmqctl")
        .args(args)
        .output()
        .await
        .expect("rabbitmqctl must be on PATH for the reconnection test");
    assert!(output.status.success(), "rabbitmqctl {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}
