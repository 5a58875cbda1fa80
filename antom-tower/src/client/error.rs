//! What can go wrong calling Antom, split by what the caller must do next.

use std::error::Error as StdError;

use antom_types::ApiResult;
use http::StatusCode;

use crate::error::BoxError;

/// The error of every [`AntomClient`](super::AntomClient) call.
///
/// The variants answer the question a payment flow must ask: *did it happen?*
/// [`ClientError::may_have_happened`] is false only when Antom certainly did not
/// act on the request (it was never delivered, or Antom answered `F`); otherwise
/// retry with the same request id, inquire, or let reconciliation settle it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request never reached Antom (connection refused, DNS, TLS handshake).
    #[error("could not connect to Antom: {0}")]
    Connect(#[source] BoxError),
    /// Antom answered `resultStatus` `F`: the request failed and took no effect.
    #[error("Antom refused {api}: {} ({})", .result.result_code, .result.result_message.as_deref().unwrap_or(""))]
    Business {
        /// The API called.
        api: &'static str,
        /// Antom's result, with its resultCode and message.
        result: ApiResult,
    },
    /// The response failed signature verification, so its body is not trusted.
    #[error("Antom's response to {api} failed verification: {source}")]
    Signature {
        /// The API called.
        api: &'static str,
        /// Why verification failed.
        #[source]
        source: BoxError,
    },
    /// Retries are exhausted and the request may or may not have taken effect.
    #[error("outcome of {api} unknown after retries: {cause}")]
    UnknownOutcome {
        /// The API called.
        api: &'static str,
        /// The last thing that went wrong.
        cause: UnknownCause,
    },
    /// The request could not be built (serialization, invalid base URL).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A verified response whose body is not the API's response shape.
    #[error("unexpected response to {api}: {message}")]
    InvalidResponse {
        /// The API called.
        api: &'static str,
        /// What did not parse (never the body itself).
        message: String,
    },
}

/// Why an outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownCause {
    /// Antom answered `resultStatus` `U`.
    #[error("result U: {}", .0.result_code)]
    ResultUnknown(ApiResult),
    /// Antom's gateway answered with an HTTP error status.
    #[error("HTTP {0}")]
    HttpStatus(StatusCode),
    /// No answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// The connection failed after the request may have been sent.
    #[error("transport error: {0}")]
    Transport(#[source] BoxError),
}

impl ClientError {
    /// False only when Antom certainly did not act on the request.
    pub fn may_have_happened(&self) -> bool {
        match self {
            ClientError::Connect(_) | ClientError::Business { .. } | ClientError::InvalidRequest(_) => false,
            ClientError::Signature { .. }
            | ClientError::UnknownOutcome { .. }
            | ClientError::InvalidResponse { .. } => true,
        }
    }

    /// Antom's result, when it answered one (F or U).
    pub fn result(&self) -> Option<&ApiResult> {
        match self {
            ClientError::Business { result, .. } => Some(result),
            ClientError::UnknownOutcome {
                cause: UnknownCause::ResultUnknown(result),
                ..
            } => Some(result),
            _ => None,
        }
    }
}

/// Errors are retryable unless they come from signing or verification, which
/// would fail the same way again.
pub(crate) fn is_retryable_error(error: &(dyn StdError + 'static)) -> bool {
    !is_signature_error(error) && !is_sign_error(error)
}

pub(crate) fn is_signature_error(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| e.is::<crate::verify_response::VerifyResponseError>())
}

fn is_sign_error(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| e.is::<crate::sign_request::SignRequestError>())
}

pub(crate) fn is_timeout(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| e.is::<tower::timeout::error::Elapsed>())
}

/// True for failures before anything was sent (so the request did not happen).
pub(crate) fn is_connect_error(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| {
        #[cfg(feature = "client")]
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return e.is_connect();
        }
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

fn chain<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// `result.resultStatus` of a JSON body, without parsing the rest.
pub(crate) fn response_result_status(body: &http_body_util::Full<bytes::Bytes>) -> Option<String> {
    let bytes = full_bytes(body)?;
    #[derive(serde::Deserialize)]
    struct Envelope {
        result: Inner,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        result_status: String,
    }
    serde_json::from_slice::<Envelope>(&bytes)
        .ok()
        .map(|e| e.result.result_status)
}

/// The bytes of a `Full` body without consuming it.
pub(crate) fn full_bytes(body: &http_body_util::Full<bytes::Bytes>) -> Option<bytes::Bytes> {
    use http_body::Body as _;
    // A Full body reports its exact size and yields its one frame immediately.
    let mut body = body.clone();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match std::pin::Pin::new(&mut body).poll_frame(&mut cx) {
        std::task::Poll::Ready(Some(Ok(frame))) => frame.into_data().ok(),
        std::task::Poll::Ready(None) => Some(bytes::Bytes::new()),
        _ => None,
    }
}
