//! The [`UserStore`] contract.
//!
//! [`UserStore`]: payrange_domain::ports::UserStore

use std::sync::Arc;

use payrange_domain::models::{
    Email, EmailSearch, PageRequest, PasswordHash, User, UserFilter, UserId,
};
use payrange_domain::ports::StoreError;

use super::fixtures::{TestStore, contract_tests, new_user, t0, user};

contract_tests!(
    a_created_user_is_enabled_and_found_by_email_and_by_id,
    a_taken_email_is_a_duplicate_whatever_its_case,
    of_concurrent_registrations_of_one_email_exactly_one_succeeds,
    unknown_emails_and_ids_are_none_not_errors,
    setting_the_password_hash_replaces_it_and_ignores_unknown_ids,
    users_are_listed_newest_first_across_pages,
    an_email_search_matches_a_substring_in_any_case_with_no_wildcards,
    disabling_and_enabling_a_user_is_stored_and_unknown_ids_are_none,
);

async fn a_created_user_is_enabled_and_found_by_email_and_by_id(s: &TestStore) {
    let new = new_user("ann@example.com");
    let created = s.create_user(new.clone()).await.unwrap();
    assert_eq!(created.id, new.id);
    assert_eq!(created.email, new.email);
    assert_eq!(created.password_hash, new.password_hash);
    assert_eq!(created.role, new.role);
    assert!(!created.disabled);
    assert_eq!(created.created_at, t0());

    let by_email = s.user_by_email(&new.email).await.unwrap();
    assert_eq!(by_email.as_ref(), Some(&created));
    assert_eq!(s.user_by_id(new.id).await.unwrap(), Some(created));
}

async fn a_taken_email_is_a_duplicate_whatever_its_case(s: &TestStore) {
    user(s, "ann@example.com").await;
    let err = s
        .create_user(new_user("  ANN@Example.COM "))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate("email")), "{err:?}");
    let found = s
        .user_by_email(&Email::parse("Ann@EXAMPLE.com").unwrap())
        .await
        .unwrap();
    assert!(found.is_some(), "lookups are case-insensitive too");
}

async fn of_concurrent_registrations_of_one_email_exactly_one_succeeds(s: &TestStore) {
    let store = Arc::clone(&s.store);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.create_user(new_user("race@example.com")).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::Duplicate("email")) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(created, 1);
}

async fn unknown_emails_and_ids_are_none_not_errors(s: &TestStore) {
    user(s, "ann@example.com").await;
    let nobody = Email::parse("bob@example.com").unwrap();
    assert_eq!(s.user_by_email(&nobody).await.unwrap(), None);
    assert_eq!(s.user_by_id(UserId::generate()).await.unwrap(), None);
}

async fn setting_the_password_hash_replaces_it_and_ignores_unknown_ids(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let fresh = PasswordHash::new("$argon2id$v=19$m=65536,t=3,p=4$new$hash".into());
    s.set_password_hash(ann.id, &fresh).await.unwrap();
    s.set_password_hash(UserId::generate(), &fresh)
        .await
        .unwrap();

    let ann_now = s.user_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(ann_now.password_hash, fresh);
    assert_eq!(ann_now.email, ann.email, "nothing else changes");
    let bob_now = s.user_by_id(bob.id).await.unwrap().unwrap();
    assert_eq!(
        bob_now.password_hash, bob.password_hash,
        "other users keep theirs"
    );
}

async fn users_are_listed_newest_first_across_pages(s: &TestStore) {
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(user(s, &format!("user{i}@example.com")).await);
    }
    created.sort_by_key(|u| u.id);
    created.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(2), cursor.as_deref()).unwrap();
        let got = s.list_users(&UserFilter::all(), page).await.unwrap();
        assert!(got.items.len() <= 2);
        seen.extend(got.items);
        match got.next {
            Some(next) => cursor = Some(next.encode()),
            None => break,
        }
        assert!(seen.len() <= created.len(), "pagination does not end");
    }
    assert_eq!(
        seen, created,
        "every user once, newest first, exactly as stored"
    );
}

/// Every user `search` selects, in pages of two: their addresses, newest first.
async fn search_all(s: &TestStore, search: &str) -> Vec<String> {
    let filter = UserFilter::new(Some(EmailSearch::parse(search).unwrap()));
    let mut seen: Vec<User> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(2), cursor.as_deref()).unwrap();
        let got = s.list_users(&filter, page).await.unwrap();
        assert!(got.items.len() <= 2);
        seen.extend(got.items);
        match got.next {
            Some(next) => cursor = Some(next.encode()),
            None => break,
        }
        assert!(seen.len() <= 10, "pagination does not end");
    }
    assert!(seen.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    seen.into_iter().map(|u| u.email.to_string()).collect()
}

async fn an_email_search_matches_a_substring_in_any_case_with_no_wildcards(s: &TestStore) {
    let mut created = Vec::new();
    for email in [
        "ann_1@example.com",
        "annx1@example.com",
        "a%b@example.org",
        "ab@example.org",
        "a\\b@example.org",
        "zed@Example.NET",
    ] {
        created.push(user(s, email).await);
    }
    created.sort_by_key(|u| std::cmp::Reverse(u.id));
    let expect = |pick: &dyn Fn(&str) -> bool| -> Vec<String> {
        created
            .iter()
            .map(|u| u.email.to_string())
            .filter(|e| pick(e))
            .collect()
    };
    assert_eq!(
        search_all(s, "ann_1").await,
        ["ann_1@example.com"],
        "`_` is no wildcard"
    );
    assert_eq!(
        search_all(s, "a%b").await,
        ["a%b@example.org"],
        "`%` is no wildcard"
    );
    assert_eq!(
        search_all(s, "a\\b").await,
        ["a\\b@example.org"],
        "`\\` is no escape"
    );
    assert_eq!(
        search_all(s, " EXAMPLE.org ").await,
        expect(&|e: &str| e.ends_with("example.org")),
        "any case, across pages"
    );
    assert_eq!(
        search_all(s, "example.net").await,
        ["zed@example.net"],
        "a stored address is lower-case"
    );
    assert_eq!(search_all(s, "@").await, expect(&|_: &str| true));
    assert!(search_all(s, "nobody").await.is_empty());
}

async fn disabling_and_enabling_a_user_is_stored_and_unknown_ids_are_none(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    let bob = user(s, "bob@example.com").await;
    let disabled = s.set_disabled(ann.id, true).await.unwrap().unwrap();
    assert!(disabled.disabled);
    assert_eq!(disabled.id, ann.id);
    assert_eq!(disabled.email, ann.email);
    assert!(s.user_by_id(ann.id).await.unwrap().unwrap().disabled);
    assert!(s.user_by_email(&ann.email).await.unwrap().unwrap().disabled);
    assert!(
        !s.user_by_id(bob.id).await.unwrap().unwrap().disabled,
        "only the one user is disabled"
    );
    // Disabling twice is not an error.
    assert!(
        s.set_disabled(ann.id, true)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    let enabled = s.set_disabled(ann.id, false).await.unwrap().unwrap();
    assert!(!enabled.disabled);
    assert_eq!(s.user_by_id(ann.id).await.unwrap(), Some(ann));

    assert_eq!(
        s.set_disabled(UserId::generate(), true).await.unwrap(),
        None
    );
}
