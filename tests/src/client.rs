//! HTTP to a running payrange: registering and signing in (the one place that does it, for
//! the API tests, the process tests and `loadgen`), a [`User`] that submits predictions and
//! follows them, and the vacancy the tests submit.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::eventually;

/// The password of every user the tests make.
pub const PASSWORD: &str = "correct horse battery staple";

/// A client that gives up on a request after 20 s: a hanging request fails the test.
pub fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A vacancy to submit.
pub fn vacancy(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Разработка backend-сервисов на Python (Django, PostgreSQL, Docker). \
                        Опыт работы от 3 лет. Удалённая работа, ДМС.",
        "area": "Москва"
    })
}

/// A fresh e-mail address, `{prefix}-{uuid}@example.com`.
pub fn fresh_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// `POST {base}/api/v1/sessions`; asserts 200 and returns the bearer token.
pub async fn sign_in(client: &Client, base: &str, email: &str, password: &str) -> String {
    let r = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "sign-in of {email}: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// Registers `email` at `base` (asserting 201) and signs them in; returns the bearer token.
pub async fn sign_up(client: &Client, base: &str, email: &str, password: &str) -> String {
    let r = client
        .post(format!("{base}/api/v1/users"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "registration of {email}: {}",
        r.text().await.unwrap()
    );
    sign_in(client, base, email, password).await
}

/// A signed-in user of the API at `base` (a `payrange serve` process).
#[derive(Clone)]
pub struct User {
    /// `http://127.0.0.1:PORT` of the `serve` process this user talks to.
    pub base: String,
    /// The bearer token (valid on every `serve` of the deployment).
    pub token: String,
    client: Client,
}

impl User {
    /// Registers and signs in a fresh user at `base`.
    pub async fn register(base: &str) -> Self {
        let client = http();
        let token = sign_up(&client, base, &fresh_email("user"), PASSWORD).await;
        Self {
            base: base.to_owned(),
            token,
            client,
        }
    }

    /// The same user talking to another `serve`.
    pub fn at(&self, base: &str) -> Self {
        Self {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// `POST /api/v1/predictions` (no waiting).
    pub async fn submit(&self, name: &str) -> Response {
        self.submission(name).send().await.unwrap()
    }

    /// `POST /api/v1/predictions` carrying `X-Request-Id: request_id` (no waiting).
    pub async fn submit_with_request_id(&self, name: &str, request_id: &str) -> Response {
        self.submission(name)
            .header("x-request-id", request_id)
            .send()
            .await
            .unwrap()
    }

    /// The request that submits vacancy `name`, as this user.
    fn submission(&self, name: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}/api/v1/predictions", self.base))
            .bearer_auth(&self.token)
            .json(&vacancy(name))
    }

    /// Submits and expects 202; returns the prediction id.
    pub async fn submit_accepted(&self, name: &str) -> String {
        let r = self.submit(name).await;
        assert_eq!(
            r.status(),
            StatusCode::ACCEPTED,
            "{}",
            r.text().await.unwrap()
        );
        let body: Value = r.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// `GET` an API path (below `/api/v1`) with the token.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// One prediction as the API shows it to its owner.
    pub async fn prediction(&self, id: &str) -> Value {
        let r = self.get(&format!("/predictions/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    /// Waits until prediction `id` is final (done or failed) and returns it.
    pub async fn finished(&self, id: &str, deadline: Duration) -> Value {
        eventually(&format!("prediction {id} to finish"), deadline, || async {
            let p = self.prediction(id).await;
            (p["status"] == "done" || p["status"] == "failed").then_some(p)
        })
        .await
    }

    /// The user's whole history (every page), newest first.
    pub async fn history(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/predictions?limit=100&cursor={c}"),
                None => "/predictions?limit=100".to_owned(),
            };
            let r = self.get(&path).await;
            assert_eq!(r.status(), StatusCode::OK);
            let page: Value = r.json().await.unwrap();
            all.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return all,
            }
        }
    }
}

/// The status of `GET url`, or `None` if no answer came (refused, or the client timeout).
pub async fn status_of(url: &str) -> Option<StatusCode> {
    http().get(url).send().await.ok().map(|r| r.status())
}

/// The body of `r` as JSON, failing the test with the text if it is not JSON.
pub async fn json_of(r: Response) -> Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a JSON error with this status and code and a non-empty message; returns the body.
pub async fn assert_error(r: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(r.status(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let body = json_of(r).await;
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}
