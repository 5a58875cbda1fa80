//! The merchant server of the crash tests (`tests/crash.rs`): the checkout
//! routes over a SQLite file, run as a child process that the test kills with
//! SIGKILL at a chosen point, then starts again on the same file.
//!
//! ```text
//! antom-crash-server serve --db FILE --listen 127.0.0.1:PORT --antom URL [--crash-at POINT]
//! antom-crash-server reconcile --db FILE --antom URL
//! ```
//!
//! `serve` prints `LISTENING http://ADDR` once it accepts connections. With
//! `--crash-at`, when the process reaches POINT it prints
//! `CRASHPOINT POINT ID` and stops there (it never goes on), for the test to
//! kill it:
//!
//! | POINT | where |
//! | --- | --- |
//! | `after-create-order` | the order is stored; Antom's createPaymentSession not called yet |
//! | `before-mark-pending` | Antom created the session; the order not yet marked pending |
//! | `notify-before-store` | a verified notification arrived; not yet applied to the store |
//! | `notify-after-store` | the store committed the notification's result; not yet acknowledged |
//!
//! `reconcile` runs one reconciliation sweep (every pending order, any age),
//! prints `RECONCILED checked=N settled=N still_pending=N errors=N` and exits:
//! what a restarted server's reconciler does first.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use antom_reliability::shop::{Shop, ShopConfig};
use antom_testkit::intercept::{Intercept, InterceptStore, StoreOp};
use antom_tower::store::{OrderStore, SqliteOrderStore, StoreError};
use async_trait::async_trait;

const POINTS: [&str; 4] = [
    "after-create-order",
    "before-mark-pending",
    "notify-before-store",
    "notify-after-store",
];

/// The SQLite store, stopping dead at the crash point.
type CrashingStore = InterceptStore<SqliteOrderStore, CrashPoint>;

/// Where to stop. The notify points are around the write of a payment
/// result: `record_notification` (the notify route) or `apply_effect` (the
/// reconciler), identified by its `paymentRequestId`.
struct CrashPoint(Option<String>);

impl CrashPoint {
    async fn maybe_crash(&self, point: &str, id: &str) {
        if self.0.as_deref() == Some(point) {
            {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "CRASHPOINT {point} {id}");
                let _ = out.flush();
            }
            // Stop here for good: the test kills the process with SIGKILL.
            std::future::pending::<()>().await;
        }
    }
}

#[async_trait]
impl Intercept for CrashPoint {
    async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
        match op {
            StoreOp::MarkPending { order_id } => self.maybe_crash("before-mark-pending", order_id).await,
            _ => {
                if let Some(result) = op.payment_result() {
                    self.maybe_crash("notify-before-store", &result.payment_request_id)
                        .await;
                }
            }
        }
        Ok(())
    }

    async fn after(&self, op: &StoreOp<'_>) {
        match op {
            StoreOp::CreateOrder(order) => self.maybe_crash("after-create-order", &order.order_id).await,
            _ => {
                if let Some(result) = op.payment_result() {
                    self.maybe_crash("notify-after-store", &result.payment_request_id).await;
                }
            }
        }
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("antom-crash-server: {problem}");
    eprintln!("usage: antom-crash-server serve --db FILE --listen 127.0.0.1:PORT --antom URL [--crash-at POINT]");
    eprintln!("       antom-crash-server reconcile --db FILE --antom URL");
    eprintln!("POINT: {}", POINTS.join(", "));
    std::process::exit(2);
}

#[derive(Default)]
struct Args {
    command: String,
    db: Option<String>,
    listen: Option<String>,
    antom: Option<String>,
    crash_at: Option<String>,
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        command: args.next().unwrap_or_else(|| usage("no command")),
        ..Args::default()
    };
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--db" => parsed.db = Some(value),
            "--listen" => parsed.listen = Some(value),
            "--antom" => parsed.antom = Some(value),
            "--crash-at" if POINTS.contains(&value.as_str()) => parsed.crash_at = Some(value),
            _ => usage(&format!("unknown flag or value: {flag} {value}")),
        }
    }
    parsed
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = parse_args();
    let db = args.db.clone().unwrap_or_else(|| usage("--db is required"));
    let antom = args.antom.clone().unwrap_or_else(|| usage("--antom is required"));
    let inner = SqliteOrderStore::open(&db).await.unwrap_or_else(|e| {
        eprintln!("antom-crash-server: cannot open {db}: {e}");
        std::process::exit(1);
    });
    let store: Arc<dyn OrderStore> = Arc::new(CrashingStore::new(inner, CrashPoint(args.crash_at.clone())));
    let config = ShopConfig {
        antom_base_url: Some(antom),
        client_retries: 2,
        client_timeout: Duration::from_secs(5),
        ..ShopConfig::default()
    };
    match args.command.as_str() {
        "serve" => {
            let listen = args.listen.unwrap_or_else(|| usage("--listen is required"));
            let listener = tokio::net::TcpListener::bind(&listen).await.unwrap_or_else(|e| {
                eprintln!("antom-crash-server: cannot listen on {listen}: {e}");
                std::process::exit(1);
            });
            let shop = Shop::start_on(listener, store, config).await;
            println!("LISTENING {}", shop.url);
            let _ = std::io::stdout().flush();
            std::future::pending::<()>().await;
        }
        "reconcile" => {
            // Only the reconciler runs: the server's routes are not needed.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let shop = Shop::start_on(listener, store, config).await;
            let report = shop.checkout.reconciler().min_age(Duration::ZERO).run_once().await;
            println!(
                "RECONCILED checked={} settled={} still_pending={} errors={}",
                report.checked, report.settled, report.still_pending, report.errors
            );
        }
        other => usage(&format!("unknown command {other}")),
    }
}
