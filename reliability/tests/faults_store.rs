//! The store fails while Antom is notifying: the notify route must answer so
//! that Antom retries (never acknowledge what was not stored), and once the
//! store is back the mock Antom's own retries (its real schedule, time-scaled)
//! must bring every order to its final state, each change recorded once.
//!
//! - SQLite: another connection holds the database's write lock
//!   (`BEGIN EXCLUSIVE`); the store, opened with a 100 ms busy timeout, gets
//!   `SQLITE_BUSY` and answers `Unavailable` (503).
//! - PostgreSQL: the orders table is locked from another session and every
//!   connection of the store's pool is killed every 50 ms
//!   (`pg_terminate_backend`, found by the pool's `application_name`), so
//!   every attempt loses its connection mid-transaction.
//!
//! The orders go through the real flow: `POST /antom/sessions` (the client
//! calls the mock's createPaymentSession), then the buyer pays, fails or
//! cancels at the mock, which notifies the shop.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use antom_reliability::plan::check_order;
use antom_reliability::shop::{Shop, ShopConfig};
use antom_reliability::{pg, report, sqlite};
use antom_testkit::mock::{MockAntom, MockAntomHandle};
use antom_tower::store::{OrderStatus, OrderStore, ResultSource};

const ORDERS: u64 = 40;
/// Antom's 24-hour schedule in about 44 s; the attempts that matter here come
/// at 0, 60 ms, 360 ms, 660 ms, 2.5 s and 6 s.
const TIME_SCALE: f64 = 2_000.0;
const WAIT: Duration = Duration::from_secs(60);

struct Placed {
    order_id: String,
    payment_request_id: String,
    expected: OrderStatus,
}

async fn mock() -> MockAntomHandle {
    MockAntom::builder()
        .time_scale(TIME_SCALE)
        .start()
        .await
        .expect("mock Antom")
}

/// Creates the orders through `/antom/sessions`.
async fn place_orders(shop: &Shop) -> Vec<Placed> {
    let mut placed = Vec::new();
    for i in 0..ORDERS {
        let (status, body) = shop.create_session(1_000 + i, "SGD").await;
        assert_eq!(status, 200, "{body}");
        let expected = match i % 4 {
            0 | 1 => OrderStatus::Succeeded,
            2 => OrderStatus::Failed,
            _ => OrderStatus::Cancelled,
        };
        placed.push(Placed {
            order_id: body["orderId"].as_str().expect("orderId").to_owned(),
            payment_request_id: body["paymentRequestId"].as_str().expect("paymentRequestId").to_owned(),
            expected,
        });
    }
    placed
}

/// The buyers act at the mock, which notifies the shop.
fn buyers_act(mock: &MockAntom, placed: &[Placed]) {
    for order in placed {
        let id = &order.payment_request_id;
        match order.expected {
            OrderStatus::Succeeded => mock.pay(id).map(drop),
            OrderStatus::Failed => mock.fail(id, "USER_BALANCE_NOT_ENOUGH").map(drop),
            _ => mock.cancel(id).map(drop),
        }
        .expect("buyer action");
    }
}

/// Waits until every order's notification was refused (not acknowledged) at least once.
async fn wait_until_each_refused(mock: &MockAntom, placed: &[Placed]) {
    let deadline = Instant::now() + WAIT;
    loop {
        let refused = placed
            .iter()
            .filter(|o| {
                mock.log()
                    .notifications_for(&o.payment_request_id)
                    .iter()
                    .any(|a| a.status.is_some() && !a.acknowledged)
            })
            .count();
        if refused == placed.len() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {refused} of {} notifications refused while the store was down",
            placed.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// After recovery: every notification acknowledged in the end, every order
/// right, each change once. Returns (attempts, refused attempts).
async fn assert_recovered(mock: &MockAntom, store: &dyn OrderStore, placed: &[Placed]) -> (usize, usize) {
    mock.wait_for_acknowledged(placed.len(), WAIT)
        .await
        .expect("every notification acknowledged after recovery");
    let attempts = mock.wait_until_idle(WAIT).await.expect("deliveries finished");
    for order in placed {
        let mine: Vec<_> = attempts
            .iter()
            .filter(|a| a.payment_request_id == order.payment_request_id)
            .collect();
        assert!(
            mine.last().is_some_and(|a| a.acknowledged),
            "{}: last attempt not acknowledged: {mine:?}",
            order.payment_request_id
        );
        // Not acknowledged means a non-2xx answer: the shop never acknowledges what it did not store.
        for attempt in &mine {
            if let Some(status) = attempt.status {
                assert_eq!(attempt.acknowledged, status == 200, "{attempt:?}");
                if !attempt.acknowledged {
                    assert_eq!(status, 503, "a store outage answers 503: {attempt:?}");
                }
            }
        }
        check_order(
            store,
            &order.order_id,
            order.expected,
            &[ResultSource::Api, ResultSource::Notification],
        )
        .await
        .unwrap_or_else(|problem| panic!("{problem}"));
    }
    let refused = attempts.iter().filter(|a| !a.acknowledged).count();
    (attempts.len(), refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_makes_antom_retry_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("orders.db");
    let store: Arc<dyn OrderStore> = Arc::new(sqlite::open_with_busy_timeout(&path, Duration::from_millis(100)).await);
    let mock = mock().await;
    let config = ShopConfig {
        antom_base_url: Some(mock.base_url().to_owned()),
        ..ShopConfig::default()
    };
    let shop = Shop::start(Arc::clone(&store), config).await;
    let placed = place_orders(&shop).await;

    let lock = sqlite::lock_for_writes(&path).await;
    buyers_act(&mock, &placed);
    wait_until_each_refused(&mock, &placed).await;
    lock.release().await;

    let (attempts, refused) = assert_recovered(&mock, &*store, &placed).await;
    report(
        "store_fault_sqlite_locked",
        &[
            ("orders", placed.len().to_string()),
            ("notification_attempts", attempts.to_string()),
            ("refused_while_locked", refused.to_string()),
            ("states_checked", placed.len().to_string()),
            ("lost", "0".to_string()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_postgresql_connections_make_antom_retry_and_nothing_is_lost() {
    let Some(server) = pg::server("dropped_postgresql_connections_make_antom_retry_and_nothing_is_lost").await else {
        return;
    };
    let server = Arc::new(server);
    let schema = server.fresh_schema("drop").await;
    let victim = pg::unique("antom-rel-victim");
    let store: Arc<dyn OrderStore> = Arc::new(server.store(&schema, &victim, 4).await);
    let mock = mock().await;
    let config = ShopConfig {
        antom_base_url: Some(mock.base_url().to_owned()),
        ..ShopConfig::default()
    };
    let shop = Shop::start(Arc::clone(&store), config).await;
    let placed = place_orders(&shop).await;

    let lock = server.lock_orders(&schema).await;
    let stop = Arc::new(AtomicBool::new(false));
    let terminated = Arc::new(AtomicU64::new(0));
    let killer = {
        let (server, stop, terminated, victim) = (
            Arc::clone(&server),
            Arc::clone(&stop),
            Arc::clone(&terminated),
            victim.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                terminated.fetch_add(server.terminate(&victim).await, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    buyers_act(&mock, &placed);
    wait_until_each_refused(&mock, &placed).await;
    stop.store(true, Ordering::SeqCst);
    killer.await.expect("killer task");
    lock.release().await;

    let (attempts, refused) = assert_recovered(&mock, &*store, &placed).await;
    let terminated = terminated.load(Ordering::SeqCst);
    assert!(terminated > 0, "connections were dropped");
    report(
        "store_fault_postgres_connections_dropped",
        &[
            ("orders", placed.len().to_string()),
            ("notification_attempts", attempts.to_string()),
            ("refused_while_down", refused.to_string()),
            ("connections_terminated", terminated.to_string()),
            ("states_checked", placed.len().to_string()),
            ("lost", "0".to_string()),
        ],
    );
    drop(shop);
    drop(store);
    if let Ok(server) = Arc::try_unwrap(server) {
        server.cleanup().await;
    }
}
