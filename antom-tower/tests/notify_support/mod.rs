//! Shared by the notification tests: test keys, signed notifications, and the
//! table of bad requests each server (oneshot, axum, hyper) must reject.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SigningContent};
use antom_tower::verify_notification::VerifyNotificationLayer;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body::{Body, Frame};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};

pub const CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";
pub const NOTIFY_PATH: &str = "/antom/notify";
/// Small so the over-limit cases stay small.
pub const MAX_BODY: usize = 1024;
/// 2025-08-17T02:36:49.123Z, the layer's "now" in every test.
pub const NOW_MILLIS: u64 = 1_755_398_209_123;
/// A value that must never appear in a log line.
pub const SECRET_MARKER: &str = "CARDHOLDER-JANE-DOE-4111111111111111";

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(NOW_MILLIS)
}

pub fn millis_from_now(offset: i64) -> String {
    (NOW_MILLIS as i64 + offset).to_string()
}

fn key_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../antom-testkit/keys")
        .join(name);
    std::fs::read_to_string(path).expect("test key present")
}

pub fn private_key(name: &str) -> PrivateKey {
    PrivateKey::parse(&key_text(name)).expect("test private key parses")
}

pub fn public_key(name: &str) -> PublicKey {
    PublicKey::parse(&key_text(name)).expect("test public key parses")
}

pub fn antom_v1() -> PrivateKey {
    private_key("antom_private_key.pem")
}

pub fn antom_v2() -> PrivateKey {
    private_key("antom_private_key_v2.pem")
}

/// Antom's keys 1 and 2, as a merchant configures them during a rotation.
pub fn antom_ring() -> Arc<PublicKeyRing> {
    Arc::new(
        PublicKeyRing::new()
            .with_key(KeyVersion(1), public_key("antom_public_key.pem"))
            .with_key(KeyVersion(2), public_key("antom_public_key_v2.pem")),
    )
}

/// The layer every server test uses: a fixed clock, a 1 KiB limit, default window.
pub fn layer() -> VerifyNotificationLayer {
    VerifyNotificationLayer::new(CLIENT_ID, antom_ring())
        .max_body_bytes(MAX_BODY)
        .clock(Arc::new(now))
}

pub fn payment_body() -> String {
    format!(
        r#"{{"notifyType":"PAYMENT_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}},"paymentRequestId":"pay_1","paymentId":"2025081700000001","paymentAmount":{{"currency":"SGD","value":"4200"}},"paymentCreateTime":"2025-08-17T10:36:40+08:00","pspCustomerInfo":{{"pspCustomerId":"{SECRET_MARKER}"}}}}"#
    )
}

/// The `signature` header value for a notification.
pub fn signature_header(
    key: &PrivateKey,
    version: u32,
    path: &str,
    client_id: &str,
    request_time: &str,
    body: &[u8],
) -> String {
    let content = SigningContent::new("POST", path, client_id, request_time, body);
    key.sign_header(&content, KeyVersion(version))
        .expect("signing works")
        .to_string()
}

/// How a case's body is sent.
#[derive(Clone, Debug)]
pub enum Sending {
    /// One buffer with an exact length (hyper sends `Content-Length`).
    Whole,
    /// In chunks with no length (hyper sends `Transfer-Encoding: chunked`).
    Chunked,
}

/// A notification as sent on the wire.
#[derive(Clone, Debug)]
pub struct Notification {
    pub path_and_query: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    pub sending: Sending,
}

impl Notification {
    /// A valid notification for `path`, signed with Antom's key 1.
    pub fn signed() -> Self {
        Self::signed_with(
            &antom_v1(),
            1,
            NOTIFY_PATH,
            NOTIFY_PATH,
            CLIENT_ID,
            &millis_from_now(-3_000),
        )
    }

    /// Signed over `signed_path`, sent to `sent_path`.
    pub fn signed_with(
        key: &PrivateKey,
        version: u32,
        signed_path: &str,
        sent_path: &str,
        client_id: &str,
        request_time: &str,
    ) -> Self {
        let body = Bytes::from(payment_body());
        let signature = signature_header(key, version, signed_path, client_id, request_time, &body);
        Self {
            path_and_query: sent_path.to_owned(),
            headers: vec![
                ("content-type", "application/json; charset=UTF-8".to_owned()),
                ("client-id", client_id.to_owned()),
                ("request-time", request_time.to_owned()),
                ("signature", signature),
            ],
            body,
            sending: Sending::Whole,
        }
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    pub fn chunked(mut self) -> Self {
        self.sending = Sending::Chunked;
        self
    }

    /// The request, in origin form; with `Host: authority` when sent to a server.
    pub fn request(&self, authority: Option<&str>) -> Request<BoxBody<Bytes, Infallible>> {
        let mut builder = Request::post(self.path_and_query.as_str());
        if let Some(authority) = authority {
            builder = builder.header("host", authority);
        }
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        let body = match self.sending {
            Sending::Whole => Full::new(self.body.clone()).boxed(),
            Sending::Chunked => Chunks::split(&self.body, 100).boxed(),
        };
        builder.body(body).expect("valid test request")
    }
}

/// A body of separate chunks with no size hint, like a chunked upload.
pub struct Chunks(pub VecDeque<Bytes>);

impl Chunks {
    pub fn split(bytes: &Bytes, size: usize) -> Self {
        Self(bytes.chunks(size).map(Bytes::copy_from_slice).collect())
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

/// A request the layer must reject, and how.
pub struct BadCase {
    pub name: &'static str,
    pub notification: Notification,
    pub status: StatusCode,
    pub code: &'static str,
}

fn case(name: &'static str, notification: Notification, status: u16, code: &'static str) -> BadCase {
    BadCase {
        name,
        notification,
        status: StatusCode::from_u16(status).expect("valid status"),
        code,
    }
}

/// Every rejection the layer documents, as the servers receive them.
pub fn bad_cases() -> Vec<BadCase> {
    let good = Notification::signed();
    let time = good.header("request-time").unwrap_or_default().to_owned();
    let big_body = format!(r#"{{"padding":"{}","note":"{SECRET_MARKER}"}}"#, "x".repeat(MAX_BODY));
    let big_signed = |sending: fn(Notification) -> Notification| {
        let signature = signature_header(&antom_v1(), 1, NOTIFY_PATH, CLIENT_ID, &time, big_body.as_bytes());
        sending(
            Notification::signed()
                .with_body(big_body.clone())
                .with_header("signature", signature),
        )
    };
    vec![
        case(
            "missing client-id",
            good.clone().without_header("client-id"),
            400,
            "missing_header",
        ),
        case(
            "missing request-time",
            good.clone().without_header("request-time"),
            400,
            "missing_header",
        ),
        case(
            "missing signature",
            good.clone().without_header("signature"),
            400,
            "missing_header",
        ),
        case(
            "signature header without signature=",
            good.clone().with_header("signature", "algorithm=RSA256,keyVersion=1"),
            400,
            "malformed_signature_header",
        ),
        case(
            "signature header with another algorithm",
            good.clone()
                .with_header("signature", "algorithm=RSA512,keyVersion=1,signature=AQID"),
            400,
            "malformed_signature_header",
        ),
        case(
            "signature header with a non-numeric keyVersion",
            good.clone()
                .with_header("signature", "algorithm=RSA256,keyVersion=one,signature=AQID"),
            400,
            "malformed_signature_header",
        ),
        case(
            "signature value not base64",
            good.clone()
                .with_header("signature", "algorithm=RSA256,keyVersion=1,signature=not*base64!"),
            400,
            "invalid_signature_encoding",
        ),
        case(
            "signature value with a broken percent escape",
            good.clone()
                .with_header("signature", "algorithm=RSA256,keyVersion=1,signature=AQ%2"),
            400,
            "invalid_signature_encoding",
        ),
        case(
            "unparseable request-time",
            Notification::signed_with(&antom_v1(), 1, NOTIFY_PATH, NOTIFY_PATH, CLIENT_ID, "yesterday"),
            400,
            "invalid_request_time",
        ),
        case(
            "signed with the wrong key",
            Notification::signed_with(
                &private_key("wrong_private_key.pem"),
                1,
                NOTIFY_PATH,
                NOTIFY_PATH,
                CLIENT_ID,
                &time,
            ),
            401,
            "signature_mismatch",
        ),
        case(
            "key 2 announced as keyVersion 1",
            Notification::signed_with(&antom_v2(), 1, NOTIFY_PATH, NOTIFY_PATH, CLIENT_ID, &time),
            401,
            "signature_mismatch",
        ),
        case(
            "tampered body",
            good.clone().with_body(payment_body().replace("4200", "4201")),
            401,
            "signature_mismatch",
        ),
        case(
            "signed for another path",
            Notification::signed_with(&antom_v1(), 1, "/antom/other", NOTIFY_PATH, CLIENT_ID, &time),
            401,
            "signature_mismatch",
        ),
        case(
            "query sent but not signed",
            Notification::signed_with(&antom_v1(), 1, NOTIFY_PATH, "/antom/notify?shop=7", CLIENT_ID, &time),
            401,
            "signature_mismatch",
        ),
        case(
            "query signed but not sent",
            Notification::signed_with(&antom_v1(), 1, "/antom/notify?shop=7", NOTIFY_PATH, CLIENT_ID, &time),
            401,
            "signature_mismatch",
        ),
        case(
            "request-time changed after signing",
            good.clone().with_header("request-time", millis_from_now(-2_000)),
            401,
            "signature_mismatch",
        ),
        case(
            "another merchant's client-id",
            Notification::signed_with(&antom_v1(), 1, NOTIFY_PATH, NOTIFY_PATH, "SANDBOX_SOMEONE_ELSE", &time),
            401,
            "client_id_mismatch",
        ),
        case(
            "request-time older than 25 hours",
            Notification::signed_with(
                &antom_v1(),
                1,
                NOTIFY_PATH,
                NOTIFY_PATH,
                CLIENT_ID,
                &millis_from_now(-(25 * 3600 * 1000 + 1_000)),
            ),
            401,
            "request_time_too_old",
        ),
        case(
            "request-time 10 minutes ahead",
            Notification::signed_with(
                &antom_v1(),
                1,
                NOTIFY_PATH,
                NOTIFY_PATH,
                CLIENT_ID,
                &millis_from_now(10 * 60 * 1000),
            ),
            401,
            "request_time_in_future",
        ),
        case(
            "unknown keyVersion 3",
            Notification::signed_with(&antom_v1(), 3, NOTIFY_PATH, NOTIFY_PATH, CLIENT_ID, &time),
            401,
            "unknown_key_version",
        ),
        case(
            "body over the limit with Content-Length",
            big_signed(|n| n),
            413,
            "body_too_large",
        ),
        case(
            "body over the limit, chunked",
            big_signed(Notification::chunked),
            413,
            "body_too_large",
        ),
    ]
}

/// Notifications the layer must pass, with the keyVersion it must report.
pub fn good_cases() -> Vec<(&'static str, Notification, u32)> {
    let time = millis_from_now(-3_000);
    vec![
        ("signed with key 1", Notification::signed(), 1),
        (
            "signed with key 2 (rotation)",
            Notification::signed_with(&antom_v2(), 2, NOTIFY_PATH, NOTIFY_PATH, CLIENT_ID, &time),
            2,
        ),
        (
            "query string signed and sent",
            Notification::signed_with(
                &antom_v1(),
                1,
                "/antom/notify?shop=7",
                "/antom/notify?shop=7",
                CLIENT_ID,
                &time,
            ),
            1,
        ),
        (
            "a resend 24 hours after the first attempt",
            Notification::signed_with(
                &antom_v1(),
                1,
                NOTIFY_PATH,
                NOTIFY_PATH,
                CLIENT_ID,
                &millis_from_now(-24 * 3600 * 1000),
            ),
            1,
        ),
        (
            "ISO 8601 request-time (Python library)",
            Notification::signed_with(
                &antom_v1(),
                1,
                NOTIFY_PATH,
                NOTIFY_PATH,
                CLIENT_ID,
                "2025-08-17T02:36:40+00:00",
            ),
            1,
        ),
        ("sent chunked", Notification::signed().chunked(), 1),
    ]
}

/// Counts calls to a handler.
#[derive(Clone, Default)]
pub struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    pub fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// The JSON rejection body: `(error, message)`.
pub fn rejection_body(bytes: &[u8]) -> (String, String) {
    let value: serde_json::Value = serde_json::from_slice(bytes).expect("rejection body is JSON");
    let error = value["error"].as_str().expect("error field").to_owned();
    let message = value["message"].as_str().expect("message field").to_owned();
    (error, message)
}

/// A server's answer to one request.
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// Sends `request` over a fresh HTTP/1.1 connection to `addr` with hyper's client.
pub async fn send(addr: std::net::SocketAddr, request: Request<BoxBody<Bytes, Infallible>>) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let response = sender.send_request(request).await.expect("response");
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("response body").to_bytes(),
    }
}

/// Sends every bad case to `addr` and checks the documented answer, and that
/// the handler behind `counter` was never called.
pub async fn assert_bad_cases_rejected(addr: std::net::SocketAddr, counter: &CallCounter) {
    let authority = addr.to_string();
    for case in bad_cases() {
        let reply = send(addr, case.notification.request(Some(&authority))).await;
        assert_eq!(reply.status, case.status, "{}: {:?}", case.name, reply.body);
        assert_eq!(
            reply.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{}",
            case.name
        );
        assert_eq!(rejection_body(&reply.body).0, case.code, "{}", case.name);
        assert_eq!(counter.get(), 0, "{}: the handler must not be called", case.name);
    }
}

thread_local! {
    /// The log lines written on this thread while capturing.
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Writes into this thread's capture buffer, if capturing.
///
/// A global subscriber with a per-thread buffer, rather than a scoped one:
/// tracing caches each callsite's interest, and a callsite first hit by a
/// parallel test without a subscriber would stay silent in a scoped one.
struct ThreadCapture;

impl Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(buffer) = captured.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f`'s logging into a buffer (the future must stay on this thread).
pub async fn capture_logs<F: std::future::Future<Output = ()>>(f: F) -> String {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| ThreadCapture)
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in this test binary");
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    f.await;
    let bytes = CAPTURED
        .with(|captured| captured.borrow_mut().take())
        .unwrap_or_default();
    String::from_utf8(bytes).expect("UTF-8 logs")
}
