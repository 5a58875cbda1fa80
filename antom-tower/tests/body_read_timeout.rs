//! The body read timeout of `VerifyNotificationLayer`: a client that trickles
//! its body (slow-loris) or stalls gets 408 `body_read_timeout` and never
//! reaches the handler; a slow but complete body within the limit passes; the
//! limit can be switched off. Runs on Tokio's paused clock, so the waits take
//! no real time.

mod notify_support;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use antom_tower::verify_notification::{NotificationRejection, VerifyNotificationLayer, DEFAULT_BODY_READ_TIMEOUT};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use notify_support::*;
use tokio::sync::mpsc;
use tower::{service_fn, Layer, ServiceExt};

/// A body fed through a channel: it ends when the sender is dropped, and
/// keeps the reader waiting while the sender holds on.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// Sends `body` in `chunk`-byte pieces, `every` apart, then ends the body.
fn trickle(body: Bytes, chunk: usize, every: Duration) -> ChannelBody {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        for piece in body.chunks(chunk) {
            if tx.send(Bytes::copy_from_slice(piece)).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    ChannelBody(rx)
}

/// Sends the first bytes, then stalls for good (the sender is kept alive).
fn stall(body: Bytes) -> (ChannelBody, mpsc::Sender<Bytes>) {
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(body.slice(..10)).expect("room for the first chunk");
    (ChannelBody(rx), tx)
}

async fn call(layer: VerifyNotificationLayer, body: ChannelBody) -> (StatusCode, Option<NotificationRejection>, bool) {
    let notification = Notification::signed();
    let mut builder = Request::post(NOTIFY_PATH);
    for (name, value) in &notification.headers {
        builder = builder.header(*name, value.as_str());
    }
    let request = builder.body(body).expect("request");
    let called = CallCounter::default();
    let counter = called.clone();
    let handler = service_fn(move |request: Request<Full<Bytes>>| {
        let counter = counter.clone();
        async move {
            counter.hit();
            let body = request.into_body().collect().await?.to_bytes();
            Ok::<_, Infallible>(Response::new(Full::new(body)))
        }
    });
    let response = layer
        .layer(handler)
        .oneshot(request)
        .await
        .expect("the layer never fails itself");
    let rejection = response.extensions().get::<NotificationRejection>().cloned();
    (response.status(), rejection, called.get() > 0)
}

#[tokio::test(start_paused = true)]
async fn a_stalled_body_is_refused_with_408_after_the_timeout() {
    let (body, _sender) = stall(Bytes::from(payment_body()));
    let layer = layer().body_read_timeout(Duration::from_secs(2));
    let started = tokio::time::Instant::now();
    let (status, rejection, handler_called) = call(layer, body).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    let rejection = rejection.expect("the rejection is set as an extension");
    assert_eq!(rejection.code(), "body_read_timeout");
    assert!(!handler_called, "the handler never sees an incomplete body");
    // On the paused clock: exactly the configured timeout went by.
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_slow_loris_trickle_is_cut_off_even_though_bytes_keep_coming() {
    // One byte every 100 ms: each poll sees progress, the deadline is for the whole body.
    let body = trickle(Bytes::from(payment_body()), 1, Duration::from_millis(100));
    let layer = layer().body_read_timeout(Duration::from_secs(3));
    let (status, rejection, handler_called) = call(layer, body).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(
        matches!(rejection, Some(NotificationRejection::BodyReadTimeout { timeout }) if timeout == Duration::from_secs(3))
    );
    assert!(!handler_called);
}

#[tokio::test(start_paused = true)]
async fn a_slow_body_that_completes_within_the_timeout_is_verified() {
    let body = Bytes::from(payment_body());
    // Ten pieces, 100 ms apart: about one second in all, under the limit.
    let piece = body.len().div_ceil(10);
    let layer = layer().body_read_timeout(Duration::from_secs(5));
    let (status, rejection, handler_called) = call(layer, trickle(body, piece, Duration::from_millis(100))).await;
    assert_eq!(status, StatusCode::OK, "{rejection:?}");
    assert!(handler_called);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_can_be_switched_off() {
    let (body, _sender) = stall(Bytes::from(payment_body()));
    let layer = layer().body_read_timeout(None);
    let waited = tokio::time::timeout(Duration::from_secs(24 * 3600), call(layer, body)).await;
    assert!(waited.is_err(), "without a timeout the layer waits for the body");
}

#[test]
fn the_default_is_ten_seconds_and_408_is_documented() {
    assert_eq!(DEFAULT_BODY_READ_TIMEOUT, Duration::from_secs(10));
    let rejection = NotificationRejection::BodyReadTimeout {
        timeout: DEFAULT_BODY_READ_TIMEOUT,
    };
    assert_eq!(rejection.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(rejection.code(), "body_read_timeout");
    assert_eq!(rejection.to_string(), "the body did not arrive within 10s");
    assert!(
        format!("{:?}", VerifyNotificationLayer::new(CLIENT_ID, antom_ring())).contains("body_read_timeout: Some(10s)")
    );
}
