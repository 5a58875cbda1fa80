//! The axum extractor for notifications verified by
//! [`VerifyNotificationLayer`](crate::verify_notification::VerifyNotificationLayer).
//!
//! [`VerifiedNotification<T>`] parses the verified body as `T` and hands the
//! handler the payload with what the layer verified. It only accepts a request
//! the layer has passed: on a route without the layer it answers 500 and logs
//! why, rather than trust an unverified body. A body that is not the expected
//! JSON is answered 400 with `{"error":"invalid_json","message":"..."}`.
//!
//! ```
//! use std::sync::Arc;
//!
//! use antom_tower::extract::VerifiedNotification;
//! use antom_tower::signing::{PublicKey, PublicKeyRing};
//! use antom_tower::verify_notification::VerifyNotificationLayer;
//! use axum::routing::post;
//! use axum::{Json, Router};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct PaymentResult {
//!     notify_type: String,
//!     payment_id: String,
//! }
//!
//! async fn notify(notification: VerifiedNotification<PaymentResult>) -> Json<serde_json::Value> {
//!     let PaymentResult { notify_type, payment_id } = notification.payload;
//!     // ... record (notify_type, payment_id) exactly once, then acknowledge:
//!     # let _ = (notify_type, payment_id, notification.headers.key_version);
//!     Json(serde_json::json!({"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"}}))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = include_str!("../keys/antom_public_key.pem");
//! let antom_keys = Arc::new(PublicKeyRing::single(PublicKey::parse(pem)?));
//! let app: Router = Router::new()
//!     .route("/antom/notify", post(notify))
//!     .route_layer(VerifyNotificationLayer::new("SANDBOX_5YBZ0E2ZC7CZ04567", antom_keys));
//! # Ok(()) }
//! ```

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use http::request::Parts;
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::verify_notification::VerifiedNotificationHeaders;

/// A notification body verified by
/// [`VerifyNotificationLayer`](crate::verify_notification::VerifyNotificationLayer)
/// and parsed as `T`.
#[derive(Debug, Clone)]
pub struct VerifiedNotification<T> {
    /// The parsed body.
    pub payload: T,
    /// What the layer verified: client id, request time, key version.
    pub headers: VerifiedNotificationHeaders,
    /// The exact verified bytes (to archive the notification as received).
    pub body: Bytes,
}

impl<T, S> FromRequest<S> for VerifiedNotification<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = VerifiedNotificationRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(headers) = request.extensions().get::<VerifiedNotificationHeaders>().cloned() else {
            return Err(layer_missing(request.uri().path()));
        };
        // Already buffered within the layer's limit: no further limit here.
        let body = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|_| VerifiedNotificationRejection::BodyRead)?;
        let payload = serde_json::from_slice(&body).map_err(|error| {
            let rejection = VerifiedNotificationRejection::InvalidJson(json_error_summary(&error));
            tracing::warn!(reason = %rejection, "verified Antom notification is not the expected JSON");
            rejection
        })?;
        Ok(Self { payload, headers, body })
    }
}

/// Lets a handler take only what the layer verified (e.g. with the body as `Bytes`).
impl<S> FromRequestParts<S> for VerifiedNotificationHeaders
where
    S: Send + Sync,
{
    type Rejection = VerifiedNotificationRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<VerifiedNotificationHeaders>()
            .cloned()
            .ok_or_else(|| layer_missing(parts.uri.path()))
    }
}

/// Why [`VerifiedNotification`] refused a request.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum VerifiedNotificationRejection {
    /// The request was not verified: the route lacks `VerifyNotificationLayer`.
    #[error("the notification was not verified (VerifyNotificationLayer is missing on this route)")]
    NotVerified,
    /// The body could not be read.
    #[error("failed to read the notification body")]
    BodyRead,
    /// The body is not JSON of the expected shape. The message names the kind of
    /// error and its position, never a value from the body.
    #[error("{0}")]
    InvalidJson(String),
}

impl VerifiedNotificationRejection {
    /// 500 for a missing layer (a server misconfiguration), 400 otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotVerified => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BodyRead | Self::InvalidJson(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// A stable machine-readable code, the `error` field of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotVerified => "notification_not_verified",
            Self::BodyRead => "body_read_failed",
            Self::InvalidJson(_) => "invalid_json",
        }
    }
}

impl IntoResponse for VerifiedNotificationRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}

fn layer_missing(path: &str) -> VerifiedNotificationRejection {
    tracing::error!(
        path = %path,
        "VerifiedNotification used on a route without VerifyNotificationLayer: refusing the unverified body; \
         add the layer with Router::route_layer"
    );
    VerifiedNotificationRejection::NotVerified
}

/// serde_json's messages can quote values from the body (`invalid type: string "..."`);
/// keep only the kind of error and where it is.
fn json_error_summary(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "not valid JSON",
        Category::Data => "JSON of an unexpected shape",
        Category::Eof => "truncated JSON",
    };
    format!(
        "notification body is {kind} (line {}, column {})",
        error.line(),
        error.column()
    )
}
