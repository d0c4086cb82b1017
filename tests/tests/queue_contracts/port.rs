//! The [`JobQueue`] contract every adapter keeps.
//!
//! [`JobQueue`]: payrange_domain::ports::JobQueue

use payrange_domain::ports::QueueError;

use super::fixtures::{TestQueue, assert_nothing_comes, next, published, queue_contracts};

queue_contracts!(
    a_published_job_is_received_intact_on_first_delivery,
    a_single_consumer_receives_jobs_in_publish_order,
    an_acked_job_does_not_come_back,
    a_retried_job_comes_back_with_one_more_redelivery,
    a_delivery_dropped_unsettled_comes_back,
    a_rejected_job_does_not_come_back,
    check_is_ok_while_the_queue_is_usable,
    closing_makes_waiting_and_later_receivers_return_closed,
    jobs_at_hand_are_taken_without_waiting_and_settle_like_received_ones,
    draining_wakes_waiting_receivers_with_closed_and_hands_out_nothing_more,
    after_draining_the_job_in_hand_still_settles,
    closing_wakes_a_waiting_dead_letter_receiver_with_closed,
    closing_twice_is_harmless,
);

async fn a_published_job_is_received_intact_on_first_delivery(q: &TestQueue) {
    let mut anonymous = super::fixtures::job();
    anonymous.request_id = None;
    let traced = published(&**q).await;
    q.publish(&anonymous).await.unwrap();

    let d = next(&**q).await;
    assert_eq!((d.job(), d.redeliveries()), (&traced, 0));
    d.ack().await.unwrap();
    let d = next(&**q).await;
    assert_eq!((d.job(), d.redeliveries()), (&anonymous, 0));
    d.ack().await.unwrap();
}

async fn a_single_consumer_receives_jobs_in_publish_order(q: &TestQueue) {
    let mut jobs = Vec::new();
    for _ in 0..5 {
        jobs.push(published(&**q).await);
    }
    for expected in &jobs {
        let d = next(&**q).await;
        assert_eq!(d.job(), expected);
        d.ack().await.unwrap();
    }
}

async fn an_acked_job_does_not_come_back(q: &TestQueue) {
    let j = published(&**q).await;
    let d = next(&**q).await;
    assert_eq!(d.job(), &j);
    d.ack().await.unwrap();
    assert_nothing_comes(&**q).await;
}

async fn a_retried_job_comes_back_with_one_more_redelivery(q: &TestQueue) {
    let j = published(&**q).await;
    let d = next(&**q).await;
    assert_eq!(d.redeliveries(), 0);
    d.retry().await.unwrap();

    let d = next(&**q).await;
    assert_eq!((d.job(), d.redeliveries()), (&j, 1));
    d.retry().await.unwrap();
    let d = next(&**q).await;
    assert_eq!((d.job(), d.redeliveries()), (&j, 2));
    d.ack().await.unwrap();
    assert_nothing_comes(&**q).await;
}

async fn a_delivery_dropped_unsettled_comes_back(q: &TestQueue) {
    let j = published(&**q).await;
    drop(next(&**q).await);

    let d = next(&**q).await;
    assert_eq!(d.job(), &j);
    assert!(d.redeliveries() >= 1, "redeliveries {}", d.redeliveries());
    d.ack().await.unwrap();
}

async fn a_rejected_job_does_not_come_back(q: &TestQueue) {
    let rejected = published(&**q).await;
    let kept = published(&**q).await;
    let d = next(&**q).await;
    assert_eq!(d.job(), &rejected);
    d.reject().await.unwrap();

    let d = next(&**q).await;
    assert_eq!(d.job(), &kept);
    d.ack().await.unwrap();
    assert_nothing_comes(&**q).await;
}

async fn check_is_ok_while_the_queue_is_usable(q: &TestQueue) {
    q.check().await.unwrap();
    published(&**q).await;
    q.check().await.unwrap();
}

async fn closing_makes_waiting_and_later_receivers_return_closed(q: &TestQueue) {
    let waiter = {
        let queue = q.queue.clone();
        tokio::spawn(async move { queue.receive().await.err() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    q.close().await;
    assert!(matches!(waiter.await.unwrap(), Some(QueueError::Closed)));
    assert!(matches!(q.receive().await.err(), Some(QueueError::Closed)));
    assert!(q.publish(&super::fixtures::job()).await.is_err());
    assert!(q.check().await.is_err());
}

async fn jobs_at_hand_are_taken_without_waiting_and_settle_like_received_ones(q: &TestQueue) {
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(published(&**q).await);
    }
    let first = next(&**q).await;
    assert_eq!(first.job(), &jobs[0]);
    // The others reach this process (a broker pushes them within the prefetch window) and
    // are then taken without waiting.
    let mut at_hand = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while at_hand.len() < 2 && tokio::time::Instant::now() < deadline {
        match q.try_receive().await.unwrap() {
            Some(d) => at_hand.push(d),
            None => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    let got: Vec<_> = at_hand
        .iter()
        .map(|d| (d.job().clone(), d.redeliveries()))
        .collect();
    assert_eq!(got, vec![(jobs[1].clone(), 0), (jobs[2].clone(), 0)]);
    assert!(
        q.try_receive().await.unwrap().is_none(),
        "nothing else at hand"
    );

    first.ack().await.unwrap();
    let mut at_hand = at_hand.into_iter();
    at_hand.next().unwrap().ack().await.unwrap();
    drop(at_hand.next().unwrap());
    let d = next(&**q).await;
    assert_eq!(d.job(), &jobs[2], "the one dropped unsettled comes back");
    d.ack().await.unwrap();
    assert_nothing_comes(&**q).await;
}

async fn draining_wakes_waiting_receivers_with_closed_and_hands_out_nothing_more(q: &TestQueue) {
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let queue = q.queue.clone();
            tokio::spawn(async move { queue.receive().await.err() })
        })
        .collect();
    let dead_waiter = {
        let queue = q.queue.clone();
        tokio::spawn(async move { queue.receive_dead_letter().await.err() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    q.drain().await;
    for waiter in waiters {
        assert!(matches!(waiter.await.unwrap(), Some(QueueError::Closed)));
    }
    assert!(matches!(
        dead_waiter.await.unwrap(),
        Some(QueueError::Closed)
    ));
    assert!(matches!(q.receive().await.err(), Some(QueueError::Closed)));
    assert!(!matches!(q.try_receive().await, Ok(Some(_))));
    q.close().await;
}

async fn after_draining_the_job_in_hand_still_settles(q: &TestQueue) {
    let first = published(&**q).await;
    published(&**q).await;
    let held = next(&**q).await;
    assert_eq!(held.job(), &first);
    q.drain().await;
    assert!(matches!(q.receive().await.err(), Some(QueueError::Closed)));
    assert!(
        !matches!(q.try_receive().await, Ok(Some(_))),
        "the job not taken is not handed out after draining"
    );
    held.ack().await.unwrap();
    q.close().await;
}

async fn closing_wakes_a_waiting_dead_letter_receiver_with_closed(q: &TestQueue) {
    let waiter = {
        let queue = q.queue.clone();
        tokio::spawn(async move { queue.receive_dead_letter().await.err() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    q.close().await;
    assert!(matches!(waiter.await.unwrap(), Some(QueueError::Closed)));
    assert!(matches!(
        q.receive_dead_letter().await.err(),
        Some(QueueError::Closed)
    ));
}

async fn closing_twice_is_harmless(q: &TestQueue) {
    q.close().await;
    q.close().await;
    assert!(matches!(q.receive().await.err(), Some(QueueError::Closed)));
    assert!(matches!(q.check().await, Err(QueueError::Closed)));
}
