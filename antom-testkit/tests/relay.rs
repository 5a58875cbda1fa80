//! `antom relay` and `antom listen` on loopback: mock Antom -> relay -> listen ->
//! the checkout routes, with the listener dropping mid-run (Antom's resend is
//! delivered once it is back, nothing lost) and a wrong channel secret (refused).

mod cli_support;

use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{MockAntom, MockAntomHandle};
use antom_tower::checkout::Checkout;
use antom_tower::client::AntomClient;
use antom_tower::store::{MemoryOrderStore, OrderStatus};
use antom_tower::VerifyNotificationLayer;
use bytes::Bytes;
use cli_support::Antom;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};

const SECRET: &str = "alice-relay-secret";

struct App {
    url: String,
    checkout: Checkout,
}

/// The checkout routes under /antom, told that Antom notifies the relay's channel URL.
async fn app(mock: &MockAntomHandle, public_notify_url: &str) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let client = AntomClient::builder(mock.client_id())
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock.antom_public_key_ring())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let checkout = Checkout::builder()
        // The test names the amount: the explicit client-amount opt-in.
        .pricing(antom_tower::checkout::ClientAmount::new().allow(antom_types::Currency::SGD, 1, 1_000_000))
        .client(client)
        .store(MemoryOrderStore::new())
        // Antom signed the relay URL's path (/c/alice/antom/notify); the app
        // receives /antom/notify, so it puts the relay's prefix back.
        .notification_layer(
            VerifyNotificationLayer::new(mock.client_id(), mock.antom_public_key_ring())
                .proxy_path_prefix(antom_testkit::relay::channel_prefix("alice")),
        )
        .notify_url(public_notify_url)
        .redirect_url(format!("{url}/antom/return"))
        .prefix("/antom")
        .build()
        .unwrap();
    let router = checkout.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    App { url, checkout }
}

impl App {
    async fn create_session(&self) -> (String, String) {
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<Full<Bytes>>();
        let body =
            json!({"amount": 450, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "Cappuccino"});
        let request = http::Request::post(format!("{}/antom/sessions", self.url))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let v: Value = serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
        (
            v["orderId"].as_str().unwrap().to_owned(),
            v["paymentRequestId"].as_str().unwrap().to_owned(),
        )
    }

    async fn status(&self, order_id: &str) -> OrderStatus {
        self.checkout.store().get_order(order_id).await.unwrap().unwrap().status
    }
}

fn relay_process() -> (Antom, String) {
    let channel = format!("alice={SECRET}");
    let mut relay = Antom::spawn(&["relay", "--listen", "127.0.0.1:0", "--channel", &channel], &[]);
    let line = relay.wait_for_line("antom relay listening on ");
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    (relay, base)
}

fn listen_process(relay: &str, secret: &str, forward_to: &str) -> Antom {
    Antom::spawn(
        &[
            "listen",
            "--relay",
            relay,
            "--channel",
            "alice",
            "--secret",
            secret,
            "--forward-to",
            forward_to,
        ],
        &[],
    )
}

#[tokio::test]
async fn sandbox_notifications_reach_localhost_through_relay_and_listen() {
    // Antom's real clock: resends only happen when the test advances it.
    let mock = MockAntom::builder().start().await.unwrap();
    let (mut relay, relay_url) = relay_process();
    let public_notify_url = format!("{relay_url}/c/alice/antom/notify");
    let app = app(&mock, &public_notify_url).await;
    let forward_to = format!("{}/antom/notify", app.url);

    // A wrong secret is refused before any notification could flow.
    let mut intruder = listen_process(&relay_url, "not-the-secret", &forward_to);
    assert_eq!(intruder.wait_exit(), Some(2), "{:#?}", intruder.seen);
    assert!(
        intruder.seen.iter().any(|l| l.contains("HTTP 401")),
        "{:#?}",
        intruder.seen
    );

    let mut listener = listen_process(&relay_url, SECRET, &forward_to);
    listener.wait_for_line("connected to ");

    // 1. A payment notified through the relay is verified and stored by the app.
    let (order_1, pay_1) = app.create_session().await;
    mock.pay(&pay_1).unwrap();
    assert!(mock.settle().await);
    let line = listener.wait_for_line("acknowledged");
    assert!(
        line.contains("/c/alice/antom/notify") && line.contains("-> 200"),
        "{line}"
    );
    assert_eq!(app.status(&order_1).await, OrderStatus::Succeeded);
    let first = mock.log().notifications_for(&pay_1);
    assert_eq!(first.len(), 1);
    assert!(first[0].acknowledged, "{first:?}");
    relay.wait_for_line("-> 200 (delivered)");

    // 2. The listener drops: Antom hears a non-SUCCESS answer and keeps the notification.
    listener.kill();
    let (order_2, pay_2) = app.create_session().await;
    mock.pay(&pay_2).unwrap();
    assert!(mock.settle().await);
    let attempts = mock.log().notifications_for(&pay_2);
    assert_eq!(attempts.len(), 1);
    assert!(!attempts[0].acknowledged);
    // 503 once the relay saw the socket close; 502 if the delivery raced the close.
    assert!(matches!(attempts[0].status, Some(503) | Some(502)), "{:?}", attempts[0]);
    assert_eq!(app.status(&order_2).await, OrderStatus::Pending);
    relay.wait_for_line(&format!("-> {} (", attempts[0].status.unwrap()));

    // 3. The developer starts listening again; Antom's resend (2 minutes later) gets through.
    let mut listener = listen_process(&relay_url, SECRET, &forward_to);
    listener.wait_for_line("connected to ");
    let advanced = mock.advance_clock(Duration::from_secs(120)).await;
    assert!(advanced.settled);
    let attempts = mock.log().notifications_for(&pay_2);
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert_eq!(attempts[1].attempt, 2);
    assert!(attempts[1].acknowledged, "{:?}", attempts[1]);
    assert_eq!(
        attempts[1].body, attempts[0].body,
        "the resend is the same notification"
    );
    listener.wait_for_line("acknowledged");
    assert_eq!(app.status(&order_2).await, OrderStatus::Succeeded);
    // Nothing was delivered twice or lost: one paid transition per order.
    for order in [&order_1, &order_2] {
        let changes = app.checkout.store().state_changes(order).await.unwrap();
        let paid = changes.iter().filter(|c| c.to == OrderStatus::Succeeded).count();
        assert_eq!(paid, 1, "{changes:?}");
    }
}

#[tokio::test]
async fn the_relay_passes_bytes_and_headers_untouched_and_answers_non_success_without_a_listener() {
    use antom_testkit::relay::listen::{listen_once, ListenEvent, ListenOptions};
    use antom_testkit::relay::{Relay, RelayConfig};

    // An app that echoes what it received, so the test sees the bytes.
    let echo = axum::Router::new().route(
        "/antom/notify",
        axum::routing::post(|headers: http::HeaderMap, body: Bytes| async move {
            let signature = headers.get("signature").cloned().unwrap();
            let mut response = http::Response::new(axum::body::Body::from(body));
            response.headers_mut().insert("x-echo-signature", signature);
            response
        }),
    );
    let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}/antom/notify", app_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(app_listener, echo).await.unwrap() });

    let relay = Relay::start(
        RelayConfig::new().channel("bob", SECRET),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let url = relay.channel_url("bob", "/antom/notify?shop=1");
    let body = b"{\"notifyType\":\"PAYMENT_RESULT\",  \"odd\":\"caf\xc3\xa9\"}\n".to_vec();
    let post = |body: Vec<u8>| {
        let url = url.clone();
        async move {
            let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<Bytes>>();
            let request = http::Request::post(url)
                .header("signature", "algorithm=RSA256,keyVersion=1,signature=abc%2Bdef%3D%3D")
                .header("request-time", "2026-01-15T10:00:05+08:00")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let response = client.request(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, headers, body)
        }
    };

    // No listener: a non-SUCCESS answer, so Antom resends.
    let (status, _, answer) = post(body.clone()).await;
    assert_eq!(status, 503);
    assert!(!antom_testkit::mock::AckPolicy::Parsed.is_ack(status, &answer));

    let options = ListenOptions::new(relay.base_url(), "bob", SECRET, app_url);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        listen_once(&options, |event| {
            let _ = tx.send(event);
        })
        .await
    });
    assert_eq!(rx.recv().await, Some(ListenEvent::Connected));
    let (status, headers, answer) = post(body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(&answer[..], &body[..], "the body reached the app byte for byte");
    assert_eq!(
        headers.get("x-echo-signature").unwrap(),
        "algorithm=RSA256,keyVersion=1,signature=abc%2Bdef%3D%3D"
    );
    match rx.recv().await {
        Some(ListenEvent::Forwarded(f)) => {
            assert_eq!(f.path, "/c/bob/antom/notify?shop=1");
            assert_eq!(f.status, Some(200));
        }
        other => panic!("{other:?}"),
    }
    task.abort();

    // A wrong secret, through the library.
    let wrong = ListenOptions::new(relay.base_url(), "bob", "wrong-secret", "http://127.0.0.1:9/");
    let refused = listen_once(&wrong, |_| {}).await.unwrap_err();
    assert!(
        matches!(
            refused,
            antom_testkit::relay::listen::ListenError::Refused { status: 401, .. }
        ),
        "{refused:?}"
    );
}
