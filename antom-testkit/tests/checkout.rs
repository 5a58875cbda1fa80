//! The checkout routes on axum against the mock Antom, both on 127.0.0.1:
//! a full payment, failure and cancel, duplicate, out-of-order, forged and
//! amount-mismatched notifications, a store outage, throttled inquiries and
//! reconciliation when every notification is lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{MockAntom, MockAntomHandle, NotificationFaults, SendOptions};
use antom_tower::checkout::{Checkout, CreateSessionResponse, OrderView};
use antom_tower::client::{AntomClient, AntomRetryPolicy};
use antom_tower::store::{
    ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, MemoryOrderStore, NewIdempotencyKey, NewOrder, Order, OrderStatus, OrderStore, PaymentResult, RefundResult,
    ResultSource, StateChange, StoreError,
};
use antom_types::{Amount, ApiResult};
use async_trait::async_trait;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

struct Shop {
    url: String,
    checkout: Checkout,
    mock: MockAntomHandle,
    http: reqwest_lite::Client,
}

/// Starts the mock Antom and a merchant server with the checkout routes under /antom.
async fn shop_with(store: Arc<dyn OrderStore>, notify_reachable: bool) -> Shop {
    let mock = MockAntom::builder().time_scale(100_000.0).start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let notify_url = if notify_reachable {
        format!("{url}/antom/notify")
    } else {
        // Every notification is lost: a port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}/antom/notify")
    };
    let client = AntomClient::builder(mock.client_id())
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock.antom_public_key_ring())
        .base_url(mock.base_url())
        .retry_policy(AntomRetryPolicy::new(2).base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let checkout = Checkout::builder()
        .client(client)
        .shared_store(store)
        .notification_keys(mock.client_id(), mock.antom_public_key_ring())
        .notify_url(notify_url)
        .redirect_url(format!("{url}/antom/return"))
        .prefix("/antom")
        .build()
        .unwrap();
    let app = checkout.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Shop {
        url,
        checkout,
        mock,
        http: reqwest_lite::Client::new(),
    }
}

async fn shop() -> Shop {
    shop_with(Arc::new(MemoryOrderStore::new()), true).await
}

impl Shop {
    async fn create_session(&self, body: Value) -> (u16, Value) {
        self.http
            .post_json(&format!("{}/antom/sessions", self.url), &body)
            .await
    }

    async fn order(&self, order_id: &str) -> OrderView {
        let (status, body) = self
            .http
            .get(&format!("{}/antom/orders/{order_id}", self.url), "application/json")
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    async fn paid_session(&self, amount: u64) -> CreateSessionResponse {
        let (status, body) = self
            .create_session(json!({"amount": amount, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "Cappuccino"}))
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    async fn changes(&self, order_id: &str) -> Vec<StateChange> {
        self.checkout.store().state_changes(order_id).await.unwrap()
    }
}

fn transitions(changes: &[StateChange]) -> Vec<(OrderStatus, OrderStatus)> {
    changes.iter().map(|c| (c.from, c.to)).collect()
}

#[tokio::test]
async fn a_payment_from_session_to_verified_notification() {
    let shop = shop().await;
    let session = shop.paid_session(4200).await;
    assert!(!session.payment_session_data.is_empty());
    assert_eq!(session.environment, "sandbox");
    let cashier = shop.mock.cashier_url(&session.payment_request_id).unwrap();
    assert!(cashier.starts_with(shop.mock.base_url()));
    assert_eq!(shop.order(&session.order_id).await.status, "pending");

    // What the merchant sent to Antom: the stored ids, amount and URLs.
    let sent = shop.mock.log().requests_for("createPaymentSession");
    let sent = sent[0].json().unwrap();
    assert_eq!(sent["paymentRequestId"], session.payment_request_id.as_str());
    assert_eq!(sent["paymentAmount"], json!({"currency": "SGD", "value": "4200"}));
    assert_eq!(sent["paymentNotifyUrl"], format!("{}/antom/notify", shop.url));
    assert_eq!(
        sent["paymentRedirectUrl"],
        format!("{}/antom/return?orderId={}", shop.url, session.order_id)
    );

    shop.mock.pay(&session.payment_request_id).unwrap();
    let attempts = shop.mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(attempts.len(), 1, "acknowledged at the first attempt");
    let order = shop.order(&session.order_id).await;
    assert_eq!(order.status, "succeeded");
    assert!(order.is_final);
    assert!(order.payment_id.is_some());
    assert_eq!(
        transitions(&shop.changes(&session.order_id).await),
        vec![
            (OrderStatus::Created, OrderStatus::Pending),
            (OrderStatus::Pending, OrderStatus::Succeeded)
        ]
    );

    // The return page: JSON by default, HTML for a browser.
    let (status, body) = shop
        .http
        .get(
            &format!("{}/antom/return?orderId={}", shop.url, session.order_id),
            "application/json",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "succeeded");
    let (status, html) = shop
        .http
        .get(
            &format!("{}/antom/return?orderId={}", shop.url, session.order_id),
            "text/html",
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Payment status") && html.contains("succeeded"), "{html}");
}

#[tokio::test]
async fn failed_cancelled_and_expired_payments() {
    let shop = shop().await;
    let failed = shop.paid_session(1000).await;
    let cancelled = shop.paid_session(1100).await;
    let expired = shop.paid_session(1200).await;
    shop.mock
        .fail(&failed.payment_request_id, "USER_BALANCE_NOT_ENOUGH")
        .unwrap();
    shop.mock.cancel(&cancelled.payment_request_id).unwrap();
    shop.mock.expire(&expired.payment_request_id).unwrap();
    shop.mock.wait_for_acknowledged(3, WAIT).await.unwrap();
    assert_eq!(shop.order(&failed.order_id).await.status, "failed");
    assert_eq!(shop.order(&cancelled.order_id).await.status, "cancelled");
    assert_eq!(shop.order(&expired.order_id).await.status, "expired");
}

#[tokio::test]
async fn duplicate_and_out_of_order_notifications_change_state_once() {
    let shop = shop().await;
    shop.mock
        .set_notification_faults(NotificationFaults::none().with_copies(3).with_stale_after_final(true));
    let session = shop.paid_session(4200).await;
    shop.mock.pay(&session.payment_request_id).unwrap();
    let attempts = shop.mock.wait_until_idle(WAIT).await.unwrap();
    assert!(attempts.len() >= 4, "3 copies and a stale one: {attempts:?}");
    assert!(
        attempts.iter().all(|a| a.acknowledged),
        "every well-signed copy is acknowledged"
    );
    assert_eq!(shop.order(&session.order_id).await.status, "succeeded");
    let changes = shop.changes(&session.order_id).await;
    assert_eq!(
        changes.iter().filter(|c| c.to == OrderStatus::Succeeded).count(),
        1,
        "{changes:?}"
    );
}

#[tokio::test]
async fn forged_and_mismatched_notifications_are_refused_and_change_nothing() {
    let shop = shop().await;
    let session = shop.paid_session(4200).await;
    let notify_url = format!("{}/antom/notify", shop.url);
    let options = SendOptions {
        client_id: shop.mock.client_id().to_string(),
        ..Default::default()
    };
    let notification = |value: u64, currency: &str| {
        antom_testkit::mock::notifier::payment_notification_from_parts(
            &session.payment_request_id,
            "2026082300000001",
            Amount::from_minor_units(value, currency).unwrap(),
            ApiResult::success("success"),
        )
    };
    // Signed with a key Antom never used.
    let sent = antom_testkit::mock::send_notification(
        &notify_url,
        &notification(4200, "SGD"),
        &keys::wrong_private_key(),
        &options,
    )
    .await
    .unwrap();
    assert_eq!((sent.status, sent.acknowledged), (401, false));
    // Properly signed, but the amount or the currency differs from the order: a possible fraud attempt.
    for (value, currency) in [(1, "SGD"), (4200, "USD")] {
        let sent = antom_testkit::mock::send_notification(
            &notify_url,
            &notification(value, currency),
            &keys::antom_private_key(),
            &options,
        )
        .await
        .unwrap();
        assert_eq!(sent.status, 400, "{}", sent.response_body);
        assert!(!sent.acknowledged);
        assert!(sent.response_body.contains("amount_mismatch"));
    }
    // Signed for another client id.
    let other = SendOptions {
        client_id: "SANDBOX_SOMEONE_ELSE".into(),
        ..Default::default()
    };
    let sent = antom_testkit::mock::send_notification(
        &notify_url,
        &notification(4200, "SGD"),
        &keys::antom_private_key(),
        &other,
    )
    .await
    .unwrap();
    assert_eq!(sent.status, 401);
    // A replay of a notification signed 26 hours ago.
    let stale = SendOptions {
        client_id: shop.mock.client_id().to_string(),
        request_time: Some(antom_tower::signing::request_time::format_epoch_millis(
            std::time::SystemTime::now() - Duration::from_secs(26 * 3600),
        )),
        ..Default::default()
    };
    let sent = antom_testkit::mock::send_notification(
        &notify_url,
        &notification(4200, "SGD"),
        &keys::antom_private_key(),
        &stale,
    )
    .await
    .unwrap();
    assert_eq!(sent.status, 401);
    assert_eq!(shop.order(&session.order_id).await.status, "pending");
    assert_eq!(
        transitions(&shop.changes(&session.order_id).await),
        vec![(OrderStatus::Created, OrderStatus::Pending)]
    );
}

#[tokio::test]
async fn the_same_notification_out_of_the_blue_for_an_unknown_order_is_not_acknowledged() {
    let shop = shop().await;
    let body = antom_testkit::mock::notifier::payment_notification_from_parts(
        "pay_nobody",
        "2026082300000002",
        Amount::from_minor_units(100, "SGD").unwrap(),
        ApiResult::success("success"),
    );
    let options = SendOptions {
        client_id: shop.mock.client_id().to_string(),
        ..Default::default()
    };
    let sent = antom_testkit::mock::send_notification(
        &format!("{}/antom/notify", shop.url),
        &body,
        &keys::antom_private_key(),
        &options,
    )
    .await
    .unwrap();
    assert_eq!((sent.status, sent.acknowledged), (404, false));
}

/// A store that is down for its first `failures` payment results.
struct FlakyStore {
    inner: MemoryOrderStore,
    failures: AtomicUsize,
}

#[async_trait]
impl OrderStore for FlakyStore {
    async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
        self.inner.create_order(order).await
    }
    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_order(order_id).await
    }
    async fn get_by_payment_request_id(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_by_payment_request_id(id).await
    }
    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        self.inner.mark_pending(order_id).await
    }
    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(StoreError::unavailable("database is locked"));
        }
        self.inner.apply_payment_result(result).await
    }
    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        self.inner.apply_refund_result(result).await
    }
    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        self.inner.list_pending(limit).await
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

#[tokio::test]
async fn a_store_outage_makes_antom_retry_and_nothing_is_lost() {
    let store = Arc::new(FlakyStore {
        inner: MemoryOrderStore::new(),
        failures: AtomicUsize::new(2),
    });
    let shop = shop_with(store, true).await;
    let session = shop.paid_session(4200).await;
    shop.mock.pay(&session.payment_request_id).unwrap();
    let attempts = shop.mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        vec![Some(503), Some(503), Some(200)],
        "not acknowledged until stored"
    );
    assert_eq!(shop.order(&session.order_id).await.status, "succeeded");
    assert_eq!(shop.changes(&session.order_id).await.len(), 2);
}

#[tokio::test]
async fn the_orders_route_inquires_at_most_once_per_interval_when_notifications_are_lost() {
    let shop = shop_with(Arc::new(MemoryOrderStore::new()), false).await;
    let session = shop.paid_session(4200).await;
    let before = shop.mock.log().requests_for("inquiryPayment").len();
    // The first read inquires (PROCESSING); the next ones within 2 s do not.
    for _ in 0..3 {
        assert_eq!(shop.order(&session.order_id).await.status, "pending");
    }
    assert_eq!(shop.mock.log().requests_for("inquiryPayment").len(), before + 1);
    shop.mock.pay(&session.payment_request_id).unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let order = shop.order(&session.order_id).await;
    assert_eq!(order.status, "succeeded", "learned from inquiryPayment");
    let changes = shop.changes(&session.order_id).await;
    assert_eq!(changes.last().unwrap().source, ResultSource::Inquiry);
}

#[tokio::test]
async fn reconciliation_settles_orders_whose_notifications_were_lost() {
    let shop = shop_with(Arc::new(MemoryOrderStore::new()), false).await;
    let paid = shop.paid_session(4200).await;
    let failed = shop.paid_session(4300).await;
    let open = shop.paid_session(4400).await;
    shop.mock.pay(&paid.payment_request_id).unwrap();
    shop.mock.fail(&failed.payment_request_id, "RISK_REJECT").unwrap();
    let report = shop.checkout.reconciler().min_age(Duration::ZERO).run_once().await;
    assert_eq!(
        (report.checked, report.settled, report.still_pending, report.errors),
        (3, 2, 1, 0),
        "{report:?}"
    );
    let store = shop.checkout.store();
    assert_eq!(
        store.get_order(&paid.order_id).await.unwrap().unwrap().status,
        OrderStatus::Succeeded
    );
    assert_eq!(
        store.get_order(&failed.order_id).await.unwrap().unwrap().status,
        OrderStatus::Failed
    );
    assert_eq!(
        store.get_order(&open.order_id).await.unwrap().unwrap().status,
        OrderStatus::Pending
    );
    let changes = shop.changes(&paid.order_id).await;
    assert_eq!(changes.last().unwrap().source, ResultSource::Reconciliation);
}

#[tokio::test]
async fn invalid_orders_are_refused_before_anything_is_stored() {
    let shop = shop().await;
    let cases = [
        (
            json!({"amount": -5, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            400,
        ),
        (
            json!({"amount": 12.5, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            400,
        ),
        (
            json!({"amount": "12.50", "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 0, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 100, "currency": "sgd", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 100, "currency": "XYZ", "paymentMethodType": "ALIPAY_CN", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 150, "currency": "IDR", "paymentMethodType": "DANA", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 100, "currency": "SGD", "paymentMethodType": "", "description": "x"}),
            422,
        ),
        (
            json!({"amount": 100, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": ""}),
            422,
        ),
        (
            json!({"amount": 100, "currency": "SGD", "paymentMethodType": "ALIPAY_CN"}),
            400,
        ),
        (
            json!({"amount": 100, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "x", "tip": 5}),
            400,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = shop.create_session(body.clone()).await;
        assert_eq!(status, expected, "{body} -> {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    assert!(shop.mock.log().requests_for("createPaymentSession").is_empty());
    assert!(shop.checkout.store().list_pending(10).await.unwrap().is_empty());
    // KRW has no minor unit: 15000 is 15,000 won.
    let (status, body) = shop
        .create_session(
            json!({"amount": "15000", "currency": "KRW", "paymentMethodType": "KAKAOPAY", "description": "Tteokbokki"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A very small HTTP/1.1 client over hyper, so the tests need no extra HTTP crate.
mod reqwest_lite {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
    use hyper_util::rt::TokioExecutor;

    pub struct Client(HyperClient<HttpConnector, Full<Bytes>>);

    impl Client {
        pub fn new() -> Self {
            Client(HyperClient::builder(TokioExecutor::new()).build_http())
        }

        pub async fn post_json(&self, url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
            let request = http::Request::post(url)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap();
            let response = self.0.request(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
            )
        }

        pub async fn get(&self, url: &str, accept: &str) -> (u16, String) {
            let request = http::Request::get(url)
                .header("accept", accept)
                .body(Full::new(Bytes::new()))
                .unwrap();
            let response = self.0.request(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}
