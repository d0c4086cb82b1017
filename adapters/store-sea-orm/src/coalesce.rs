//! Concurrent calls of one kind joined into one statement: under load, the session lookups
//! of many requests become one `SELECT ... WHERE id IN (...)` and their prediction rows one
//! multi-row `INSERT` (one commit), so the database parses, plans and commits once per batch
//! instead of once per request. Nothing waits to collect a batch: a call is taken up at once
//! by an idle runner; only calls that arrive while every runner is busy wait, and the next
//! free runner takes all of them (up to a maximum). An idle service therefore runs each call
//! alone, as before; a busy one forms batches as large as its backlog.
//!
//! Every call is answered by a statement that started *after* the call was made: a session
//! revoked before a request arrived is seen as revoked (no cache, nothing read earlier is
//! reused).
//!
//! Written by hand: the batching crates found (`dataloader`, `batched-fn`) collect a batch by
//! waiting (a delay or a number of task yields), which adds latency to every call when idle,
//! and cache results, which would delay revocation.

use std::sync::Arc;

use payrange_domain::ports::StoreError;
use tokio::sync::{Mutex, mpsc, oneshot};

type Reply<V> = oneshot::Sender<Result<V, StoreError>>;

/// Joins concurrent calls taking a `K` and answering a `V` into batches run by `runners`
/// tasks (see the module documentation).
pub(crate) struct Coalescer<K, V> {
    calls: mpsc::UnboundedSender<(K, Reply<V>)>,
}

impl<K, V> std::fmt::Debug for Coalescer<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer").finish_non_exhaustive()
    }
}

impl<K: Send + 'static, V: Send + 'static> Coalescer<K, V> {
    /// Spawns `runners` tasks on the current Tokio runtime, each running batches of at most
    /// `max_batch` calls with `run`, which must answer each key of its batch, in order. The
    /// tasks end when the coalescer is dropped.
    pub(crate) fn spawn<F, Fut>(runners: usize, max_batch: usize, run: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Result<V, StoreError>>> + Send + 'static,
    {
        let (calls, backlog) = mpsc::unbounded_channel::<(K, Reply<V>)>();
        let backlog = Arc::new(Mutex::new(backlog));
        let run = Arc::new(run);
        for _ in 0..runners.max(1) {
            let backlog = Arc::clone(&backlog);
            let run = Arc::clone(&run);
            tokio::spawn(async move {
                loop {
                    // One runner at a time waits for calls; the others wait for it to have
                    // taken its batch.
                    let batch = {
                        let mut backlog = backlog.lock().await;
                        // The first call and the others already waiting, up to `max_batch`.
                        let mut batch = Vec::with_capacity(max_batch.max(1));
                        if backlog.recv_many(&mut batch, max_batch.max(1)).await == 0 {
                            return;
                        }
                        batch
                    };
                    let (keys, replies): (Vec<K>, Vec<Reply<V>>) = batch.into_iter().unzip();
                    let expected = keys.len();
                    // A task of its own, so that a panic fails this batch's calls and not
                    // the runner (and with it every later call).
                    let results = match tokio::spawn(run(keys)).await {
                        Ok(results) => results,
                        Err(e) => {
                            tracing::error!(error = %e, "a batch of store calls panicked");
                            Vec::new()
                        }
                    };
                    let mut results = results.into_iter();
                    for reply in replies {
                        let result = results.next().unwrap_or_else(|| {
                            Err(StoreError::Internal(
                                format!("a batch of {expected} calls was not answered").into(),
                            ))
                        });
                        // The caller may have gone away meanwhile; its result is not needed.
                        let _ = reply.send(result);
                    }
                }
            });
        }
        Self { calls }
    }

    /// Runs `key` in the next batch and returns its answer.
    ///
    /// # Errors
    /// The batch's error for this call; [`StoreError::Unavailable`] if the runners are gone
    /// (the runtime is shutting down).
    pub(crate) async fn call(&self, key: K) -> Result<V, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.calls.send((key, reply)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn gone() -> StoreError {
    StoreError::Unavailable("the store's statement runners have stopped".into())
}

/// An error of a whole batch, told to each of its calls: the same kind, the cause as text
/// (causes cannot be cloned).
pub(crate) fn shared(err: &StoreError) -> StoreError {
    let cause = || -> payrange_domain::ports::Cause {
        match std::error::Error::source(err) {
            Some(source) => source.to_string().into(),
            None => err.to_string().into(),
        }
    };
    match err {
        StoreError::Duplicate(what) => StoreError::Duplicate(what),
        StoreError::Unavailable(_) => StoreError::Unavailable(cause()),
        StoreError::Internal(_) => StoreError::Internal(cause()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn an_idle_coalescer_runs_a_call_alone_and_a_busy_one_joins_the_backlog() {
        let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&sizes);
        let coalescer = Arc::new(Coalescer::spawn(1, 8, move |keys: Vec<u32>| {
            seen.lock().unwrap().push(keys.len());
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                keys.into_iter().map(|k| Ok(k * 2)).collect()
            }
        }));
        assert_eq!(coalescer.call(1).await.unwrap(), 2);
        // Twenty calls at once: the first runs alone, the rest wait for it and are joined
        // (at most 8 a batch).
        let calls: Vec<_> = (0..20)
            .map(|k| {
                let c = Arc::clone(&coalescer);
                tokio::spawn(async move { c.call(k).await.unwrap() })
            })
            .collect();
        for (k, call) in calls.into_iter().enumerate() {
            assert_eq!(
                call.await.unwrap(),
                2 * k as u32,
                "each call gets its own answer"
            );
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes[0], 1, "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), 21, "{sizes:?}");
        assert!(sizes.iter().all(|&n| n <= 8), "{sizes:?}");
        assert!(sizes.len() <= 5, "the backlog was joined: {sizes:?}");
    }

    #[tokio::test]
    async fn runners_work_side_by_side_and_a_short_answer_is_an_error_not_a_hang() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (Arc::clone(&running), Arc::clone(&peak));
        let coalescer = Arc::new(Coalescer::spawn(3, 1, move |keys: Vec<u32>| {
            let (r, p) = (Arc::clone(&r), Arc::clone(&p));
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                // Key 7 gets no answer.
                keys.into_iter()
                    .filter(|&k| k != 7)
                    .map(Ok)
                    .collect::<Vec<_>>()
            }
        }));
        let calls: Vec<_> = (0..9)
            .map(|k| {
                let c = Arc::clone(&coalescer);
                tokio::spawn(async move { c.call(k).await })
            })
            .collect();
        for (k, call) in calls.into_iter().enumerate() {
            let result = call.await.unwrap();
            if k == 7 {
                assert!(matches!(result, Err(StoreError::Internal(_))), "{result:?}");
            } else {
                assert_eq!(result.unwrap(), k as u32);
            }
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3, "three runners at once");
    }

    #[tokio::test]
    async fn a_panicking_batch_fails_its_calls_and_the_runner_goes_on() {
        let coalescer = Coalescer::spawn(1, 8, |keys: Vec<u32>| async move {
            assert!(!keys.contains(&13), "unlucky");
            keys.into_iter().map(Ok).collect::<Vec<_>>()
        });
        let failed = coalescer.call(13).await;
        assert!(matches!(failed, Err(StoreError::Internal(_))), "{failed:?}");
        assert_eq!(
            coalescer.call(7).await.unwrap(),
            7,
            "the only runner still works"
        );
    }

    #[test]
    fn a_shared_error_keeps_its_kind_and_cause() {
        let e = StoreError::Unavailable("connection refused".into());
        let copy = shared(&e);
        assert!(matches!(copy, StoreError::Unavailable(_)));
        assert_eq!(
            std::error::Error::source(&copy).unwrap().to_string(),
            "connection refused"
        );
        assert!(matches!(
            shared(&StoreError::Duplicate("prediction")),
            StoreError::Duplicate("prediction")
        ));
    }
}
