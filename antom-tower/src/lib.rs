//! Antom payments for the Tower ecosystem.
//!
//! - [`signing`]: the byte-exact RSA-SHA256 signing core.
//! - [`sign_request`], [`verify_response`]: Tower layers for calls to Antom.
//! - [`verify_notification`]: a Tower layer verifying Antom's notifications;
//!   [`extract`] (feature `axum`): the axum extractor for their verified body.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod signing;

mod body;
#[cfg(feature = "axum")]
pub mod extract;
pub mod sign_request;
pub mod verify_notification;
pub mod verify_response;

#[cfg(feature = "axum")]
pub use extract::VerifiedNotification;
pub use sign_request::{SignRequestError, SignRequestLayer};
pub use verify_notification::{NotificationRejection, VerifiedNotificationHeaders, VerifyNotificationLayer};
pub use verify_response::{ResponseSignature, VerifyResponseError, VerifyResponseLayer};

#[cfg(feature = "axum")]
pub mod checkout;
pub mod client;
pub mod config;
pub mod store;

/// The boxed error the layers return and accept from inner services.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
