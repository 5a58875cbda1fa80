//! Signs outgoing requests to Antom: `client-id`, `request-time` and `signature`
//! over the exact body bytes sent.
//!
//! [`SignRequestLayer`] wraps an HTTP client service. For each request it buffers
//! the body (the signature covers the exact bytes, so they must be known before
//! sending), signs `<METHOD> <path-and-query>\n<client-id>.<request-time>.<body>`,
//! adds the headers Antom expects and calls the inner service with a
//! `Request<Full<Bytes>>` holding exactly the signed bytes:
//!
//! | header | value |
//! | --- | --- |
//! | `content-type` | `application/json; charset=UTF-8` (only if absent) |
//! | `client-id` | the configured client id |
//! | `request-time` | epoch milliseconds from the layer's clock |
//! | `signature` | `algorithm=RSA256,keyVersion=<n>,signature=<url-encoded base64>` |
//! | `content-length` | the length of the signed body |
//!
//! ```
//! use std::sync::Arc;
//!
//! use antom_tower::sign_request::SignRequestLayer;
//! use antom_tower::signing::{KeyVersion, PrivateKey};
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{service_fn, BoxError, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! # let pem = include_str!("../keys/merchant_private_key.pem");
//! let key = PrivateKey::parse(pem)?;
//! // Any HTTP client service taking `Request<Full<Bytes>>`, e.g. hyper-util's client.
//! let transport = service_fn(|request: Request<Full<Bytes>>| async move {
//!     assert!(request.headers().contains_key("signature"));
//!     Ok::<_, BoxError>(Response::new(Full::new(Bytes::new())))
//! });
//! let client = ServiceBuilder::new()
//!     .layer(SignRequestLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", Arc::new(key)).key_version(KeyVersion(1)))
//!     .service(transport);
//! let request = Request::post("https://open-sea-global.alipay.com/ams/sandbox/api/v1/payments/inquiryPayment")
//!     .body(Full::new(Bytes::from_static(br#"{"paymentRequestId":"pay_1"}"#)))?;
//! client.oneshot(request).await?;
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! The service's error is a [`BoxError`]. The layer's own failures are a boxed
//! [`SignRequestError`] (downcast to tell them apart); the inner service's errors
//! are passed through unchanged, so a connect error still looks like a connect
//! error to a retry policy above this layer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{request, HeaderValue, Request};
use http_body::Body;
use http_body_util::Full;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{CollectError, CollectLimited};
use crate::error::BoxError;
use crate::signing::request_time::format_epoch_millis;
use crate::signing::{KeyVersion, SignError, SignatureHeader, Signer, SigningContent};

/// The content type Antom's official libraries send.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A source of the current time, injectable for tests.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Adds Antom's `client-id`, `request-time` and `signature` headers to requests.
/// See the [module documentation](self).
#[derive(Clone)]
pub struct SignRequestLayer {
    config: Arc<Config>,
}

impl SignRequestLayer {
    /// Signs as `client_id` with `signer` (a [`PrivateKey`](crate::signing::PrivateKey),
    /// or an HSM/KMS implementing [`Signer`]), keyVersion 1, time from the system clock.
    pub fn new(client_id: impl Into<String>, signer: Arc<dyn Signer>) -> Self {
        let client_id = client_id.into();
        Self {
            config: Arc::new(Config {
                client_id_header: HeaderValue::from_str(&client_id).ok(),
                client_id,
                signer,
                key_version: KeyVersion::default(),
                clock: Arc::new(SystemTime::now),
            }),
        }
    }

    /// The keyVersion announced in the `signature` header (default 1): which of
    /// the merchant's registered public keys Antom verifies with.
    pub fn key_version(mut self, key_version: KeyVersion) -> Self {
        Arc::make_mut(&mut self.config).key_version = key_version;
        self
    }

    /// The clock `request-time` is read from (default [`SystemTime::now`]).
    pub fn clock(mut self, clock: Arc<dyn Fn() -> SystemTime + Send + Sync>) -> Self {
        Arc::make_mut(&mut self.config).clock = clock;
        self
    }
}

impl<S> Layer<S> for SignRequestLayer {
    type Service = SignRequest<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SignRequest {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

impl fmt::Debug for SignRequestLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignRequestLayer")
            .field("config", &self.config)
            .finish()
    }
}

/// The service made by [`SignRequestLayer`].
#[derive(Clone)]
pub struct SignRequest<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> SignRequest<S> {
    /// Wraps `inner` with the layer's configuration.
    pub fn new(inner: S, layer: &SignRequestLayer) -> Self {
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

impl<S: fmt::Debug> fmt::Debug for SignRequest<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignRequest")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, B> Service<Request<B>> for SignRequest<S>
where
    S: Service<Request<Full<Bytes>>> + Clone,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = SignRequestFuture<S, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service polled ready is the one to call; keep it for when the body is in.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (parts, body) = request.into_parts();
        SignRequestFuture {
            state: State::Buffering {
                // The caller's own request: no limit beyond what it chose to send.
                body: CollectLimited::new(body, usize::MAX),
                pending: Some(Pending {
                    parts,
                    inner,
                    config: Arc::clone(&self.config),
                }),
            },
        }
    }
}

/// Why a request could not be signed. The inner service's errors are not
/// wrapped in this type; see the [module documentation](self#errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignRequestError {
    /// The request body could not be read.
    #[error("failed to read the request body to sign it")]
    Body(#[source] BoxError),
    /// The signer failed.
    #[error("failed to sign the request")]
    Sign(#[from] SignError),
    /// The client id or a computed value cannot be an HTTP header value.
    #[error("the {0} value is not a valid HTTP header value")]
    InvalidHeaderValue(&'static str),
}

pin_project! {
    /// The response future of [`SignRequest`].
    pub struct SignRequestFuture<S, B>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        #[pin]
        state: State<S, B>,
    }
}

impl<S, B> Future for SignRequestFuture<S, B>
where
    S: Service<Request<Full<Bytes>>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<S::Response, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Buffering { body, pending } => {
                    let collected = ready!(body.poll(cx));
                    let Some(Pending {
                        mut parts,
                        mut inner,
                        config,
                    }) = pending.take()
                    else {
                        return Poll::Ready(Err(polled_after_completion()));
                    };
                    let body = match collected {
                        Ok(body) => body,
                        Err(CollectError::Body(error)) => {
                            return Poll::Ready(Err(SignRequestError::Body(error).into()))
                        }
                        // Unreachable with no limit, but never a panic.
                        Err(CollectError::TooLarge) => {
                            return Poll::Ready(Err(SignRequestError::Body("request body too large".into()).into()))
                        }
                    };
                    if let Err(error) = sign_parts(&mut parts, &body, &config) {
                        return Poll::Ready(Err(error.into()));
                    }
                    let future = inner.call(Request::from_parts(parts, Full::new(body)));
                    state.set(State::Calling { future });
                }
                StateProj::Calling { future } => return future.poll(cx).map_err(Into::into),
            }
        }
    }
}

impl<S, B> fmt::Debug for SignRequestFuture<S, B>
where
    S: Service<Request<Full<Bytes>>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignRequestFuture").finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Config {
    client_id: String,
    // None when the client id cannot be a header value; reported per request,
    // since the layer's constructor is infallible.
    client_id_header: Option<HeaderValue>,
    signer: Arc<dyn Signer>,
    key_version: KeyVersion,
    clock: Clock,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

struct Pending<S> {
    parts: request::Parts,
    inner: S,
    config: Arc<Config>,
}

pin_project! {
    #[project = StateProj]
    enum State<S, B>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        Buffering {
            #[pin]
            body: CollectLimited<B>,
            pending: Option<Pending<S>>,
        },
        Calling {
            #[pin]
            future: S::Future,
        },
    }
}

/// Signs the request as it will be sent and sets the headers.
fn sign_parts(parts: &mut request::Parts, body: &Bytes, config: &Config) -> Result<(), SignRequestError> {
    let client_id = config
        .client_id_header
        .clone()
        .ok_or(SignRequestError::InvalidHeaderValue("client-id"))?;
    let request_time = format_epoch_millis((config.clock)());
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let content = SigningContent::new(
        parts.method.as_str(),
        path_and_query,
        &config.client_id,
        &request_time,
        body,
    );
    let signature = config.signer.sign(&content)?;
    let signature = SignatureHeader::new(config.key_version, signature).to_string();

    let headers = &mut parts.headers;
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    }
    headers.insert("client-id", client_id);
    headers.insert(
        "request-time",
        HeaderValue::from_str(&request_time).map_err(|_| SignRequestError::InvalidHeaderValue("request-time"))?,
    );
    headers.insert(
        "signature",
        HeaderValue::from_str(&signature).map_err(|_| SignRequestError::InvalidHeaderValue("signature"))?,
    );
    // The body is now a known, complete buffer: say so instead of any length the caller set.
    headers.remove(TRANSFER_ENCODING);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    Ok(())
}

fn polled_after_completion() -> BoxError {
    "SignRequestFuture polled after completion".into()
}
