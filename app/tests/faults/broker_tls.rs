//! Production mode with TLS to the broker (`amqps://`): `serve` and `worker` reach a RabbitMQ
//! that listens for TLS, verify its certificate against the CA named in the URL, and a
//! prediction goes through; a broker whose certificate that CA did not sign, and a plain
//! `amqp://` connection to the TLS port, are refused.

use std::time::Duration;

use payrange_queue_amqp::{AmqpJobQueue, AmqpSettings};

use crate::support::client::User;
use crate::support::servers::PrivateRabbit;
use crate::support::{Fixture, private_servers_available, scratch, shared_services};

fn amqps_url(rabbit: &PrivateRabbit, ca: &std::path::Path) -> String {
    format!(
        "amqps://guest:guest@127.0.0.1:{}/%2f?cacertfile={}",
        rabbit.tls_port(),
        ca.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_and_worker_reach_a_tls_broker_and_refuse_one_they_cannot_verify() {
    let Some((admin, _)) = shared_services() else {
        return;
    };
    if !private_servers_available() {
        return;
    }
    let rabbit = PrivateRabbit::start_tls();
    let url = amqps_url(&rabbit, &rabbit.ca_file());

    // A CA that signed nothing of the broker's: the handshake fails, nothing is trusted blindly.
    let untrusted = AmqpSettings::new(amqps_url(&rabbit, &rabbit.other_ca_file()));
    assert!(AmqpJobQueue::connect(untrusted).await.is_err());
    // Plain AMQP to the TLS listener does not get through either.
    let plain = format!("amqp://guest:guest@127.0.0.1:{}/%2f", rabbit.tls_port());
    assert!(
        AmqpJobQueue::connect(AmqpSettings::new(plain))
            .await
            .is_err()
    );

    let name = crate::support::unique("payrange_faults");
    let db_url = scratch::create_database(&admin, &name).await;
    let f = Fixture::new(crate::PAYRANGE, admin, name, db_url, url);
    let serve = f.deployment.serve("serve").await;
    let _worker = f.deployment.worker("worker").await;
    let user = User::register(&serve.base()).await;
    let id = user.submit_accepted("Rust developer").await;
    let p = user.finished(&id, Duration::from_secs(60)).await;
    assert_eq!(p["status"], "done", "{p}");
    assert!(p["salary_from"].as_f64().is_some_and(|v| v > 0.0), "{p}");
}
