//! Crashes: the merchant server is a real child process
//! (`antom-crash-server`, the checkout routes over a SQLite file) killed with
//! SIGKILL at four points, then started again on the same file. Its
//! reconciliation sweep (the first thing a restarted server does) and the
//! mock Antom's own notification retries must bring each order to the right
//! state, with each change recorded once.
//!
//! | killed | after the restart |
//! | --- | --- |
//! | between storing an order and calling Antom | Antom never heard of it: `created` while young (ORDER_NOT_EXIST is not a failure), `expired` once 15 minutes old; nothing charged |
//! | after Antom created the session, before the order was marked pending | the buyer paid meanwhile: reconciliation finds it `succeeded`; the resent notification is acknowledged as a duplicate |
//! | between receiving a notification and storing it | reconciliation finds it `succeeded`; the resent notification is acknowledged as a duplicate |
//! | between storing a notification's result and acknowledging it | the result survived the kill (`synchronous = FULL`); the resent notification is acknowledged, nothing applied twice |

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use antom_reliability::plan::check_order;
use antom_reliability::send::{self, HttpClient};
use antom_reliability::{report, sqlite};
use antom_testkit::mock::{MockAntom, MockAntomHandle};
use antom_tower::store::{Order, OrderStatus, OrderStore, ResultSource, SqliteOrderStore};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(30);
/// Long enough for Antom's later retries (1 h 22 min, 3 h 22 min... scaled).
const WAIT_FOR_RETRIES: Duration = Duration::from_secs(120);

/// A running `antom-crash-server`, its stdout read line by line.
struct Server {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Server {
    fn spawn(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_antom-crash-server"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start antom-crash-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Server { child, lines }
    }

    /// `serve` on 127.0.0.1:`port`, optionally stopping at `crash_at`; returns once listening.
    async fn serve(db: &Path, port: u16, antom: &str, crash_at: Option<&str>) -> Server {
        let db = db.to_string_lossy();
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--db", &db, "--listen", &listen, "--antom", antom];
        if let Some(point) = crash_at {
            args.extend(["--crash-at", point]);
        }
        let mut server = Server::spawn(&args);
        server.expect_line("LISTENING ").await;
        server
    }

    /// The next line starting with `prefix`, without it.
    async fn expect_line(&mut self, prefix: &str) -> String {
        loop {
            let line = tokio::time::timeout(WAIT, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no `{prefix}` line within {WAIT:?}"))
                .unwrap_or_else(|| panic!("the server exited before printing `{prefix}`"));
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
    }

    /// SIGKILL, and check that the process died of it.
    async fn kill9(mut self) {
        self.child.kill().await.expect("kill");
        let status = self.child.wait().await.expect("wait");
        assert_eq!(status.signal(), Some(9), "killed with SIGKILL: {status:?}");
    }
}

/// One reconciliation sweep by a fresh process on `db`: (checked, settled, still_pending, errors).
async fn reconcile(db: &Path, antom: &str) -> (u64, u64, u64, u64) {
    let db = db.to_string_lossy();
    let mut server = Server::spawn(&["reconcile", "--db", &db, "--antom", antom]);
    let line = server.expect_line("RECONCILED ").await;
    let status = tokio::time::timeout(WAIT, server.child.wait())
        .await
        .expect("reconcile exits")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| {
                kv.strip_prefix(&format!("{name}="))
                    .map(|v| v.parse().expect("a number"))
            })
            .unwrap_or_else(|| panic!("{name} in {line}"))
    };
    (
        field("checked"),
        field("settled"),
        field("still_pending"),
        field("errors"),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port()
}

async fn mock() -> MockAntomHandle {
    MockAntom::builder()
        .time_scale(1_000.0)
        .start()
        .await
        .expect("mock Antom")
}

/// POSTs an order to `/antom/sessions` in the background: the server may die mid-request.
fn post_session(http: &HttpClient, port: u16, amount: u64) -> tokio::task::JoinHandle<Result<(u16, Value), String>> {
    let http = http.clone();
    tokio::spawn(async move {
        let body = serde_json::json!({"amount": amount, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "crash test"});
        let request = http::Request::post(format!("http://127.0.0.1:{port}/antom/sessions"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        let response = http.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    })
}

struct Setup {
    _dir: tempfile::TempDir,
    db: PathBuf,
    port: u16,
    mock: MockAntomHandle,
    http: HttpClient,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("orders.db");
    Setup {
        _dir: dir,
        db,
        port: free_port(),
        mock: mock().await,
        http: send::http_client(0),
    }
}

impl Setup {
    /// Reads the file as the restarted server sees it.
    async fn order(&self, order_id: &str) -> Order {
        let store = SqliteOrderStore::open(self.db.to_string_lossy()).await.expect("open");
        let order = store
            .get_order(order_id)
            .await
            .expect("read")
            .expect("the order survived the kill");
        store.close().await;
        order
    }

    async fn check(&self, order_id: &str, expected: OrderStatus) -> Vec<antom_tower::store::StateChange> {
        let store = SqliteOrderStore::open(self.db.to_string_lossy()).await.expect("open");
        let changes = check_order(&store, order_id, expected, &ResultSource::ALL)
            .await
            .unwrap_or_else(|p| panic!("{p}"));
        store.close().await;
        changes
    }

    /// An order through `/antom/sessions` on a server that does not crash there.
    async fn pending_order(&self, server_port: u16) -> (String, String) {
        let (status, body) = post_session(&self.http, server_port, 4200)
            .await
            .expect("task")
            .expect("answer");
        assert_eq!(status, 200, "{body}");
        (
            body["orderId"].as_str().expect("orderId").to_owned(),
            body["paymentRequestId"].as_str().expect("paymentRequestId").to_owned(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_storing_an_order_and_calling_antom() {
    let s = setup().await;
    let antom = s.mock.base_url().to_owned();
    let mut server = Server::serve(&s.db, s.port, &antom, Some("after-create-order")).await;
    let request = post_session(&s.http, s.port, 4200);
    let order_id = server.expect_line("CRASHPOINT after-create-order ").await;
    server.kill9().await;
    assert!(request.await.expect("task").is_err(), "the buyer got no answer");
    assert!(
        s.mock.log().requests_for("createPaymentSession").is_empty(),
        "Antom was never called"
    );
    let order = s.order(&order_id).await;
    assert_eq!(order.status, OrderStatus::Created);

    // Restarted: Antom knows nothing of it; a young order is left alone.
    assert_eq!(reconcile(&s.db, &antom).await, (1, 0, 1, 0));
    assert_eq!(s.order(&order_id).await.status, OrderStatus::Created);
    // A quarter of an hour later it is closed.
    sqlite::age_order(&s.db, &order_id, Duration::from_secs(16 * 60)).await;
    assert_eq!(reconcile(&s.db, &antom).await, (1, 1, 0, 0));
    let changes = s.check(&order_id, OrderStatus::Expired).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].source, ResultSource::Reconciliation);
    assert!(s.mock.payment(&order.payment_request_id).is_none(), "nothing charged");
    report(
        "crash_after_create_order",
        &[("kills", "1".into()), ("final", "expired".into()), ("lost", "0".into())],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_antom_created_the_session_before_it_was_marked_pending() {
    let s = setup().await;
    let antom = s.mock.base_url().to_owned();
    let mut server = Server::serve(&s.db, s.port, &antom, Some("before-mark-pending")).await;
    let request = post_session(&s.http, s.port, 4200);
    let order_id = server.expect_line("CRASHPOINT before-mark-pending ").await;
    server.kill9().await;
    assert!(request.await.expect("task").is_err());
    let order = s.order(&order_id).await;
    assert_eq!(order.status, OrderStatus::Created);
    // Antom has the session; the buyer pays while the server is down.
    s.mock.pay(&order.payment_request_id).expect("the buyer pays");

    assert_eq!(reconcile(&s.db, &antom).await, (1, 1, 0, 0));
    let _server = Server::serve(&s.db, s.port, &antom, None).await;
    s.mock
        .wait_for_acknowledged(1, WAIT_FOR_RETRIES)
        .await
        .expect("the resent notification is acknowledged");
    let changes = s.check(&order_id, OrderStatus::Succeeded).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].source, ResultSource::Reconciliation);
    assert_eq!(s.mock.payments().len(), 1);
    report(
        "crash_before_mark_pending",
        &[
            ("kills", "1".into()),
            ("notification_attempts", s.mock.log().notifications().len().to_string()),
            ("final", "succeeded".into()),
            ("lost", "0".into()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_receiving_a_notification_and_storing_it() {
    let s = setup().await;
    let antom = s.mock.base_url().to_owned();
    let mut server = Server::serve(&s.db, s.port, &antom, Some("notify-before-store")).await;
    let (order_id, payment_request_id) = s.pending_order(s.port).await;
    s.mock.pay(&payment_request_id).expect("the buyer pays");
    let at = server.expect_line("CRASHPOINT notify-before-store ").await;
    assert_eq!(at, payment_request_id);
    server.kill9().await;
    assert_eq!(s.order(&order_id).await.status, OrderStatus::Pending, "nothing stored");

    assert_eq!(reconcile(&s.db, &antom).await, (1, 1, 0, 0));
    let _server = Server::serve(&s.db, s.port, &antom, None).await;
    let attempts = s
        .mock
        .wait_for_acknowledged(1, WAIT_FOR_RETRIES)
        .await
        .expect("the resent notification is acknowledged");
    assert!(!attempts[0].acknowledged, "the first attempt died with the server");
    let changes = s.check(&order_id, OrderStatus::Succeeded).await;
    assert_eq!(
        changes.iter().map(|c| c.source).collect::<Vec<_>>(),
        [ResultSource::Api, ResultSource::Reconciliation]
    );
    report(
        "crash_notify_before_store",
        &[
            ("kills", "1".into()),
            ("notification_attempts", attempts.len().to_string()),
            ("final", "succeeded".into()),
            ("lost", "0".into()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_storing_a_notification_and_acknowledging_it() {
    let s = setup().await;
    let antom = s.mock.base_url().to_owned();
    let mut server = Server::serve(&s.db, s.port, &antom, Some("notify-after-store")).await;
    let (order_id, payment_request_id) = s.pending_order(s.port).await;
    s.mock.pay(&payment_request_id).expect("the buyer pays");
    let at = server.expect_line("CRASHPOINT notify-after-store ").await;
    assert_eq!(at, payment_request_id);
    server.kill9().await;
    // Committed before the kill, so it survived it.
    assert_eq!(s.order(&order_id).await.status, OrderStatus::Succeeded);

    assert_eq!(reconcile(&s.db, &antom).await, (0, 0, 0, 0), "nothing left pending");
    let _server = Server::serve(&s.db, s.port, &antom, None).await;
    let attempts = s
        .mock
        .wait_for_acknowledged(1, WAIT_FOR_RETRIES)
        .await
        .expect("the resent notification is acknowledged");
    assert!(!attempts[0].acknowledged, "the first attempt died with the server");
    let changes = s.check(&order_id, OrderStatus::Succeeded).await;
    assert_eq!(
        changes.iter().map(|c| c.source).collect::<Vec<_>>(),
        [ResultSource::Api, ResultSource::Notification],
        "applied once, though delivered twice"
    );
    report(
        "crash_notify_after_store",
        &[
            ("kills", "1".into()),
            ("notification_attempts", attempts.len().to_string()),
            ("final", "succeeded".into()),
            ("lost", "0".into()),
        ],
    );
}
