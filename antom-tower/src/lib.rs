//! Antom payments for the Tower ecosystem.
//!
//! Antom (Ant International's acquiring platform) signs every API call with
//! RSA-SHA256 and sends signed payment notifications back. This crate does
//! that signing, verification and webhook plumbing as Tower middleware, so an
//! axum, hyper, tonic or warp server can take checkout payments correctly.
//!
//! - [`signing`]: the byte-exact RSA-SHA256 signing core (keys in every form
//!   the Antom Dashboard hands out, two backends: `aws-lc` default, `rsa`).
//! - [`sign_request`], [`verify_response`]: Tower layers for calls to Antom.
//! - [`verify_notification`]: a Tower layer verifying Antom's notifications, and
//!   [`NotificationVerifier`], the same checks for any other framework (actix-web,
//!   a Lambda handler); [`extract`] (feature `axum`): the axum extractor for their verified body.
//! - [`client`]: `AntomClient`, typed calls with signing, verification and
//!   idempotent retries over any Tower HTTP service.
//! - [`store`]: the `OrderStore` trait, its state machine and the memory,
//!   SQLite (feature `sqlite`) and PostgreSQL (feature `postgres`) stores.
//! - [`checkout`] (feature `checkout`): the checkout routes and reconciliation,
//!   configured declaratively from [`config::AntomConfig`].
//!
//! The smallest useful thing: verify notifications in an existing axum app.
//!
//! ```
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::{VerifiedNotification, VerifyNotificationLayer};
//! use antom_types::{NotifyPayment, NOTIFICATION_ACK_SUCCESS};
//! use axum::{routing::post, Router};
//! use std::sync::Arc;
//!
//! # fn app(antom_public_key_base64: &str) -> Result<Router, Box<dyn std::error::Error>> {
//! let keys = Arc::new(PublicKeyRing::single(PublicKey::parse(antom_public_key_base64)?));
//! let app = Router::new().route(
//!     "/antom/notify",
//!     post(|n: VerifiedNotification<NotifyPayment>| async move {
//!         // Store n.payload exactly once (idempotent on notifyType + paymentId), then acknowledge.
//!         # let _ = n;
//!         NOTIFICATION_ACK_SUCCESS
//!     })
//!     .route_layer(VerifyNotificationLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", keys)),
//! );
//! # Ok(app) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod signing;

mod body;
mod error;
#[cfg(feature = "axum")]
pub mod extract;
pub mod sign_request;
pub mod verify_notification;
pub mod verify_response;

pub use error::BoxError;
#[cfg(feature = "axum")]
pub use extract::VerifiedNotification;
pub use sign_request::{SignRequestError, SignRequestLayer};
pub use verify_notification::{
    NotificationRejection, NotificationVerifier, VerifiedNotificationHeaders, VerifyNotificationLayer,
};
pub use verify_response::{ResponseSignature, VerifyResponseError, VerifyResponseLayer};

#[cfg(feature = "checkout")]
pub mod checkout;
pub mod client;
pub mod config;
#[cfg(feature = "serve")]
pub mod serve;
pub mod store;
pub mod telemetry;
