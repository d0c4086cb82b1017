//! Starting an app per test, and a client that speaks to it.

use std::time::Duration;

use payrange_app::Settings;
use reqwest::{Client, Response, StatusCode};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use tokio::sync::oneshot;

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

/// A signed-in user.
pub struct User {
    pub email: String,
    pub token: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

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

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/users",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

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
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        assert_eq!(
            self.register(&email, PASSWORD).await.status(),
            StatusCode::CREATED
        );
        let r = self.sign_in(&email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK);
        let token = json_of(r).await["token"].as_str().unwrap().to_owned();
        User { email, token }
    }

    /// Creates an administrator the way `payrange admin create-user --admin` does, and signs
    /// them in.
    pub async fn admin(&self) -> User {
        let email = format!("admin-{}@example.com", uuid::Uuid::new_v4().simple());
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
        let r = self.sign_in(&email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK);
        let token = json_of(r).await["token"].as_str().unwrap().to_owned();
        User { email, token }
    }

    pub async fn patch_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut req = self.client.patch(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Submits a vacancy.
    pub async fn submit(&self, user: &User, vacancy: &Value, wait: Option<u32>) -> Response {
        let path = match wait {
            Some(w) => format!("/api/v1/predictions?wait={w}"),
            None => "/api/v1/predictions".to_owned(),
        };
        self.post_json(&path, vacancy, Some(&user.token)).await
    }
}

pub async fn json_of(r: Response) -> Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a JSON error with this status and code; returns the body.
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

pub fn vacancy(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Разработка backend-сервисов на Python (Django, PostgreSQL, Docker). \
                        Опыт работы от 3 лет. Удалённая работа, ДМС.",
        "area": "Москва"
    })
}
