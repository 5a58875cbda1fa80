//! Slow-loris against the shipped server: 2,000 connections that trickle
//! their headers one byte every 500 ms, against the merchant server as a
//! child process (`antom-crash-server serve`: the checkout routes served by
//! `antom_tower::serve::Server`) whose open-file soft limit is 1,024, the
//! common default. A genuine notification must still be acknowledged within
//! 2 seconds: the server bounds its connections (512 by default) and a new
//! connection takes the place of the one idle longest, so the slow ones can
//! neither exhaust the file descriptors nor lock a genuine client out.

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_reliability::plan::{Final, PlannedOrder};
use antom_reliability::send::{self, SignedNotification};
use antom_reliability::{report, CLIENT_ID, NOTIFY_PATH};
use antom_testkit::keys;
use antom_testkit::mock::MockAntom;
use antom_tower::signing::{request_time, KeyVersion};
use antom_types::Amount;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

const SLOW_CONNECTIONS: usize = 2_000;
const SERVER_OPEN_FILES: u32 = 1_024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_notification_gets_through_two_thousand_slow_connections() {
    let mock = MockAntom::builder().start().await.expect("mock Antom");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("orders.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // The server runs with the common soft limit on open files.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {SERVER_OPEN_FILES} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_antom-crash-server"))
        .args([
            "serve",
            "--db",
            &db.to_string_lossy(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--antom", mock.base_url()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
            .await
            .expect("the server starts")
            .expect("stdout")
            .expect("the server printed its address");
        if let Some(url) = line.strip_prefix("LISTENING ") {
            break url.to_owned();
        }
    };
    let http = send::http_client(4);
    let (status, session) = send::post_json(
        &http,
        &format!("{url}/antom/sessions"),
        &serde_json::json!({"amount": 4200, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "slow clients"}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let order = PlannedOrder {
        order_id: session["orderId"].as_str().expect("orderId").to_owned(),
        payment_request_id: session["paymentRequestId"]
            .as_str()
            .expect("paymentRequestId")
            .to_owned(),
        payment_id: "2026120200000000001".into(),
        amount: Amount::from_minor_units(4200, "SGD").expect("amount"),
        outcome: Final::Succeeded,
        marked_pending: true,
    };
    let notification = SignedNotification::sign(
        &keys::antom_private_key(),
        KeyVersion(1),
        NOTIFY_PATH,
        CLIENT_ID,
        &request_time::format_epoch_millis(SystemTime::now()),
        order.body(true),
    );

    // 2,000 connections trickling their headers, for at most 20 s each.
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("address");
    let closed_by_server = Arc::new(AtomicUsize::new(0));
    let mut slow = Vec::with_capacity(SLOW_CONNECTIONS);
    for _ in 0..SLOW_CONNECTIONS {
        let Ok(stream) = TcpStream::connect(addr).await else {
            continue;
        };
        let closed = closed_by_server.clone();
        slow.push(tokio::spawn(trickle(stream, closed)));
    }
    let opened = slow.len();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let answer = tokio::time::timeout(
        Duration::from_secs(2),
        send::post_notification(&send::http_client(1), &format!("{url}{NOTIFY_PATH}"), &notification),
    )
    .await
    .expect("the genuine notification is answered within 2 s")
    .expect("answered");
    assert!(answer.is_ack(), "{} {}", answer.status, answer.text());
    let (status, order_view) = send::get_json(&http, &format!("{url}/antom/orders/{}", order.order_id)).await;
    assert_eq!(
        (status, order_view["status"].as_str()),
        (200, Some("succeeded")),
        "{order_view}"
    );

    for task in &slow {
        task.abort();
    }
    let _ = child.kill().await;
    let closed = closed_by_server.load(Ordering::SeqCst);
    assert!(closed > 0, "the server closed none of the slow connections");
    report(
        "a_genuine_notification_gets_through_two_thousand_slow_connections",
        &[
            ("slow_connections", opened.to_string()),
            ("server_open_file_limit", SERVER_OPEN_FILES.to_string()),
            ("closed_by_the_server", closed.to_string()),
            ("genuine_acknowledged", "1".into()),
        ],
    );
}

/// Sends a request's head one byte every 500 ms; counts the connection in
/// `closed` when the server closes it.
async fn trickle(mut stream: TcpStream, closed: Arc<AtomicUsize>) {
    let head = b"POST /antom/notify HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-slow: ";
    let mut buffer = [0u8; 64];
    for i in 0..40 {
        let byte = head.get(i).copied().unwrap_or(b'a');
        if stream.write_all(&[byte]).await.is_err() {
            closed.fetch_add(1, Ordering::SeqCst);
            return;
        }
        // A closed connection reads as end of file (or a reset).
        if let Ok(read) = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buffer)).await {
            if matches!(read, Ok(0) | Err(_)) {
                closed.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
    }
}
