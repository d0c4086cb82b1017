//! Limits hold across processes: two `payrange serve` processes on one PostgreSQL database
//! count one account's failed sign-ins together, so alternating between them buys an
//! attacker no more guesses than one process allows.
//!
//! Uses the shared `TEST_DATABASE_URL` and `TEST_AMQP_URL` with a database and queue of its
//! own. Skipped without them, except under `CI=true` or `TEST_REQUIRE_SERVICES=1`, where that
//! is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use payrange_tests as support;

use reqwest::StatusCode;
use serde_json::json;
use support::Fixture;
use support::client::http;

/// The `payrange` binary cargo built for this package's tests, which the harness starts.
const PAYRANGE: &str = env!("CARGO_BIN_EXE_payrange");

/// The default `PAYRANGE_SIGNIN_MAX_FAILURES_PER_ACCOUNT`.
const PER_ACCOUNT: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_alternating_between_two_serves_reach_429_at_the_one_process_count() {
    let Some(f) = Fixture::on_shared_services(PAYRANGE).await else {
        return;
    };
    let serves = [
        f.deployment.serve("serve-0").await,
        f.deployment.serve("serve-1").await,
    ];
    let bases: Vec<String> = serves.iter().map(|s| s.base()).collect();
    let client = http();
    let email = format!("target-{}@example.com", uuid::Uuid::new_v4().simple());
    let r = client
        .post(format!("{}/api/v1/users", bases[0]))
        .json(&json!({"email": email, "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    let mut statuses = Vec::new();
    for attempt in 0..PER_ACCOUNT + 3 {
        let r = client
            .post(format!("{}/api/v1/sessions", bases[attempt % 2]))
            .json(&json!({"email": email, "password": format!("wrong guess {attempt}")}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    let expected: Vec<StatusCode> = (0..PER_ACCOUNT + 3)
        .map(|i| {
            if i < PER_ACCOUNT {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            }
        })
        .collect();
    assert_eq!(
        statuses, expected,
        "both processes must refuse from the 11th failure on, as one process does"
    );
}

/// The default `PAYRANGE_TRY_QUOTA`.
const TRIES_PER_ADDRESS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tries_without_an_account_alternating_between_two_serves_reach_429_at_the_one_process_count()
 {
    let Some(f) = Fixture::on_shared_services(PAYRANGE).await else {
        return;
    };
    let serves = [
        f.deployment.serve("serve-0").await,
        f.deployment.serve("serve-1").await,
    ];
    let bases: Vec<String> = serves.iter().map(|s| s.base()).collect();
    let client = http();
    let mut statuses = Vec::new();
    for attempt in 0..TRIES_PER_ADDRESS + 2 {
        let r = client
            .post(format!("{}/api/v1/estimates", bases[attempt % 2]))
            .json(&json!({"name": format!("Python developer {attempt}"), "description": "Django"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    let expected: Vec<StatusCode> = (0..TRIES_PER_ADDRESS + 2)
        .map(|i| {
            if i < TRIES_PER_ADDRESS {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            }
        })
        .collect();
    assert_eq!(
        statuses, expected,
        "both processes must refuse from the 6th try on, as one process does"
    );
}
