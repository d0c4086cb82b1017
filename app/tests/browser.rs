//! Runs the browser tests of `tests/browser/` (headless Chromium driven by playwright-core
//! against a real `payrange serve`) as part of `cargo test`.
//!
//! Needs Node.js, `npm ci` in `tests/browser` and `/usr/bin/chromium` (see that folder's
//! README). Without them the test is skipped with a message, except under `CI=true`, where it
//! fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Built by cargo for this test (it lives in the binary's own package for that reason).
const PAYRANGE: &str = env!("CARGO_BIN_EXE_payrange");

fn missing_prerequisite() -> Option<String> {
    let browser_dir = workspace().join("tests/browser");
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "{chromium} is missing (apt-get install -y chromium)"
        ));
    }
    if !browser_dir.join("node_modules/playwright-core").exists() {
        return Some("run `npm ci` in tests/browser".into());
    }
    None
}

#[test]
fn web_ui_works_end_to_end_in_headless_chromium() {
    if let Some(why) = missing_prerequisite() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "browser tests cannot run: {why}"
        );
        eprintln!("SKIPPED browser tests: {why}");
        return;
    }
    let status = Command::new("node")
        .current_dir(workspace().join("tests/browser"))
        .env("PAYRANGE_BIN", PAYRANGE)
        .args(["--test", "--test-concurrency=1"])
        .status()
        .expect("node runs");
    assert!(status.success(), "browser tests failed (output above)");
}
