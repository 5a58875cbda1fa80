//! A store that failed once recovers by itself when the fault clears, and a
//! client that hangs up mid-notification never wedges it.
//!
//! Every fault test has one shape: orders in the store; the fault injected; a
//! signed notification per order, each refused (never acknowledged, so Antom
//! resends) and the readiness route failing; the fault cleared; the same
//! bytes again, as Antom's resend: each stored and acknowledged on the first
//! try, every order checked (`check_order`), readiness back.
//!
//! - SQLite: the disk under the database fills up (a small tmpfs; `SQLITE_FULL`
//!   at commit), then is freed.
//! - PostgreSQL: the server (one of this test's own) is stopped, then started
//!   again; refusals come within the store's acquire timeout.
//! - Memory: the store is switched off and on ([`FaultyStore`]).
//!
//! Then bursts of notify requests aborted by the client before, during and
//! right after the body, on SQLite and PostgreSQL: afterwards every genuine
//! notification is acknowledged at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use antom_reliability::faults::{faulty, FaultyStore};
use antom_reliability::plan::{Copies, Kind, Plan};
use antom_reliability::send::{deliver_all, get_json, SignedNotification};
use antom_reliability::shop::{Shop, ShopConfig};
use antom_reliability::sqlite::{self, FullDisk};
use antom_reliability::{pg, report, seed};
use antom_tower::store::{MemoryOrderStore, OrderStore, PostgresOrderStore};
use async_trait::async_trait;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const ORDERS: usize = 24;

/// A fault to inject and clear.
#[async_trait]
trait Fault: Send + Sync {
    async fn inject(&self);
    async fn clear(&self);
}

struct Figures {
    refused: usize,
    acknowledged: usize,
    slowest_refusal: Duration,
}

/// The shape every fault test shares (see the module docs).
async fn fault_then_resend(store: Arc<dyn OrderStore>, fault: &dyn Fault) -> Figures {
    let plan = Plan::new(
        seed(),
        ORDERS,
        Copies {
            final_result: 1,
            resigned: 0,
            pending: 1,
        },
    );
    plan.create_orders(&*store).await;
    let shop = Shop::start(store.clone(), ShopConfig::default()).await;
    let ready = format!("{}/antom/ready", shop.url);
    assert_eq!(get_json(&shop.http, &ready).await.0, 200, "ready before the fault");
    let finals: Vec<Arc<SignedNotification>> = plan
        .notifications
        .iter()
        .filter(|(_, kind, _)| *kind == Kind::Final)
        .map(|(_, _, n)| n.clone())
        .collect();

    fault.inject().await;
    let started = Instant::now();
    let refusals = deliver_all(&shop.http, &shop.notify_url(), finals.clone(), 32).await;
    let slowest_refusal = started.elapsed();
    for answer in &refusals {
        let answer = answer.as_ref().expect("the server answers while the store is down");
        assert!(
            !answer.is_ack(),
            "acknowledged while the store was down: {}",
            answer.text()
        );
        assert_eq!(answer.status, 503, "{}", answer.text());
        assert_eq!(answer.error_code().as_deref(), Some("store_unavailable"));
    }
    let (status, body) = get_json(&shop.http, &ready).await;
    assert_eq!(status, 503, "readiness fails while the store cannot write: {body}");

    fault.clear().await;
    let resends = deliver_all(&shop.http, &shop.notify_url(), finals, 32).await;
    for answer in &resends {
        let answer = answer.as_ref().expect("answered");
        assert!(
            answer.is_ack(),
            "the resend after the fault must be stored: {} {}",
            answer.status,
            answer.text()
        );
    }
    let checked = plan.check(&*store).await.unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(checked.orders, ORDERS);
    assert_eq!(get_json(&shop.http, &ready).await.0, 200, "ready again");
    Figures {
        refused: refusals.len(),
        acknowledged: resends.len(),
        slowest_refusal,
    }
}

fn report_figures(test: &str, faults: usize, figures: &Figures) {
    report(
        test,
        &[
            ("faults_injected", faults.to_string()),
            ("notifications_refused", figures.refused.to_string()),
            ("resent_and_acknowledged", figures.acknowledged.to_string()),
            ("slowest_refusal_ms", figures.slowest_refusal.as_millis().to_string()),
            ("lost", "0".into()),
        ],
    );
}

struct DiskFull {
    disk: FullDisk,
    db: std::path::PathBuf,
}

#[async_trait]
impl Fault for DiskFull {
    async fn inject(&self) {
        // An empty WAL, so the next commit must grow it: onto a full disk.
        sqlite::truncate_wal(&self.db).await;
        self.disk.fill();
    }
    async fn clear(&self) {
        self.disk.free();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_sqlite_is_survived_and_the_resends_are_stored() {
    let disk = match FullDisk::mount(4096) {
        Ok(disk) => disk,
        Err(reason) if std::env::var_os("CI").is_none() => {
            println!("skipped: {reason}");
            return;
        }
        Err(reason) => panic!("{reason} (CI is set: this test must run)"),
    };
    let db = disk.path().join("orders.db");
    let store = Arc::new(sqlite::open_with_busy_timeout(&db, Duration::from_secs(1)).await);
    let fault = DiskFull { disk, db };
    let figures = fault_then_resend(store.clone(), &fault).await;
    store.close().await;
    report_figures(
        "a_full_disk_under_sqlite_is_survived_and_the_resends_are_stored",
        1,
        &figures,
    );
}

struct ServerDown(pg::OwnServer);

#[async_trait]
impl Fault for ServerDown {
    async fn inject(&self) {
        self.0.stop().await;
    }
    async fn clear(&self) {
        self.0.restart().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_is_survived_and_the_resends_are_stored() {
    let test = "a_postgresql_restart_is_survived_and_the_resends_are_stored";
    let Some(server) = pg::OwnServer::start(test).await else {
        return;
    };
    let store = Arc::new(PostgresOrderStore::connect(server.url()).await.expect("connect"));
    let fault = ServerDown(server);
    let figures = fault_then_resend(store.clone(), &fault).await;
    // Refused within the acquire timeout (3 s), not sqlx's default 30 s.
    assert!(
        figures.slowest_refusal < Duration::from_secs(10),
        "refusals took {:?}",
        figures.slowest_refusal
    );
    store.close().await;
    report_figures(test, 1, &figures);
}

struct SwitchedOff(Arc<FaultyStore<MemoryOrderStore>>);

#[async_trait]
impl Fault for SwitchedOff {
    async fn inject(&self) {
        self.0.hook().set_down(true);
    }
    async fn clear(&self) {
        self.0.hook().set_down(false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_store_switched_off_and_on_stores_the_resends() {
    let store = Arc::new(faulty(MemoryOrderStore::new()));
    let figures = fault_then_resend(store.clone(), &SwitchedOff(store.clone())).await;
    assert!(store.hook().refused() >= ORDERS as u64);
    report_figures("a_memory_store_switched_off_and_on_stores_the_resends", 1, &figures);
}

/// Where a client hangs up.
#[derive(Debug, Clone, Copy)]
enum Abort {
    /// After the headers, before any of the body.
    BeforeBody,
    /// Half-way through the body.
    DuringBody,
    /// Right after the whole request, without reading the answer.
    AfterBody,
    /// A few milliseconds after the whole request: the store write is under way.
    WhileStoring,
}

async fn send_and_abort(addr: std::net::SocketAddr, notification: &SignedNotification, abort: Abort) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    let head = format!(
        "POST /antom/notify HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json; charset=UTF-8\r\n\
         client-id: {}\r\nrequest-time: {}\r\nsignature: {}\r\ncontent-length: {}\r\n\r\n",
        notification.client_id,
        notification.request_time,
        notification.signature,
        notification.body.len()
    );
    let body = &notification.body;
    let _ = stream.write_all(head.as_bytes()).await;
    match abort {
        Abort::BeforeBody => {}
        Abort::DuringBody => {
            let _ = stream.write_all(&body[..body.len() / 2]).await;
        }
        Abort::AfterBody => {
            let _ = stream.write_all(body).await;
        }
        Abort::WhileStoring => {
            let _ = stream.write_all(body).await;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    // Dropped here: the connection is closed mid-request.
}

/// Three bursts of 32 aborted requests (for the first half of the orders),
/// then every order's notification for real: each acknowledged at once.
async fn aborted_requests_never_wedge(store: Arc<dyn OrderStore>, test: &str) {
    let plan = Plan::new(
        seed(),
        64,
        Copies {
            final_result: 1,
            resigned: 0,
            pending: 1,
        },
    );
    plan.create_orders(&*store).await;
    let shop = Shop::start(store.clone(), ShopConfig::default()).await;
    let notifications: Vec<Arc<SignedNotification>> = plan
        .notifications
        .iter()
        .filter(|(_, kind, _)| *kind != Kind::FinalResigned)
        .map(|(_, _, n)| n.clone())
        .collect();
    let (aborted_half, _) = notifications.split_at(notifications.len() / 2);
    let mut rng = StdRng::seed_from_u64(seed());
    let mut aborted = 0;
    for _ in 0..3 {
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let notification = aborted_half[rng.gen_range(0..aborted_half.len())].clone();
                let abort = [
                    Abort::BeforeBody,
                    Abort::DuringBody,
                    Abort::AfterBody,
                    Abort::WhileStoring,
                ][rng.gen_range(0..4)];
                let addr = shop.addr;
                tokio::spawn(async move { send_and_abort(addr, &notification, abort).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("aborting client");
            aborted += 1;
        }
    }
    // Everything for real now, the aborted ones too (Antom's resend).
    let answers = deliver_all(&shop.http, &shop.notify_url(), notifications.clone(), 16).await;
    for answer in &answers {
        let answer = answer.as_ref().expect("answered");
        assert!(
            answer.is_ack(),
            "after aborted requests: {} {}",
            answer.status,
            answer.text()
        );
    }
    let (status, _) = get_json(&shop.http, &format!("{}/antom/ready", shop.url)).await;
    assert_eq!(status, 200);
    let checked = plan.check(&*store).await.unwrap_or_else(|p| panic!("{p:#?}"));
    report(
        test,
        &[
            ("aborted_requests", aborted.to_string()),
            ("genuine_acknowledged", answers.len().to_string()),
            ("orders_checked", checked.orders.to_string()),
            ("lost", "0".into()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_requests_never_wedge_a_sqlite_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(sqlite::open_with_busy_timeout(&dir.path().join("orders.db"), Duration::from_secs(5)).await);
    aborted_requests_never_wedge(store.clone(), "aborted_requests_never_wedge_a_sqlite_store").await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_requests_never_wedge_a_postgresql_store() {
    let test = "aborted_requests_never_wedge_a_postgresql_store";
    let Some(server) = pg::server(test).await else { return };
    let schema = server.fresh_schema("aborts").await;
    let store = Arc::new(server.store(&schema, "antom_aborts", 8).await);
    aborted_requests_never_wedge(store.clone(), test).await;
    store.close().await;
    server.cleanup().await;
}
