//! Use-case tests over the in-memory adapters and the fakes.

use std::sync::Arc;

use time::Duration;

use super::fakes::{LengthPredictor, PlainHasher, PlainTokens};
use super::*;
use crate::memory::{MemoryStore, RecordingQueue};
use crate::models::{
    Email, EmailSearch, ModelInfo, NewPassword, PageRequest, Password, PasswordHash,
    PredictionStatus, Role, UserFilter, Vacancy,
};
use crate::ports::{JobQueue, LogStore, UserStore};

struct World {
    store: Arc<MemoryStore>,
    queue: Arc<RecordingQueue>,
    accounts: AccountService,
    predictions: PredictionService,
    admin: AdminService,
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
        admin: AdminService::new(store.clone(), store.clone(), store.clone()),
        worker: Worker::new(
            store.clone(),
            Arc::new(LengthPredictor(ModelInfo::default())),
            3,
        ),
        store,
        queue,
    }
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn pw(s: &str) -> NewPassword {
    NewPassword::parse(s).unwrap()
}

#[tokio::test]
async fn registered_user_signs_in_and_token_authenticates_until_sign_out() {
    let w = world();
    let user = w
        .accounts
        .register(
            email("Ann@Example.com"),
            &pw("correct horse battery"),
            Role::User,
        )
        .await
        .unwrap();
    let signed = w
        .accounts
        .sign_in(
            "ann@example.com",
            &Password::parse("correct horse battery").unwrap(),
        )
        .await
        .unwrap();
    let auth = w.accounts.authenticate(&signed.token).await.unwrap();
    assert_eq!(auth.user.id, user.id);
    w.accounts.sign_out(auth.session_id).await.unwrap();
    assert!(matches!(
        w.accounts.authenticate(&signed.token).await,
        Err(AuthError::InvalidToken)
    ));
}

#[tokio::test]
async fn duplicate_email_is_reported_as_taken() {
    let w = world();
    let p = pw("correct horse battery");
    w.accounts
        .register(email("a@b.io"), &p, Role::User)
        .await
        .unwrap();
    let again = w.accounts.register(email("A@B.io"), &p, Role::User).await;
    assert!(matches!(again, Err(RegisterError::EmailTaken)));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_the_same_way() {
    let w = world();
    w.accounts
        .register(email("a@b.io"), &pw("correct horse battery"), Role::User)
        .await
        .unwrap();
    let wrong = Password::parse("wrong password!!").unwrap();
    for who in ["a@b.io", "nobody@b.io", "not an email"] {
        let r = w.accounts.sign_in(who, &wrong).await;
        assert!(matches!(r, Err(SignInError::InvalidCredentials)), "{who}");
    }
}

#[tokio::test]
async fn outdated_hash_is_replaced_at_sign_in() {
    let w = world();
    let user = w
        .accounts
        .register(email("a@b.io"), &pw("correct horse battery"), Role::User)
        .await
        .unwrap();
    let old = PasswordHash::new("old:correct horse battery".into());
    w.store.set_password_hash(user.id, &old).await.unwrap();
    w.accounts
        .sign_in("a@b.io", &Password::parse("correct horse battery").unwrap())
        .await
        .unwrap();
    let stored = w.store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash.as_str(), "new:correct horse battery");
}

#[tokio::test]
async fn submitted_prediction_is_queued_then_done_once_and_private_to_its_owner() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let vacancy = Vacancy::new("Rust developer", "Build services", None).unwrap();
    let p = w
        .predictions
        .submit(owner, vacancy, Some("req-1".into()))
        .await
        .unwrap();
    assert_eq!(p.status, PredictionStatus::Queued);
    let jobs = w.queue.take();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].request_id.as_deref(), Some("req-1"));

    let report = w.worker.process(&jobs[0]).await.unwrap();
    assert_eq!(report.processed, Processed::Done);
    // A redelivery writes nothing.
    let again = w.worker.process(&jobs[0]).await.unwrap();
    assert_eq!(again.processed, Processed::AlreadyFinished);
    assert_eq!(again.finished, None);

    let done = w.predictions.get(owner, p.id).await.unwrap();
    // The report carries exactly what was committed.
    assert_eq!(report.finished.as_ref(), Some(&done));
    assert_eq!(done.status, PredictionStatus::Done);
    assert_eq!(done.result.unwrap().salary_from, 14_000.0);
    assert_eq!(done.attempts, 1);
    let stranger = crate::models::UserId::generate();
    assert!(matches!(
        w.predictions.get(stranger, p.id).await,
        Err(GetPredictionError::NotFound)
    ));
}

#[tokio::test]
async fn model_refusal_fails_the_prediction_with_its_reason() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let vacancy = Vacancy::new("fail me", "d", None).unwrap();
    let p = w.predictions.submit(owner, vacancy, None).await.unwrap();
    let job = w.queue.take().remove(0);
    let report = w.worker.process(&job).await.unwrap();
    assert_eq!(report.processed, Processed::Failed);
    let failed = w.predictions.get(owner, p.id).await.unwrap();
    assert_eq!(report.finished.as_ref(), Some(&failed));
    assert_eq!(failed.status, PredictionStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("cannot"));
}

#[tokio::test]
async fn a_job_started_too_often_is_given_up_with_a_reason() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let p = w
        .predictions
        .submit(owner, Vacancy::new("n", "d", None).unwrap(), None)
        .await
        .unwrap();
    // Three starts that never finished (crashes), then a fourth delivery.
    for _ in 0..3 {
        w.store
            .start_prediction(p.id, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
    }
    let job = w.queue.take().remove(0);
    assert_eq!(
        w.worker.process(&job).await.unwrap().processed,
        Processed::GaveUp
    );
    let failed = w.predictions.get(owner, p.id).await.unwrap();
    assert_eq!(failed.status, PredictionStatus::Failed);
    assert!(failed.error.unwrap().contains("3 attempts"));
}

#[tokio::test]
async fn a_republished_job_counts_its_attempt_even_if_the_worker_dies() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let vacancy = Vacancy::new("crash me", "d", None).unwrap();
    let p = w.predictions.submit(owner, vacancy, None).await.unwrap();
    let first = w.queue.take().remove(0);
    assert!(!first.seen_before);
    let crash = |job: crate::ports::Job| {
        let worker = w.worker.clone();
        tokio::spawn(async move { worker.process(&job).await })
    };
    assert!(crash(first).await.unwrap_err().is_panic());
    let untouched = w.predictions.get(owner, p.id).await.unwrap();
    assert_eq!(
        (untouched.status, untouched.attempts, untouched.started_at),
        (PredictionStatus::Queued, 0, None)
    );
    // After a restart, the unfinished prediction is republished, marked seen before.
    let later = time::OffsetDateTime::now_utc() + Duration::seconds(1);
    w.predictions.republish_unfinished(later, 10).await.unwrap();
    let republished = w.queue.take().remove(0);
    assert!(republished.seen_before);
    for attempts in 1..=2 {
        assert!(crash(republished.clone()).await.unwrap_err().is_panic());
        let counted = w.predictions.get(owner, p.id).await.unwrap();
        assert_eq!(
            (counted.status, counted.attempts),
            (PredictionStatus::Running, attempts)
        );
    }
}

#[tokio::test]
async fn history_pages_are_newest_first_and_complete() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let mut ids = Vec::new();
    for i in 0..5 {
        let v = Vacancy::new(&format!("job {i}"), "d", None).unwrap();
        ids.push(w.predictions.submit(owner, v, None).await.unwrap().id);
    }
    let first = w
        .predictions
        .history(owner, PageRequest::new(Some(3), None).unwrap())
        .await
        .unwrap();
    let cursor = first.next.unwrap().encode();
    let second = w
        .predictions
        .history(owner, PageRequest::new(Some(3), Some(&cursor)).unwrap())
        .await
        .unwrap();
    let got: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|p| p.id)
        .collect();
    ids.reverse();
    assert_eq!(got, ids);
    assert!(second.next.is_none());
}

#[tokio::test]
async fn unfinished_predictions_are_republished_and_finished_ones_are_not() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let v = || Vacancy::new("n", "d", None).unwrap();
    let a = w.predictions.submit(owner, v(), None).await.unwrap();
    let b = w.predictions.submit(owner, v(), None).await.unwrap();
    let jobs = w.queue.take();
    w.worker.process(&jobs[0]).await.unwrap();
    let later = time::OffsetDateTime::now_utc() + Duration::seconds(1);
    assert_eq!(
        w.predictions
            .republish_unfinished(later, 100)
            .await
            .unwrap(),
        1
    );
    let again = w.queue.take();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].prediction_id, b.id);
    assert_ne!(again[0].prediction_id, a.id);
}

#[tokio::test]
async fn changing_the_password_revokes_every_session_and_needs_the_current_one() {
    let w = world();
    let user = w
        .accounts
        .register(email("a@b.io"), &pw("correct horse battery"), Role::User)
        .await
        .unwrap();
    let old = Password::parse("correct horse battery").unwrap();
    let s1 = w.accounts.sign_in("a@b.io", &old).await.unwrap();
    let s2 = w.accounts.sign_in("a@b.io", &old).await.unwrap();
    let wrong = Password::parse("not the password").unwrap();
    assert!(matches!(
        w.accounts
            .change_password(&user, &wrong, &pw("a brand new secret"))
            .await,
        Err(ChangePasswordError::WrongPassword)
    ));
    w.accounts
        .change_password(&user, &old, &pw("a brand new secret"))
        .await
        .unwrap();
    for token in [&s1.token, &s2.token] {
        assert!(w.accounts.authenticate(token).await.is_err());
    }
    assert!(w.accounts.sign_in("a@b.io", &old).await.is_err());
    let new = Password::parse("a brand new secret").unwrap();
    assert!(w.accounts.sign_in("a@b.io", &new).await.is_ok());
}

/// Registers and signs in `address` with `role`.
async fn signed_in(w: &World, address: &str, role: Role) -> (Authenticated, String) {
    let secret = "correct horse battery";
    w.accounts
        .register(email(address), &pw(secret), role)
        .await
        .unwrap();
    let signed = w
        .accounts
        .sign_in(address, &Password::parse(secret).unwrap())
        .await
        .unwrap();
    let auth = w.accounts.authenticate(&signed.token).await.unwrap();
    (auth, signed.token)
}

#[tokio::test]
async fn only_an_admin_may_use_the_admin_use_cases() {
    let w = world();
    let (ann, _) = signed_in(&w, "ann@example.com", Role::User).await;
    let (bob, _) = signed_in(&w, "bob@example.com", Role::User).await;
    let page = PageRequest::new(None, None).unwrap();
    assert!(matches!(
        w.admin.users(&ann, &UserFilter::all(), page).await,
        Err(AdminError::Forbidden)
    ));
    assert!(matches!(
        w.admin.set_disabled(&ann, bob.user.id, true).await,
        Err(AdminError::Forbidden)
    ));
    assert!(matches!(
        w.admin
            .predictions(&ann, &crate::models::PredictionFilter::all(), page)
            .await,
        Err(AdminError::Forbidden)
    ));
    assert!(
        !w.store
            .user_by_id(bob.user.id)
            .await
            .unwrap()
            .unwrap()
            .disabled,
        "a refused action changes nothing"
    );
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_everywhere_and_cannot_sign_in_until_enabled() {
    let w = world();
    let (root, _) = signed_in(&w, "root@example.com", Role::Admin).await;
    let (ann, ann_token) = signed_in(&w, "ann@example.com", Role::User).await;
    let listed = w
        .admin
        .users(
            &root,
            &UserFilter::all(),
            PageRequest::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    let search = UserFilter::new(Some(EmailSearch::parse(" ANN@").unwrap()));
    let found = w
        .admin
        .users(&root, &search, PageRequest::new(None, None).unwrap())
        .await
        .unwrap();
    let found: Vec<_> = found.items.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(found, ["ann@example.com"]);

    let off = w
        .admin
        .set_disabled(&root, ann.user.id, true)
        .await
        .unwrap();
    assert!(off.disabled);
    assert!(matches!(
        w.accounts.authenticate(&ann_token).await,
        Err(AuthError::InvalidToken)
    ));
    let password = Password::parse("correct horse battery").unwrap();
    assert!(matches!(
        w.accounts.sign_in("ann@example.com", &password).await,
        Err(SignInError::InvalidCredentials)
    ));

    w.admin
        .set_disabled(&root, ann.user.id, false)
        .await
        .unwrap();
    assert!(
        matches!(
            w.accounts.authenticate(&ann_token).await,
            Err(AuthError::InvalidToken)
        ),
        "tokens revoked by disabling stay revoked"
    );
    w.accounts
        .sign_in("ann@example.com", &password)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_cannot_disable_themselves_and_unknown_users_are_not_found() {
    let w = world();
    let (root, root_token) = signed_in(&w, "root@example.com", Role::Admin).await;
    assert!(matches!(
        w.admin.set_disabled(&root, root.user.id, true).await,
        Err(AdminError::SelfDisable)
    ));
    w.accounts.authenticate(&root_token).await.unwrap();
    assert!(matches!(
        w.admin
            .set_disabled(&root, crate::models::UserId::generate(), true)
            .await,
        Err(AdminError::UserNotFound)
    ));
}

#[tokio::test]
async fn an_admin_sees_every_users_predictions_through_a_filter() {
    let w = world();
    let (root, _) = signed_in(&w, "root@example.com", Role::Admin).await;
    let (ann, _) = signed_in(&w, "ann@example.com", Role::User).await;
    let (bob, _) = signed_in(&w, "bob@example.com", Role::User).await;
    let vacancy = || Vacancy::new("Rust developer", "Services in Rust.", None).unwrap();
    let a = w
        .predictions
        .submit(ann.user.id, vacancy(), None)
        .await
        .unwrap();
    let b = w
        .predictions
        .submit(bob.user.id, vacancy(), None)
        .await
        .unwrap();
    let page = PageRequest::new(None, None).unwrap();
    let all = w
        .admin
        .predictions(&root, &crate::models::PredictionFilter::all(), page)
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![b.id, a.id]
    );
    let bobs = w
        .admin
        .predictions(
            &root,
            &crate::models::PredictionFilter::owned_by(bob.user.id),
            page,
        )
        .await
        .unwrap();
    assert_eq!(
        bobs.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![b.id]
    );
}

#[tokio::test]
async fn an_observed_submission_names_its_id_before_the_job_is_published() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let vacancy = Vacancy::new("Rust developer", "Build services", None).unwrap();
    let queue = w.queue.clone();
    let seen = std::sync::Mutex::new(None);
    let p = w
        .predictions
        .submit_observed(owner, vacancy, None, |id| {
            // Called after the row is stored and before the job reaches the queue.
            assert!(queue.take().is_empty());
            *seen.lock().unwrap() = Some(id);
        })
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(p.id));
    assert_eq!(w.queue.take().len(), 1);
}

#[tokio::test]
async fn a_batch_is_processed_as_its_jobs_one_by_one_and_a_repeat_writes_nothing() {
    let w = world();
    let owner = crate::models::UserId::generate();
    let mut submitted = Vec::new();
    for name in ["Rust developer", "fail me", "Go developer"] {
        let vacancy = Vacancy::new(name, "Build services", None).unwrap();
        submitted.push(w.predictions.submit(owner, vacancy, None).await.unwrap());
    }
    let jobs = w.queue.take();
    // The third is already done (a redelivery), the first comes twice (published twice).
    w.worker.process(&jobs[2]).await.unwrap();
    let third = w.predictions.get(owner, submitted[2].id).await.unwrap();
    let missing = crate::ports::Job {
        prediction_id: crate::models::PredictionId::generate(),
        request_id: None,
        seen_before: false,
    };
    let batch = [&jobs[0], &jobs[1], &jobs[2], &jobs[0], &missing, &missing];
    let reports = w.worker.process_batch(&batch).await.unwrap();
    let processed: Vec<_> = reports.iter().map(|r| r.processed.clone()).collect();
    assert_eq!(
        processed,
        vec![
            Processed::Done,
            Processed::Failed,
            Processed::AlreadyFinished,
            Processed::AlreadyFinished,
            Processed::Missing,
            Processed::Missing,
        ]
    );
    let done = w.predictions.get(owner, submitted[0].id).await.unwrap();
    let failed = w.predictions.get(owner, submitted[1].id).await.unwrap();
    // Each report carries exactly what was committed; the repeat carries nothing.
    assert_eq!(reports[0].finished.as_ref(), Some(&done));
    assert_eq!(reports[1].finished.as_ref(), Some(&failed));
    assert!(reports[2..].iter().all(|r| r.finished.is_none()));
    assert_eq!((done.status, done.attempts), (PredictionStatus::Done, 1));
    assert_eq!(failed.error.as_deref(), Some("cannot"));
    assert_eq!(
        w.predictions.get(owner, submitted[2].id).await.unwrap(),
        third,
        "a finished prediction is not written again"
    );
    // The whole batch redelivered writes nothing.
    let again = w.worker.process_batch(&batch[..3]).await.unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.processed == Processed::AlreadyFinished)
    );
    assert_eq!(
        w.predictions.get(owner, submitted[0].id).await.unwrap(),
        done
    );
}
