//! Slow and idle clients: a request head has a deadline, an idle connection is closed, and
//! connections past the cap wait. Small settings keep each test to a few seconds.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::helpers::TestApp;

const REQUEST: &[u8] = b"GET /api/v1/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (or fails it); false if `within` passes first.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Sends `REQUEST` and reads its answer's first bytes.
async fn ask(stream: &mut TcpStream) -> String {
    stream.write_all(REQUEST).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_client_sending_its_head_a_byte_at_a_time_is_cut_off() {
    let app = TestApp::spawn_with(|s| s.header_read_timeout_secs = 1).await;
    let stream = connect(&app).await;
    let (mut read, mut write) = stream.into_split();
    // Three bytes a second: the whole head would take 17 s.
    tokio::spawn(async move {
        for &b in REQUEST {
            if write.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let mut buf = [0u8; 256];
    let cut = timeout(Duration::from_secs(4), async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => assert!(
                    !String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
                    "a slow head must not be answered"
                ),
            }
        }
    })
    .await;
    assert!(cut.is_ok(), "the slow client is still connected after 4 s");
}

#[tokio::test]
async fn a_head_sent_in_time_is_answered_and_a_later_slow_one_is_cut_off() {
    let app = TestApp::spawn_with(|s| s.header_read_timeout_secs = 1).await;
    let mut stream = connect(&app).await;
    assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
    // Keep-alive: the next request's head is timed from its first byte.
    stream.write_all(b"GET /api/v1/hea").await.unwrap();
    assert!(closed_within(&mut stream, Duration::from_secs(4)).await);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    // Idle 2 s: the head deadline's timer (1 s) must not count as activity and postpone it,
    // as a stale one once did (closing only at 3 s).
    let app = TestApp::spawn_with(|s| {
        s.idle_timeout_secs = 2;
        s.header_read_timeout_secs = 1;
    })
    .await;
    let mut stream = connect(&app).await;
    assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert!(closed_within(&mut stream, Duration::from_millis(2700)).await);
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_one_to_close() {
    let app = TestApp::spawn_with(|s| {
        s.max_connections = 1;
        s.idle_timeout_secs = 2;
    })
    .await;
    // The helper's readiness probe left a keep-alive connection: the idle timeout closes it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut first = connect(&app).await;
    assert!(ask(&mut first).await.starts_with("HTTP/1.1 200"));
    let mut second = connect(&app).await;
    second.write_all(REQUEST).await.unwrap();
    let mut buf = [0u8; 4096];
    assert!(
        timeout(Duration::from_millis(700), second.read(&mut buf))
            .await
            .is_err(),
        "a second connection is served while the first is open"
    );
    drop(first);
    let n = timeout(Duration::from_secs(5), second.read(&mut buf))
        .await
        .expect("served once the first closed")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}
