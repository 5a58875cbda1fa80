//! Reconciliation reaches every pending order, however many are pending.
//!
//! - 1,000 abandoned checkouts (sessions created at the mock Antom, never
//!   paid) and, created after them, one paid order whose every notification
//!   was lost: the first sweep settles the paid one; once the sessions have
//!   expired, the next sweep cancels each abandoned payment at Antom and
//!   closes its order `Expired`; after that nothing is inquired again.
//! - Two instances (two stores, two checkouts) on one PostgreSQL sweeping at
//!   once, with Antom answering each inquiry after 20 ms: every order is
//!   settled exactly once and no order is ever inquired by both at the same
//!   time (no inquiry of an order arrives while another of it is in flight).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use antom_reliability::plan::check_order;
use antom_reliability::shop::{closed_port_url, Shop, ShopConfig};
use antom_reliability::{pg, report};
use antom_testkit::mock::{Action, Api, MockAntom, Rule};
use antom_tower::store::{OrderStatus, OrderStore, ResultSource, SqliteOrderStore};
use antom_types::PaymentStatus;

const ABANDONED: u64 = 1_000;

/// Notifications go to a port nothing listens on: every one is lost.
fn lost_notifications(mock: &str) -> ShopConfig {
    ShopConfig {
        antom_base_url: Some(mock.to_owned()),
        notify_url: Some(format!("{}/antom/notify", closed_port_url())),
        session_ttl: Some(Duration::from_secs(3600)),
        ..ShopConfig::default()
    }
}

async fn session(shop: &Shop, amount: u64) -> (String, String) {
    let (status, body) = shop.create_session(amount, "SGD").await;
    assert_eq!(status, 200, "{body}");
    (
        body["orderId"].as_str().expect("orderId").to_owned(),
        body["paymentRequestId"].as_str().expect("paymentRequestId").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_abandoned_checkouts_do_not_starve_a_paid_order() {
    let mock = MockAntom::builder().start().await.expect("mock Antom");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("orders.db");
    let store: Arc<dyn OrderStore> = Arc::new(SqliteOrderStore::open(path.to_string_lossy()).await.expect("open"));
    let shop = Shop::start(store.clone(), lost_notifications(mock.base_url())).await;
    let mut abandoned = Vec::new();
    for i in 0..ABANDONED {
        abandoned.push(session(&shop, 1_000 + i).await);
    }
    // The newest order: paid, every notification lost.
    let (paid_order, paid_request) = session(&shop, 4_200).await;
    mock.mock().pay(&paid_request).expect("the buyer pays");

    let reconciler = shop
        .checkout
        .reconciler()
        .min_age(Duration::ZERO)
        .inquiries_per_second(2_000)
        .expiry_grace(Duration::ZERO);
    let first = reconciler.run_once().await;
    assert_eq!(
        first.checked,
        ABANDONED as usize + 1,
        "one sweep looks at every pending order: {first:?}"
    );
    assert_eq!((first.settled, first.errors), (1, 0), "{first:?}");
    check_order(
        &*store,
        &paid_order,
        OrderStatus::Succeeded,
        &[ResultSource::Api, ResultSource::Reconciliation],
    )
    .await
    .unwrap_or_else(|p| panic!("{p}"));

    // The abandoned sessions expire (as if their hour had passed).
    let updated = sqlx::query("UPDATE antom_orders SET session_expires_at_ms = 1 WHERE status = 'pending'")
        .execute(
            &sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect"),
        )
        .await
        .expect("UPDATE");
    assert_eq!(updated.rows_affected(), ABANDONED);
    let second = reconciler.run_once().await;
    assert_eq!(
        (second.checked, second.settled, second.expired, second.errors),
        (ABANDONED as usize, ABANDONED as usize, ABANDONED as usize, 0),
        "{second:?}"
    );
    for (order_id, payment_request_id) in &abandoned {
        check_order(
            &*store,
            order_id,
            OrderStatus::Expired,
            &[ResultSource::Api, ResultSource::Reconciliation],
        )
        .await
        .unwrap_or_else(|p| panic!("{p}"));
        let at_antom = mock.mock().payment(payment_request_id).expect("payment at the mock");
        assert_eq!(
            at_antom.status,
            PaymentStatus::Cancelled,
            "cancelled at Antom, so it can no longer be paid"
        );
    }
    assert_eq!(
        mock.mock().payment(&paid_request).expect("paid").status,
        PaymentStatus::Success,
        "the paid one untouched"
    );
    let third = reconciler.run_once().await;
    assert_eq!(third.checked, 0, "settled orders are not inquired again: {third:?}");
    report(
        "a_thousand_abandoned_checkouts_do_not_starve_a_paid_order",
        &[
            ("pending_orders", (ABANDONED + 1).to_string()),
            ("first_sweep_checked", first.checked.to_string()),
            ("paid_settled_in_sweep", "1".into()),
            ("expired_in_second_sweep", second.expired.to_string()),
            ("cancelled_at_antom", ABANDONED.to_string()),
            ("third_sweep_checked", third.checked.to_string()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reconcilers_on_one_postgresql_never_inquire_an_order_at_the_same_time() {
    let test = "two_reconcilers_on_one_postgresql_never_inquire_an_order_at_the_same_time";
    let Some(server) = pg::server(test).await else { return };
    let schema = server.fresh_schema("reconcilers").await;
    let mock = MockAntom::builder()
        .rule(
            Rule::new(Action::succeed())
                .api(Api::InquiryPayment)
                .delay(Duration::from_millis(20)),
        )
        .start()
        .await
        .expect("mock Antom");
    let store_a: Arc<dyn OrderStore> = Arc::new(server.store(&schema, "antom_reconciler_a", 4).await);
    let store_b: Arc<dyn OrderStore> = Arc::new(server.store(&schema, "antom_reconciler_b", 4).await);
    let shop_a = Shop::start(store_a.clone(), lost_notifications(mock.base_url())).await;
    let shop_b = Shop::start(store_b.clone(), lost_notifications(mock.base_url())).await;
    let mut orders = Vec::new();
    for i in 0..120u64 {
        let (order_id, request_id) = session(&shop_a, 2_000 + i).await;
        if i % 2 == 0 {
            mock.mock().pay(&request_id).expect("pay");
        }
        orders.push((order_id, request_id, i % 2 == 0));
    }
    let sweep = |shop: &Shop| {
        shop.checkout
            .reconciler()
            .min_age(Duration::ZERO)
            .batch(5)
            .inquiries_per_second(1_000)
    };
    let (a, b) = (sweep(&shop_a), sweep(&shop_b));
    let (report_a, report_b) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(report_a.errors + report_b.errors, 0, "{report_a:?} {report_b:?}");
    assert!(
        report_a.checked + report_b.checked >= orders.len(),
        "{report_a:?} {report_b:?}"
    );

    // No two inquiries of one order overlap: each answer takes 20 ms, so a
    // second one must arrive at least 20 ms after the first.
    let mut arrivals: HashMap<String, Vec<std::time::SystemTime>> = HashMap::new();
    for request in mock.mock().log().requests_for("inquiryPayment") {
        let id = request.json().expect("JSON")["paymentRequestId"]
            .as_str()
            .expect("id")
            .to_owned();
        arrivals.entry(id).or_default().push(request.received_at);
    }
    let mut repeated = 0;
    for (order_id, request_id, paid) in &orders {
        let times = arrivals
            .get(request_id)
            .unwrap_or_else(|| panic!("{request_id} never inquired"));
        let mut times = times.clone();
        times.sort();
        for pair in times.windows(2) {
            let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
            assert!(
                gap >= Duration::from_millis(19),
                "{request_id} inquired twice at once ({gap:?} apart)"
            );
            repeated += 1;
        }
        let expected = if *paid {
            OrderStatus::Succeeded
        } else {
            OrderStatus::Pending
        };
        let order = store_a.get_order(order_id).await.unwrap().expect("order");
        assert_eq!(order.status, expected);
        if *paid {
            check_order(
                &*store_a,
                order_id,
                OrderStatus::Succeeded,
                &[ResultSource::Api, ResultSource::Reconciliation],
            )
            .await
            .unwrap_or_else(|p| panic!("{p}"));
        }
    }
    report(
        test,
        &[
            ("orders", orders.len().to_string()),
            ("inquired_by_a", report_a.checked.to_string()),
            ("inquired_by_b", report_b.checked.to_string()),
            ("inquired_again_later", repeated.to_string()),
            ("inquired_at_once", "0".into()),
        ],
    );
    server.cleanup().await;
}
