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
//! Steps 1 and 3, and the body limit, are [`NotificationVerifier`]'s, usable
//! without Tower; see [Without Tower](#without-tower).
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
//! # Without Tower
//!
//! [`NotificationVerifier`] is the same check for frameworks that are not
//! Tower-based (actix-web, rocket, a Lambda handler): the layer is built on
//! it ([`VerifyNotificationLayer::from_verifier`], [`VerifyNotificationLayer::verifier`])
//! and runs exactly its code, so both accept and refuse the same requests with
//! the same [`NotificationRejection`]s. Hand it the method and path-and-query
//! as received, the headers, the whole body and the current time:
//! [`NotificationVerifier::verify`]. Answer a rejection with its
//! [`status`](NotificationRejection::status) and [`to_json`](NotificationRejection::to_json)
//! body; acknowledge a verified notification only once it is stored. To refuse
//! a bad request before reading its body, split the call in two:
//! [`NotificationVerifier::check_headers`], then [`PendingNotification::verify_body`].
//! Limit the body in the framework too, to [`NotificationVerifier::body_limit`]
//! (actix-web: `web::PayloadConfig`), so it stops reading there.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::SystemTime;
//!
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::verify_notification::{NotificationRejection, NotificationVerifier};
//! use http::{HeaderMap, Method, StatusCode};
//!
//! /// What a framework's handler does with what it received; answers (status, JSON body).
//! fn notify(verifier: &NotificationVerifier, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
//!     match verifier.verify(method, path, headers, body, SystemTime::now()) {
//!         Ok(verified) => {
//!             // Signed by Antom's key `verified.key_version`: parse `body`, store it exactly once, then:
//!             # let _ = verified;
//!             (StatusCode::OK, antom_types::NOTIFICATION_ACK_SUCCESS.to_owned())
//!         }
//!         Err(rejection) => (rejection.status(), rejection.to_json()),
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = include_str!("../../keys/antom_public_key.pem");
//! let antom_keys = Arc::new(PublicKeyRing::single(PublicKey::parse(pem)?));
//! let verifier = NotificationVerifier::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys).max_body_bytes(32 * 1024);
//!
//! let (status, body) = notify(&verifier, &Method::POST, "/antom/notify", &HeaderMap::new(), b"{}");
//! assert_eq!(status, StatusCode::BAD_REQUEST);
//! assert!(body.contains("missing_header"));
//!
//! // The same check the layer runs, with its configuration:
//! let layer = antom_tower::VerifyNotificationLayer::from_verifier(verifier.clone());
//! let rejection = layer.verifier().verify(&Method::POST, "/antom/notify", &HeaderMap::new(), b"{}", SystemTime::now());
//! assert!(matches!(rejection, Err(NotificationRejection::MissingHeader("client-id"))));
//! # Ok(()) }
//! ```
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
//! # let pem = include_str!("../../keys/antom_public_key.pem");
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
//! # let pem = include_str!("../../keys/antom_public_key.pem");
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

use std::time::Duration;

mod future;
mod layer;
mod rejection;
mod service;
mod verifier;

pub use future::VerifyNotificationFuture;
pub use layer::VerifyNotificationLayer;
pub use rejection::NotificationRejection;
pub use service::VerifyNotification;
pub use verifier::{NotificationVerifier, PendingNotification, VerifiedNotificationHeaders};

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
