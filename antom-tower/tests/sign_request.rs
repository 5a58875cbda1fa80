//! `SignRequestLayer`: the headers it adds verify with the merchant's public key,
//! and the inner service receives exactly the signed bytes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use antom_tower::sign_request::{SignRequestError, SignRequestLayer, JSON_CONTENT_TYPE};
use antom_tower::signing::{
    KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SignError, SignatureHeader, Signer, SigningContent,
};
use antom_tower::BoxError;
use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use tower::{service_fn, Layer, Service, ServiceExt};

const CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";
const NOW_MILLIS: u64 = 1_755_398_209_123;
const BODY: &str = r#"{"paymentRequestId":"pay_1", "order": {"amount": {"currency":"SGD","value":"4200"}}}"#;

fn key_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../antom-testkit/keys")
        .join(name);
    std::fs::read_to_string(path).expect("test key present")
}

fn merchant_key() -> PrivateKey {
    PrivateKey::parse(&key_text("merchant_private_key.pem")).expect("key parses")
}

fn merchant_public_ring() -> PublicKeyRing {
    PublicKeyRing::single(PublicKey::parse(&key_text("merchant_public_key.pem")).expect("key parses"))
}

fn fixed_clock() -> Arc<dyn Fn() -> SystemTime + Send + Sync> {
    Arc::new(|| UNIX_EPOCH + Duration::from_millis(NOW_MILLIS))
}

fn layer() -> SignRequestLayer {
    SignRequestLayer::new(CLIENT_ID, Arc::new(merchant_key())).clock(fixed_clock())
}

/// What the transport received.
#[derive(Debug, Clone)]
struct Sent {
    method: String,
    path_and_query: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A transport that records the request it receives.
fn recording_transport(
    sent: Arc<Mutex<Option<Sent>>>,
) -> impl Service<Request<Full<Bytes>>, Response = Response<Full<Bytes>>, Error = Infallible, Future: Send> + Clone {
    service_fn(move |request: Request<Full<Bytes>>| {
        let sent = Arc::clone(&sent);
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            *sent.lock().expect("lock") = Some(Sent {
                method: parts.method.to_string(),
                path_and_query: parts.uri.path_and_query().map(|pq| pq.to_string()).unwrap_or_default(),
                headers: parts.headers,
                body,
            });
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
        }
    })
}

async fn send_through(
    layer: SignRequestLayer,
    request: Request<impl Body<Data = Bytes, Error: Into<BoxError>>>,
) -> Sent {
    let sent = Arc::new(Mutex::new(None));
    let service = layer.layer(recording_transport(Arc::clone(&sent)));
    service.oneshot(request).await.expect("signed and sent");
    let sent = sent.lock().expect("lock").clone();
    sent.expect("the transport was called")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("{name} header"))
        .to_str()
        .expect("ASCII")
}

/// Verifies what the transport received as Antom would.
fn verify_as_antom(sent: &Sent) -> KeyVersion {
    let content = SigningContent::new(
        &sent.method,
        &sent.path_and_query,
        header(&sent.headers, "client-id"),
        header(&sent.headers, "request-time"),
        &sent.body,
    );
    merchant_public_ring()
        .verify_header_value(&content, header(&sent.headers, "signature"))
        .expect("the signature verifies with the merchant's public key")
}

#[tokio::test]
async fn signs_the_exact_bytes_sent() {
    let request = Request::post("https://open-sea-global.alipay.com/ams/sandbox/api/v1/payments/inquiryPayment")
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .expect("request");
    let sent = send_through(layer(), request).await;

    assert_eq!(sent.body, BODY.as_bytes(), "the transport receives the body unchanged");
    assert_eq!(header(&sent.headers, "client-id"), CLIENT_ID);
    assert_eq!(header(&sent.headers, "request-time"), NOW_MILLIS.to_string());
    assert_eq!(header(&sent.headers, "content-type"), JSON_CONTENT_TYPE);
    assert_eq!(header(&sent.headers, "content-length"), BODY.len().to_string());
    let signature = header(&sent.headers, "signature");
    assert!(
        signature.starts_with("algorithm=RSA256,keyVersion=1,signature="),
        "{signature}"
    );
    assert_eq!(verify_as_antom(&sent), KeyVersion(1));

    // PKCS#1 v1.5 is deterministic: the header is exactly the key's signature of this content.
    let expected = merchant_key()
        .sign_header(
            &SigningContent::new(
                "POST",
                "/ams/sandbox/api/v1/payments/inquiryPayment",
                CLIENT_ID,
                &NOW_MILLIS.to_string(),
                BODY.as_bytes(),
            ),
            KeyVersion(1),
        )
        .expect("sign")
        .to_string();
    assert_eq!(signature, expected);
}

#[tokio::test]
async fn signs_the_query_string_as_sent() {
    let request = Request::post("https://example.test/ams/api/v1/payments/pay?trace=a%20b&x=1")
        .body(Full::new(Bytes::from_static(b"{}")))
        .expect("request");
    let sent = send_through(layer(), request).await;
    assert_eq!(sent.path_and_query, "/ams/api/v1/payments/pay?trace=a%20b&x=1");
    verify_as_antom(&sent);
    // And not over the path alone.
    let time = NOW_MILLIS.to_string();
    let content = SigningContent::new("POST", "/ams/api/v1/payments/pay", CLIENT_ID, &time, b"{}");
    assert!(merchant_public_ring()
        .verify_header_value(&content, header(&sent.headers, "signature"))
        .is_err());
}

#[tokio::test]
async fn announces_the_configured_key_version() {
    let request = Request::post("/ams/api/v1/payments/refund")
        .body(Full::new(Bytes::from_static(b"{}")))
        .expect("request");
    let sent = send_through(layer().key_version(KeyVersion(2)), request).await;
    let parsed = SignatureHeader::parse(header(&sent.headers, "signature")).expect("parses");
    assert_eq!(parsed.key_version, KeyVersion(2));
    // Key 2 of this merchant is the same test key here, so it verifies under version 2.
    let ring = PublicKeyRing::new().with_key(
        KeyVersion(2),
        PublicKey::parse(&key_text("merchant_public_key.pem")).expect("parses"),
    );
    let content = SigningContent::new(
        "POST",
        "/ams/api/v1/payments/refund",
        CLIENT_ID,
        header(&sent.headers, "request-time"),
        &sent.body,
    );
    assert_eq!(ring.verify(&content, &parsed), Ok(()));
}

#[tokio::test]
async fn keeps_a_content_type_the_caller_set_and_replaces_stale_headers() {
    let request = Request::post("/ams/api/v1/payments/pay")
        .header("content-type", "application/json")
        .header("client-id", "SOMEONE_ELSE")
        .header("request-time", "0")
        .header("content-length", "999")
        .body(Full::new(Bytes::from_static(b"{\"a\":1}")))
        .expect("request");
    let sent = send_through(layer(), request).await;
    assert_eq!(header(&sent.headers, "content-type"), "application/json");
    assert_eq!(header(&sent.headers, "client-id"), CLIENT_ID);
    assert_eq!(header(&sent.headers, "request-time"), NOW_MILLIS.to_string());
    assert_eq!(header(&sent.headers, "content-length"), "7");
    assert_eq!(sent.headers.get_all("client-id").iter().count(), 1);
    verify_as_antom(&sent);
}

#[tokio::test]
async fn uses_the_system_clock_by_default() {
    let before = SystemTime::now();
    let request = Request::post("/p").body(Full::new(Bytes::new())).expect("request");
    let sent = send_through(SignRequestLayer::new(CLIENT_ID, Arc::new(merchant_key())), request).await;
    let time = antom_tower::signing::request_time::parse(header(&sent.headers, "request-time")).expect("epoch ms");
    assert!(time + Duration::from_millis(1) >= before && time <= SystemTime::now());
    verify_as_antom(&sent);
}

/// A streaming body in chunks, optionally failing at the end.
struct Chunks {
    chunks: VecDeque<Bytes>,
    fail: bool,
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.chunks.pop_front() {
            Some(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            None if self.fail => Poll::Ready(Some(Err(std::io::Error::other("connection reset")))),
            None => Poll::Ready(None),
        }
    }
}

#[tokio::test]
async fn buffers_a_streaming_body_before_signing() {
    let chunks = BODY.as_bytes().chunks(7).map(Bytes::copy_from_slice).collect();
    let request = Request::post("/ams/api/v1/payments/pay")
        .body(Chunks { chunks, fail: false })
        .expect("request");
    let sent = send_through(layer(), request).await;
    assert_eq!(sent.body, BODY.as_bytes());
    assert_eq!(header(&sent.headers, "content-length"), BODY.len().to_string());
    verify_as_antom(&sent);
}

#[tokio::test]
async fn a_body_read_failure_is_a_sign_request_error_and_nothing_is_sent() {
    let sent = Arc::new(Mutex::new(None));
    let service = layer().layer(recording_transport(Arc::clone(&sent)));
    let request = Request::post("/p")
        .body(Chunks {
            chunks: VecDeque::from([Bytes::from_static(b"{")]),
            fail: true,
        })
        .expect("request");
    let error = service.oneshot(request).await.expect_err("body failure");
    assert!(
        matches!(
            error.downcast_ref::<SignRequestError>(),
            Some(SignRequestError::Body(_))
        ),
        "{error:?}"
    );
    assert!(sent.lock().expect("lock").is_none());
}

struct FailingSigner;

impl Signer for FailingSigner {
    fn sign(&self, _content: &SigningContent<'_>) -> Result<Vec<u8>, SignError> {
        Err(SignError::Backend)
    }
}

#[tokio::test]
async fn a_signer_failure_is_a_sign_request_error_and_nothing_is_sent() {
    let sent = Arc::new(Mutex::new(None));
    let service =
        SignRequestLayer::new(CLIENT_ID, Arc::new(FailingSigner)).layer(recording_transport(Arc::clone(&sent)));
    let request = Request::post("/p").body(Full::new(Bytes::new())).expect("request");
    let error = service.oneshot(request).await.expect_err("signer failure");
    assert!(matches!(
        error.downcast_ref::<SignRequestError>(),
        Some(SignRequestError::Sign(SignError::Backend))
    ));
    assert!(sent.lock().expect("lock").is_none());
}

#[tokio::test]
async fn a_client_id_that_cannot_be_a_header_is_an_error_not_a_panic() {
    let sent = Arc::new(Mutex::new(None));
    let service =
        SignRequestLayer::new("bad\nclient", Arc::new(merchant_key())).layer(recording_transport(Arc::clone(&sent)));
    let request = Request::post("/p").body(Full::new(Bytes::new())).expect("request");
    let error = service.oneshot(request).await.expect_err("invalid client id");
    assert!(matches!(
        error.downcast_ref::<SignRequestError>(),
        Some(SignRequestError::InvalidHeaderValue("client-id"))
    ));
}

#[derive(Debug, thiserror::Error)]
#[error("connection refused")]
struct TransportError;

#[tokio::test]
async fn the_inner_error_passes_through_unwrapped() {
    let transport =
        service_fn(|_request: Request<Full<Bytes>>| async { Err::<Response<Full<Bytes>>, _>(TransportError) });
    let error = layer()
        .layer(transport)
        .oneshot(Request::post("/p").body(Full::new(Bytes::new())).expect("request"))
        .await
        .expect_err("transport error");
    assert!(error.is::<TransportError>(), "{error:?}");
    assert!(!error.is::<SignRequestError>());
}

#[tokio::test]
async fn the_service_is_cheap_to_clone_and_reusable() {
    let sent = Arc::new(Mutex::new(None));
    let service = layer().layer(recording_transport(Arc::clone(&sent)));
    for i in 0..3 {
        let body = format!(r#"{{"n":{i}}}"#);
        let request = Request::post("/p")
            .body(Full::new(Bytes::from(body.clone())))
            .expect("request");
        service.clone().oneshot(request).await.expect("sent");
        let received = sent.lock().expect("lock").clone().expect("sent");
        assert_eq!(received.body, body.as_bytes());
        verify_as_antom(&received);
    }
}
