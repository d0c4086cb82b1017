//! Markets: each vacancy is priced by its market's model (`ru`: hh.ru, RUB; `uk`: Adzuna,
//! GBP), named with it or chosen from its text's language, in both modes.

use payrange_app::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::batch_uploads::{results, until_done, upload_csv};
use super::helpers::{TestApp, assert_error, json_of, vacancy};
use super::production::{Cleanup, fresh_database, production, services};

fn english(market: Option<&str>) -> Value {
    let mut v = json!({
        "name": "Staff Nurse",
        "description": "Full time staff nurse for a busy surgical ward in a Leeds NHS \
                        hospital. NMC registration required; weekend shifts on a rota.",
        "area": "Leeds"
    });
    if let Some(m) = market {
        v["market"] = json!(m);
    }
    v
}

/// A finished prediction from `wait=10`.
async fn done(app: &TestApp, body: &Value) -> Value {
    let user = app.user().await;
    let r = app.submit(&user, body, Some(10)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p = json_of(r).await;
    assert_eq!(p["status"], "done", "{p}");
    p
}

fn assert_priced(p: &Value, market: &str, currency: &str) {
    assert_eq!(p["market"], market, "{p}");
    assert_eq!(p["currency"], currency, "{p}");
    let (from, to) = (
        p["salary_from"].as_f64().unwrap(),
        p["salary_to"].as_f64().unwrap(),
    );
    assert!(from > 0.0 && from <= to, "{p}");
}

#[tokio::test]
async fn a_named_market_picks_its_model_and_currency() {
    let app = TestApp::spawn().await;
    let models = json_of(app.get("/api/v1/models", None).await).await;
    let version = |market: &str| {
        models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["market"] == market)
            .unwrap()["version"]
            .clone()
    };
    let uk = done(&app, &english(Some("uk"))).await;
    assert_priced(&uk, "uk", "GBP");
    assert_eq!(uk["model_version"], version("uk"));
    // Annual pounds: a nurse earns tens of thousands, not hundreds of thousands.
    assert!(uk["salary_to"].as_f64().unwrap() < 100_000.0, "{uk}");

    // The same English text priced in Russia, because the client says so.
    let ru = done(&app, &english(Some("RU"))).await;
    assert_priced(&ru, "ru", "RUB");
    assert_eq!(ru["model_version"], version("ru"));
}

#[tokio::test]
async fn without_a_market_the_text_language_chooses() {
    let app = TestApp::spawn().await;
    assert_priced(
        &done(&app, &vacancy("Python-разработчик")).await,
        "ru",
        "RUB",
    );
    assert_priced(&done(&app, &english(None)).await, "uk", "GBP");
    assert_priced(&done(&app, &english(Some(""))).await, "uk", "GBP");
    let mut null = english(None);
    null["market"] = Value::Null;
    assert_priced(&done(&app, &null).await, "uk", "GBP");
}

#[tokio::test]
async fn the_market_is_kept_in_history_and_exports() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app.submit(&user, &english(Some("uk")), Some(10)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert_priced(&history["items"][0], "uk", "GBP");
    let rows = app.export_csv(&user).await;
    let row = rows.iter().find(|r| r["kind"] == "prediction").unwrap();
    assert_eq!(
        (row["market"].as_str(), row["currency"].as_str()),
        ("uk", "GBP"),
        "{row:?}"
    );
}

#[tokio::test]
async fn the_estimate_try_names_its_market() {
    let app = TestApp::spawn().await;
    let r = app
        .post_json("/api/v1/estimates", &english(None), None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let e = json_of(r).await;
    assert_priced(&e, "uk", "GBP");
}

#[tokio::test]
async fn a_bad_market_is_refused_naming_the_field_and_the_accepted_values() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    for bad in [json!("fr"), json!("Russia")] {
        let mut body = english(None);
        body["market"] = bad;
        for r in [
            app.submit(&user, &body, None).await,
            app.post_json("/api/v1/estimates", &body, None).await,
        ] {
            let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(e["details"][0]["field"], "market", "{e}");
            let message = e["details"][0]["message"].as_str().unwrap();
            assert!(message.contains("ru, uk"), "{e}");
        }
    }
    let mut body = english(None);
    body["market"] = json!(44);
    let e = assert_error(
        app.submit(&user, &body, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(e["details"][0]["field"], "market", "{e}");
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert!(history["items"].as_array().unwrap().is_empty(), "{history}");
}

#[tokio::test]
async fn models_lists_both_markets_and_model_stays_the_russian_one() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/models", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let models = json_of(r).await;
    let list = models.as_array().unwrap();
    let summary: Vec<(&str, &str)> = list
        .iter()
        .map(|m| {
            (
                m["market"].as_str().unwrap(),
                m["currency"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [("ru", "RUB"), ("uk", "GBP")]);
    for m in list {
        assert!(m["version"].as_str().is_some_and(|v| v.len() >= 8), "{m}");
        assert!(
            m["trained_at"].as_str().is_some_and(|t| !t.is_empty()),
            "{m}"
        );
        assert!(
            m["metrics"]["salary_from"]["mae"].as_f64().unwrap() > 0.0,
            "{m}"
        );
    }
    assert!(
        list[1]["data_file"]
            .as_str()
            .unwrap()
            .ends_with("adzuna_jobs.csv")
    );
    let one = json_of(app.get("/api/v1/model", None).await).await;
    assert_eq!(one, list[0]);
}

#[tokio::test]
async fn batch_rows_carry_their_market() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let csv = "name,description,market\r\n\
               Staff Nurse,Surgical ward in Leeds,\r\n\
               Staff Nurse,Surgical ward in Leeds,ru\r\n\
               Повар,Готовить завтраки,\r\n\
               Chef,Kitchen,gb\r\n";
    let r = upload_csv(&app, &user, csv).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let b = json_of(r).await;
    assert_eq!(
        b["rejected"],
        json!([{"line": 5, "field": "market", "code": "validation_failed",
                "message": "market must be one of ru, uk, not \"gb\""}])
    );
    let id = b["batch"]["id"].as_str().unwrap().to_owned();
    until_done(&app, &user, &id).await;
    let rows = results(&app, &user, &id).await;
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let got: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[col("market")].as_str(), r[col("currency")].as_str()))
        .collect();
    assert_eq!(
        got,
        [("uk", "GBP"), ("ru", "RUB"), ("ru", "RUB")],
        "{rows:?}"
    );
}

#[tokio::test]
async fn both_markets_predict_in_production_mode() {
    let Some((admin, amqp)) = services() else {
        return;
    };
    let (db, database) = fresh_database(&admin).await;
    let queue = format!("payrange.test.{}", uuid::Uuid::new_v4().simple());
    let _cleanup = Cleanup {
        admin_url: admin.clone(),
        database,
        amqp_url: amqp.clone(),
        queue: queue.clone(),
    };
    let (db2, amqp2, queue2) = (db.clone(), amqp.clone(), queue.clone());
    let app = TestApp::spawn_with(move |s| production(s, &db2, &amqp2, &queue2)).await;
    let mut settings = Settings::default();
    production(&mut settings, &db, &amqp, &queue);
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = tokio::spawn(payrange_app::run_worker(settings, async {
        let _ = stopped.await;
    }));

    let uk = done(&app, &english(None)).await;
    assert_priced(&uk, "uk", "GBP");
    let ru = done(&app, &vacancy("Python-разработчик")).await;
    assert_priced(&ru, "ru", "RUB");
    let named = done(&app, &english(Some("ru"))).await;
    assert_priced(&named, "ru", "RUB");
    let models = json_of(app.get("/api/v1/models", None).await).await;
    assert_eq!(models.as_array().unwrap().len(), 2);

    let _ = stop.send(());
    worker.await.unwrap().unwrap();
}
