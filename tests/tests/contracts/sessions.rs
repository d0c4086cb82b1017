//! The [`SessionStore`] contract.
//!
//! [`SessionStore`]: payrange_domain::ports::SessionStore

use payrange_domain::models::{Session, SessionId, UserId};
use payrange_domain::ports::StoreError;

use super::fixtures::{TestStore, at, contract_tests, user};

contract_tests!(
    a_created_session_reads_back_unrevoked,
    creating_a_session_with_a_taken_id_is_a_duplicate,
    an_unknown_session_is_none_not_an_error,
    a_session_reads_back_with_its_user_revoked_or_not,
    concurrent_lookups_each_get_their_own_session,
    revoking_a_session_twice_keeps_the_first_revocation_time,
    revoking_an_unknown_session_is_not_an_error,
    revoking_a_users_sessions_counts_only_their_active_ones,
);

fn session(user_id: UserId) -> Session {
    Session {
        id: SessionId::generate(),
        user_id,
        created_at: at(0),
        expires_at: at(3600),
        revoked_at: None,
    }
}

async fn a_created_session_reads_back_unrevoked(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let new = session(ann.id);
    s.create_session(&new).await.unwrap();
    let stored = s.session(new.id).await.unwrap().unwrap();
    assert_eq!(stored, new);
    assert!(stored.is_active(at(1)));
}

async fn creating_a_session_with_a_taken_id_is_a_duplicate(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let first = session(ann.id);
    s.create_session(&first).await.unwrap();
    let again = Session {
        expires_at: at(7200),
        ..first.clone()
    };
    let err = s.create_session(&again).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate("session")), "{err:?}");
    assert_eq!(s.session(first.id).await.unwrap(), Some(first), "unchanged");
}

async fn an_unknown_session_is_none_not_an_error(s: &TestStore) {
    assert_eq!(s.session(SessionId::generate()).await.unwrap(), None);
}

async fn a_session_reads_back_with_its_user_revoked_or_not(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let (mine, theirs) = (session(ann.id), session(bob.id));
    s.create_session(&mine).await.unwrap();
    s.create_session(&theirs).await.unwrap();
    let (stored, owner) = s.session_with_user(mine.id).await.unwrap().unwrap();
    assert_eq!(stored, mine);
    assert_eq!(owner, ann);
    s.revoke_session(mine.id, at(10)).await.unwrap();
    let (revoked, owner) = s.session_with_user(mine.id).await.unwrap().unwrap();
    assert_eq!(
        revoked.revoked_at,
        Some(at(10)),
        "revocation is visible at once"
    );
    assert_eq!(owner, ann);
    assert_eq!(
        s.session_with_user(theirs.id).await.unwrap().unwrap().1,
        bob
    );
    assert_eq!(
        s.session_with_user(SessionId::generate()).await.unwrap(),
        None
    );
}

/// Many lookups at once (which a store may join into one read), repeats included: each gets
/// its own session and user, a revocation made before is seen, an unknown id is `None`.
async fn concurrent_lookups_each_get_their_own_session(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let (mine, theirs) = (session(ann.id), session(bob.id));
    s.create_session(&mine).await.unwrap();
    s.create_session(&theirs).await.unwrap();
    s.revoke_session(theirs.id, at(10)).await.unwrap();
    let unknown = SessionId::generate();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..30 {
        let id = [mine.id, theirs.id, unknown][i % 3];
        let store = std::sync::Arc::clone(&s.store);
        calls.spawn(async move { (id, store.session_with_user(id).await.unwrap()) });
    }
    let mut answered = 0;
    while let Some(joined) = calls.join_next().await {
        let (id, found) = joined.unwrap();
        answered += 1;
        if id == mine.id {
            assert_eq!(found, Some((mine.clone(), ann.clone())));
        } else if id == theirs.id {
            let (revoked, owner) = found.unwrap();
            assert_eq!(revoked.revoked_at, Some(at(10)));
            assert_eq!(owner, bob);
        } else {
            assert_eq!(found, None);
        }
    }
    assert_eq!(answered, 30);
}

async fn revoking_a_session_twice_keeps_the_first_revocation_time(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let new = session(ann.id);
    s.create_session(&new).await.unwrap();
    s.revoke_session(new.id, at(10)).await.unwrap();
    s.revoke_session(new.id, at(20)).await.unwrap();
    let stored = s.session(new.id).await.unwrap().unwrap();
    assert_eq!(stored.revoked_at, Some(at(10)));
    assert!(!stored.is_active(at(11)));
}

async fn revoking_an_unknown_session_is_not_an_error(s: &TestStore) {
    s.revoke_session(SessionId::generate(), at(10))
        .await
        .unwrap();
}

async fn revoking_a_users_sessions_counts_only_their_active_ones(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let (a1, a2, a3, b1) = (
        session(ann.id),
        session(ann.id),
        session(ann.id),
        session(bob.id),
    );
    for x in [&a1, &a2, &a3, &b1] {
        s.create_session(x).await.unwrap();
    }
    s.revoke_session(a1.id, at(5)).await.unwrap();

    assert_eq!(s.revoke_user_sessions(ann.id, at(10)).await.unwrap(), 2);
    assert_eq!(
        s.session(a1.id).await.unwrap().unwrap().revoked_at,
        Some(at(5))
    );
    assert_eq!(
        s.session(a2.id).await.unwrap().unwrap().revoked_at,
        Some(at(10))
    );
    assert_eq!(
        s.session(a3.id).await.unwrap().unwrap().revoked_at,
        Some(at(10))
    );
    assert_eq!(s.session(b1.id).await.unwrap().unwrap().revoked_at, None);

    assert_eq!(s.revoke_user_sessions(ann.id, at(20)).await.unwrap(), 0);
    assert_eq!(
        s.revoke_user_sessions(UserId::generate(), at(20))
            .await
            .unwrap(),
        0
    );
}
