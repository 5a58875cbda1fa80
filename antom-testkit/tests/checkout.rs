//! The checkout routes on axum against the mock Antom, both on 127.0.0.1:
//! a full payment, failure and cancel, duplicate, out-of-order, forged and
//! amount-mismatched notifications, a store outage, throttled inquiries and
//! reconciliation when every notification is lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{MockAntom, MockAntomHandle, NotificationFaults, SendOptions};
use std::net::SocketAddr;

use antom_tower::checkout::pricing::{self, PriceOrder, PricedOrder, PricingError, PricingRequest};
use antom_tower::checkout::{
    Checkout, CheckoutBuildError, CheckoutBuilder, ClientAddress, ClientAmount, CreateSessionResponse, OrderView,
    SessionContext, SessionOptions, SessionRateLimit,
};
use antom_tower::client::{AntomClient, AntomRetryPolicy};
use antom_tower::store::{
    ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, MemoryOrderStore,
    NewIdempotencyKey, NewOrder, Order, OrderStatus, OrderStore, PaymentResult, PostgresOrderStore, RefundResult,
    ResultSource, SqliteOrderStore, StateChange, StoreError,
};
use antom_types::{Amount, ApiResult, Currency, Goods};
use async_trait::async_trait;
use serde_json::{json, Value};

mod checkout_support;
use checkout_support::*;

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
    assert!(
        html.contains("Payment received") && html.contains(r#"data-status="succeeded""#),
        "{html}"
    );
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
            json!({"productId": "gold-bar", "quantity": 1, "paymentMethodType": "ALIPAY_CN"}),
            422,
            "unknown_item",
        ),
        (
            json!({"productId": "sticker", "quantity": 0, "paymentMethodType": "ALIPAY_CN"}),
            422,
            "invalid_order",
        ),
        (
            json!({"productId": "sticker", "quantity": 1}),
            422,
            "payment_method_not_allowed",
        ),
        (
            json!({"productId": "sticker", "quantity": 1, "paymentMethodType": "DANA"}),
            422,
            "payment_method_not_allowed",
        ),
        (json!([{"productId": "sticker"}]), 400, "invalid_json"),
    ];
    for (body, expected, code) in cases {
        let (status, answer) = shop.create_session(body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (expected, Some(code)),
            "{body} -> {answer}"
        );
    }
    let (status, _, _) = shop
        .post_session(
            &json!({"productId": "sticker", "quantity": 1, "paymentMethodType": "ALIPAY_CN"}),
            &[("idempotency-key", "a key with spaces")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(shop.mock.log().requests_for("createPaymentSession").is_empty());
    assert!(shop.checkout.store().list_pending(10).await.unwrap().is_empty());
}

#[test]
fn the_builder_needs_a_pricing_decision() {
    let mock_keys = keys::antom_public_key_ring();
    let client = AntomClient::builder("SANDBOX_TEST")
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock_keys.clone())
        .build()
        .unwrap();
    let builder = || {
        Checkout::builder()
            .client(client.clone())
            .store(MemoryOrderStore::new())
            .notification_keys("SANDBOX_TEST", mock_keys.clone())
            .notify_url("http://127.0.0.1:1/notify")
            .redirect_url("http://127.0.0.1:1/return")
    };
    assert!(matches!(builder().build(), Err(CheckoutBuildError::MissingPricing)));
    assert!(builder()
        .pricing(ClientAmount::new().allow(Currency::SGD, 100, 5000))
        .build()
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forged_amount_in_the_body_never_changes_what_is_charged() {
    for (name, store) in every_store().await {
        let shop = shop_with(store, true).await;
        // The browser claims 1 cent in USD; the catalogue says 3 stickers at 1.00 SGD.
        let forged = json!({
            "productId": "sticker", "quantity": 3, "paymentMethodType": "ALIPAY_CN",
            "amount": 1, "currency": "USD", "description": "Gold bar", "paymentAmount": {"currency": "USD", "value": "1"},
        });
        let (status, body) = shop.create_session(forged).await;
        assert_eq!(status, 200, "{name}: {body}");
        let session: CreateSessionResponse = serde_json::from_value(body).unwrap();
        let stored = shop
            .checkout
            .store()
            .get_order(&session.order_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.amount, Amount::from_minor_units(300, "SGD").unwrap(), "{name}");
        assert_eq!(stored.description, "3 stickers", "{name}");
        let sent = shop.mock.log().requests_for("createPaymentSession");
        let sent = sent[0].json().unwrap();
        assert_eq!(
            sent["paymentAmount"],
            json!({"currency": "SGD", "value": "300"}),
            "{name}"
        );
        assert_eq!(
            sent["order"]["orderAmount"],
            json!({"currency": "SGD", "value": "300"}),
            "{name}"
        );
        assert_eq!(sent["order"]["goods"][0]["referenceGoodsId"], "sticker", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_creates_one_order_and_one_session_on_every_store() {
    for (name, store) in every_store().await {
        let shop = Arc::new(shop_with(store, true).await);
        let body = json!({"productId": "sticker", "quantity": 2, "paymentMethodType": "ALIPAY_CN"});
        let key = format!("attempt-{name}-1");
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (shop, body, key, barrier) = (shop.clone(), body.clone(), key.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                shop.post_session(&body, &[("idempotency-key", key.as_str())]).await
            }));
        }
        let mut order_ids = std::collections::HashSet::new();
        let mut replayed = 0;
        for task in tasks {
            let (status, answer, headers) = task.await.unwrap();
            assert_eq!(status, 200, "{name}: {answer}");
            order_ids.insert(answer["orderId"].as_str().unwrap().to_owned());
            replayed += usize::from(headers.get("idempotent-replayed").is_some());
        }
        assert_eq!(order_ids.len(), 1, "{name}: one order for one key");
        assert_eq!(replayed, 49, "{name}");
        assert_eq!(
            shop.mock.log().requests_for("createPaymentSession").len(),
            1,
            "{name}: one Antom call"
        );
        assert_eq!(
            shop.checkout.store().list_pending(100).await.unwrap().len(),
            1,
            "{name}: one stored order"
        );
        // The same key with another body: refused, nothing created.
        let other = json!({"productId": "sticker", "quantity": 3, "paymentMethodType": "ALIPAY_CN"});
        let (status, answer, _) = shop.post_session(&other, &[("idempotency-key", key.as_str())]).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (422, Some("idempotency_key_reused")),
            "{name}"
        );
        // Key order and whitespace do not make another body.
        let reordered = json!({"paymentMethodType": "ALIPAY_CN", "quantity": 2, "productId": "sticker"});
        let (status, answer, _) = shop
            .post_session(&reordered, &[("idempotency-key", key.as_str())])
            .await;
        assert_eq!(
            (status, answer["orderId"].as_str()),
            (200, order_ids.iter().next().map(String::as_str))
        );
        // A new key is a new checkout attempt.
        let (status, answer, _) = shop.post_session(&body, &[("idempotency-key", "attempt-2")]).await;
        assert_eq!(status, 200);
        assert!(!order_ids.contains(answer["orderId"].as_str().unwrap()));
        assert_eq!(shop.mock.log().requests_for("createPaymentSession").len(), 2, "{name}");
        let kept = shop.checkout.store().idempotency_record(&key).await.unwrap().unwrap();
        assert_eq!(kept.response.map(|r| r.status), Some(200), "{name}");
    }
}

#[tokio::test]
async fn the_session_route_is_rate_limited_per_client() {
    let shop = shop_configured(Arc::new(MemoryOrderStore::new()), true, |builder| {
        builder.rate_limit(SessionRateLimit::per_client(3, Duration::from_secs(60)))
    })
    .await;
    let body = json!({"productId": "sticker", "quantity": 1, "paymentMethodType": "ALIPAY_CN"});
    for _ in 0..3 {
        assert_eq!(shop.create_session(body.clone()).await.0, 200);
    }
    let (status, answer, headers) = shop.post_session(&body, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (429, Some("rate_limited")),
        "{answer}"
    );
    assert!(headers.get("retry-after").is_some());
    assert_eq!(
        shop.mock.log().requests_for("createPaymentSession").len(),
        3,
        "no Antom call past the limit"
    );
    // The other routes are not limited.
    let (status, _) = shop
        .http
        .get(&format!("{}/antom/return", shop.url), "application/json")
        .await;
    assert_eq!(status, 400);

    // Behind a proxy: keyed by the header it sets, one bucket per client.
    let shop = shop_configured(Arc::new(MemoryOrderStore::new()), true, |builder| {
        builder.rate_limit(
            SessionRateLimit::per_client(1, Duration::from_secs(60))
                .client_address(ClientAddress::Header(http::HeaderName::from_static("x-real-ip"))),
        )
    })
    .await;
    for ip in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(shop.post_session(&body, &[("x-real-ip", ip)]).await.0, 200, "{ip}");
    }
    assert_eq!(shop.post_session(&body, &[("x-real-ip", "203.0.113.1")]).await.0, 429);
    let (status, answer, _) = shop.post_session(&body, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (500, Some("client_address_unknown"))
    );
}

#[tokio::test]
async fn session_options_and_the_hook_shape_the_antom_request() {
    let shop = shop_configured(Arc::new(MemoryOrderStore::new()), true, |builder| {
        builder
            .session_options(
                SessionOptions::checkout_payment()
                    .locale("en_US")
                    .settlement_currency(Currency::USD)
                    .expires_after(Duration::from_secs(1800)),
            )
            .customize_session(
                |request: &mut antom_types::CreatePaymentSessionRequest, context: &SessionContext<'_>| {
                    request.merchant_region = Some("SG".into());
                    assert_eq!(context.order.amount.value(), 100);
                },
            )
    })
    .await;
    let body = json!({"productId": "sticker", "quantity": 1, "paymentMethodType": "GCASH"});
    let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36";
    let (status, answer, _) = shop.post_session(&body, &[("user-agent", android)]).await;
    assert_eq!(status, 200, "{answer}");
    let sent = shop.mock.log().requests_for("createPaymentSession");
    let sent = sent[0].json().unwrap();
    assert_eq!(sent["productScene"], "CHECKOUT_PAYMENT");
    assert_eq!(sent["locale"], "en_US");
    assert_eq!(sent["settlementStrategy"]["settlementCurrency"], "USD");
    assert_eq!(sent["merchantRegion"], "SG");
    assert_eq!(sent["paymentMethod"]["paymentMethodType"], "GCASH");
    assert_eq!(sent["env"]["terminalType"], "WAP");
    assert_eq!(sent["env"]["osType"], "ANDROID");
    assert_eq!(sent["env"]["clientIp"], "127.0.0.1");
    assert!(sent["paymentSessionExpiryTime"].as_str().unwrap().ends_with("+00:00"));
}
