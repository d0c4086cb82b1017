//! Load generator for payrange: registers `--users` users, then has `--concurrency` clients
//! submit real vacancies with `?wait=30` (submit-and-wait) for `--seconds`, and prints one JSON
//! line with requests/s, p50/p90/p99 latency, errors and the mix sent. Bounded in time and
//! count; loopback only. `--base` may be given several times (e.g. every `serve` of a
//! cluster): clients take the bases in turn, as behind a round-robin balancer.
//!
//! The vacancies are every row of `--vacancies` (default `../shared/data/hh_vacancies.csv`,
//! 2,994 real hh.ru ads; JSON bodies of 2.75 kB on average): title, description and area as
//! published, so that requests have their real lengths and the model meets many distinct
//! vocabularies. Clients start at different rows and walk the file, each request signed by
//! the next user in turn.
//!
//! `cargo run --release -p payrange-tests --bin loadgen -- --base http://127.0.0.1:8080
//! --concurrency 16 --seconds 20`

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark tool: failing loudly is right.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use payrange_tests::client::{PASSWORD, fresh_email, sign_up};
use serde_json::json;

struct Args {
    bases: Vec<String>,
    concurrency: usize,
    seconds: u64,
    users: usize,
    vacancies: String,
}

fn args() -> Args {
    let mut a = Args {
        bases: Vec::new(),
        concurrency: 16,
        seconds: 20,
        users: 20,
        vacancies: concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/hh_vacancies.csv"
        )
        .to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--base" => a.bases.push(value),
            "--concurrency" => a.concurrency = value.parse().expect("number"),
            "--seconds" => a.seconds = value.parse().expect("number"),
            "--users" => a.users = value.parse().expect("number"),
            "--vacancies" => a.vacancies = value,
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

/// The request bodies: one per row of the CSV (columns `name`, `description`, optional
/// `area`), serialised once so that the load generator spends its time on the wire.
fn bodies(path: &str) -> Vec<Vec<u8>> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot read the vacancies {path}: {e}"));
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (name, description) = (
        column("name").expect("a name column"),
        column("description").expect("a description column"),
    );
    let area = column("area");
    let bodies: Vec<Vec<u8>> = reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            let mut body = json!({"name": &row[name], "description": &row[description]});
            if let Some(area) = area.map(|i| &row[i]).filter(|a| !a.is_empty()) {
                body["area"] = json!(area);
            }
            serde_json::to_vec(&body).unwrap()
        })
        .collect();
    assert!(!bodies.is_empty(), "no vacancies in {path}");
    bodies
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
        let email = fresh_email(&format!("load-{i}"));
        tokens.push(sign_up(&client, &a.bases[0], &email, PASSWORD).await);
    }
    let tokens = Arc::new(tokens);
    let bodies = Arc::new(bodies(&a.vacancies));
    let mean_body = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..a.concurrency {
        let (client, tokens, errors, base, bodies) = (
            client.clone(),
            tokens.clone(),
            errors.clone(),
            a.bases[c % a.bases.len()].clone(),
            bodies.clone(),
        );
        // Clients start spread over the file, so that they do not send the same rows together.
        let start = c * bodies.len() / a.concurrency;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let token = &tokens[(c + n) % tokens.len()];
                n += 1;
                let body = bodies[(start + n) % bodies.len()].clone();
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/predictions?wait=30"))
                    .bearer_auth(token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
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
            "users": a.users,
            "vacancies": bodies.len(),
            "mean_body_bytes": mean_body,
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
