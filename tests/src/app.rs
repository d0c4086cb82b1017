//! The app started inside the test process, as the API tests use it: [`TestApp`] runs
//! `payrange_app::run` on `127.0.0.1:0` with a SQLite file of its own (or the settings a test
//! gives it, such as production mode on a [`Scratch`](crate::scratch::Scratch) database and
//! queue) and speaks HTTP to it.

use std::collections::HashMap;
use std::time::Duration;

use payrange_app::Settings;
use reqwest::{Client, Response, StatusCode};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::client::{self, PASSWORD, fresh_email};

/// A running app with its own database, stopped when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client without a cookie store (tests choose bearer or cookie explicitly).
    pub client: Client,
    /// The app's database, for commands run beside it (`admin create-user`).
    pub database_url: String,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A signed-in user of a [`TestApp`].
pub struct User {
    /// The user's e-mail address.
    pub email: String,
    /// The bearer token.
    pub token: String,
}

impl TestApp {
    /// Starts the app with default settings on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app with adjusted settings on a fresh database.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            database_url: format!("sqlite://{}/payrange.db?mode=rwc", dir.path().display()).into(),
            ..Settings::default()
        };
        adjust(&mut settings);
        let database_url = settings.database_url.expose_secret().to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            if let Err(e) = payrange_app::run(settings, listener, async {
                let _ = stopped.await;
            })
            .await
            {
                panic!("app failed: {e:#}");
            }
        });
        let client = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let app = Self {
            base,
            client,
            database_url,
            _dir: dir,
            stop: Some(stop),
        };
        for _ in 0..200 {
            if let Ok(r) = app.client.get(app.url("/api/v1/health/ready")).send().await
                && r.status() == StatusCode::OK
            {
                return app;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("app did not become ready");
    }

    /// `base` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `POST path` with a JSON body, with a bearer token if given.
    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// `PATCH path` with a JSON body, with a bearer token if given.
    pub async fn patch_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut req = self.client.patch(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// `POST /api/v1/users`, whatever the answer.
    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/users",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// `POST /api/v1/sessions`, whatever the answer.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/sessions",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Registers and signs in a fresh user.
    pub async fn user(&self) -> User {
        let email = fresh_email("user");
        let token = client::sign_up(&self.client, &self.base, &email, PASSWORD).await;
        User { email, token }
    }

    /// Creates an administrator the way `payrange admin create-user --admin` does, and signs
    /// them in.
    pub async fn admin(&self) -> User {
        let email = fresh_email("admin");
        let settings = Settings {
            database_url: self.database_url.clone().into(),
            ..Settings::default()
        };
        payrange_app::wiring::create_user(
            &settings,
            &email,
            PASSWORD,
            payrange_domain::models::Role::Admin,
        )
        .await
        .unwrap();
        let token = client::sign_in(&self.client, &self.base, &email, PASSWORD).await;
        User { email, token }
    }

    /// `user`'s data download as CSV (`GET /api/v1/users/me/export?format=csv`), parsed with
    /// a real CSV reader (descriptions hold commas, quotes and line breaks): one map of column
    /// name to cell per line after the header, which names the columns.
    pub async fn export_csv(&self, user: &User) -> Vec<HashMap<String, String>> {
        let text = self
            .get("/api/v1/users/me/export?format=csv", Some(&user.token))
            .await
            .text()
            .await
            .unwrap();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                header
                    .iter()
                    .zip(r.iter())
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .collect()
    }

    /// Submits a vacancy as `user`, waiting up to `wait` seconds for the result if given.
    pub async fn submit(&self, user: &User, vacancy: &Value, wait: Option<u32>) -> Response {
        let path = match wait {
            Some(w) => format!("/api/v1/predictions?wait={w}"),
            None => "/api/v1/predictions".to_owned(),
        };
        self.post_json(&path, vacancy, Some(&user.token)).await
    }
}

/// Production mode on PostgreSQL `db` and RabbitMQ queue `queue` at `amqp`, with a fixed
/// token key (as every process of a deployment shares one).
pub fn production(settings: &mut Settings, db: &str, amqp: &str, queue: &str) {
    settings.database_url = db.into();
    settings.amqp_url = Some(amqp.to_owned().into());
    settings.amqp_queue = queue.to_owned();
    settings.token_key = Some("42".repeat(32).into());
}
