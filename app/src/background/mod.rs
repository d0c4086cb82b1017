//! The tasks that run beside the HTTP server and the worker loop, each in its own file:
//!
//! - `reconciler`: with a broker, republishes predictions left unfinished too long;
//! - `checkpoint`: with a SQLite file, truncates its write-ahead log now and then;
//! - `finish_listener`: with PostgreSQL, wakes the waiters of predictions finished in other
//!   processes;
//! - `dead_letters`: in `payrange worker`, hands each dead letter to the domain's
//!   `DeadLetterService`, which marks its prediction failed;
//! - `model_sync`: in both, swaps in the model versions activated in the store.

mod checkpoint;
mod dead_letters;
mod finish_listener;
mod model_sync;
mod reconciler;

use tokio::task::JoinSet;

use crate::{App, Settings};

/// Background tasks of `serve`: with a broker, the reconciler that republishes predictions
/// left unfinished for `reconcile_after_secs` (none is needed with the in-process queue,
/// which republishes everything at start-up); with PostgreSQL, the listener that wakes
/// requests waiting for predictions finished in other processes; with a SQLite file, the
/// periodic checkpoint that truncates its write-ahead log; always, the model sync.
#[must_use]
pub fn spawn_serve_tasks(app: &App, settings: &Settings) -> JoinSet<()> {
    let mut set = JoinSet::new();
    spawn_model_sync(&mut set, app, settings);
    if app.store.notifies_finished() {
        set.spawn(finish_listener::run(
            app.store.clone(),
            app.completions.clone(),
        ));
    }
    if settings.sqlite_path().is_some() {
        set.spawn(checkpoint::run(app.store.clone()));
    }
    if !app.queue.in_process() {
        set.spawn(reconciler::run(
            app.predictions.clone(),
            settings.reconcile_after_secs,
        ));
    }
    set
}

/// Background tasks of `payrange worker`: the dead-letter consumer, which has each
/// dead-lettered job's prediction marked failed so that its owner sees it failed rather than
/// pending forever; the model sync.
#[must_use]
pub fn spawn_worker_tasks(app: &App, settings: &Settings) -> JoinSet<()> {
    let mut set = JoinSet::new();
    spawn_model_sync(&mut set, app, settings);
    set.spawn(dead_letters::run(
        app.queue.clone(),
        app.dead_letters.clone(),
        app.completions.clone(),
    ));
    set
}

fn spawn_model_sync(set: &mut JoinSet<()>, app: &App, settings: &Settings) {
    set.spawn(model_sync::run(
        app.models.clone(),
        app.metrics.clone(),
        std::time::Duration::from_millis(settings.model_sync_ms),
    ));
}
