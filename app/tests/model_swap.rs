//! Models swapped and rolled back under load: 2 `payrange serve` and 2 `payrange worker`
//! processes on PostgreSQL and RabbitMQ take predictions from 8 users without pause while an
//! administrator uploads a model trained by `payrange train` (refused as worse than the
//! bundled one, then forced), activates it through one `serve`'s API, and an operator rolls
//! it back with `payrange admin model rollback ru`. Every process serves the new version
//! within seconds of each switch, and not one request fails: every submission is accepted
//! and every prediction is done, by the model active when a worker took it.
//!
//! Uses the shared `TEST_DATABASE_URL` and `TEST_AMQP_URL` with a database and queue of its
//! own. Skipped without them, except under `CI=true` or `TEST_REQUIRE_SERVICES=1`, where
//! that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use payrange_tests as support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use support::client::{User, http, sign_in};
use support::{Fixture, eventually};

/// The `payrange` binary cargo built for this package's tests, which the harness starts.
const PAYRANGE: &str = env!("CARGO_BIN_EXE_payrange");

const USERS: usize = 8;
const ADMIN_EMAIL: &str = "swap-admin@example.com";
const ADMIN_PASSWORD: &str = "an operator who swaps models";

/// A model trained by `payrange train` on the project's 200-row sample of hh.ru (see
/// `ml/tests/fixtures/README.md`): a real, valid artifact with a held-back sample, and far
/// worse than the bundled model, so that the check refuses it.
fn train_candidate(f: &Fixture, dir: &Path) -> PathBuf {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ml/tests/fixtures/hh_sample.csv");
    let out = dir.join("candidate.model");
    f.deployment.run(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--trained-at",
            "2026-12-08T00:00:00Z",
        ],
        "",
    );
    out
}

/// The `ru` model version a `serve` says it serves.
async fn serving_ru(base: &str) -> String {
    let models: Value = http()
        .get(format!("{base}/api/v1/models"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["market"] == "ru")
        .unwrap()["version"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What the load saw: every failure, and the model versions of the finished predictions in
/// the order they finished.
#[derive(Default)]
struct Seen {
    failures: Vec<String>,
    versions: Vec<String>,
}

/// One user submitting a Russian vacancy and following it to its end, again and again,
/// through both `serve`s in turn, until `stop`.
async fn load(user: User, bases: Vec<String>, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen>>) {
    let mut n = 0usize;
    while !stop.load(Ordering::SeqCst) {
        let at = user.at(&bases[n % bases.len()]);
        n += 1;
        let r = at.submit(&format!("Разработчик Python {n}")).await;
        if r.status() != StatusCode::ACCEPTED {
            let failure = format!("submit: {} {}", r.status(), r.text().await.unwrap());
            seen.lock().unwrap().failures.push(failure);
            continue;
        }
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let done = at.finished(&id, Duration::from_secs(60)).await;
        let mut seen = seen.lock().unwrap();
        if done["status"] == "done" {
            seen.versions
                .push(done["model_version"].as_str().unwrap().to_owned());
        } else {
            seen.failures.push(format!("{id}: {done}"));
        }
    }
}

/// Waits until both `serve`s serve `version` for `ru`, then until a prediction made after
/// that is done by it (the workers switched too); returns how many were done before.
async fn switched_to(version: &str, bases: &[String], seen: &Arc<Mutex<Seen>>) {
    for base in bases {
        eventually(
            &format!("{base} to serve {version}"),
            Duration::from_secs(10),
            || async { (serving_ru(base).await == version).then_some(()) },
        )
        .await;
    }
    let from = seen.lock().unwrap().versions.len();
    eventually(
        &format!("predictions by {version}"),
        Duration::from_secs(10),
        || async {
            let seen = seen.lock().unwrap();
            // A few in a row, so that both workers are past the switch.
            let after = &seen.versions[from.min(seen.versions.len())..];
            (after
                .iter()
                .rev()
                .take(2 * USERS)
                .filter(|v| *v == version)
                .count()
                >= 2 * USERS)
                .then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_is_swapped_and_rolled_back_under_load_with_no_failed_request() {
    let Some(f) = Fixture::on_shared_services(PAYRANGE).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let candidate = train_candidate(&f, dir.path());
    let serves = [
        f.deployment.serve("serve-0").await,
        f.deployment.serve("serve-1").await,
    ];
    let _workers = [
        f.deployment.worker("worker-0").await,
        f.deployment.worker("worker-1").await,
    ];
    let bases: Vec<String> = serves.iter().map(|s| s.base()).collect();
    let bundled = serving_ru(&bases[0]).await;
    f.deployment.run(
        &["admin", "create-user", "--email", ADMIN_EMAIL, "--admin"],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    let client = http();
    let admin = sign_in(&client, &bases[0], ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut load_tasks = tokio::task::JoinSet::new();
    for _ in 0..USERS {
        let user = User::register(&bases[0]).await;
        load_tasks.spawn(load(user, bases.clone(), stop.clone(), seen.clone()));
    }
    eventually("load to run", Duration::from_secs(30), || async {
        (seen.lock().unwrap().versions.len() >= 4 * USERS).then_some(())
    })
    .await;

    // Uploaded through the API: refused as worse on its held-back sample, then forced.
    let bytes = std::fs::read(&candidate).unwrap();
    let upload = |force: bool| {
        client
            .post(format!("{}/api/v1/admin/models?force={force}", bases[0]))
            .bearer_auth(&admin)
            .header("content-type", "application/octet-stream")
            .body(bytes.clone())
            .send()
    };
    let refused = upload(false).await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "model_refused", "{refused}");
    let stored = upload(true).await.unwrap();
    assert_eq!(stored.status(), StatusCode::CREATED);
    let stored: Value = stored.json().await.unwrap();
    let version = stored["model"]["version"].as_str().unwrap().to_owned();
    assert!(stored["forced"].as_bool().unwrap(), "{stored}");
    assert!(
        stored["held_back"]["rows"].as_u64().unwrap() > 0,
        "{stored}"
    );
    assert_eq!(stored["compared_with"], bundled.as_str());
    assert_ne!(version, bundled);

    // Activated through the other `serve`'s API: every process switches.
    let activated = client
        .post(format!(
            "{}/api/v1/admin/models/{version}/activate",
            bases[1]
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), StatusCode::OK);
    switched_to(&version, &bases, &seen).await;

    // Rolled back with one command: every process returns to the bundled model.
    let out = f.deployment.run(&["admin", "model", "rollback", "ru"], "");
    assert!(out.contains(&format!("rolled back ru {version}")), "{out}");
    switched_to(&bundled, &bases, &seen).await;

    stop.store(true, Ordering::SeqCst);
    while let Some(joined) = load_tasks.join_next().await {
        joined.unwrap();
    }
    let seen = seen.lock().unwrap();
    let mut by_version: HashMap<&str, usize> = HashMap::new();
    for v in &seen.versions {
        *by_version.entry(v.as_str()).or_default() += 1;
    }
    eprintln!("predictions by version: {by_version:?}");
    assert!(
        seen.failures.is_empty(),
        "failed requests: {:?}",
        seen.failures
    );
    assert!(by_version.get(version.as_str()).copied().unwrap_or(0) >= 2 * USERS);
    // The load went on before, during and after both switches.
    let first_new = seen.versions.iter().position(|v| *v == version).unwrap();
    let last_new = seen.versions.iter().rposition(|v| *v == version).unwrap();
    assert!(first_new > 0 && last_new + 1 < seen.versions.len());
}
