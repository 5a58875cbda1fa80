//! Why a notification was refused: the typed reason, its HTTP status and its JSON answer.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::signing::{KeyVersion, SignatureHeaderError};

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

    /// The JSON body the layer answers with, `{"error":"<code>","message":"<one line>"}`
    /// (`content-type: application/json`): for a framework answering a
    /// rejection itself, with [`status`](Self::status).
    pub fn to_json(&self) -> String {
        serde_json::json!({ "error": self.code(), "message": self.to_string() }).to_string()
    }

    /// The response the layer answers with: the status, `content-type:
    /// application/json`, [`to_json`](Self::to_json), and the rejection itself
    /// as an extension.
    pub fn to_response(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.to_json())));
        *response.status_mut() = self.status();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.extensions_mut().insert(self.clone());
        response
    }
}
