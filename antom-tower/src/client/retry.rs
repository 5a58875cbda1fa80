//! The default retry policy: retry what may be transient, reusing the exact
//! same request (so the same paymentRequestId / refundRequestId), never an `F`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;

use super::error::{is_retryable_error, response_result_status};
use crate::error::BoxError;

/// Retries network errors, timeouts, HTTP 5xx and 429, and `resultStatus` `U`,
/// with exponential backoff and jitter. Never retries an `F` result, a 4xx, or a
/// response that failed signature verification.
///
/// Antom makes createPaymentSession and pay idempotent on paymentRequestId, and
/// refund on refundRequestId, so replaying the same body can never create a
/// second payment. Replace it with any [`tower::retry::Policy`] through
/// [`AntomClientBuilder::retry_policy`](super::AntomClientBuilder::retry_policy).
///
/// ```
/// use std::time::Duration;
/// use antom_tower::client::AntomRetryPolicy;
///
/// let policy = AntomRetryPolicy::new(5).base_delay(Duration::from_millis(100)).max_delay(Duration::from_secs(2));
/// assert_eq!(policy.max_retries(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct AntomRetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    attempt: u32,
}

impl Default for AntomRetryPolicy {
    /// Three retries (four attempts), 250 ms doubling up to 4 s.
    fn default() -> Self {
        Self::new(3)
    }
}

impl AntomRetryPolicy {
    /// A policy that retries at most `max_retries` times after the first attempt.
    pub fn new(max_retries: u32) -> Self {
        Self {
            max_retries,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            attempt: 0,
        }
    }

    /// A policy that never retries.
    pub fn never() -> Self {
        Self::new(0)
    }

    /// The delay before the first retry; each next one doubles.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest delay between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How many retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The delay before retry number `retry` (0-based), with up to 25% jitter
    /// so that many clients recovering at once do not retry in lockstep.
    pub fn delay_for(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.min(16));
        let capped = exp.min(self.max_delay);
        let jitter_range = capped.as_millis() as u64 / 4;
        let jitter = if jitter_range == 0 {
            0
        } else {
            random_u64() % (jitter_range + 1)
        };
        capped.saturating_sub(Duration::from_millis(jitter))
    }
}

/// Whether a finished attempt should be tried again.
fn should_retry(result: &Result<Response<Full<Bytes>>, BoxError>) -> bool {
    match result {
        Err(error) => is_retryable_error(error.as_ref()),
        Ok(response) => {
            let status = response.status();
            status.is_server_error()
                || status == http::StatusCode::TOO_MANY_REQUESTS
                || (status.is_success() && response_result_status(response.body()).as_deref() == Some("U"))
        }
    }
}

impl tower::retry::Policy<Request<Full<Bytes>>, Response<Full<Bytes>>, BoxError> for AntomRetryPolicy {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        req: &mut Request<Full<Bytes>>,
        result: &mut Result<Response<Full<Bytes>>, BoxError>,
    ) -> Option<Self::Future> {
        if self.attempt >= self.max_retries || !should_retry(result) {
            return None;
        }
        let delay = self.delay_for(self.attempt);
        self.attempt += 1;
        crate::telemetry::antom_retry(api_label(req.uri().path()));
        tracing::debug!(
            retry = self.attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying Antom request"
        );
        Some(Box::pin(tokio::time::sleep(delay)))
    }

    fn clone_request(&mut self, req: &Request<Full<Bytes>>) -> Option<Request<Full<Bytes>>> {
        Some(clone_request(req))
    }
}

/// The API a request path calls, as a bounded metric label.
fn api_label(path: &str) -> &'static str {
    use antom_types::AntomApi as _;
    let name = path.rsplit('/').next().unwrap_or("");
    [
        antom_types::CreatePaymentSessionRequest::NAME,
        antom_types::InquiryPaymentRequest::NAME,
        antom_types::CancelRequest::NAME,
        antom_types::RefundRequest::NAME,
        antom_types::InquiryRefundRequest::NAME,
    ]
    .into_iter()
    .find(|known| *known == name)
    .unwrap_or("other")
}

/// Clones a buffered request: same method, URI, headers and body bytes.
pub(crate) fn clone_request(req: &Request<Full<Bytes>>) -> Request<Full<Bytes>> {
    let mut clone = Request::new(req.body().clone());
    *clone.method_mut() = req.method().clone();
    *clone.uri_mut() = req.uri().clone();
    *clone.version_mut() = req.version();
    *clone.headers_mut() = req.headers().clone();
    clone
}

/// A cheap random number from the standard library's per-process hash keys
/// (jitter needs spread, not unpredictability).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}
