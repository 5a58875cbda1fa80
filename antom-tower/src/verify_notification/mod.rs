//! Verifies Antom's notifications before the merchant's handler sees them.
//!
//! [`VerifyNotificationLayer`] wraps the handler of the notify route
//! (`paymentNotifyUrl`). For each request it:
//!
//! 1. checks the `client-id`, `request-time` and `signature` headers: present,
//!    well formed, `client-id` equal to the configured one, `keyVersion` one of
//!    the configured Antom public keys, `request-time` within the replay window;
//! 2. buffers the body up to a limit (default [`DEFAULT_MAX_NOTIFICATION_BYTES`]),
//!    refusing a larger `Content-Length` up front and counting the bytes as they
//!    arrive, so a lying or absent length cannot pass the limit, and within a
//!    time limit (default [`DEFAULT_BODY_READ_TIMEOUT`]), so a client trickling
//!    its body a few bytes a second cannot hold the request open;
//! 3. verifies the signature over `<METHOD> <path-and-query>\n<client-id>.<request-time>.<body>`,
//!    with the method and path-and-query of the request as it arrived;
//! 4. only then calls the inner service with a `Request<Full<Bytes>>` holding the
//!    verified bytes and a [`VerifiedNotificationHeaders`] extension.
//!
//! A rejected request never reaches the inner service. It is answered directly
//! with a short JSON body, `{"error":"<code>","message":"<one line>"}`, and logged
//! with `tracing::warn!` (reason, method and path; never the body, the signature
//! or a key). The [`NotificationRejection`] is also set as a response extension.
//!
//! | status | code | cause |
//! | --- | --- | --- |
//! | 400 | `missing_header` | no `client-id`, `request-time` or `signature` header |
//! | 400 | `invalid_header` | a header that is not visible ASCII |
//! | 400 | `malformed_signature_header` | `signature` is not `algorithm=RSA256,keyVersion=N,signature=...` |
//! | 400 | `invalid_signature_encoding` | the signature value is not URL-encoded base64 |
//! | 400 | `invalid_request_time` | `request-time` is not a time in a form Antom's libraries send |
//! | 400 | `body_read_failed` | the body stream failed |
//! | 401 | `client_id_mismatch` | `client-id` is not the configured client id |
//! | 401 | `unknown_key_version` | no Antom public key for the header's `keyVersion` |
//! | 401 | `request_time_too_old` | `request-time` older than the maximum age |
//! | 401 | `request_time_in_future` | `request-time` further ahead than the allowed clock skew |
//! | 401 | `signature_mismatch` | the signature does not match (wrong key, altered body, path or time) |
//! | 408 | `body_read_timeout` | the body did not arrive in full within the body read timeout |
//! | 413 | `body_too_large` | the body exceeds the limit |
//!
//! The layer checks transport and signature only: whether the body is valid
//! JSON of the expected shape is the handler's (or the
//! [`VerifiedNotification`](crate::extract::VerifiedNotification) extractor's) business.
//!
//! # Replay window
//!
//! The default maximum age of `request-time` is [`DEFAULT_MAX_AGE`], 25 hours.
//! Antom resends an unacknowledged notification for up to 24 hours after the
//! first attempt, and it is not known whether a resend carries a fresh
//! `request-time` or the first one: a short window (Stripe's 5 minutes) could
//! refuse every legitimate resend and lose payments. The window only bounds how
//! long a captured notification can be replayed; exactly-once processing must
//! come from the store (idempotency on notifyType + paymentId / refundId), not
//! from the window. Times ahead of the layer's clock are accepted up to
//! [`DEFAULT_MAX_FUTURE_SKEW`], 5 minutes.
//!
//! # Which path is verified
//!
//! Antom signs the path of the merchant's notify URL. The layer uses the
//! path-and-query of the request as received (with the `axum` feature, axum's
//! `OriginalUri` when present, so a route inside `Router::nest` still verifies).
//! Behind a reverse proxy that strips a prefix (`https://shop.example/shop/antom/notify`
//! forwarded as `/antom/notify`), put the prefix back with
//! [`proxy_path_prefix`](VerifyNotificationLayer::proxy_path_prefix):
//! `.proxy_path_prefix("/shop")` verifies against `/shop/antom/notify`.
//!
//! # Examples
//!
//! With a plain Tower stack (e.g. served by hyper through hyper-util's `TowerToHyperService`):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::verify_notification::{VerifiedNotificationHeaders, VerifyNotificationLayer};
//! use bytes::Bytes;
//! use http::{Request, Response, StatusCode};
//! use http_body_util::Full;
//! use tower::{service_fn, BoxError, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! # let pem = include_str!("../keys/antom_public_key.pem");
//! let antom_keys = Arc::new(PublicKeyRing::single(PublicKey::parse(pem)?));
//! let notify = ServiceBuilder::new()
//!     .layer(
//!         VerifyNotificationLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys)
//!             .max_body_bytes(32 * 1024)
//!             .max_age(Duration::from_secs(25 * 3600)),
//!     )
//!     .service(service_fn(|request: Request<Full<Bytes>>| async move {
//!         // Only reached with a verified body.
//!         let verified = request.extensions().get::<VerifiedNotificationHeaders>();
//!         assert!(verified.is_some());
//!         let ack = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;
//!         Ok::<_, BoxError>(Response::new(Full::new(Bytes::from(ack))))
//!     }));
//!
//! // An unsigned request is answered by the layer itself.
//! let unsigned = Request::post("/antom/notify").body(Full::new(Bytes::from_static(b"{}")))?;
//! let response = notify.oneshot(unsigned).await?;
//! assert_eq!(response.status(), StatusCode::BAD_REQUEST);
//! # Ok(()) }
//! ```
//!
//! With axum, on the notify route only (`route_layer`), or on a whole router (`layer`):
//!
//! ```
//! # #[cfg(feature = "axum")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//!
//! use antom_tower::extract::VerifiedNotification;
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::verify_notification::VerifyNotificationLayer;
//! use axum::routing::post;
//! use axum::{Json, Router};
//!
//! # let pem = include_str!("../keys/antom_public_key.pem");
//! let antom_keys = Arc::new(PublicKeyRing::single(PublicKey::parse(pem)?));
//! let verify = VerifyNotificationLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys);
//!
//! async fn notify(notification: VerifiedNotification<serde_json::Value>) -> Json<serde_json::Value> {
//!     let _payment_id = notification.payload["paymentId"].as_str();
//!     Json(serde_json::json!({"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}}))
//! }
//!
//! let app: Router = Router::new().route("/antom/notify", post(notify)).route_layer(verify.clone());
//! let nested: Router = Router::new().nest("/antom", Router::new().route("/notify", post(notify)).layer(verify));
//! # Ok(()) }
//! # #[cfg(not(feature = "axum"))]
//! # fn main() {}
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{request, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{content_length_exceeds, CollectError, CollectLimited};
use crate::signing::VerifyError;
use crate::signing::{request_time, KeyVersion, PublicKeyRing, SignatureHeader, SignatureHeaderError, SigningContent};
use crate::BoxError;

/// Default limit on a notification body: 64 KiB, many times a real notification.
pub const DEFAULT_MAX_NOTIFICATION_BYTES: usize = 64 * 1024;

/// Default maximum age of `request-time`: 25 hours, so a resend 24 hours after
/// the first attempt still passes. See [the module documentation](self#replay-window).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(25 * 60 * 60);

/// Default tolerance for a `request-time` ahead of the local clock: 5 minutes.
pub const DEFAULT_MAX_FUTURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// Default limit on the time to receive the whole body: 10 seconds. Antom
/// sends a notification of a few KiB in one go; only a stalled or hostile
/// (slow-loris) client needs longer.
///
/// The timer needs a Tokio runtime with its time driver (any `#[tokio::main]`,
/// axum or hyper server); it is armed only when the body is not there at
/// once, and not at all outside a Tokio runtime. It bounds the body only:
/// bound the time to receive the *headers* in the HTTP server (hyper's
/// `http1::Builder::header_read_timeout` with a timer; `axum::serve` sets
/// none).
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A source of the current time, injectable for tests.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Verifies Antom's notifications and rejects anything else before the handler.
/// See the [module documentation](self).
#[derive(Clone)]
pub struct VerifyNotificationLayer {
    config: Arc<Config>,
}

impl VerifyNotificationLayer {
    /// Accepts notifications for `client_id` signed with one of `antom_keys`
    /// (Antom's public keys by keyVersion), with the default limits.
    pub fn new(client_id: impl Into<String>, antom_keys: Arc<PublicKeyRing>) -> Self {
        Self {
            config: Arc::new(Config {
                client_id: client_id.into(),
                keys: antom_keys,
                max_body_bytes: DEFAULT_MAX_NOTIFICATION_BYTES,
                max_age: DEFAULT_MAX_AGE,
                max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
                body_read_timeout: Some(DEFAULT_BODY_READ_TIMEOUT),
                clock: Arc::new(SystemTime::now),
                proxy_path_prefix: None,
            }),
        }
    }

    /// The largest body accepted (default [`DEFAULT_MAX_NOTIFICATION_BYTES`]); larger ones get 413.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.config).max_body_bytes = limit;
        self
    }

    /// The oldest `request-time` accepted (default [`DEFAULT_MAX_AGE`], 25 hours).
    /// Shorter than 24 hours risks refusing Antom's legitimate resends; see
    /// [the module documentation](self#replay-window).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        Arc::make_mut(&mut self.config).max_age = max_age;
        self
    }

    /// How far ahead of the local clock `request-time` may be (default [`DEFAULT_MAX_FUTURE_SKEW`]).
    pub fn max_future_skew(mut self, skew: Duration) -> Self {
        Arc::make_mut(&mut self.config).max_future_skew = skew;
        self
    }

    /// The longest time to receive the whole body, from when the layer starts
    /// reading it (default [`DEFAULT_BODY_READ_TIMEOUT`]); past it the request
    /// gets 408 `body_read_timeout`. `None` disables the limit.
    pub fn body_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        Arc::make_mut(&mut self.config).body_read_timeout = timeout.into();
        self
    }

    /// The clock the age of `request-time` is judged by (default [`SystemTime::now`]).
    pub fn clock(mut self, clock: Arc<dyn Fn() -> SystemTime + Send + Sync>) -> Self {
        Arc::make_mut(&mut self.config).clock = clock;
        self
    }

    /// The path prefix a reverse proxy strips before forwarding. It is put back
    /// in front of the received path-and-query to rebuild the path Antom signed:
    /// with `.proxy_path_prefix("/shop")`, a request received as `/antom/notify`
    /// is verified as `/shop/antom/notify`. A missing leading `/` is added and
    /// trailing ones are dropped; an empty prefix means none.
    pub fn proxy_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let trimmed = prefix.trim_end_matches('/');
        Arc::make_mut(&mut self.config).proxy_path_prefix = match trimmed {
            "" => None,
            p if p.starts_with('/') => Some(p.to_owned()),
            p => Some(format!("/{p}")),
        };
        self
    }
}

impl<S> Layer<S> for VerifyNotificationLayer {
    type Service = VerifyNotification<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyNotification {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

impl fmt::Debug for VerifyNotificationLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotificationLayer")
            .field("config", &self.config)
            .finish()
    }
}

/// The service made by [`VerifyNotificationLayer`].
#[derive(Clone)]
pub struct VerifyNotification<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> VerifyNotification<S> {
    /// Wraps `inner` with the layer's configuration.
    pub fn new(inner: S, layer: &VerifyNotificationLayer) -> Self {
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

impl<S: fmt::Debug> fmt::Debug for VerifyNotification<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotification")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyNotification<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    /// The handler's response, or the layer's JSON rejection.
    type Response = Response<Either<ResBody, Full<Bytes>>>;
    /// Rejections are responses: only the inner service's errors remain.
    type Error = S::Error;
    type Future = VerifyNotificationFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let signed_path = signed_path(&self.config, &parts);
        let checked = check_headers(&self.config, &parts.headers).and_then(|headers| {
            if content_length_exceeds(&parts.headers, self.config.max_body_bytes) {
                Err(NotificationRejection::BodyTooLarge {
                    limit: self.config.max_body_bytes,
                })
            } else {
                Ok(headers)
            }
        });
        let state = match checked {
            Err(rejection) => State::Rejected {
                response: Some(reject(&rejection, &parts.method, &signed_path)),
            },
            Ok(headers) => {
                // The service polled ready is the one to call; keep it for when the body is in.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                State::Buffering {
                    body: CollectLimited::new(body, self.config.max_body_bytes),
                    deadline: None,
                    pending: Some(Pending {
                        parts,
                        inner,
                        headers,
                        signed_path,
                        config: Arc::clone(&self.config),
                    }),
                }
            }
        };
        VerifyNotificationFuture { state }
    }
}

/// What the layer verified, set as a request extension on every notification it
/// passes to the inner service. Its presence is the proof of verification: the
/// [`VerifiedNotification`](crate::extract::VerifiedNotification) extractor
/// refuses a request without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNotificationHeaders {
    /// The `client-id` header (equal to the configured client id).
    pub client_id: String,
    /// The `request-time` header, exactly as signed.
    pub request_time: String,
    /// The keyVersion of the Antom public key that verified the signature.
    pub key_version: KeyVersion,
}

/// Why a notification was rejected. Also set as an extension on the rejection response.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationRejection {
    /// A required header is absent.
    #[error("missing `{0}` header")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII.
    #[error("`{0}` header is not a valid value")]
    InvalidHeaderValue(&'static str),
    /// The `signature` header is not `algorithm=RSA256,keyVersion=N,signature=...`.
    #[error("malformed signature header: {0}")]
    MalformedSignatureHeader(#[source] SignatureHeaderError),
    /// The signature value is not URL-encoded base64.
    #[error("signature value is not URL-encoded base64: {0}")]
    InvalidSignatureEncoding(#[source] SignatureHeaderError),
    /// `request-time` is not a time in any form Antom's libraries send.
    #[error("request-time is not a recognised time")]
    InvalidRequestTime,
    /// `client-id` is not the configured client id.
    #[error("client-id does not match this merchant's client id")]
    ClientIdMismatch,
    /// No Antom public key is configured for the header's keyVersion.
    #[error("no Antom public key configured for keyVersion {0}")]
    UnknownKeyVersion(KeyVersion),
    /// `request-time` is older than the maximum age.
    #[error("request-time is {}s old, more than the {}s allowed", age.as_secs(), max_age.as_secs())]
    RequestTimeTooOld {
        /// How old it is.
        age: Duration,
        /// The configured maximum age.
        max_age: Duration,
    },
    /// `request-time` is further ahead of the local clock than allowed.
    #[error("request-time is {}s in the future, more than the {}s allowed", ahead.as_secs(), max_skew.as_secs())]
    RequestTimeInFuture {
        /// How far ahead it is.
        ahead: Duration,
        /// The configured maximum skew.
        max_skew: Duration,
    },
    /// The signature does not match the content (wrong key, altered body, path or time).
    #[error("signature does not match the notification")]
    SignatureMismatch,
    /// The body exceeds the limit.
    #[error("body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body stream failed.
    #[error("failed to read the body")]
    BodyRead(#[source] Arc<dyn StdError + Send + Sync>),
    /// The body did not arrive in full within the body read timeout.
    #[error("the body did not arrive within {}s", timeout.as_secs_f64())]
    BodyReadTimeout {
        /// The configured timeout.
        timeout: Duration,
    },
}

impl NotificationRejection {
    /// The HTTP status the layer answers with: 400, 401, 408 or 413.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingHeader(_)
            | Self::InvalidHeaderValue(_)
            | Self::MalformedSignatureHeader(_)
            | Self::InvalidSignatureEncoding(_)
            | Self::InvalidRequestTime
            | Self::BodyRead(_) => StatusCode::BAD_REQUEST,
            Self::ClientIdMismatch
            | Self::UnknownKeyVersion(_)
            | Self::RequestTimeTooOld { .. }
            | Self::RequestTimeInFuture { .. }
            | Self::SignatureMismatch => StatusCode::UNAUTHORIZED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyReadTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// A stable machine-readable code, the `error` field of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "missing_header",
            Self::InvalidHeaderValue(_) => "invalid_header",
            Self::MalformedSignatureHeader(_) => "malformed_signature_header",
            Self::InvalidSignatureEncoding(_) => "invalid_signature_encoding",
            Self::InvalidRequestTime => "invalid_request_time",
            Self::ClientIdMismatch => "client_id_mismatch",
            Self::UnknownKeyVersion(_) => "unknown_key_version",
            Self::RequestTimeTooOld { .. } => "request_time_too_old",
            Self::RequestTimeInFuture { .. } => "request_time_in_future",
            Self::SignatureMismatch => "signature_mismatch",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyRead(_) => "body_read_failed",
            Self::BodyReadTimeout { .. } => "body_read_timeout",
        }
    }

    /// The response the layer answers with: the status, `content-type:
    /// application/json`, `{"error":"<code>","message":"<one line>"}`, and the
    /// rejection itself as an extension.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = self.status();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.extensions_mut().insert(self.clone());
        response
    }
}

pin_project! {
    /// The response future of [`VerifyNotification`].
    pub struct VerifyNotificationFuture<S, ReqBody>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        #[pin]
        state: State<S, ReqBody>,
    }
}

impl<S, ReqBody, ResBody> Future for VerifyNotificationFuture<S, ReqBody>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    type Output = Result<Response<Either<ResBody, Full<Bytes>>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Rejected { response } => {
                    let response = response
                        .take()
                        .unwrap_or_else(|| internal_error("VerifyNotificationFuture polled after completion"));
                    return Poll::Ready(Ok(response.map(Either::Right)));
                }
                StateProj::Buffering {
                    body,
                    pending,
                    deadline,
                } => {
                    let collected = match body.poll(cx) {
                        Poll::Ready(collected) => collected,
                        Poll::Pending => {
                            // Armed only once the body keeps us waiting, and only inside Tokio.
                            let timeout = pending.as_ref().and_then(|p| p.config.body_read_timeout);
                            if let (None, Some(timeout)) = (deadline.as_ref(), timeout) {
                                if tokio::runtime::Handle::try_current().is_ok() {
                                    *deadline = Some(Box::pin(tokio::time::sleep(timeout)));
                                }
                            }
                            let expired = deadline
                                .as_mut()
                                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready());
                            if let (true, Some(timeout), Some(waiting)) = (expired, timeout, pending.as_ref()) {
                                let rejection = NotificationRejection::BodyReadTimeout { timeout };
                                let response = reject(&rejection, &waiting.parts.method, &waiting.signed_path);
                                pending.take();
                                return Poll::Ready(Ok(response.map(Either::Right)));
                            }
                            return Poll::Pending;
                        }
                    };
                    let Some(Pending {
                        mut parts,
                        mut inner,
                        headers,
                        signed_path,
                        config,
                    }) = pending.take()
                    else {
                        let response = internal_error("VerifyNotificationFuture polled after completion");
                        return Poll::Ready(Ok(response.map(Either::Right)));
                    };
                    let verified = collected
                        .map_err(|error| body_rejection(error, config.max_body_bytes))
                        .and_then(|body| {
                            verify_signature(&config, &parts.method, &signed_path, headers, &body).map(|v| (v, body))
                        });
                    match verified {
                        Ok((verified, body)) => {
                            parts.extensions.insert(verified);
                            let future = inner.call(Request::from_parts(parts, Full::new(body)));
                            state.set(State::Calling { future });
                        }
                        Err(rejection) => {
                            let response = reject(&rejection, &parts.method, &signed_path);
                            return Poll::Ready(Ok(response.map(Either::Right)));
                        }
                    }
                }
                StateProj::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(Either::Left)));
                }
            }
        }
    }
}

impl<S, ReqBody> fmt::Debug for VerifyNotificationFuture<S, ReqBody>
where
    S: Service<Request<Full<Bytes>>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotificationFuture").finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Config {
    client_id: String,
    keys: Arc<PublicKeyRing>,
    max_body_bytes: usize,
    max_age: Duration,
    max_future_skew: Duration,
    body_read_timeout: Option<Duration>,
    clock: Clock,
    proxy_path_prefix: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("key_versions", &self.keys.versions().collect::<Vec<_>>())
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_age", &self.max_age)
            .field("max_future_skew", &self.max_future_skew)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("proxy_path_prefix", &self.proxy_path_prefix)
            .finish_non_exhaustive()
    }
}

/// The headers as checked before the body is read.
struct CheckedHeaders {
    client_id: String,
    request_time: String,
    signature: SignatureHeader,
}

/// A request whose headers passed, waiting for its body.
struct Pending<S> {
    parts: request::Parts,
    inner: S,
    headers: CheckedHeaders,
    signed_path: String,
    config: Arc<Config>,
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        Rejected {
            response: Option<Response<Full<Bytes>>>,
        },
        Buffering {
            #[pin]
            body: CollectLimited<ReqBody>,
            pending: Option<Pending<S>>,
            // The body read timeout, armed when the body first keeps us waiting.
            deadline: Option<Pin<Box<tokio::time::Sleep>>>,
        },
        Calling {
            #[pin]
            future: S::Future,
        },
    }
}

/// The path-and-query Antom signed: as received (axum's `OriginalUri` inside a
/// nested router), behind the proxy prefix if one is configured.
fn signed_path(config: &Config, parts: &request::Parts) -> String {
    #[cfg(feature = "axum")]
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    #[cfg(not(feature = "axum"))]
    let uri = &parts.uri;
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    match &config.proxy_path_prefix {
        Some(prefix) => format!("{prefix}{path_and_query}"),
        None => path_and_query.to_owned(),
    }
}

/// Everything that can be judged before reading the body. Malformed input (400)
/// is reported before authentication failures (401).
fn check_headers(config: &Config, headers: &HeaderMap) -> Result<CheckedHeaders, NotificationRejection> {
    let client_id = required_header(headers, "client-id")?;
    let request_time = required_header(headers, "request-time")?;
    let signature = required_header(headers, "signature")?;
    let signature = SignatureHeader::parse(signature).map_err(|error| match error {
        SignatureHeaderError::InvalidBase64 | SignatureHeaderError::InvalidPercentEncoding => {
            NotificationRejection::InvalidSignatureEncoding(error)
        }
        _ => NotificationRejection::MalformedSignatureHeader(error),
    })?;
    let age = request_time::age(request_time, (config.clock)()).ok_or(NotificationRejection::InvalidRequestTime)?;

    if client_id != config.client_id {
        return Err(NotificationRejection::ClientIdMismatch);
    }
    match age {
        Ok(age) if age > config.max_age => {
            return Err(NotificationRejection::RequestTimeTooOld {
                age,
                max_age: config.max_age,
            })
        }
        Err(ahead) if ahead > config.max_future_skew => {
            return Err(NotificationRejection::RequestTimeInFuture {
                ahead,
                max_skew: config.max_future_skew,
            })
        }
        _ => {}
    }
    if config.keys.get(signature.key_version).is_none() {
        return Err(NotificationRejection::UnknownKeyVersion(signature.key_version));
    }
    Ok(CheckedHeaders {
        client_id: client_id.to_owned(),
        request_time: request_time.to_owned(),
        signature,
    })
}

fn required_header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, NotificationRejection> {
    headers
        .get(name)
        .ok_or(NotificationRejection::MissingHeader(name))?
        .to_str()
        .map_err(|_| NotificationRejection::InvalidHeaderValue(name))
}

fn body_rejection(error: CollectError, limit: usize) -> NotificationRejection {
    match error {
        CollectError::TooLarge => NotificationRejection::BodyTooLarge { limit },
        CollectError::Body(error) => NotificationRejection::BodyRead(Arc::from(error)),
    }
}

/// Verifies the signature over the buffered body; on success, what goes in the extension.
fn verify_signature(
    config: &Config,
    method: &Method,
    signed_path: &str,
    headers: CheckedHeaders,
    body: &Bytes,
) -> Result<VerifiedNotificationHeaders, NotificationRejection> {
    let content = SigningContent::new(
        method.as_str(),
        signed_path,
        &headers.client_id,
        &headers.request_time,
        body,
    );
    config
        .keys
        .verify(&content, &headers.signature)
        .map_err(|error| match error {
            VerifyError::UnknownKeyVersion(version) => NotificationRejection::UnknownKeyVersion(version),
            VerifyError::Header(error) => NotificationRejection::MalformedSignatureHeader(error),
            _ => NotificationRejection::SignatureMismatch,
        })?;
    tracing::debug!(
        method = %method,
        path = %signed_path,
        key_version = headers.signature.key_version.0,
        "verified an Antom notification"
    );
    Ok(VerifiedNotificationHeaders {
        client_id: headers.client_id,
        request_time: headers.request_time,
        key_version: headers.signature.key_version,
    })
}

/// Logs a rejection (never the body, signature or keys) and builds its response.
fn reject(rejection: &NotificationRejection, method: &Method, path: &str) -> Response<Full<Bytes>> {
    tracing::warn!(
        method = %method,
        path = %path,
        status = rejection.status().as_u16(),
        code = rejection.code(),
        reason = %rejection,
        "rejected an Antom notification"
    );
    rejection.to_response()
}

/// A 500 for states that correct use of a future never reaches.
fn internal_error(message: &'static str) -> Response<Full<Bytes>> {
    tracing::error!("{message}");
    let mut response = Response::new(Full::new(Bytes::from_static(
        br#"{"error":"internal_error","message":"internal error"}"#,
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
