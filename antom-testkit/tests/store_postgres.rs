//! The PostgreSQL store against a real server: the conformance suite, two
//! stores (two pools, as two server processes) racing on one schema,
//! concurrent migrations, and persistence across reconnecting.
//!
//! Needs `ANTOM_TEST_POSTGRES_URL` (start a throwaway server with
//! `export "$(scripts/postgres-test-server.sh)"`). Without it, or when the
//! server cannot be reached, each test prints `skipped: ...` and passes,
//! except when `CI` is set: then it fails. Each store gets its own freshly
//! made schema, so the tests run in parallel.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_testkit::store_conformance::run_all;
use antom_tower::store::{
    ApplyOutcome, NewOrder, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, PostgresOrderStore, ResultSource,
    StoreError,
};
use antom_types::{Amount, Currency};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

const URL_VAR: &str = "ANTOM_TEST_POSTGRES_URL";

/// The test server: an admin pool on the database, and the schemas made for
/// this test (dropped by [`Server::cleanup`]).
struct Server {
    url: String,
    admin: PgPool,
    schemas: Mutex<Vec<String>>,
}

fn skip_or_fail(reason: String) -> Option<Server> {
    if std::env::var_os("CI").is_some() {
        panic!("{reason} (CI is set, so the PostgreSQL store tests must run: start the server with scripts/postgres-test-server.sh and export {URL_VAR})");
    }
    eprintln!("skipped: {reason}; to run the PostgreSQL store tests: export \"$(scripts/postgres-test-server.sh)\"");
    None
}

async fn server() -> Option<Server> {
    let url = match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => return skip_or_fail(format!("{URL_VAR} is not set")),
    };
    let admin = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&url)
        .await;
    match admin {
        Ok(admin) => Some(Server {
            url,
            admin,
            schemas: Mutex::new(Vec::new()),
        }),
        Err(e) => skip_or_fail(format!("cannot connect to {URL_VAR}={url}: {e}")),
    }
}

static SCHEMA_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Server {
    /// Makes an empty schema with a unique name.
    async fn fresh_schema(&self) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let schema = format!(
            "antom_test_{}_{}_{:x}",
            std::process::id(),
            SCHEMA_COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
            .execute(&self.admin)
            .await
            .expect("CREATE SCHEMA");
        self.schemas.lock().unwrap().push(schema.clone());
        schema
    }

    /// A pool whose connections use `schema`.
    async fn pool_in(&self, schema: &str) -> PgPool {
        let options = PgConnectOptions::from_str(&self.url)
            .expect("a valid URL")
            .options([("search_path", schema)]);
        PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .expect("connect to the test server")
    }

    /// A store in a fresh schema of its own.
    async fn fresh_store(&self) -> PostgresOrderStore {
        let schema = self.fresh_schema().await;
        PostgresOrderStore::from_pool(self.pool_in(&schema).await)
            .await
            .expect("PostgresOrderStore::from_pool")
    }

    async fn cleanup(self) {
        let schemas = std::mem::take(&mut *self.schemas.lock().unwrap());
        for schema in schemas {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .execute(&self.admin)
                .await;
        }
        self.admin.close().await;
    }
}

fn sgd(value: u64) -> Amount {
    Amount::new(Currency::new("SGD").unwrap(), value).unwrap()
}

fn new_order(id: &str, amount: Amount) -> NewOrder {
    NewOrder {
        order_id: format!("order-{id}"),
        payment_request_id: format!("pay-{id}"),
        amount,
        description: "test".into(),
        payment_method_type: "CARD".into(),
        buyer_id: Some("buyer".into()),
        session_expires_at_ms: None,
    }
}

fn result(id: &str, amount: Amount, outcome: PaymentOutcome) -> PaymentResult {
    PaymentResult {
        payment_request_id: format!("pay-{id}"),
        payment_id: Some(format!("antom-{id}")),
        amount,
        outcome,
        source: ResultSource::Notification,
        result_code: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_conformance() {
    let Some(server) = server().await else { return };
    run_all(|| server.fresh_store()).await;
    server.cleanup().await;
}

/// The same store with its writes batched through one writer (`with_group_commit`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_with_group_commit_passes_conformance() {
    let Some(server) = server().await else { return };
    run_all(|| async { server.fresh_store().await.with_group_commit() }).await;
    server.cleanup().await;
}

/// Two stores (two pools) on one schema, created at once (concurrent
/// migrations), receive the same and conflicting results at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_schema_record_one_change() {
    let Some(server) = server().await else { return };
    let schema = server.fresh_schema().await;
    let (a, b) = tokio::join!(server.pool_in(&schema), server.pool_in(&schema));
    let (a, b) = tokio::join!(PostgresOrderStore::from_pool(a), PostgresOrderStore::from_pool(b));
    let stores = [Arc::new(a.expect("first store")), Arc::new(b.expect("second store"))];
    for round in 0..10 {
        let id = format!("shared-{round}");
        stores[round % 2].create_order(new_order(&id, sgd(4200))).await.unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(30));
        let mut tasks = Vec::new();
        for i in 0..30 {
            let store = stores[i % 2].clone();
            let outcome = if i % 3 == round % 3 {
                PaymentOutcome::Failed
            } else {
                PaymentOutcome::Succeeded
            };
            let result = result(&id, sgd(4200), outcome);
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.apply_payment_result(&result).await
            }));
        }
        let mut applied = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(ApplyOutcome::Applied { to, .. }) => applied.push(to),
                Ok(ApplyOutcome::AlreadyApplied { .. }) | Err(StoreError::IllegalTransition { .. }) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(applied.len(), 1, "exactly one winner: {applied:?}");
        let log = stores[(round + 1) % 2]
            .state_changes(&format!("order-{id}"))
            .await
            .unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].to, applied[0]);
    }
    server.cleanup().await;
}

/// Several server instances starting at once on a fresh schema migrate it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_startup_migrates_once() {
    let Some(server) = server().await else { return };
    let schema = server.fresh_schema().await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let pool = server.pool_in(&schema).await;
        tasks.push(tokio::spawn(PostgresOrderStore::from_pool(pool)));
    }
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.unwrap().expect("every instance starts"));
    }
    let pool = server.pool_in(&schema).await;
    // Each migration recorded once, however many there are.
    let (migrations, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM antom_store_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        migrations >= 2 && migrations == distinct,
        "{migrations} rows, {distinct} versions"
    );
    stores[0].create_order(new_order("m", sgd(1))).await.unwrap();
    assert!(stores[5].get_order("order-m").await.unwrap().is_some());
    pool.close().await;
    server.cleanup().await;
}

/// `connect(url)` (with the schema in the URL's `options`) sees what an
/// earlier store stored: the state lives in the server, not the process.
#[tokio::test]
async fn orders_survive_reconnecting() {
    let Some(server) = server().await else { return };
    let schema = server.fresh_schema().await;
    let separator = if server.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}options[search_path]={schema}", server.url);
    {
        let store = PostgresOrderStore::connect(&url).await.expect("connect");
        store
            .create_order(new_order("keep", sgd(9_999_999_999_999_999)))
            .await
            .unwrap();
        store.mark_pending("order-keep").await.unwrap();
        store
            .apply_payment_result(&result("keep", sgd(9_999_999_999_999_999), PaymentOutcome::Succeeded))
            .await
            .unwrap();
        store.close().await;
    }
    let store = PostgresOrderStore::connect(&url).await.expect("reconnect");
    let order = store
        .get_by_payment_request_id("pay-keep")
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(order.status, OrderStatus::Succeeded);
    assert_eq!(order.amount, sgd(9_999_999_999_999_999));
    assert_eq!(order.payment_id.as_deref(), Some("antom-keep"));
    assert_eq!(order.version, 3);
    assert_eq!(store.state_changes("order-keep").await.unwrap().len(), 2);
    assert_eq!(
        store
            .apply_payment_result(&result("keep", sgd(9_999_999_999_999_999), PaymentOutcome::Succeeded))
            .await
            .unwrap(),
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Succeeded
        }
    );
    // The tables are in the test's schema, not in public.
    let in_schema: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'antom_orders'",
    )
    .bind(&schema)
    .fetch_one(&server.admin)
    .await
    .unwrap();
    assert_eq!(in_schema, 1);
    store.close().await;
    server.cleanup().await;
}

/// An unreachable server is a transient `Unavailable` error, not a panic.
#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // Port 9 on loopback (discard): nothing listens there.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy("postgres://postgres@127.0.0.1:9/none")
        .expect("a valid URL");
    let err = PostgresOrderStore::from_pool(pool)
        .await
        .expect_err("nothing listens on port 9");
    assert!(err.is_transient(), "{err:?}");
}
