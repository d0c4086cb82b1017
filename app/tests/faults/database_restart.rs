//! PostgreSQL restarted under running processes: while it is down, requests fail fast with
//! 503 and readiness says so; afterwards everything works again without restarting anything.

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::client::{User, status_of};
use crate::support::processes::Proc;
use crate::support::servers::PrivatePostgres;
use crate::support::{Fixture, eventually, private_servers_available, scratch, shared_services};

/// Waits until `/health/ready` of `proc` answers `status`, and checks `/health/live` is 200.
async fn health(proc: &Proc, ready: StatusCode) {
    let base = format!("{}{}", proc.base(), proc.health_prefix());
    let what = format!("{} to be {ready} on /ready", proc.name);
    eventually(&what, Duration::from_secs(30), || async {
        (status_of(&format!("{base}/ready")).await == Some(ready)).then_some(())
    })
    .await;
    assert_eq!(
        status_of(&format!("{base}/live")).await,
        Some(StatusCode::OK)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_restarts_requests_get_a_quick_503_and_then_work_again() {
    let Some((_, amqp_url)) = shared_services() else {
        return;
    };
    if !private_servers_available() {
        return;
    }
    let pg = PrivatePostgres::start();
    let admin = pg.url("postgres");
    let name = crate::support::unique("payrange_faults");
    let db_url = scratch::create_database(&admin, &name).await;
    let f = Fixture::new(crate::PAYRANGE, admin, name, db_url, amqp_url);
    let mut serve = f.deployment.serve("serve").await;
    let mut worker = f.deployment.worker("worker").await;
    let user = User::register(&serve.base()).await;
    let before = user.submit_accepted("Scala developer").await;
    assert_eq!(
        user.finished(&before, Duration::from_secs(30)).await["status"],
        "done"
    );

    pg.stop();
    health(&serve, StatusCode::SERVICE_UNAVAILABLE).await;
    health(&worker, StatusCode::SERVICE_UNAVAILABLE).await;
    // Each request answers 503 with Retry-After (within the client's timeout: no hanging).
    for r in [
        user.get("/predictions").await,
        user.submit("Elixir developer").await,
    ] {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().contains_key("retry-after"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "service_unavailable", "{body}");
    }

    pg.start_again();
    health(&serve, StatusCode::OK).await;
    health(&worker, StatusCode::OK).await;
    let after = user.submit_accepted("Erlang developer").await;
    assert_eq!(
        user.finished(&after, Duration::from_secs(30)).await["status"],
        "done"
    );
    let history = user.history().await;
    let ids: Vec<_> = history.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![after.as_str(), before.as_str()],
        "nothing stored while down"
    );
    assert!(
        serve.running() && worker.running(),
        "no process was restarted"
    );
}
