//! Account self-service use cases over the in-memory adapters: signing out everywhere,
//! reading every prediction, deleting an account while its job is in flight.

use std::sync::Arc;

use time::Duration;

use super::fakes::{LengthPredictor, PlainHasher, PlainTokens};
use super::*;
use crate::memory::{MemoryStore, RecordingQueue};
use crate::models::{Email, ModelInfo, NewPassword, Password, Role, Vacancy};
use crate::ports::{JobQueue, LogStore, UserStore};

const SECRET: &str = "correct horse battery";

struct World {
    store: Arc<MemoryStore>,
    queue: Arc<RecordingQueue>,
    accounts: AccountService,
    predictions: PredictionService,
    worker: Worker,
}

fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let queue = Arc::new(RecordingQueue::new());
    World {
        accounts: AccountService::new(
            store.clone(),
            store.clone(),
            Arc::new(PlainHasher),
            Arc::new(PlainTokens),
            Duration::hours(1),
        ),
        predictions: PredictionService::new(store.clone(), queue.clone() as Arc<dyn JobQueue>),
        worker: Worker::new(
            store.clone(),
            Arc::new(LengthPredictor(ModelInfo::default())),
            3,
        ),
        store,
        queue,
    }
}

async fn register(w: &World, address: &str) -> crate::models::User {
    w.accounts
        .register(
            Email::parse(address).unwrap(),
            &NewPassword::parse(SECRET).unwrap(),
            Role::User,
        )
        .await
        .unwrap()
}

async fn token(w: &World, address: &str) -> String {
    w.accounts
        .sign_in(address, &Password::parse(SECRET).unwrap())
        .await
        .unwrap()
        .token
}

#[tokio::test]
async fn signing_out_everywhere_revokes_every_session_of_that_user_only() {
    let w = world();
    let ann = register(&w, "ann@example.com").await;
    register(&w, "bob@example.com").await;
    let (first, second) = (
        token(&w, "ann@example.com").await,
        token(&w, "ann@example.com").await,
    );
    let bobs = token(&w, "bob@example.com").await;
    assert_eq!(w.accounts.sign_out_everywhere(ann.id).await.unwrap(), 2);
    for t in [&first, &second] {
        assert!(matches!(
            w.accounts.authenticate(t).await,
            Err(AuthError::InvalidToken)
        ));
    }
    assert!(w.accounts.authenticate(&bobs).await.is_ok());
    // A new sign-in works: the account itself is untouched.
    let fresh = token(&w, "ann@example.com").await;
    assert!(w.accounts.authenticate(&fresh).await.is_ok());
}

#[tokio::test]
async fn all_of_reads_every_prediction_of_the_owner_across_pages() {
    let w = world();
    let ann = register(&w, "ann@example.com").await;
    let bob = register(&w, "bob@example.com").await;
    let vacancy = || Vacancy::new("Rust developer", "Build services", None).unwrap();
    for _ in 0..(crate::models::MAX_PAGE_LIMIT + 5) {
        w.predictions.submit(ann.id, vacancy(), None).await.unwrap();
    }
    w.predictions.submit(bob.id, vacancy(), None).await.unwrap();
    let all = w.predictions.all_of(ann.id).await.unwrap();
    assert_eq!(all.len(), crate::models::MAX_PAGE_LIMIT as usize + 5);
    assert!(all.iter().all(|p| p.owner == ann.id));
    assert!(all.windows(2).all(|p| p[0].id > p[1].id), "newest first");
}

#[tokio::test]
async fn deleting_an_account_needs_its_password_and_leaves_nothing_a_late_worker_can_revive() {
    let w = world();
    let ann = register(&w, "ann@example.com").await;
    let bob = register(&w, "bob@example.com").await;
    let t = token(&w, "ann@example.com").await;
    let vacancy = Vacancy::new("Rust developer", "Build services", None).unwrap();
    let p = w.predictions.submit(ann.id, vacancy, None).await.unwrap();
    let bobs = w
        .predictions
        .submit(bob.id, Vacancy::new("Go", "Services", None).unwrap(), None)
        .await
        .unwrap();
    let jobs = w.queue.take();

    let wrong = Password::parse("not the password at all").unwrap();
    assert!(matches!(
        w.accounts.delete_account(&ann, &wrong).await,
        Err(DeleteAccountError::WrongPassword)
    ));
    assert!(w.store.user_by_id(ann.id).await.unwrap().is_some());

    w.accounts
        .delete_account(&ann, &Password::parse(SECRET).unwrap())
        .await
        .unwrap();
    assert_eq!(w.store.user_by_id(ann.id).await.unwrap(), None);
    assert!(matches!(
        w.accounts.authenticate(&t).await,
        Err(AuthError::InvalidToken)
    ));
    assert!(w.predictions.all_of(ann.id).await.unwrap().is_empty());

    // The worker then gets the deleted user's job, first delivery and redelivery alike: it
    // reports it missing, fails nothing and writes nothing back.
    for job in &jobs {
        let report = w.worker.process(job).await.unwrap();
        let again = w
            .worker
            .process(&crate::ports::Job {
                seen_before: true,
                ..job.clone()
            })
            .await
            .unwrap();
        if job.prediction_id == p.id {
            assert_eq!(report.processed, Processed::Missing);
            assert_eq!(again.processed, Processed::Missing);
        } else {
            assert_eq!(report.processed, Processed::Done);
        }
    }
    assert_eq!(w.store.prediction(p.id).await.unwrap(), None);
    assert!(w.store.prediction(bobs.id).await.unwrap().is_some());
    // Deleting again (a concurrent request) is not an error.
    w.accounts
        .delete_account(&ann, &Password::parse(SECRET).unwrap())
        .await
        .unwrap();
}
