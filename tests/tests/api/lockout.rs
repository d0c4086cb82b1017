//! The sign-in lockout policy from both sides: an attacker's guesses stay bounded, and the
//! owner still gets in from an address of their own. Clients take distinct loopback source
//! addresses (127.0.0.0/8 is all loopback on Linux), which the service sees as their IPs.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::{Client, StatusCode};
use serde_json::json;

use super::helpers::{PASSWORD, TestApp};

/// A client whose connections come from 127.0.0.`last`.
fn from(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, client: &Client, password: &str) -> StatusCode {
    client
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"email": "ann@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_stranger_hammering_an_account_is_stopped_and_the_owner_still_signs_in_elsewhere() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    let stranger = from(2);
    let mut answers = Vec::new();
    for i in 0..15 {
        answers.push(sign_in(&app, &stranger, &format!("guess number {i}")).await);
    }
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        10,
        "{answers:?}"
    );
    assert!(
        answers[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(
        sign_in(&app, &stranger, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger's address stays refused, right password or not"
    );
    // The owner, from an address that never signed in before, is not held to that.
    assert_eq!(sign_in(&app, &from(3), PASSWORD).await, StatusCode::OK);
}

#[tokio::test]
async fn guesses_from_many_addresses_stay_bounded_but_spare_the_owners_known_address() {
    let app = TestApp::spawn_with(|s| s.signin_max_failures_per_account = 25).await;
    app.register("ann@example.com", PASSWORD).await;
    let owner = from(3);
    assert_eq!(sign_in(&app, &owner, PASSWORD).await, StatusCode::OK);
    let mut guesses = 0;
    for last in 10..20 {
        let bot = from(last);
        for i in 0..10 {
            if sign_in(&app, &bot, &format!("guess {last}.{i}")).await == StatusCode::UNAUTHORIZED {
                guesses += 1;
            }
        }
    }
    assert_eq!(
        guesses, 25,
        "the account-wide limit bounds guesses over all addresses"
    );
    assert_eq!(
        sign_in(&app, &from(30), PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address is refused once the account's limit is reached"
    );
    assert_eq!(
        sign_in(&app, &owner, PASSWORD).await,
        StatusCode::OK,
        "the owner's address signed in lately, so the account's limit spares it"
    );
}
