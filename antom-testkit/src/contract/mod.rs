//! Contract helpers: test your notify endpoint, any Tower service or any
//! server on 127.0.0.1, against signed Antom notifications.
//!
//! The endpoint is whatever serves your `paymentNotifyUrl`: an axum `Router`,
//! antom-tower's [`VerifyNotificationLayer`](antom_tower::VerifyNotificationLayer)
//! around your handler, your own service taking `Request<Full<Bytes>>`, or a
//! server of any framework reached over HTTP through [`HttpEndpoint`].
//!
//! * [`assert_acknowledges`]: HTTP 200 with Antom's acknowledgement (the JSON of
//!   [`NOTIFICATION_ACK_SUCCESS`](antom_types::NOTIFICATION_ACK_SUCCESS), compared parsed, so spacing and key order are free).
//! * [`assert_rejects`]: the given status, and no acknowledgement.
//! * [`assert_not_acknowledged`]: anything but an acknowledgement (Antom would resend).
//! * [`check_notify_endpoint`] / [`NotifyEndpointCheck`]: the standard battery,
//!   a valid notification, its duplicate and a day-old resend acknowledged;
//!   a tampered body, a wrong key, a wrong path, another client id, a stale or
//!   altered `request-time`, each missing header and an oversized body not
//!   acknowledged. Returns a [`NotifyEndpointReport`]; panics naming every failed case.
//!
//! Configure the endpoint with the testkit's Antom public keys
//! ([`keys::antom_public_key_ring`](crate::keys::antom_public_key_ring)), as the
//! notifications are signed with the testkit's Antom key.
//!
//! ```
//! use antom_testkit::{contract, fixtures, keys};
//! use antom_tower::VerifyNotificationLayer;
//! use antom_types::NOTIFICATION_ACK_SUCCESS;
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{service_fn, BoxError, Layer};
//!
//! async fn handle(_verified: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, BoxError> {
//!     // Record the payment, then acknowledge.
//!     Ok(Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes()))))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let endpoint = || {
//!     VerifyNotificationLayer::new("SANDBOX_MY_CLIENT_ID", keys::antom_public_key_ring()).layer(service_fn(handle))
//! };
//!
//! let paid = fixtures::notify_payment_success().resigned_for("/antom/notify", "SANDBOX_MY_CLIENT_ID").fresh();
//! contract::assert_acknowledges(endpoint(), &paid).await;
//! contract::assert_rejects(endpoint(), &paid.clone().without_header("signature"), http::StatusCode::BAD_REQUEST).await;
//!
//! let report = contract::check_notify_endpoint(endpoint, "/antom/notify", "SANDBOX_MY_CLIENT_ID").await;
//! assert!(report.passed());
//! # }
//! ```

mod answer;
mod battery;
mod http;
mod report;

pub use answer::{assert_acknowledges, assert_not_acknowledged, assert_rejects, is_acknowledgement, send, Answer};
pub use battery::{
    check_notify_endpoint, NotifyEndpointCheck, DEFAULT_OVERSIZED_BYTES, DEFAULT_STALE_AGE, OTHER_CLIENT_ID,
    RESEND_AGE, WRONG_PATH,
};
pub use http::HttpEndpoint;
pub use report::{CaseReport, Expectation, NotifyEndpointReport};
