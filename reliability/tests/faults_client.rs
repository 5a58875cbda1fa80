//! Antom misbehaves: HTTP 5xx, `resultStatus` `U`, answers slower than the
//! client's timeout, connections dropped after the request was read. The
//! client retries with the very same paymentRequestId and the mock holds one
//! payment, never two; when the retries run out the caller gets
//! `ClientError::UnknownOutcome`, and a later reconciliation settles the order.

use std::sync::Arc;
use std::time::Duration;

use antom_reliability::plan::check_order;
use antom_reliability::shop::{self, closed_port_url, Shop, ShopConfig};
use antom_reliability::{report, sqlite};
use antom_testkit::mock::{Action, MockAntom, MockAntomHandle, Rule};
use antom_tower::client::{AntomClient, ClientError, UnknownCause};
use antom_tower::store::{OrderStatus, OrderStore, ResultSource, SqliteOrderStore};
use antom_types::{Amount, CreatePaymentSessionRequest, Order, PaymentMethodType};

const RETRIES: u32 = 3;
const TIMEOUT: Duration = Duration::from_millis(300);

fn session_request(payment_request_id: &str, value: u64) -> CreatePaymentSessionRequest {
    let amount = Amount::from_minor_units(value, "SGD").expect("amount");
    CreatePaymentSessionRequest::new(
        payment_request_id.to_owned(),
        Order::new(format!("ord_{payment_request_id}"), "reliability", amount),
        amount,
        PaymentMethodType::from("ALIPAY_CN"),
        "http://127.0.0.1:9/return".to_owned(),
    )
}

/// The createPaymentSession requests the mock received for this value, once
/// `at_least` of them are logged (a held-back answer is logged when it is sent).
async fn session_requests(mock: &MockAntom, value: u64, at_least: usize) -> Vec<String> {
    let wanted = |mock: &MockAntom| -> Vec<String> {
        mock.log()
            .requests_for("createPaymentSession")
            .iter()
            .filter_map(|r| r.json())
            .filter(|body| body["paymentAmount"]["value"].as_str() == Some(value.to_string().as_str()))
            .map(|body| body["paymentRequestId"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for _ in 0..200 {
        let found = wanted(mock);
        if found.len() >= at_least {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    wanted(mock)
}

fn payments_for(mock: &MockAntom, payment_request_id: &str) -> usize {
    mock.payments()
        .iter()
        .filter(|p| p.payment_request_id == payment_request_id)
        .count()
}

async fn mock_with(rules: Vec<Rule>) -> MockAntomHandle {
    let mut builder = MockAntom::builder().time_scale(1_000.0);
    for rule in rules {
        builder = builder.rule(rule);
    }
    builder.start().await.expect("mock Antom")
}

fn client(mock: &MockAntomHandle) -> AntomClient {
    shop::client(mock.base_url(), RETRIES, TIMEOUT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_with_the_same_payment_request_id_and_pay_once() {
    let slow = Duration::from_millis(1_000);
    let mock = mock_with(vec![
        Rule::new(Action::http_status(503)).amount(2001).times(2),
        Rule::new(Action::unknown_with("UNKNOWN_EXCEPTION", true))
            .amount(2002)
            .times(2),
        Rule::new(Action::WaitForBuyer).amount(2003).delay(slow).times(1),
        Rule::new(Action::DropConnection).amount(2004).times(1),
        // All of them, one after the other, for one payment.
        Rule::new(Action::http_status(502)).amount(2005).times(1),
        Rule::new(Action::unknown_with("UNKNOWN_EXCEPTION", true))
            .amount(2005)
            .times(1),
        Rule::new(Action::DropConnection).amount(2005).times(1),
    ])
    .await;
    let client = client(&mock);
    // (value, fault, attempts the client makes)
    let cases = [
        (2001, "HTTP 503 twice", 3),
        (2002, "U (applied) twice", 3),
        (2003, "an answer slower than the timeout", 2),
        (2004, "connection dropped after the request was read", 2),
        (2005, "502, U, dropped, then fine", 4),
    ];
    let mut faults = 0;
    for (value, fault, attempts) in cases {
        let id = format!("pay_fault_{value}");
        let session = client
            .create_payment_session(&session_request(&id, value))
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        let sent = session_requests(&mock, value, attempts).await;
        assert_eq!(sent.len(), attempts, "{fault}: attempts");
        assert!(
            sent.iter().all(|s| *s == id),
            "{fault}: every retry carries {id}: {sent:?}"
        );
        assert_eq!(payments_for(&mock, &id), 1, "{fault}: one payment, never two");
        let payment = mock.payment(&id).expect("payment");
        assert_eq!(
            session.payment_session_id.as_deref(),
            Some(payment.payment_session_id.as_str())
        );
        faults += attempts - 1;
    }
    report(
        "client_transient_faults",
        &[
            ("calls", cases.len().to_string()),
            ("faults_injected", faults.to_string()),
            ("payments_at_mock", mock.payments().len().to_string()),
            ("duplicate_payments", "0".to_string()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_give_unknown_outcome_and_never_a_second_payment() {
    let mock = mock_with(vec![
        // A gateway's own error page, not Antom's JSON.
        Rule::new(Action::HttpStatus {
            status: 500,
            body: Some("<html><body>500 Internal Server Error</body></html>".into()),
        })
        .amount(3001),
        Rule::new(Action::unknown_with("UNKNOWN_EXCEPTION", true)).amount(3002),
        Rule::new(Action::WaitForBuyer)
            .amount(3003)
            .delay(Duration::from_millis(600)),
        Rule::new(Action::DropConnection).amount(3004),
    ])
    .await;
    let client = client(&mock);
    let attempts = RETRIES as usize + 1;
    // (value, payments the mock holds afterwards: a U "applied" or a slow
    // answer created the session; a 500 or a dropped connection did not)
    for (value, payments) in [(3001, 0), (3002, 1), (3003, 1), (3004, 0)] {
        let id = format!("pay_exhausted_{value}");
        let error = client
            .create_payment_session(&session_request(&id, value))
            .await
            .expect_err("every attempt fails");
        assert!(error.may_have_happened(), "{error}");
        match (value, &error) {
            (
                3001,
                ClientError::UnknownOutcome {
                    cause: UnknownCause::HttpStatus(s),
                    ..
                },
            ) if s.as_u16() == 500 => {}
            (
                3002,
                ClientError::UnknownOutcome {
                    cause: UnknownCause::ResultUnknown(r),
                    ..
                },
            ) if r.result_code.as_str() == "UNKNOWN_EXCEPTION" => {}
            (
                3003,
                ClientError::UnknownOutcome {
                    cause: UnknownCause::Timeout,
                    ..
                },
            ) => {}
            (
                3004,
                ClientError::UnknownOutcome {
                    cause: UnknownCause::Transport(_),
                    ..
                },
            ) => {}
            _ => panic!("{value}: unexpected error {error:?}"),
        }
        let sent = session_requests(&mock, value, attempts).await;
        assert_eq!(sent.len(), attempts, "{value}: every attempt made");
        assert!(sent.iter().all(|s| *s == id));
        assert_eq!(payments_for(&mock, &id), payments, "{value}");
    }
}

/// Through the checkout routes: the client's retries run out on a `U`
/// (Antom did create the session) and on a 500 (it did not); notifications
/// never arrive. Reconciliation settles both: the paid one to `succeeded`
/// from inquiryPayment; the never-created one stays `created` while young
/// (ORDER_NOT_EXIST is not a failure) and is closed as `expired` once 15
/// minutes old, nothing having been charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_settles_orders_whose_outcome_was_unknown() {
    let mock = mock_with(vec![
        Rule::new(Action::unknown_with("UNKNOWN_EXCEPTION", true)).amount(4001),
        Rule::new(Action::http_status(500)).amount(4002),
    ])
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("orders.db");
    let store: Arc<dyn OrderStore> = Arc::new(
        SqliteOrderStore::open(path.to_string_lossy())
            .await
            .expect("open SQLite"),
    );
    let config = ShopConfig {
        antom_base_url: Some(mock.base_url().to_owned()),
        // Every notification is lost.
        notify_url: Some(format!("{}/antom/notify", closed_port_url())),
        ..ShopConfig::default()
    };
    let shop = Shop::start(Arc::clone(&store), config).await;
    let mut orders = Vec::new();
    for value in [4001, 4002] {
        let (status, body) = shop.create_session(value, "SGD").await;
        assert_eq!(status, 504, "{body}");
        assert_eq!(body["error"], "antom_outcome_unknown", "{body}");
        let order_id = body["orderId"].as_str().expect("orderId").to_owned();
        let order = store
            .get_order(&order_id)
            .await
            .unwrap()
            .expect("stored before Antom was called");
        assert_eq!(order.status, OrderStatus::Created);
        let sent = session_requests(&mock, value, 3).await;
        assert!(sent.iter().all(|s| *s == order.payment_request_id), "{sent:?}");
        orders.push(order);
    }
    let (paid, never_created) = (&orders[0], &orders[1]);
    assert_eq!(payments_for(&mock, &paid.payment_request_id), 1);
    assert_eq!(payments_for(&mock, &never_created.payment_request_id), 0);
    mock.pay(&paid.payment_request_id).expect("the buyer pays");

    let reconciler = shop.checkout.reconciler().min_age(Duration::ZERO);
    let first = reconciler.run_once().await;
    assert_eq!((first.checked, first.settled, first.errors), (2, 1, 0), "{first:?}");
    let changes = check_order(
        &*store,
        &paid.order_id,
        OrderStatus::Succeeded,
        &[ResultSource::Reconciliation],
    )
    .await
    .unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(changes.len(), 1);
    assert_eq!(
        store.get_order(&never_created.order_id).await.unwrap().unwrap().status,
        OrderStatus::Created,
        "ORDER_NOT_EXIST on a young order is not a failure"
    );

    // A quarter of an hour later.
    sqlite::age_order(&path, &never_created.order_id, Duration::from_secs(16 * 60)).await;
    let second = reconciler.run_once().await;
    assert_eq!((second.checked, second.settled, second.errors), (1, 1, 0), "{second:?}");
    let changes = check_order(
        &*store,
        &never_created.order_id,
        OrderStatus::Expired,
        &[ResultSource::Reconciliation],
    )
    .await
    .unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(changes[0].result_code.as_deref(), Some("ORDER_NOT_EXIST"));
    assert_eq!(
        payments_for(&mock, &never_created.payment_request_id),
        0,
        "nothing charged"
    );
    assert!(reconciler.run_once().await.checked == 0, "nothing left pending");
}
