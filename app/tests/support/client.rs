//! A small HTTP client for the API of a `payrange serve` process.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use super::eventually;

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in user of the API at `base`.
#[derive(Clone)]
pub struct User {
    /// `http://127.0.0.1:PORT` of the `serve` process this user talks to.
    pub base: String,
    /// The bearer token (valid on every `serve` of the deployment).
    pub token: String,
    client: Client,
}

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
                        Опыт работы от 3 лет.",
        "area": "Москва"
    })
}

impl User {
    /// Registers and signs in a fresh user at `base`.
    pub async fn register(base: &str) -> Self {
        let client = http();
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        let creds = json!({"email": email, "password": PASSWORD});
        let r = client
            .post(format!("{base}/api/v1/users"))
            .json(&creds)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let r = client
            .post(format!("{base}/api/v1/sessions"))
            .json(&creds)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        Self {
            base: base.to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
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

    /// `GET` an API path with the token.
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
