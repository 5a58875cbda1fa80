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
use antom_tower::store::{
    ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey, NewOrder,
    Order, OrderStore, PaymentResult, RefundResult, SqliteOrderStore, StateChange, StoreError,
};
use async_trait::async_trait;

const POINTS: [&str; 4] = [
    "after-create-order",
    "before-mark-pending",
    "notify-before-store",
    "notify-after-store",
];

/// The SQLite store, stopping dead at the crash point.
struct CrashingStore {
    inner: SqliteOrderStore,
    point: Option<String>,
}

impl CrashingStore {
    async fn maybe_crash(&self, point: &str, id: &str) {
        if self.point.as_deref() == Some(point) {
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
impl OrderStore for CrashingStore {
    async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
        let created = self.inner.create_order(order).await?;
        self.maybe_crash("after-create-order", &created.order_id).await;
        Ok(created)
    }
    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_order(order_id).await
    }
    async fn get_by_payment_request_id(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_by_payment_request_id(id).await
    }
    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        self.maybe_crash("before-mark-pending", order_id).await;
        self.inner.mark_pending(order_id).await
    }
    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        self.maybe_crash("notify-before-store", &result.payment_request_id)
            .await;
        let outcome = self.inner.apply_payment_result(result).await?;
        self.maybe_crash("notify-after-store", &result.payment_request_id).await;
        Ok(outcome)
    }
    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        self.inner.apply_refund_result(result).await
    }
    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        self.inner.list_pending(limit).await
    }
    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        self.inner.claim_for_inquiry(claim).await
    }
    async fn release_inquiry_claims(&self, ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
        self.inner.release_inquiry_claims(ids, lease_until_ms).await
    }
    async fn check_writable(&self) -> Result<(), StoreError> {
        self.inner.check_writable().await
    }
    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
        self.inner.state_changes(order_id).await
    }
    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
        self.inner.claim_idempotency_key(new).await
    }
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency_record(key).await
    }
    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        self.inner.record_idempotent_response(key, response).await
    }
    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
        self.inner.release_idempotency_key(key, order_id).await
    }
    async fn purge_idempotency_keys(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.inner.purge_idempotency_keys(before_ms).await
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
    let store: Arc<dyn OrderStore> = Arc::new(CrashingStore {
        inner,
        point: args.crash_at.clone(),
    });
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
