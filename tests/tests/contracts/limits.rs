//! The [`LimitStore`] contract.
//!
//! [`LimitStore`]: payrange_domain::ports::LimitStore

use std::sync::Arc;

use payrange_domain::ports::Counter;
use time::Duration;

use super::fixtures::{TestStore, at, contract_tests};

contract_tests!(
    hits_add_up_within_the_window_that_the_first_hit_opened,
    an_expired_counter_reads_as_none_and_restarts_at_one,
    keys_are_counted_apart_and_clearing_forgets_only_one,
    concurrent_hits_are_each_counted_once,
    pruning_deletes_only_expired_counters,
);

const MINUTE: Duration = Duration::minutes(1);

async fn hits_add_up_within_the_window_that_the_first_hit_opened(s: &TestStore) {
    let l = &s.limits;
    assert_eq!(l.counter("k", at(0)).await.unwrap(), None);
    let first = l.hit("k", MINUTE, at(0)).await.unwrap();
    assert_eq!(
        first,
        Counter {
            count: 1,
            expires_at: at(60)
        }
    );
    // A later hit with another window length keeps the open window.
    let second = l.hit("k", Duration::hours(1), at(30)).await.unwrap();
    assert_eq!(
        second,
        Counter {
            count: 2,
            expires_at: at(60)
        }
    );
    assert_eq!(l.counter("k", at(59)).await.unwrap(), Some(second));
}

async fn an_expired_counter_reads_as_none_and_restarts_at_one(s: &TestStore) {
    let l = &s.limits;
    l.hit("k", MINUTE, at(0)).await.unwrap();
    l.hit("k", MINUTE, at(1)).await.unwrap();
    assert_eq!(l.counter("k", at(60)).await.unwrap(), None);
    let again = l.hit("k", MINUTE, at(60)).await.unwrap();
    assert_eq!(
        again,
        Counter {
            count: 1,
            expires_at: at(120)
        }
    );
}

async fn keys_are_counted_apart_and_clearing_forgets_only_one(s: &TestStore) {
    let l = &s.limits;
    l.hit("a", MINUTE, at(0)).await.unwrap();
    l.hit("a", MINUTE, at(0)).await.unwrap();
    l.hit("b", MINUTE, at(0)).await.unwrap();
    assert_eq!(l.counter("a", at(1)).await.unwrap().unwrap().count, 2);
    l.clear("a").await.unwrap();
    l.clear("never-hit").await.unwrap();
    assert_eq!(l.counter("a", at(1)).await.unwrap(), None);
    assert_eq!(l.counter("b", at(1)).await.unwrap().unwrap().count, 1);
}

async fn concurrent_hits_are_each_counted_once(s: &TestStore) {
    let l = Arc::clone(&s.limits);
    let hits: Vec<_> = (0..40)
        .map(|_| {
            let l = Arc::clone(&l);
            tokio::spawn(async move { l.hit("k", MINUTE, at(0)).await.unwrap().count })
        })
        .collect();
    let mut counts = Vec::new();
    for h in hits {
        counts.push(h.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=40).collect::<Vec<u32>>(),
        "each hit sees its own count"
    );
    assert_eq!(l.counter("k", at(1)).await.unwrap().unwrap().count, 40);
}

async fn pruning_deletes_only_expired_counters(s: &TestStore) {
    let l = &s.limits;
    l.hit("old", MINUTE, at(0)).await.unwrap();
    l.hit("new", MINUTE, at(30)).await.unwrap();
    assert_eq!(l.prune(at(60)).await.unwrap(), 1);
    assert_eq!(l.counter("new", at(60)).await.unwrap().unwrap().count, 1);
    assert_eq!(l.prune(at(60)).await.unwrap(), 0);
}
