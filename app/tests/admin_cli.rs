//! `payrange admin create-user`: the real binary creates an administrator who can then use the
//! admin endpoints, and refuses what registration over HTTP refuses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use payrange_app::Settings;
use payrange_tests::client::PASSWORD;
use serde_json::{Value, json};

/// Runs `payrange admin create-user` on the SQLite file in `dir` with `stdin` as input.
fn create_user(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payrange"))
        .args(["admin", "create-user"])
        .args(args)
        .current_dir(dir)
        .env("PAYRANGE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn the_command_creates_an_admin_who_can_list_users_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = create_user(
        dir.path(),
        &["--email", "Root@Example.com", "--admin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("created admin root@example.com"),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD) && !text(&out.stderr).contains(PASSWORD));

    let plain = create_user(
        dir.path(),
        &["--email", "ann@example.com"],
        &format!("{PASSWORD}\n"),
    );
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert!(text(&plain.stdout).contains("created user ann@example.com"));

    for (args, input, why) in [
        (
            &["--email", "root@example.com", "--admin"][..],
            format!("{PASSWORD}\n"),
            "already exists",
        ),
        (
            &["--email", "not-an-email", "--admin"][..],
            format!("{PASSWORD}\n"),
            "email",
        ),
        (
            &["--email", "short@example.com", "--admin"][..],
            "short\n".to_owned(),
            "at least 12",
        ),
        (
            &["--email", "common@example.com", "--admin"][..],
            "password1234\n".to_owned(),
            "common",
        ),
    ] {
        let out = create_user(dir.path(), args, &input);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }

    // The same database served: the administrator signs in and sees both accounts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let settings = Settings {
        database_url: format!("sqlite://{}/payrange.db?mode=rwc", dir.path().display()).into(),
        ..Settings::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(payrange_app::run(settings, listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let mut signed_in = None;
    for _ in 0..200 {
        if let Ok(r) = client
            .post(format!("{base}/sessions"))
            .json(&json!({"email": "root@example.com", "password": PASSWORD}))
            .send()
            .await
        {
            signed_in = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let r = signed_in.expect("server did not start");
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let users: Value = client
        .get(format!("{base}/admin/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["email"].as_str().unwrap(), u["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        vec![("ann@example.com", "user"), ("root@example.com", "admin")]
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
