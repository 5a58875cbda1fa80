//! `VerifyNotificationLayer` in a plain hyper 1 server (`ServiceBuilder` +
//! hyper-util's `TowerToHyperService`), driven by hyper's client over 127.0.0.1.

mod notify_support;

use std::convert::Infallible;
use std::net::SocketAddr;

use antom_tower::verify_notification::{VerifiedNotificationHeaders, VerifyNotificationLayer};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use notify_support::*;
use tokio::net::TcpListener;
use tower::util::BoxCloneService;
use tower::{service_fn, ServiceBuilder};

/// The merchant's handler: counts calls, echoes the verified body and reports
/// the verified key version and request time in headers.
fn handler(counter: CallCounter) -> BoxCloneService<Request<Full<Bytes>>, Response<Full<Bytes>>, Infallible> {
    BoxCloneService::new(service_fn(move |request: Request<Full<Bytes>>| {
        let counter = counter.clone();
        async move {
            counter.hit();
            let verified = request.extensions().get::<VerifiedNotificationHeaders>().cloned();
            let body = request.into_body().collect().await?.to_bytes();
            let mut response = Response::new(Full::new(body));
            if let Some(verified) = verified {
                let headers = response.headers_mut();
                headers.insert("x-key-version", HeaderValue::from(verified.key_version.0));
                if let Ok(time) = HeaderValue::from_str(&verified.request_time) {
                    headers.insert("x-request-time", time);
                }
            }
            Ok::<_, Infallible>(response)
        }
    }))
}

/// Serves `layer` over `handler` on an ephemeral port.
async fn start(layer: VerifyNotificationLayer, counter: CallCounter) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let service = ServiceBuilder::new().layer(layer).service(handler(counter));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                // A connection closed after a rejection is not a test failure.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn accepts_signed_notifications() {
    let counter = CallCounter::default();
    let addr = start(layer(), counter.clone()).await;
    let authority = addr.to_string();
    for (i, (name, notification, key_version)) in good_cases().into_iter().enumerate() {
        let reply = send(addr, notification.request(Some(&authority))).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {:?}", reply.body);
        assert_eq!(reply.body, notification.body, "{name}: the handler sees the exact body");
        assert_eq!(
            reply.headers["x-key-version"],
            key_version.to_string().as_str(),
            "{name}"
        );
        assert_eq!(
            reply.headers["x-request-time"],
            notification.header("request-time").unwrap_or_default(),
            "{name}"
        );
        assert_eq!(counter.get(), i + 1, "{name}");
    }
}

#[tokio::test]
async fn rejects_every_bad_case_without_calling_the_handler() {
    let counter = CallCounter::default();
    let addr = start(layer(), counter.clone()).await;
    assert_bad_cases_rejected(addr, &counter).await;
}

#[tokio::test]
async fn verifies_the_external_path_behind_a_prefix_stripping_proxy() {
    let time = millis_from_now(-1_000);
    // Antom posted to https://shop.example/shop/antom/notify; the proxy forwarded /antom/notify.
    let notification = Notification::signed_with(&antom_v1(), 1, "/shop/antom/notify", NOTIFY_PATH, CLIENT_ID, &time);

    let counter = CallCounter::default();
    let behind_proxy = start(layer().proxy_path_prefix("/shop"), counter.clone()).await;
    let reply = send(behind_proxy, notification.request(Some(&behind_proxy.to_string()))).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(counter.get(), 1);

    let unaware_counter = CallCounter::default();
    let unaware = start(layer(), unaware_counter.clone()).await;
    let reply = send(unaware, notification.request(Some(&unaware.to_string()))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rejection_body(&reply.body).0, "signature_mismatch");
    assert_eq!(unaware_counter.get(), 0);
}
