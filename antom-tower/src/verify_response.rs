//! Verifies Antom's responses: `client-id`, `response-time` and `signature` over
//! the exact body received, and the rule for unsigned error responses.
//!
//! [`VerifyResponseLayer`] wraps an HTTP client service (usually under
//! [`SignRequestLayer`](crate::sign_request::SignRequestLayer)). It remembers the
//! request's method and path-and-query, calls the inner service, buffers the
//! response body up to a limit (default [`DEFAULT_MAX_RESPONSE_BYTES`]) and
//! verifies `<METHOD> <path-and-query>\n<client-id>.<response-time>.<body>` with
//! Antom's public keys, chosen by the `keyVersion` of the `signature` header.
//!
//! Which responses pass:
//!
//! | response | outcome |
//! | --- | --- |
//! | `signature` and `response-time` present, signature valid, `client-id` is ours | `Ok`, marked [`ResponseSignature::Verified`] |
//! | signed, but the signature, key or `client-id` is wrong | `Err`: never a silently trusted body |
//! | neither header, body's `result.resultStatus` is `F` or `U` | `Ok`, marked [`ResponseSignature::Unsigned`] (Antom's gateway answers some errors unsigned) |
//! | neither header, HTTP status not 2xx, body not claiming `S` (a gateway's `502`) | `Ok`, marked [`ResponseSignature::Unsigned`]: a transport failure the caller must see (and may retry) |
//! | neither header, any other body (`S`; or 2xx without an `F`/`U` result) | `Err`: an unsigned body never counts as a success |
//! | only one of `signature` / `response-time` | `Err` |
//!
//! The verified response comes back as `Response<Full<Bytes>>` with a
//! [`ResponseSignature`] extension.
//!
//! ```
//! use std::sync::Arc;
//!
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::verify_response::{ResponseSignature, VerifyResponseError, VerifyResponseLayer};
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{service_fn, BoxError, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! # let pem = include_str!("../keys/antom_public_key.pem");
//! let antom_keys = Arc::new(PublicKeyRing::single(PublicKey::parse(pem)?));
//! // A transport answering as Antom's gateway does for some errors: unsigned.
//! let transport = service_fn(|_request: Request<Full<Bytes>>| async {
//!     let body = r#"{"result":{"resultCode":"ACCESS_DENIED","resultStatus":"F","resultMessage":"denied"}}"#;
//!     Ok::<_, BoxError>(Response::new(Full::new(Bytes::from(body))))
//! });
//! let client = ServiceBuilder::new()
//!     .layer(VerifyResponseLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys).max_body_bytes(256 * 1024))
//!     .service(transport);
//! let request = Request::post("/ams/sandbox/api/v1/payments/inquiryPayment").body(Full::new(Bytes::new()))?;
//! let response = client.oneshot(request).await?;
//! assert_eq!(response.extensions().get::<ResponseSignature>(), Some(&ResponseSignature::Unsigned));
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! The service's error is a [`BoxError`]. The layer's own rejections are a boxed
//! [`VerifyResponseError`] (downcast to tell them apart); the inner service's
//! errors are passed through unchanged, so a transport failure is not mistaken
//! for a signature failure (which a retry policy must not retry).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{response, HeaderMap, Method, Request, Response};
use http_body::Body;
use http_body_util::Full;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{content_length_exceeds, CollectError, CollectLimited};
use crate::error::BoxError;
use crate::signing::{KeyVersion, PublicKeyRing, SigningContent, VerifyError};

/// Default limit on a response body: 1 MiB, far above any Checkout Payment API answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Verifies the signature of Antom's responses. See the [module documentation](self).
#[derive(Clone)]
pub struct VerifyResponseLayer {
    config: Arc<Config>,
}

impl VerifyResponseLayer {
    /// Accepts responses for `client_id`, signed with one of `antom_keys`
    /// (Antom's public keys by keyVersion).
    pub fn new(client_id: impl Into<String>, antom_keys: Arc<PublicKeyRing>) -> Self {
        Self {
            config: Arc::new(Config {
                client_id: client_id.into(),
                keys: antom_keys,
                max_body_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            }),
        }
    }

    /// The largest response body accepted (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.config).max_body_bytes = limit;
        self
    }
}

impl<S> Layer<S> for VerifyResponseLayer {
    type Service = VerifyResponse<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyResponse {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

impl fmt::Debug for VerifyResponseLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyResponseLayer")
            .field("config", &self.config)
            .finish()
    }
}

/// The service made by [`VerifyResponseLayer`].
#[derive(Clone)]
pub struct VerifyResponse<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> VerifyResponse<S> {
    /// Wraps `inner` with the layer's configuration.
    pub fn new(inner: S, layer: &VerifyResponseLayer) -> Self {
        layer.layer(inner)
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for VerifyResponse<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyResponse")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyResponse<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: Into<BoxError>,
    ResBody: Body,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = BoxError;
    type Future = VerifyResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let signed_request = SignedRequestLine {
            method: request.method().clone(),
            path_and_query: request
                .uri()
                .path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
        };
        VerifyResponseFuture {
            state: State::Calling {
                future: self.inner.call(request),
            },
            request: signed_request,
            config: Arc::clone(&self.config),
        }
    }
}

/// Whether a response passed by [`VerifyResponse`] was signed. Set as a response extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseSignature {
    /// The signature was valid, made with Antom's key of this keyVersion.
    Verified {
        /// The keyVersion of the `signature` header.
        key_version: KeyVersion,
    },
    /// Unsigned, accepted only because the body is an `F` or `U` error result or
    /// the HTTP status is an error. Its content is not authenticated: treat it as
    /// "the call did not succeed".
    Unsigned,
}

/// Why a response from Antom was rejected. The inner service's errors are not
/// wrapped in this type; see the [module documentation](self#errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyResponseError {
    /// A signed response without a header the signature needs.
    #[error("signed response has no `{0}` header")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII.
    #[error("response header `{0}` is not a valid value")]
    InvalidHeaderValue(&'static str),
    /// Only one of `signature` and `response-time` is present.
    #[error("response has a `{present}` header but no `{missing}` header")]
    PartialSignatureHeaders {
        /// The header that is present.
        present: &'static str,
        /// The header that is missing.
        missing: &'static str,
    },
    /// The response's `client-id` is not the configured client id.
    #[error("response client-id `{received}` is not the configured client id")]
    ClientIdMismatch {
        /// The `client-id` the response carries.
        received: String,
    },
    /// The signature is malformed, made with an unknown keyVersion, or does not match.
    #[error("response signature rejected: {0}")]
    Signature(#[from] VerifyError),
    /// An unsigned response claiming success (`resultStatus` `S`), whatever its HTTP status.
    #[error("unsigned response claims success (resultStatus S); only F or U errors may be unsigned")]
    UnsignedSuccess,
    /// An unsigned 2xx response that is not an `F` or `U` result (no JSON, no
    /// `result.resultStatus`, or an unknown value).
    #[error("unsigned 2xx response without an F or U result")]
    UnsignedWithoutErrorResult,
    /// The body is longer than the configured limit.
    #[error("response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The response body could not be read.
    #[error("failed to read the response body")]
    Body(#[source] BoxError),
}

pin_project! {
    /// The response future of [`VerifyResponse`].
    pub struct VerifyResponseFuture<F, ResBody> {
        #[pin]
        state: State<F, ResBody>,
        request: SignedRequestLine,
        config: Arc<Config>,
    }
}

impl<F, E, ResBody> Future for VerifyResponseFuture<F, ResBody>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    E: Into<BoxError>,
    ResBody: Body,
    ResBody::Error: Into<BoxError>,
{
    type Output = Result<Response<Full<Bytes>>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut state = this.state;
        loop {
            match state.as_mut().project() {
                StateProj::Calling { future } => {
                    let (parts, body) = ready!(future.poll(cx)).map_err(Into::into)?.into_parts();
                    let limit = this.config.max_body_bytes;
                    if content_length_exceeds(&parts.headers, limit) {
                        return Poll::Ready(Err(VerifyResponseError::BodyTooLarge { limit }.into()));
                    }
                    state.set(State::Buffering {
                        body: CollectLimited::new(body, limit),
                        parts: Some(parts),
                    });
                }
                StateProj::Buffering { body, parts } => {
                    let collected = ready!(body.poll(cx));
                    let Some(mut parts) = parts.take() else {
                        return Poll::Ready(Err("VerifyResponseFuture polled after completion".into()));
                    };
                    let body = collected.map_err(|error| match error {
                        CollectError::TooLarge => VerifyResponseError::BodyTooLarge {
                            limit: this.config.max_body_bytes,
                        },
                        CollectError::Body(error) => VerifyResponseError::Body(error),
                    })?;
                    let signature = verify(this.config, this.request, &parts, &body)?;
                    parts.extensions.insert(signature);
                    return Poll::Ready(Ok(Response::from_parts(parts, Full::new(body))));
                }
            }
        }
    }
}

impl<F, ResBody> fmt::Debug for VerifyResponseFuture<F, ResBody> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyResponseFuture")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Config {
    client_id: String,
    keys: Arc<PublicKeyRing>,
    max_body_bytes: usize,
}

/// The part of the request a response signature covers.
#[derive(Debug)]
struct SignedRequestLine {
    method: Method,
    path_and_query: PathAndQuery,
}

pin_project! {
    #[project = StateProj]
    enum State<F, ResBody> {
        Calling {
            #[pin]
            future: F,
        },
        Buffering {
            #[pin]
            body: CollectLimited<ResBody>,
            parts: Option<response::Parts>,
        },
    }
}

/// Applies the signed / unsigned rule to a buffered response.
fn verify(
    config: &Config,
    request: &SignedRequestLine,
    response: &response::Parts,
    body: &Bytes,
) -> Result<ResponseSignature, VerifyResponseError> {
    let headers = &response.headers;
    let signature = header_str(headers, "signature")?;
    let response_time = header_str(headers, "response-time")?;
    let client_id = header_str(headers, "client-id")?;
    if let Some(received) = client_id {
        if received != config.client_id {
            return Err(VerifyResponseError::ClientIdMismatch {
                received: received.to_owned(),
            });
        }
    }
    match (signature, response_time) {
        (Some(signature), Some(response_time)) => {
            let client_id = client_id.ok_or(VerifyResponseError::MissingHeader("client-id"))?;
            let content = SigningContent::new(
                request.method.as_str(),
                request.path_and_query.as_str(),
                client_id,
                response_time,
                body,
            );
            let key_version = config.keys.verify_header_value(&content, signature)?;
            Ok(ResponseSignature::Verified { key_version })
        }
        (None, None) => match result_status(body).as_deref() {
            Some("F") | Some("U") => Ok(ResponseSignature::Unsigned),
            Some("S") => Err(VerifyResponseError::UnsignedSuccess),
            // An HTTP error before Antom's API ran (gateway, proxy): not a business
            // answer, and marked Unsigned so its body is never trusted.
            _ if !response.status.is_success() => Ok(ResponseSignature::Unsigned),
            _ => Err(VerifyResponseError::UnsignedWithoutErrorResult),
        },
        (Some(_), None) => Err(VerifyResponseError::PartialSignatureHeaders {
            present: "signature",
            missing: "response-time",
        }),
        (None, Some(_)) => Err(VerifyResponseError::PartialSignatureHeaders {
            present: "response-time",
            missing: "signature",
        }),
    }
}

/// A header as text; `Err` when it is present but not visible ASCII.
fn header_str<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, VerifyResponseError> {
    headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| VerifyResponseError::InvalidHeaderValue(name))
        })
        .transpose()
}

/// `result.resultStatus` of a JSON body, ignoring everything else.
fn result_status(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        result: ResultOnly,
    }
    #[derive(serde::Deserialize)]
    struct ResultOnly {
        #[serde(rename = "resultStatus")]
        result_status: String,
    }
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .map(|envelope| envelope.result.result_status)
}
