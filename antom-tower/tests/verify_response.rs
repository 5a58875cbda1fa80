//! `VerifyResponseLayer`: signed responses verified, the unsigned-error rule,
//! partial headers, a foreign client-id and the body limit; and the full
//! `SignRequest` + `VerifyResponse` stack against a mock Antom.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use antom_tower::sign_request::SignRequestLayer;
use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SigningContent, VerifyError};
use antom_tower::verify_response::{
    ResponseSignature, VerifyResponseError, VerifyResponseLayer, DEFAULT_MAX_RESPONSE_BYTES,
};
use antom_tower::BoxError;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use tower::{service_fn, Layer, ServiceBuilder, ServiceExt};

const CLIENT_ID: &str = "SANDBOX_5YBZ0E2ZC7CZ04567";
const PATH: &str = "/ams/sandbox/api/v1/payments/inquiryPayment";
const RESPONSE_TIME: &str = "2025-08-17T10:36:49+08:00";
const SUCCESS: &str = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentStatus":"SUCCESS","paymentId":"2025081700000001"}"#;
const FAILED: &str =
    r#"{"result":{"resultCode":"ACCESS_DENIED","resultStatus":"F","resultMessage":"Access is denied"}}"#;
const UNKNOWN: &str = r#"{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"try again"}}"#;

fn key_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../antom-testkit/keys")
        .join(name);
    std::fs::read_to_string(path).expect("test key present")
}

fn private_key(name: &str) -> PrivateKey {
    PrivateKey::parse(&key_text(name)).expect("key parses")
}

fn antom_ring() -> Arc<PublicKeyRing> {
    Arc::new(
        PublicKeyRing::new()
            .with_key(
                KeyVersion(1),
                PublicKey::parse(&key_text("antom_public_key.pem")).expect("parses"),
            )
            .with_key(
                KeyVersion(2),
                PublicKey::parse(&key_text("antom_public_key_v2.pem")).expect("parses"),
            ),
    )
}

fn layer() -> VerifyResponseLayer {
    VerifyResponseLayer::new(CLIENT_ID, antom_ring())
}

/// A response as Antom's gateway would send it.
#[derive(Clone)]
struct Answer {
    headers: Vec<(&'static str, String)>,
    body: Bytes,
    chunked: bool,
    status: StatusCode,
}

impl Answer {
    /// Signed by `key` as keyVersion `version` over the request `path`.
    fn signed(key: &PrivateKey, version: u32, path: &str, body: &str) -> Self {
        let content = SigningContent::new("POST", path, CLIENT_ID, RESPONSE_TIME, body.as_bytes());
        let signature = key
            .sign_header(&content, KeyVersion(version))
            .expect("sign")
            .to_string();
        Self {
            headers: vec![
                ("client-id", CLIENT_ID.to_owned()),
                ("response-time", RESPONSE_TIME.to_owned()),
                ("signature", signature),
            ],
            body: Bytes::from(body.to_owned()),
            chunked: false,
            status: StatusCode::OK,
        }
    }

    fn good(body: &str) -> Self {
        Self::signed(&private_key("antom_private_key.pem"), 1, PATH, body)
    }

    fn unsigned(body: &str) -> Self {
        Self {
            headers: vec![],
            body: Bytes::from(body.to_owned()),
            chunked: false,
            status: StatusCode::OK,
        }
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    fn response(&self) -> Response<BoxBody<Bytes, Infallible>> {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        let body = if self.chunked {
            Chunks(self.body.chunks(16).map(Bytes::copy_from_slice).collect()).boxed()
        } else {
            Full::new(self.body.clone()).boxed()
        };
        builder.body(body).expect("response")
    }
}

struct Chunks(VecDeque<Bytes>);

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

/// Sends a POST to PATH through the layer, the transport answering `answer`.
async fn exchange(layer: VerifyResponseLayer, answer: Answer) -> Result<Response<Full<Bytes>>, BoxError> {
    let transport = service_fn(move |_request: Request<Full<Bytes>>| {
        let answer = answer.clone();
        async move { Ok::<_, Infallible>(answer.response()) }
    });
    let request = Request::post(format!("https://open-sea-global.alipay.com{PATH}"))
        .body(Full::new(Bytes::from_static(b"{\"paymentRequestId\":\"pay_1\"}")))
        .expect("request");
    layer.layer(transport).oneshot(request).await
}

fn rejection(result: Result<Response<Full<Bytes>>, BoxError>) -> VerifyResponseError {
    let error = result.expect_err("must be rejected");
    match error.downcast::<VerifyResponseError>() {
        Ok(error) => *error,
        Err(other) => panic!("not a VerifyResponseError: {other:?}"),
    }
}

async fn body_of(response: Response<Full<Bytes>>) -> Bytes {
    response.into_body().collect().await.expect("body").to_bytes()
}

#[tokio::test]
async fn a_signed_response_is_verified_and_passed_whole() {
    let response = exchange(layer(), Answer::good(SUCCESS)).await.expect("verified");
    assert_eq!(
        response.extensions().get::<ResponseSignature>(),
        Some(&ResponseSignature::Verified {
            key_version: KeyVersion(1)
        })
    );
    assert_eq!(response.headers()["response-time"], RESPONSE_TIME);
    assert_eq!(body_of(response).await, SUCCESS.as_bytes());
}

#[tokio::test]
async fn a_chunked_signed_response_is_verified() {
    let mut answer = Answer::good(SUCCESS);
    answer.chunked = true;
    let response = exchange(layer(), answer).await.expect("verified");
    assert_eq!(body_of(response).await, SUCCESS.as_bytes());
}

#[tokio::test]
async fn a_response_signed_with_antoms_second_key_is_verified() {
    let answer = Answer::signed(&private_key("antom_private_key_v2.pem"), 2, PATH, SUCCESS);
    let response = exchange(layer(), answer).await.expect("verified");
    assert_eq!(
        response.extensions().get::<ResponseSignature>(),
        Some(&ResponseSignature::Verified {
            key_version: KeyVersion(2)
        })
    );
}

#[tokio::test]
async fn a_signed_error_response_is_verified_too() {
    let response = exchange(layer(), Answer::good(FAILED)).await.expect("verified");
    assert!(matches!(
        response.extensions().get::<ResponseSignature>(),
        Some(ResponseSignature::Verified { .. })
    ));
}

#[tokio::test]
async fn a_tampered_body_is_rejected() {
    let mut answer = Answer::good(SUCCESS);
    answer.body = Bytes::from(SUCCESS.replace("SUCCESS\",\"paymentId", "FAIL\",\"paymentId"));
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::Mismatch)
    ));
}

#[tokio::test]
async fn a_response_signed_with_the_wrong_key_is_rejected() {
    let answer = Answer::signed(&private_key("wrong_private_key.pem"), 1, PATH, SUCCESS);
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::Mismatch)
    ));
}

#[tokio::test]
async fn a_response_signed_for_another_request_path_is_rejected() {
    let answer = Answer::signed(
        &private_key("antom_private_key.pem"),
        1,
        "/ams/sandbox/api/v1/payments/refund",
        SUCCESS,
    );
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::Mismatch)
    ));
}

#[tokio::test]
async fn a_changed_response_time_is_rejected() {
    let answer = Answer::good(SUCCESS).with("response-time", "2025-08-17T10:36:50+08:00");
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::Mismatch)
    ));
}

#[tokio::test]
async fn an_unknown_key_version_is_rejected() {
    let answer = Answer::signed(&private_key("antom_private_key.pem"), 7, PATH, SUCCESS);
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::UnknownKeyVersion(KeyVersion(7)))
    ));
}

#[tokio::test]
async fn a_malformed_signature_header_is_rejected() {
    let answer = Answer::good(SUCCESS).with("signature", "algorithm=RSA256,keyVersion=1");
    assert!(matches!(
        rejection(exchange(layer(), answer).await),
        VerifyResponseError::Signature(VerifyError::Header(_))
    ));
}

#[tokio::test]
async fn unsigned_f_and_u_errors_pass_marked_unsigned() {
    for body in [FAILED, UNKNOWN] {
        let response = exchange(layer(), Answer::unsigned(body)).await.expect("accepted");
        assert_eq!(
            response.extensions().get::<ResponseSignature>(),
            Some(&ResponseSignature::Unsigned)
        );
        assert_eq!(body_of(response).await, body.as_bytes());
    }
}

#[tokio::test]
async fn an_unsigned_http_error_passes_marked_unsigned() {
    for status in [
        StatusCode::BAD_GATEWAY,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::FORBIDDEN,
    ] {
        let mut answer = Answer::unsigned("<html>bad gateway</html>");
        answer.status = status;
        let response = exchange(layer(), answer).await.expect("passed to the caller");
        assert_eq!(response.status(), status);
        assert_eq!(
            response.extensions().get::<ResponseSignature>(),
            Some(&ResponseSignature::Unsigned)
        );
    }
    // But an HTTP error whose body claims success is still refused.
    let mut claims_success = Answer::unsigned(SUCCESS);
    claims_success.status = StatusCode::BAD_GATEWAY;
    assert!(matches!(
        rejection(exchange(layer(), claims_success).await),
        VerifyResponseError::UnsignedSuccess
    ));
}

#[tokio::test]
async fn an_unsigned_success_is_rejected() {
    assert!(matches!(
        rejection(exchange(layer(), Answer::unsigned(SUCCESS)).await),
        VerifyResponseError::UnsignedSuccess
    ));
}

#[tokio::test]
async fn an_unsigned_response_without_an_error_result_is_rejected() {
    for body in [
        "<html>502 Bad Gateway</html>",
        "",
        r#"{"paymentStatus":"SUCCESS"}"#,
        r#"{"result":{"resultStatus":"X"}}"#,
        r#"{"result":"F"}"#,
    ] {
        assert!(
            matches!(
                rejection(exchange(layer(), Answer::unsigned(body)).await),
                VerifyResponseError::UnsignedWithoutErrorResult
            ),
            "{body}"
        );
    }
}

#[tokio::test]
async fn only_one_of_signature_and_response_time_is_rejected() {
    let only_signature = Answer::good(FAILED).without("response-time");
    assert!(matches!(
        rejection(exchange(layer(), only_signature).await),
        VerifyResponseError::PartialSignatureHeaders {
            present: "signature",
            missing: "response-time"
        }
    ));
    let only_time = Answer::good(FAILED).without("signature");
    assert!(matches!(
        rejection(exchange(layer(), only_time).await),
        VerifyResponseError::PartialSignatureHeaders {
            present: "response-time",
            missing: "signature"
        }
    ));
}

#[tokio::test]
async fn another_client_id_is_rejected() {
    let signed = Answer::good(SUCCESS).with("client-id", "SANDBOX_SOMEONE_ELSE");
    assert!(matches!(
        rejection(exchange(layer(), signed).await),
        VerifyResponseError::ClientIdMismatch { received } if received == "SANDBOX_SOMEONE_ELSE"
    ));
    // Even on an unsigned error: it was not meant for us.
    let unsigned = Answer::unsigned(FAILED).with("client-id", "SANDBOX_SOMEONE_ELSE");
    assert!(matches!(
        rejection(exchange(layer(), unsigned).await),
        VerifyResponseError::ClientIdMismatch { .. }
    ));
    // A signature made for another client id does not verify for ours either.
    let other = VerifyResponseLayer::new("SANDBOX_OTHER", antom_ring());
    assert!(matches!(
        rejection(exchange(other, Answer::good(SUCCESS)).await),
        VerifyResponseError::ClientIdMismatch { .. }
    ));
}

#[tokio::test]
async fn a_signed_response_without_client_id_is_rejected() {
    assert!(matches!(
        rejection(exchange(layer(), Answer::good(SUCCESS).without("client-id")).await),
        VerifyResponseError::MissingHeader("client-id")
    ));
}

#[tokio::test]
async fn a_body_over_the_limit_is_rejected() {
    let small = layer().max_body_bytes(64);
    assert!(SUCCESS.len() > 64);
    assert!(matches!(
        rejection(exchange(small.clone(), Answer::good(SUCCESS)).await),
        VerifyResponseError::BodyTooLarge { limit: 64 }
    ));
    let mut chunked = Answer::good(SUCCESS);
    chunked.chunked = true;
    assert!(matches!(
        rejection(exchange(small.clone(), chunked).await),
        VerifyResponseError::BodyTooLarge { limit: 64 }
    ));
    // A Content-Length over the limit is refused before reading, whatever the body.
    let lying = Answer::good(FAILED).with("content-length", "100000");
    assert!(matches!(
        rejection(exchange(small, lying).await),
        VerifyResponseError::BodyTooLarge { limit: 64 }
    ));
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 1024 * 1024);
    let big = format!(r#"{{"p":"{}"}}"#, "x".repeat(DEFAULT_MAX_RESPONSE_BYTES));
    assert!(matches!(
        rejection(exchange(layer(), Answer::good(&big)).await),
        VerifyResponseError::BodyTooLarge { .. }
    ));
}

#[derive(Debug, thiserror::Error)]
#[error("connection reset")]
struct TransportError;

#[tokio::test]
async fn the_inner_error_passes_through_unwrapped() {
    let transport =
        service_fn(|_request: Request<Full<Bytes>>| async { Err::<Response<Full<Bytes>>, _>(TransportError) });
    let error = layer()
        .layer(transport)
        .oneshot(Request::post(PATH).body(Full::new(Bytes::new())).expect("request"))
        .await
        .expect_err("transport error");
    assert!(error.is::<TransportError>(), "{error:?}");
}

/// A mock Antom: verifies the merchant's signature, answers signed with Antom's key.
#[tokio::test]
async fn sign_request_and_verify_response_round_trip_against_a_mock_antom() {
    let merchant_public =
        PublicKeyRing::single(PublicKey::parse(&key_text("merchant_public_key.pem")).expect("parses"));
    let merchant_public = Arc::new(merchant_public);
    let antom = service_fn(move |request: Request<Full<Bytes>>| {
        let merchant_public = Arc::clone(&merchant_public);
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            let header = |name: &str| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let path = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            let (client_id, request_time) = (header("client-id"), header("request-time"));
            let content = SigningContent::new(parts.method.as_str(), path, &client_id, &request_time, &body);
            let answer = match merchant_public.verify_header_value(&content, &header("signature")) {
                Ok(_) => Answer::signed(&private_key("antom_private_key.pem"), 1, path, SUCCESS),
                Err(_) => Answer::good(
                    r#"{"result":{"resultCode":"INVALID_SIGNATURE","resultStatus":"F","resultMessage":"bad"}}"#,
                ),
            };
            Ok::<_, BoxError>(answer.response())
        }
    });
    let client = ServiceBuilder::new()
        .layer(SignRequestLayer::new(
            CLIENT_ID,
            Arc::new(private_key("merchant_private_key.pem")),
        ))
        .layer(layer())
        .service(antom);
    let request = Request::post(format!("https://open-sea-global.alipay.com{PATH}"))
        .body(Full::new(Bytes::from_static(br#"{"paymentRequestId":"pay_1"}"#)))
        .expect("request");
    let response = client.oneshot(request).await.expect("round trip");
    assert_eq!(
        response.extensions().get::<ResponseSignature>(),
        Some(&ResponseSignature::Verified {
            key_version: KeyVersion(1)
        })
    );
    assert_eq!(body_of(response).await, SUCCESS.as_bytes());
}
