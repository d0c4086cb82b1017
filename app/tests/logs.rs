//! Secrets never reach the logs: runs the real binary with every log level on, drives a full
//! session (register, sign in, predict, sign out, a wrong password, a password change), and
//! searches everything the process printed for the password and the token.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

#[tokio::test]
async fn a_full_session_at_trace_level_logs_no_password_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = payrange_tests::free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_payrange"))
        .arg("serve")
        .current_dir(dir.path())
        .env("PAYRANGE_BIND", format!("127.0.0.1:{port}"))
        .env("PAYRANGE_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let password = "Unique-Secret-Passphrase-7731";
    let new_password = "Another-Unique-Passphrase-9942";
    let creds = json!({"email": "logs@example.com", "password": password});
    client
        .post(format!("{base}/users"))
        .json(&creds)
        .send()
        .await
        .unwrap();
    let wrong = json!({"email": "logs@example.com", "password": "Wrong-Passphrase-5519"});
    client
        .post(format!("{base}/sessions"))
        .json(&wrong)
        .send()
        .await
        .unwrap();
    let session: serde_json::Value = client
        .post(format!("{base}/sessions"))
        .json(&creds)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let vacancy = json!({"name": "Rust developer", "description": "Tokio, PostgreSQL"});
    let r = client
        .post(format!("{base}/predictions?wait=5"))
        .bearer_auth(&token)
        .json(&vacancy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    client
        .get(format!("{base}/users/me"))
        .header("cookie", format!("payrange_session={token}"))
        .send()
        .await
        .unwrap();
    let change = json!({"current_password": password, "new_password": new_password});
    client
        .put(format!("{base}/users/me/password"))
        .bearer_auth(&token)
        .json(&change)
        .send()
        .await
        .unwrap();
    client
        .get(format!("{base}/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    // SIGTERM-like stop is not needed: kill, then read everything it wrote.
    server.kill().unwrap();
    let mut out = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    server.wait().unwrap();
    assert!(
        out.contains("payrange listening"),
        "the logs were captured: {out:.300}"
    );
    assert!(
        out.len() > 2_000,
        "trace level logged little: {} bytes",
        out.len()
    );
    for secret in [
        password,
        new_password,
        "Wrong-Passphrase-5519",
        &token,
        &token[9..40],
    ] {
        assert!(
            !out.contains(secret),
            "a secret reached the logs: {secret:.12}..."
        );
    }
    let key = std::fs::read_to_string(dir.path().join("payrange.key")).unwrap();
    assert!(!out.contains(key.trim()), "the token key reached the logs");
}
