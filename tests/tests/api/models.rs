//! Models as a managed resource over HTTP (embedded mode): who may manage them, the check
//! before an upload may serve (format, checksum, held-back sample, margin, force), activation
//! and rollback as `GET /models` and new predictions see them, and every refusal's status
//! and code.

use std::path::Path;

use reqwest::{Response, StatusCode};
use serde_json::Value;

use super::helpers::{TestApp, User, assert_error, json_of, train_quickly, vacancy};

/// A model trained by `payrange train`'s code on the project's 200-row hh.ru sample
/// (`ml/tests/fixtures/README.md`), quickly: a valid file with a held-back
/// sample, far worse than the bundled model.
fn small_model(dir: &Path) -> Vec<u8> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ml/tests/fixtures/hh_sample.csv");
    let out = dir.join("small.model");
    train_quickly(&data, &out);
    std::fs::read(out).unwrap()
}

async fn upload(app: &TestApp, user: &User, bytes: &[u8], query: &str) -> Response {
    app.client
        .post(app.url(&format!("/api/v1/admin/models{query}")))
        .bearer_auth(&user.token)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, user: &User, path: &str) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

/// `GET /admin/models` as `admin`.
async fn catalog(app: &TestApp, admin: &User) -> Value {
    json_of(app.get("/api/v1/admin/models", Some(&admin.token)).await).await
}

/// `GET /models`: the model serving each market, `ru` first.
async fn serving(app: &TestApp) -> Value {
    json_of(app.get("/api/v1/models", None).await).await
}

async fn serving_ru(app: &TestApp) -> String {
    serving(app).await[0]["version"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_manage_models() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    for r in [
        app.get("/api/v1/admin/models", Some(&user.token)).await,
        upload(&app, &user, b"x", "").await,
        post(
            &app,
            &user,
            "/api/v1/admin/models/0011223344556677/activate",
        )
        .await,
        post(&app, &user, "/api/v1/admin/markets/ru/rollback").await,
    ] {
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/admin/models"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_checked_before_it_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let dir = tempfile::tempdir().unwrap();
    let bundled_ru = serving_ru(&app).await;

    // Not a model file; a model file cut short; a wrong checksum.
    let body = assert_error(
        upload(&app, &admin, b"not a model", "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "model_invalid",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("magic"),
        "{body}"
    );
    let bytes = small_model(dir.path());
    let cut = &bytes[..bytes.len() - 10];
    let body = assert_error(
        upload(&app, &admin, cut, "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "model_invalid",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("truncated"),
        "{body}"
    );
    let wrong = format!("?sha256={}", "0".repeat(64));
    let body = assert_error(
        upload(&app, &admin, &bytes, &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "model_invalid",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("SHA-256"),
        "{body}"
    );

    // Worse than the bundled model on its held-back rows: refused, naming the figures.
    let body = assert_error(
        upload(&app, &admin, &bytes, "").await,
        StatusCode::CONFLICT,
        "model_refused",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("held-back MAE"),
        "{body}"
    );
    // A format-5 file (the bundled one) has no held-back sample: not judged, refused too.
    let bundled = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ml/model/payrange-adzuna.model"),
    )
    .unwrap();
    let body = assert_error(
        upload(&app, &admin, &bundled, "").await,
        StatusCode::CONFLICT,
        "model_refused",
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no held-back sample"),
        "{body}"
    );

    // Forced, with the right checksum: stored with its check, not serving yet.
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let r = upload(&app, &admin, &bytes, &format!("?force=true&sha256={sha}")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored = json_of(r).await;
    assert_eq!(stored["sha256"], sha.as_str());
    assert_eq!(stored["model"]["market"], "ru");
    assert_eq!(stored["model"]["currency"], "RUB");
    assert_eq!(stored["forced"], true);
    assert_eq!(stored["compared_with"], bundled_ru.as_str());
    let (mine, theirs) = (&stored["held_back"], &stored["compared_held_back"]);
    assert!(mine["rows"].as_u64().unwrap() > 0, "{stored}");
    assert_eq!(mine["rows"], theirs["rows"]);
    assert!(
        mine["mae_to"].as_f64().unwrap() > theirs["mae_to"].as_f64().unwrap() * 1.02
            || mine["mae_from"].as_f64().unwrap() > theirs["mae_from"].as_f64().unwrap() * 1.02,
        "{stored}"
    );
    assert_eq!(serving_ru(&app).await, bundled_ru);
    let again = upload(&app, &admin, &bytes, "?force=true").await;
    assert_error(again, StatusCode::CONFLICT, "model_exists").await;

    let list = catalog(&app, &admin).await;
    assert_eq!(list["stored"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["bundled"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["activations"], Value::Array(vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_and_rollback_switch_the_model_of_new_predictions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let dir = tempfile::tempdir().unwrap();
    let bundled_ru = serving_ru(&app).await;
    let bytes = small_model(dir.path());
    let stored = json_of(upload(&app, &admin, &bytes, "?force=true").await).await;
    let version = stored["model"]["version"].as_str().unwrap().to_owned();

    let missing = post(
        &app,
        &admin,
        "/api/v1/admin/models/0011223344556677/activate",
    )
    .await;
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;

    let r = post(
        &app,
        &admin,
        &format!("/api/v1/admin/models/{version}/activate"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let switched = json_of(r).await;
    assert_eq!(switched["serving"]["version"], version.as_str());
    assert_eq!(switched["activation"]["market"], "ru");
    assert_eq!(serving_ru(&app).await, version);
    let p = json_of(
        app.submit(&admin, &vacancy("Программист 1С"), Some(20))
            .await,
    )
    .await;
    assert_eq!(p["model_version"], version.as_str(), "{p}");
    // The other market is untouched.
    let models = serving(&app).await;
    assert_ne!(models[1]["version"], version.as_str());

    let r = post(&app, &admin, "/api/v1/admin/markets/ru/rollback").await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = json_of(r).await;
    assert_eq!(back["activation"]["version"], version.as_str());
    assert!(back["activation"]["rolled_back_at"].is_string(), "{back}");
    assert_eq!(back["serving"]["version"], bundled_ru.as_str());
    let p = json_of(
        app.submit(&admin, &vacancy("Программист 1С"), Some(20))
            .await,
    )
    .await;
    assert_eq!(p["model_version"], bundled_ru.as_str(), "{p}");

    let none = post(&app, &admin, "/api/v1/admin/markets/ru/rollback").await;
    assert_error(none, StatusCode::CONFLICT, "nothing_to_roll_back").await;
    let bad = post(&app, &admin, "/api/v1/admin/markets/fr/rollback").await;
    // No such market, no such resource.
    assert_error(bad, StatusCode::NOT_FOUND, "not_found").await;
    let list = catalog(&app, &admin).await;
    assert_eq!(list["activations"].as_array().unwrap().len(), 1, "{list}");
}
