//! Helpers shared by the examples' tests: a mock Antom, a listener on
//! 127.0.0.1:0, a small JSON HTTP client, and the full payment flow against
//! a server speaking the shop's JSON routes.

use std::net::SocketAddr;
use std::time::Duration;

use antom_testkit::mock::{MockAntom, MockAntomHandle, NotificationRecord};
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// Generous for a loaded 2-core CI machine; the waits end as soon as the event happens.
pub const WAIT: Duration = Duration::from_secs(20);

/// A mock Antom on 127.0.0.1 whose retry schedule runs in well under a second.
pub async fn mock() -> MockAntomHandle {
    MockAntom::builder()
        .time_scale(1_000_000.0)
        .start()
        .await
        .expect("mock Antom starts")
}

/// A mock that signs its notifications with a key that is not Antom's.
pub async fn forging_mock() -> MockAntomHandle {
    MockAntom::builder()
        .time_scale(1_000_000.0)
        .sign_notifications_with_wrong_key(true)
        .start()
        .await
        .expect("mock Antom starts")
}

/// A listener on 127.0.0.1 with a port the OS picked.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    (listener, addr)
}

/// What the tests buy.
pub fn order_json(quantity: u64) -> Value {
    json!({
        "productId": "sticker-pack",
        "quantity": quantity,
        "currency": "SGD",
        "paymentMethodType": "ALIPAY_CN",
    })
}

/// Sends a request; answers status and body text.
pub async fn send(method: Method, url: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> (StatusCode, String) {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(body.into())).expect("request");
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .unwrap_or_else(|_| panic!("{url}: no answer within {WAIT:?}"))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// POSTs JSON; answers status and parsed body.
pub async fn post_json(url: &str, body: &Value) -> (StatusCode, Value) {
    let (status, text) = send(
        Method::POST,
        url,
        &[("content-type", "application/json"), ("accept", "application/json")],
        body.to_string(),
    )
    .await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{url}: not JSON: {text}")),
    )
}

/// GETs JSON; answers status and parsed body.
pub async fn get_json(url: &str) -> (StatusCode, Value) {
    let (status, text) = send(Method::GET, url, &[("accept", "application/json")], Bytes::new()).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{url}: not JSON: {text}")),
    )
}

/// Waits until the delivery of `payment_request_id`'s notification is over
/// (acknowledged, or all attempts made) and returns its attempts.
pub async fn notifications_for(mock: &MockAntomHandle, payment_request_id: &str) -> Vec<NotificationRecord> {
    mock.log()
        .wait_for(
            &format!("the end of {payment_request_id}'s notification"),
            WAIT,
            |log| log.notifications_for(payment_request_id).iter().any(|n| n.last),
        )
        .await
        .expect("the notification delivery finishes");
    mock.log().notifications_for(payment_request_id)
}

/// How the buyer ends the payment on the mock.
#[derive(Debug, Clone, Copy)]
pub enum Buyer {
    /// Pays on the cashier page.
    Pays,
    /// The payment fails (USER_BALANCE_NOT_ENOUGH).
    Fails,
    /// Cancels on the cashier page.
    Cancels,
}

/// The full payment against a server with the shop's JSON routes
/// (`POST {base}/sessions`, `GET {base}/orders/{id}`, `GET {base}/return`):
/// create the session, the buyer acts on the mock, the notification is
/// acknowledged (so it was verified), and the order has the expected status.
pub async fn json_payment_flow(mock: &MockAntomHandle, base: &str, buyer: Buyer) -> Value {
    let (status, session) = post_json(&format!("{base}/sessions"), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let order_id = session["orderId"].as_str().expect("orderId").to_owned();
    let payment_request_id = session["paymentRequestId"]
        .as_str()
        .expect("paymentRequestId")
        .to_owned();
    assert!(!session["paymentSessionData"].as_str().unwrap_or("").is_empty());
    assert_eq!(
        session["normalUrl"].as_str(),
        mock.cashier_url(&payment_request_id).as_deref()
    );

    let (status, order) = get_json(&format!("{base}/orders/{order_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["status"], "pending", "{order}");

    let expected = match buyer {
        Buyer::Pays => {
            mock.pay(&payment_request_id).expect("pay");
            "succeeded"
        }
        Buyer::Fails => {
            mock.fail(&payment_request_id, "USER_BALANCE_NOT_ENOUGH").expect("fail");
            "failed"
        }
        Buyer::Cancels => {
            mock.cancel(&payment_request_id).expect("cancel");
            "cancelled"
        }
    };
    let notifications = notifications_for(mock, &payment_request_id).await;
    assert_eq!(
        notifications.len(),
        1,
        "one attempt, acknowledged at once: {notifications:#?}"
    );
    assert!(notifications[0].acknowledged, "{:#?}", notifications[0]);
    assert_eq!(notifications[0].status, Some(200));

    let (status, order) = get_json(&format!("{base}/orders/{order_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["status"], expected, "{order}");
    assert_eq!(order["isFinal"], true);
    assert_eq!(order["amount"], json!({"currency": "SGD", "value": "4200"}));

    // Where the cashier sends the buyer back.
    let (status, returned) = get_json(&format!("{base}/return?orderId={order_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(returned["status"], expected);
    order
}

/// A notification signed with the wrong key is refused (401) on every
/// attempt and never reaches the store.
pub async fn forged_notification_refused(mock: &MockAntomHandle, base: &str) {
    let (status, session) = post_json(&format!("{base}/sessions"), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let order_id = session["orderId"].as_str().expect("orderId");
    let payment_request_id = session["paymentRequestId"].as_str().expect("paymentRequestId");
    mock.pay(payment_request_id).expect("pay");
    let notifications = notifications_for(mock, payment_request_id).await;
    assert_eq!(
        notifications.len(),
        8,
        "Antom's 8 attempts, all refused: {notifications:#?}"
    );
    for attempt in &notifications {
        assert_eq!(attempt.status, Some(401), "{attempt:#?}");
        assert!(!attempt.acknowledged);
        assert!(attempt
            .response_body
            .as_deref()
            .unwrap_or("")
            .contains("signature_mismatch"));
    }
    let (_, order) = get_json(&format!("{base}/orders/{order_id}")).await;
    assert_eq!(
        order["status"], "pending",
        "a forged notification changed the order: {order}"
    );
}

/// An unsigned POST to the notify route is refused before the handler.
pub async fn unsigned_notification_refused(notify_url: &str) {
    let body = json!({
        "notifyType": "PAYMENT_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "paymentRequestId": "pay_x", "paymentId": "p1",
        "paymentAmount": {"currency": "SGD", "value": "4200"}
    });
    let (status, text) = send(
        Method::POST,
        notify_url,
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("missing_header"), "{text}");
}

/// The tests every shop example passes, against the mock Antom on 127.0.0.1:
/// full payments (paid, failed, cancelled), notifications that fail
/// verification, bad requests. `$start` is an `async fn(&MockAntomHandle) ->
/// (String, Shop)` that starts the example (its base URL and shop);
/// `$notify_path` the path of its notify route.
#[macro_export]
macro_rules! shop_example_tests {
    ($start:path, $notify_path:expr) => {
        #[tokio::test]
        async fn a_paid_order_succeeds_by_verified_notification() {
            use $crate::testing::*;
            let mock = mock().await;
            let (base, shop) = $start(&mock).await;
            let order = json_payment_flow(&mock, &base, Buyer::Pays).await;
            let changes = shop
                .store()
                .state_changes(order["orderId"].as_str().unwrap())
                .await
                .unwrap();
            let last = changes.last().expect("a state change");
            assert_eq!(
                last.source,
                antom_tower::store::ResultSource::Notification,
                "{changes:?}"
            );
            assert_eq!(order["paymentId"], mock.payments()[0].payment_id.as_str());
        }

        #[tokio::test]
        async fn failed_and_cancelled_payments() {
            use $crate::testing::*;
            let mock = mock().await;
            let (base, _) = $start(&mock).await;
            json_payment_flow(&mock, &base, Buyer::Fails).await;
            json_payment_flow(&mock, &base, Buyer::Cancels).await;
        }

        #[tokio::test]
        async fn forged_and_unsigned_notifications_are_refused() {
            use $crate::testing::*;
            let mock = forging_mock().await;
            let (base, _) = $start(&mock).await;
            forged_notification_refused(&mock, &base).await;
            unsigned_notification_refused(&format!("{base}{}", $notify_path)).await;
        }

        #[tokio::test]
        async fn bad_requests() {
            use $crate::testing::*;
            let mock = mock().await;
            let (base, _) = $start(&mock).await;
            let (status, body) = post_json(&format!("{base}/sessions"), &order_json(0)).await;
            assert_eq!(status, 422, "{body}");
            assert_eq!(body["error"], "invalid_order");
            let (status, _) = get_json(&format!("{base}/orders/ord_nope")).await;
            assert_eq!(status, 404);
            let (status, _) = get_json(&format!("{base}/nowhere")).await;
            assert_eq!(status, 404);
        }
    };
}
