//! Sign-ups per client address: counted before hashing and refused with 429 past the limit,
//! so a burst neither creates unbounded accounts nor probes taken emails (409) at will.

use reqwest::StatusCode;

use super::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn sign_ups_past_the_per_address_limit_get_429_with_retry_after_taken_emails_too() {
    let app = TestApp::spawn_with(|s| s.signup_max_per_address = 3).await;
    assert_eq!(
        app.register("ann@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("ann@example.com", PASSWORD).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.register("bob@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    for email in ["ann@example.com", "carol@example.com"] {
        let r = app.register(email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3601).contains(&retry), "Retry-After {retry}");
    }
    assert_eq!(
        app.sign_in("bob@example.com", PASSWORD).await.status(),
        StatusCode::OK,
        "the limit is on sign-ups only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ups_from_one_address_create_no_more_accounts_than_the_limit() {
    let app = std::sync::Arc::new(TestApp::spawn_with(|s| s.signup_max_per_address = 5).await);
    let attempts: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.register(&format!("user{i}@example.com"), PASSWORD)
                    .await
                    .status()
            })
        })
        .collect();
    let mut created = 0;
    for a in attempts {
        match a.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 5);
}
