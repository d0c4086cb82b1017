//! The dependency rules of the hexagonal layout, checked against `cargo metadata`: the domain
//! depends on no technology, adapters depend on the domain (the predictor also on `ml`) and
//! never on each other or on the app, and nothing but the tests depends on the app.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::process::Command;

/// Package name -> names of its normal (non-dev) dependencies.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn the_domain_depends_on_no_technology() {
    let deps = dependencies();
    // The value types, and Unicode's data for e-mail addresses (NFKC, UTS #39 scripts and
    // identifier types): tables like std's own case mapping, no I/O and no technology.
    let allowed = [
        "thiserror",
        "async-trait",
        "uuid",
        "time",
        "unicode-normalization",
        "unicode-security",
    ];
    for d in &deps["payrange-domain"] {
        assert!(
            allowed.contains(&d.as_str()),
            "payrange-domain depends on {d}"
        );
    }
}

#[test]
fn adapters_depend_on_the_domain_and_never_on_each_other_or_the_app() {
    let deps = dependencies();
    let ours: Vec<&String> = deps.keys().filter(|n| n.starts_with("payrange-")).collect();
    let adapters = [
        "payrange-store-sea-orm",
        "payrange-queue-memory",
        "payrange-queue-amqp",
        "payrange-predictor-linfa",
        "payrange-auth-paseto",
        "payrange-hasher-argon2",
    ];
    for adapter in adapters {
        let own = &deps[adapter];
        assert!(
            own.iter().any(|d| d == "payrange-domain"),
            "{adapter} must implement a port"
        );
        for d in own.iter().filter(|d| ours.contains(d)) {
            let ok = d == "payrange-domain"
                || (adapter == "payrange-predictor-linfa" && d == "payrange-ml");
            assert!(ok, "{adapter} depends on {d}");
        }
    }
}

#[test]
fn nothing_but_the_tests_depends_on_the_app() {
    for (name, deps) in dependencies() {
        if name != "payrange-tests" {
            assert!(
                !deps.iter().any(|d| d == "payrange-app"),
                "{name} depends on payrange-app"
            );
        }
    }
}
