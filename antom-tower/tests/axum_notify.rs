//! `VerifyNotificationLayer` and the `VerifiedNotification` extractor in an axum
//! app (`Router::route_layer`, `MethodRouter::route_layer`, `Router::layer`,
//! `Router::nest`), served on 127.0.0.1 and driven by hyper's client.
#![cfg(feature = "axum")]

mod notify_support;

use std::net::SocketAddr;

use antom_tower::extract::VerifiedNotification;
use antom_tower::verify_notification::VerifiedNotificationHeaders;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use http::StatusCode;
use notify_support::*;
use serde::Deserialize;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Echoes the verified payload and what the layer verified.
async fn json_handler(State(counter): State<CallCounter>, notification: VerifiedNotification<Value>) -> Json<Value> {
    counter.hit();
    Json(json!({
        "payload": notification.payload,
        "keyVersion": notification.headers.key_version.0,
        "requestTime": notification.headers.request_time,
        "clientId": notification.headers.client_id,
        "rawLength": notification.body.len(),
    }))
}

/// A handler with its own small type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentIds {
    payment_request_id: String,
    payment_id: String,
}

async fn ids_handler(State(counter): State<CallCounter>, notification: VerifiedNotification<PaymentIds>) -> String {
    counter.hit();
    format!(
        "{}/{}",
        notification.payload.payment_request_id, notification.payload.payment_id
    )
}

/// A handler with the types crate's notification.
async fn typed_handler(
    State(counter): State<CallCounter>,
    notification: VerifiedNotification<antom_types::NotifyPayment>,
) -> String {
    counter.hit();
    notification.payload.idempotency_key()
}

/// Only the verification facts, body as bytes.
async fn headers_handler(
    State(counter): State<CallCounter>,
    verified: VerifiedNotificationHeaders,
    body: Bytes,
) -> String {
    counter.hit();
    format!("{}:{}", verified.key_version, body.len())
}

fn app(counter: CallCounter) -> Router {
    Router::new()
        .route(NOTIFY_PATH, post(json_handler))
        .route_layer(layer())
        .route("/ids/notify", post(ids_handler).route_layer(layer()))
        .route("/typed/notify", post(typed_handler).route_layer(layer()))
        .route("/headers/notify", post(headers_handler).route_layer(layer()))
        .route(
            "/proxied/notify",
            post(json_handler).route_layer(layer().proxy_path_prefix("/shop")),
        )
        .nest(
            "/nested",
            Router::new()
                .route(NOTIFY_PATH, post(json_handler))
                .route_layer(layer()),
        )
        // Deliberately without the layer: the extractor must refuse.
        .route("/unprotected/notify", post(json_handler))
        .route("/unprotected/headers", post(headers_handler))
        .with_state(counter)
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

async fn start() -> (SocketAddr, CallCounter) {
    let counter = CallCounter::default();
    (serve(app(counter.clone())).await, counter)
}

/// A notification signed for `path` and sent there.
fn signed_for(path: &str, body: &str) -> Notification {
    let time = millis_from_now(-1_000);
    let signature = signature_header(&antom_v1(), 1, path, CLIENT_ID, &time, body.as_bytes());
    let mut notification = Notification::signed()
        .with_body(body.to_owned())
        .with_header("request-time", time)
        .with_header("signature", signature);
    notification.path_and_query = path.to_owned();
    notification
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON reply")
}

#[tokio::test]
async fn route_layer_accepts_signed_notifications_and_the_handler_sees_them() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();
    for (i, (name, notification, key_version)) in good_cases().into_iter().enumerate() {
        let reply = send(addr, notification.request(Some(&authority))).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {:?}", reply.body);
        let seen = json_of(&reply.body);
        assert_eq!(seen["payload"], json_of(&notification.body), "{name}");
        assert_eq!(seen["keyVersion"], key_version, "{name}");
        assert_eq!(seen["clientId"], CLIENT_ID, "{name}");
        assert_eq!(
            seen["requestTime"],
            notification.header("request-time").unwrap_or_default(),
            "{name}"
        );
        assert_eq!(seen["rawLength"], notification.body.len(), "{name}");
        assert_eq!(counter.get(), i + 1, "{name}");
    }
}

#[tokio::test]
async fn route_layer_rejects_every_bad_case_without_calling_the_handler() {
    let (addr, counter) = start().await;
    assert_bad_cases_rejected(addr, &counter).await;
}

#[tokio::test]
async fn router_layer_works_too() {
    let counter = CallCounter::default();
    let app = Router::new()
        .route(NOTIFY_PATH, post(json_handler))
        .layer(layer())
        .with_state(counter.clone());
    let addr = serve(app).await;
    let authority = addr.to_string();
    assert_bad_cases_rejected(addr, &counter).await;
    let reply = send(addr, Notification::signed().request(Some(&authority))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(counter.get(), 1);
}

#[tokio::test]
async fn a_nested_route_verifies_the_full_original_path() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();
    let full_path = format!("/nested{NOTIFY_PATH}");

    let reply = send(addr, signed_for(&full_path, &payment_body()).request(Some(&authority))).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(counter.get(), 1);

    // Signed for the path as the nested router sees it: not what Antom signs.
    let mut inner_path = signed_for(NOTIFY_PATH, &payment_body());
    inner_path.path_and_query = full_path;
    let reply = send(addr, inner_path.request(Some(&authority))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(counter.get(), 1);
}

#[tokio::test]
async fn a_proxy_prefix_is_put_back() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();
    let mut notification = signed_for("/shop/proxied/notify", &payment_body());
    notification.path_and_query = "/proxied/notify".to_owned();
    let reply = send(addr, notification.request(Some(&authority))).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(counter.get(), 1);
}

#[tokio::test]
async fn the_extractor_refuses_a_route_without_the_layer() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();
    for path in ["/unprotected/notify", "/unprotected/headers"] {
        // Even a correctly signed notification: nothing verified it.
        let reply = send(addr, signed_for(path, &payment_body()).request(Some(&authority))).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(rejection_body(&reply.body).0, "notification_not_verified", "{path}");
    }
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn a_verified_body_that_is_not_the_expected_json_is_a_400() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();
    let cases = [
        (NOTIFY_PATH, "not json at all"),
        (NOTIFY_PATH, r#"{"truncated": "#),
        ("/ids/notify", r#"{"paymentRequestId": 12, "paymentId": "p"}"#),
        ("/ids/notify", r#"{"paymentId": "p"}"#),
        ("/typed/notify", r#"{"notifyType":"PAYMENT_RESULT"}"#),
    ];
    for (path, body) in cases {
        let reply = send(addr, signed_for(path, body).request(Some(&authority))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert_eq!(
            reply.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        let (code, message) = rejection_body(&reply.body);
        assert_eq!(code, "invalid_json", "{message}");
    }
    assert_eq!(counter.get(), 0, "the handler is not called with a body it cannot read");
}

#[tokio::test]
async fn handlers_get_their_own_types() {
    let (addr, counter) = start().await;
    let authority = addr.to_string();

    let reply = send(
        addr,
        signed_for("/ids/notify", &payment_body()).request(Some(&authority)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body, "pay_1/2025081700000001");

    let reply = send(
        addr,
        signed_for("/typed/notify", &payment_body()).request(Some(&authority)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body, "PAYMENT_RESULT:2025081700000001");

    let body = payment_body();
    let reply = send(addr, signed_for("/headers/notify", &body).request(Some(&authority))).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body, format!("1:{}", body.len()));
    assert_eq!(counter.get(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn the_extractor_logs_json_errors_without_body_values() {
    let secret_body = format!(r#"{{"paymentRequestId": "{SECRET_MARKER}", "paymentId": 7}}"#);
    let counter = CallCounter::default();
    let app = app(counter.clone());
    let logs = capture_logs(async {
        let request = signed_for("/ids/notify", &secret_body).request(None);
        let response = app.oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body")
            .to_bytes();
        let (code, message) = rejection_body(&body);
        assert_eq!(code, "invalid_json");
        assert!(!message.contains(SECRET_MARKER), "{message}");
    })
    .await;
    assert!(logs.contains("not the expected JSON"), "{logs}");
    assert!(!logs.contains(SECRET_MARKER), "{logs}");
    assert_eq!(counter.get(), 0);
}
