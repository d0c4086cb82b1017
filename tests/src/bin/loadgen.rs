//! Load generator for payrange: registers users, then has `--concurrency` clients submit
//! vacancies with `?wait=30` (submit-and-wait) for `--seconds`, and prints one JSON line with
//! requests/s, p50/p90/p99 latency and errors. Bounded in time and count; loopback only.
//! `--base` may be given several times (e.g. every `serve` of a cluster): clients take the
//! bases in turn, as behind a round-robin balancer.
//!
//! `cargo run --release -p payrange-tests --bin loadgen -- --base http://127.0.0.1:8080
//! --concurrency 16 --seconds 20`

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark tool: failing loudly is right.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

struct Args {
    bases: Vec<String>,
    concurrency: usize,
    seconds: u64,
    users: usize,
}

fn args() -> Args {
    let mut a = Args {
        bases: Vec::new(),
        concurrency: 16,
        seconds: 20,
        users: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--base" => a.bases.push(value),
            "--concurrency" => a.concurrency = value.parse().expect("number"),
            "--seconds" => a.seconds = value.parse().expect("number"),
            "--users" => a.users = value.parse().expect("number"),
            other => panic!("unknown flag {other}"),
        }
    }
    if a.bases.is_empty() {
        a.bases.push("http://127.0.0.1:8080".into());
    }
    assert!(
        a.bases
            .iter()
            .all(|b| b.starts_with("http://127.") || b.starts_with("http://localhost")),
        "loadgen only targets this machine"
    );
    a
}

const DESCRIPTION: &str = "Разработка и поддержка backend-сервисов на Python (Django, FastAPI), \
    PostgreSQL, Redis, Docker, Kubernetes. Проектирование API, code review, наставничество. \
    Опыт коммерческой разработки от 3 лет. Удалённая работа или офис в Москве, ДМС, \
    обучение за счёт компании, гибкий график. We use English in code and documentation.";

async fn sign_up(client: &reqwest::Client, base: &str, i: usize) -> String {
    let email = format!("load-{}-{i}@example.com", uuid::Uuid::new_v4().simple());
    let creds = json!({"email": email, "password": "load test password 1"});
    client
        .post(format!("{base}/api/v1/users"))
        .json(&creds)
        .send()
        .await
        .unwrap();
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&creds)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().expect("sign-in worked").to_owned()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..a.users {
        tokens.push(sign_up(&client, &a.bases[0], i).await);
    }
    let tokens = Arc::new(tokens);
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..a.concurrency {
        let (client, tokens, errors, base) = (
            client.clone(),
            tokens.clone(),
            errors.clone(),
            a.bases[c % a.bases.len()].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let token = &tokens[(c + n) % tokens.len()];
                n += 1;
                let body = json!({"name": format!("Python developer {n}"), "description": DESCRIPTION, "area": "Москва"});
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/predictions?wait=30"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({
            "concurrency": a.concurrency,
            "seconds": elapsed,
            "ok": all.len(),
            "errors": errors.load(Ordering::Relaxed),
            "rps": all.len() as f64 / elapsed,
            "p50_ms": percentile(&all, 50.0),
            "p90_ms": percentile(&all, 90.0),
            "p99_ms": percentile(&all, 99.0),
        })
    );
}
