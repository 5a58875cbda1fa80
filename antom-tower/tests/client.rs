//! AntomClient against an in-process fake Antom (a Tower service) and against a
//! local hyper server on 127.0.0.1: signing, verification, retries and errors.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_tower::client::{AntomClient, AntomRetryPolicy, ClientError, Environment, UnknownCause};
use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SigningContent};
use antom_types::{
    Amount, CreatePaymentSessionRequest, Currency, InquiryPaymentRequest, Order, PaymentStatus, ResultStatus,
};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};

const CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";

fn key(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../antom-testkit/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// What the fake answers, in order.
#[derive(Clone)]
enum Reply {
    Signed(&'static str),
    SignedWith(&'static str, &'static str),
    Unsigned(&'static str),
    OnlyResponseTime(&'static str),
    Status(u16),
    Slow(Duration, &'static str),
    TamperedBody(&'static str),
}

#[derive(Clone, Debug)]
struct Seen {
    uri: String,
    body: Bytes,
    verified: bool,
}

#[derive(Clone)]
struct FakeAntom {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    merchant: Arc<PublicKeyRing>,
    antom: Arc<PrivateKey>,
}

impl FakeAntom {
    fn new(replies: Vec<Reply>) -> Self {
        FakeAntom {
            replies: Arc::new(Mutex::new(replies.into())),
            seen: Arc::new(Mutex::new(Vec::new())),
            merchant: Arc::new(PublicKeyRing::single(
                PublicKey::from_bytes(&key("merchant_public_key.pem")).unwrap(),
            )),
            antom: Arc::new(PrivateKey::from_bytes(&key("antom_private_key.pem")).unwrap()),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn handle<B>(self, req: Request<B>) -> Response<Full<Bytes>>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: std::fmt::Debug,
    {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let uri = parts.uri.path_and_query().unwrap().as_str().to_string();
        let time = header("request-time");
        let client_id = header("client-id");
        let content = SigningContent::new(parts.method.as_str(), &uri, &client_id, &time, &body);
        let verified = self
            .merchant
            .verify_header_value(&content, &header("signature"))
            .is_ok()
            && header("client-id") == CLIENT_ID
            && header("content-type") == "application/json; charset=UTF-8";
        self.seen.lock().unwrap().push(Seen {
            uri: uri.clone(),
            body: body.clone(),
            verified,
        });
        let reply = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("fake Antom got more requests than scripted");
        let sign = |body: &str, key: &PrivateKey| {
            let time = "2026-08-17T02:36:49+00:00";
            let content = SigningContent::new("POST", &uri, CLIENT_ID, time, body.as_bytes());
            let sig = key.sign_header(&content, KeyVersion(1)).unwrap().to_string();
            Response::builder()
                .header("client-id", CLIENT_ID)
                .header("response-time", time)
                .header("signature", sig)
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap()
        };
        match reply {
            Reply::Signed(body) => sign(body, &self.antom),
            Reply::SignedWith(body, key_file) => sign(body, &PrivateKey::from_bytes(&key(key_file)).unwrap()),
            Reply::Unsigned(body) => Response::new(Full::new(Bytes::from(body))),
            Reply::OnlyResponseTime(body) => Response::builder()
                .header("client-id", CLIENT_ID)
                .header("response-time", "2026-08-17T02:36:49+00:00")
                .body(Full::new(Bytes::from(body)))
                .unwrap(),
            Reply::Status(code) => Response::builder()
                .status(code)
                .body(Full::new(Bytes::from_static(b"<html>bad gateway</html>")))
                .unwrap(),
            Reply::Slow(delay, body) => {
                tokio::time::sleep(delay).await;
                sign(body, &self.antom)
            }
            Reply::TamperedBody(body) => {
                let mut response = sign(body, &self.antom);
                *response.body_mut() = Full::new(Bytes::from(body.replace("4200", "1")));
                response
            }
        }
    }

    fn service(
        &self,
    ) -> impl tower::Service<
        Request<Full<Bytes>>,
        Response = Response<Full<Bytes>>,
        Error = Infallible,
        Future = impl std::future::Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send,
    > + Clone
           + Send
           + Sync
           + 'static {
        let fake = self.clone();
        tower::service_fn(move |req: Request<Full<Bytes>>| {
            let fake = fake.clone();
            async move { Ok::<_, Infallible>(fake.handle(req).await) }
        })
    }
}

/// A builder with the test merchant key and Antom's test public key.
fn keyed_builder() -> antom_tower::client::AntomClientBuilder {
    AntomClient::builder(CLIENT_ID)
        .private_key(PrivateKey::from_bytes(&key("merchant_private_key.pem")).unwrap())
        .antom_public_keys(PublicKeyRing::single(
            PublicKey::from_bytes(&key("antom_public_key.pem")).unwrap(),
        ))
}

fn client(fake: &FakeAntom, policy: AntomRetryPolicy) -> AntomClient {
    keyed_builder()
        .base_url("http://antom.test")
        .timeout(Duration::from_millis(300))
        .retry_policy(policy)
        .transport(fake.service())
        .build()
        .unwrap()
}

fn fast_retries(n: u32) -> AntomRetryPolicy {
    AntomRetryPolicy::new(n)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn session_request() -> CreatePaymentSessionRequest {
    let amount = Amount::new(Currency::new("SGD").unwrap(), 4200).unwrap();
    CreatePaymentSessionRequest::new(
        "pay_0001",
        Order::new("ord_0001", "Cappuccino", amount),
        amount,
        antom_types::PaymentMethodType::from("ALIPAY_CN"),
        "https://shop.example/return",
    )
    .with_payment_notify_url("https://shop.example/notify")
}

const SESSION_OK: &str = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentSessionData":"abc==&&eyJ","paymentSessionExpiryTime":"2026-08-17T03:36:49+00:00","paymentSessionId":"sess_1"}"#;
const RESULT_F: &str =
    r#"{"result":{"resultCode":"PARAM_ILLEGAL","resultStatus":"F","resultMessage":"paymentAmount is illegal"}}"#;
const RESULT_U: &str = r#"{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"unknown"}}"#;
const INQUIRY_OK: &str = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentStatus":"SUCCESS","paymentRequestId":"pay_0001","paymentId":"2026081700001","paymentAmount":{"currency":"SGD","value":"4200"}}"#;

#[tokio::test]
async fn signed_request_and_verified_response() {
    let fake = FakeAntom::new(vec![Reply::Signed(SESSION_OK)]);
    let response = client(&fake, fast_retries(3))
        .create_payment_session(&session_request())
        .await
        .unwrap();
    assert_eq!(response.payment_session_data.as_deref(), Some("abc==&&eyJ"));
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].verified,
        "the fake Antom could not verify the client's signature"
    );
    // SANDBOX_ client id: the sandbox path.
    assert_eq!(seen[0].uri, "/ams/sandbox/api/v1/payments/createPaymentSession");
    let sent: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent["paymentRequestId"], "pay_0001");
    assert_eq!(sent["productCode"], "CASHIER_PAYMENT");
    assert_eq!(sent["paymentAmount"]["value"], "4200");
}

#[tokio::test]
async fn production_environment_uses_the_production_path() {
    let fake = FakeAntom::new(vec![Reply::Signed(INQUIRY_OK)]);
    let client = keyed_builder()
        .environment(Environment::Production)
        .base_url("http://antom.test/")
        .transport(fake.service())
        .build()
        .unwrap();
    let response = client
        .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
        .await
        .unwrap();
    assert_eq!(response.payment_status, Some(PaymentStatus::Success));
    assert_eq!(fake.seen()[0].uri, "/ams/api/v1/payments/inquiryPayment");
}

#[tokio::test]
async fn f_is_a_business_error_and_is_not_retried() {
    let fake = FakeAntom::new(vec![Reply::Signed(RESULT_F)]);
    let err = client(&fake, fast_retries(3))
        .create_payment_session(&session_request())
        .await
        .unwrap_err();
    match &err {
        ClientError::Business { api, result } => {
            assert_eq!(*api, "createPaymentSession");
            assert_eq!(result.result_code.as_str(), "PARAM_ILLEGAL");
            assert_eq!(result.result_status, ResultStatus::Failed);
        }
        other => panic!("expected Business, got {other:?}"),
    }
    assert!(!err.may_have_happened());
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn u_and_5xx_are_retried_with_the_same_request_id() {
    let fake = FakeAntom::new(vec![
        Reply::Signed(RESULT_U),
        Reply::Status(502),
        Reply::Signed(SESSION_OK),
    ]);
    let response = client(&fake, fast_retries(3))
        .create_payment_session(&session_request())
        .await
        .unwrap();
    assert_eq!(response.payment_session_id.as_deref(), Some("sess_1"));
    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    // Every attempt carries the very same body, so the same paymentRequestId, and is re-signed validly.
    assert!(seen.iter().all(|s| s.body == seen[0].body && s.verified));
}

#[tokio::test]
async fn u_after_the_last_retry_is_an_unknown_outcome() {
    let fake = FakeAntom::new(vec![Reply::Signed(RESULT_U); 3]);
    let err = client(&fake, fast_retries(2))
        .create_payment_session(&session_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::UnknownOutcome { cause: UnknownCause::ResultUnknown(r), .. } if r.result_code.as_str() == "UNKNOWN_EXCEPTION"),
        "{err:?}"
    );
    assert!(err.may_have_happened());
    assert_eq!(fake.seen().len(), 3);
}

#[tokio::test]
async fn persistent_5xx_is_an_unknown_outcome() {
    let fake = FakeAntom::new(vec![Reply::Status(503); 2]);
    let err = client(&fake, fast_retries(1))
        .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::UnknownOutcome {
                cause: UnknownCause::HttpStatus(StatusCode::SERVICE_UNAVAILABLE),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn timeouts_are_retried_then_unknown() {
    let fake = FakeAntom::new(vec![Reply::Slow(Duration::from_secs(2), SESSION_OK); 2]);
    let err = client(&fake, fast_retries(1))
        .create_payment_session(&session_request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::UnknownOutcome {
                cause: UnknownCause::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_forged_or_tampered_response_is_a_signature_error_never_trusted() {
    for reply in [
        Reply::TamperedBody(INQUIRY_OK),
        Reply::SignedWith(INQUIRY_OK, "wrong_private_key.pem"),
        Reply::Unsigned(INQUIRY_OK),
        Reply::OnlyResponseTime(INQUIRY_OK),
    ] {
        let fake = FakeAntom::new(vec![reply]);
        let err = client(&fake, fast_retries(3))
            .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ClientError::Signature {
                    api: "inquiryPayment",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.may_have_happened());
        assert_eq!(fake.seen().len(), 1, "signature failures are not retried");
    }
}

#[tokio::test]
async fn unsigned_f_from_the_gateway_is_a_business_error() {
    let fake = FakeAntom::new(vec![Reply::Unsigned(RESULT_F)]);
    let err = client(&fake, fast_retries(3))
        .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Business { .. }), "{err:?}");
}

// The default transport (hyper-util + rustls) is the `client` feature.
#[cfg(feature = "client")]
#[tokio::test]
async fn connection_refused_did_not_happen() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = keyed_builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    let err = client
        .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err:?}");
    assert!(!err.may_have_happened());
}

// The default transport (hyper-util + rustls) is the `client` feature.
#[cfg(feature = "client")]
#[tokio::test]
async fn default_transport_against_a_hyper_server_on_loopback() {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let fake = FakeAntom::new(vec![Reply::Signed(RESULT_U), Reply::Signed(INQUIRY_OK)]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_fake = fake.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let fake = server_fake.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let fake = fake.clone();
                    async move { Ok::<_, Infallible>(fake.handle(req).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let client = keyed_builder()
        .base_url(format!("http://{addr}"))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let response = client
        .inquiry_payment(&InquiryPaymentRequest::new("pay_0001"))
        .await
        .unwrap();
    assert_eq!(response.payment_amount.unwrap().value(), 4200);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.verified));
}

#[test]
fn builder_reports_missing_settings() {
    use antom_tower::client::BuildError;
    let err = AntomClient::builder(CLIENT_ID).build().unwrap_err();
    assert_eq!(err, BuildError::MissingPrivateKey);
    let err = AntomClient::builder(CLIENT_ID)
        .private_key(PrivateKey::from_bytes(&key("merchant_private_key.pem")).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::MissingAntomPublicKey);
    let err = keyed_builder().base_url("ftp://x/y").build().unwrap_err();
    assert!(matches!(err, BuildError::InvalidBaseUrl(_)));
}

#[test]
fn debug_output_never_shows_the_key() {
    let fake = FakeAntom::new(vec![]);
    let client = client(&fake, fast_retries(0));
    let debug = format!("{client:?}");
    let bare = String::from_utf8(key("merchant_private_key.base64.txt")).unwrap();
    assert!(!debug.contains(&bare[50..90]));
    assert!(debug.contains("antom.test"));
}
