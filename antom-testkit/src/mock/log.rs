//! What the mock saw and did, for assertions: every API request received
//! and every notification attempt made.
//!
//! ```no_run
//! # async fn demo(mock: antom_testkit::mock::MockAntomHandle) {
//! use std::time::Duration;
//! let attempts = mock.wait_for_notifications(1, Duration::from_secs(5)).await.unwrap();
//! assert!(attempts[0].acknowledged);
//! let requests = mock.log().requests_for("createPaymentSession");
//! assert!(requests[0].verification.is_verified());
//! # }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use antom_tower::signing::KeyVersion;
use serde::Serialize;
use tokio::sync::watch;

/// How a request's `client-id`, `request-time` and `signature` headers fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Verification {
    /// The signature verified with the merchant key of this keyVersion.
    Verified {
        /// The keyVersion named in the `signature` header.
        key_version: u32,
    },
    /// The request was refused before the API ran.
    Rejected {
        /// The result code answered (`INVALID_SIGNATURE`, `KEY_NOT_FOUND`...).
        result_code: String,
        /// Why, in words.
        reason: String,
    },
    /// Not an API call (unknown path): nothing was checked.
    NotChecked,
}

impl Verification {
    pub(crate) fn verified(version: KeyVersion) -> Verification {
        Verification::Verified { key_version: version.0 }
    }

    /// Whether the signature verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified { .. })
    }
}

/// The answer the mock gave to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers, names in lower case as sent.
    pub headers: Vec<(String, String)>,
    /// The exact body sent.
    pub body: String,
    /// Whether the response carried a `signature` header.
    pub signed: bool,
}

impl RecordedResponse {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// `result.resultCode` of the body, if any.
    pub fn result_code(&self) -> Option<String> {
        self.json()?.pointer("/result/resultCode")?.as_str().map(str::to_owned)
    }

    /// `result.resultStatus` of the body, if any.
    pub fn result_status(&self) -> Option<String> {
        self.json()?
            .pointer("/result/resultStatus")?
            .as_str()
            .map(str::to_owned)
    }
}

/// One request the mock received on an Antom API path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Order in the log, from 1 (requests are logged when answered).
    pub seq: u64,
    /// When it arrived.
    pub received_at: SystemTime,
    /// HTTP method.
    pub method: String,
    /// Path and query as received.
    pub path: String,
    /// The API name (`createPaymentSession`, `inquiryPayment`, `cancel`,
    /// `refund`, `inquiryRefund`), or `None` for an unknown path.
    pub api: Option<String>,
    /// Whether the sandbox path (`/ams/sandbox/api/...`) was used.
    pub sandbox: bool,
    /// Request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8).
    pub body: String,
    /// How the signature fared.
    pub verification: Verification,
    /// The rule that shaped the answer, by name (or `rule #N`), if one matched.
    pub rule: Option<String>,
    /// How long the answer was held back (a `delay` rule), if at all.
    pub delay: Option<Duration>,
    /// The answer; `None` when the mock closed the connection without one.
    pub response: Option<RecordedResponse>,
}

impl RequestRecord {
    /// A request header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// `result.resultCode` of the answer, if any.
    pub fn result_code(&self) -> Option<String> {
        self.response.as_ref()?.result_code()
    }
}

/// What a notification was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// notifyPayment (`PAYMENT_RESULT`, or a stale `PAYMENT_PENDING`).
    Payment,
    /// notifyRefund (`REFUND_RESULT`).
    Refund,
    /// notifyDispute (sent by `POST /mock/payments/{id}/dispute`).
    Dispute,
    /// notifyCapture (`CAPTURE_RESULT`, sent by `POST /mock/payments/{id}/capture`).
    Capture,
}

/// One attempt at delivering one notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationRecord {
    /// Order of the attempt among all attempts, from 1.
    pub seq: u64,
    /// Payment, refund, dispute or capture.
    pub kind: NotificationKind,
    /// `notifyType` of the body.
    pub notify_type: String,
    /// The payment's `paymentRequestId` (for refunds too: the refunded payment's).
    pub payment_request_id: String,
    /// `paymentId` of the payment concerned.
    pub payment_id: String,
    /// `refundRequestId`, for refund notifications.
    pub refund_request_id: Option<String>,
    /// The URL posted to.
    pub url: String,
    /// Which copy of the notification this is, from 1 (more than one with
    /// the duplicate-notifications fault).
    pub copy: u32,
    /// True for the stale `PAYMENT_PENDING` sent after the final result
    /// (out-of-order fault).
    pub stale: bool,
    /// Attempt number for this copy, 1 to [`MAX_ATTEMPTS`](super::MAX_ATTEMPTS).
    pub attempt: u32,
    /// Antom's (unscaled) wait before this attempt: 0, 2 min, 10 min, 10 min,
    /// 1 h, 2 h, 6 h, 15 h.
    pub interval: Duration,
    /// Antom's (unscaled) offset of this attempt from the first: 0, 2 min,
    /// 12 min, 22 min, 1 h 22 min...
    pub scheduled_offset: Duration,
    /// `scheduled_offset` divided by the time scale: when the mock planned it.
    pub scaled_offset: Duration,
    /// Real time from this copy's first attempt to this one.
    pub elapsed: Duration,
    /// When the attempt was sent.
    pub sent_at: SystemTime,
    /// The `request-time` header sent.
    pub request_time: String,
    /// The `signature` header sent.
    pub signature: String,
    /// True when signed with the wrong key (fault injection).
    pub signed_with_wrong_key: bool,
    /// The exact body sent.
    pub body: String,
    /// HTTP status of the answer; `None` if there was no answer.
    pub status: Option<u16>,
    /// Body of the answer, if any.
    pub response_body: Option<String>,
    /// Why there was no usable answer (connection refused, timeout...).
    pub error: Option<String>,
    /// Whether the answer was the acknowledgement Antom expects.
    pub acknowledged: bool,
    /// Whether this was the last attempt for this copy (acknowledged, or
    /// the maximum reached).
    pub last: bool,
}

impl NotificationRecord {
    /// The body parsed as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A wait on the log ran out of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimeout {
    /// What was waited for.
    pub waited_for: String,
    /// How long.
    pub timeout: Duration,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?} waiting for {}", self.timeout, self.waited_for)
    }
}

impl std::error::Error for WaitTimeout {}

/// The mock's log. Cheap to clone: clones share the same records.
#[derive(Clone, Debug)]
pub struct MockLog {
    inner: Arc<LogInner>,
}

#[derive(Debug)]
struct LogInner {
    requests: Mutex<Vec<RequestRecord>>,
    notifications: Mutex<Vec<NotificationRecord>>,
    pending: AtomicUsize,
    changed: watch::Sender<u64>,
}

impl Default for MockLog {
    fn default() -> Self {
        MockLog {
            inner: Arc::new(LogInner {
                requests: Mutex::new(Vec::new()),
                notifications: Mutex::new(Vec::new()),
                pending: AtomicUsize::new(0),
                changed: watch::channel(0).0,
            }),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockLog {
    /// Every API request received, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.requests).clone()
    }

    /// The requests to one API (`"createPaymentSession"`...).
    pub fn requests_for(&self, api: &str) -> Vec<RequestRecord> {
        lock(&self.inner.requests)
            .iter()
            .filter(|r| r.api.as_deref() == Some(api))
            .cloned()
            .collect()
    }

    /// Every notification attempt, in order.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        lock(&self.inner.notifications).clone()
    }

    /// The notification attempts about one payment (by `paymentRequestId`),
    /// refunds of it included.
    pub fn notifications_for(&self, payment_request_id: &str) -> Vec<NotificationRecord> {
        lock(&self.inner.notifications)
            .iter()
            .filter(|n| n.payment_request_id == payment_request_id)
            .cloned()
            .collect()
    }

    /// How many notification deliveries are scheduled or under way.
    pub fn pending_deliveries(&self) -> usize {
        self.inner.pending.load(Ordering::SeqCst)
    }

    /// Forgets every record (pending deliveries go on and are recorded).
    pub fn clear(&self) {
        lock(&self.inner.requests).clear();
        lock(&self.inner.notifications).clear();
        self.bump();
    }

    /// Waits until `condition` holds, re-checking on every new record.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&MockLog) -> bool,
    ) -> Result<(), WaitTimeout> {
        let deadline = Instant::now() + timeout;
        let mut rx = self.inner.changed.subscribe();
        loop {
            rx.borrow_and_update();
            if condition(self) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, rx.changed()).await.is_err() {
                return if condition(self) {
                    Ok(())
                } else {
                    Err(WaitTimeout {
                        waited_for: what.to_owned(),
                        timeout,
                    })
                };
            }
        }
    }

    /// Waits until at least `n` notification attempts were made, and returns
    /// all attempts so far.
    pub async fn wait_for_notifications(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.wait_for(&format!("{n} notification attempt(s)"), timeout, |log| {
            lock(&log.inner.notifications).len() >= n
        })
        .await?;
        Ok(self.notifications())
    }

    /// Waits until at least `n` attempts were acknowledged, and returns all
    /// attempts so far.
    pub async fn wait_for_acknowledged(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.wait_for(&format!("{n} acknowledged notification(s)"), timeout, |log| {
            lock(&log.inner.notifications).iter().filter(|r| r.acknowledged).count() >= n
        })
        .await?;
        Ok(self.notifications())
    }

    /// Waits until no delivery is scheduled or under way (every notification
    /// was acknowledged or gave up), and returns all attempts.
    pub async fn wait_until_idle(&self, timeout: Duration) -> Result<Vec<NotificationRecord>, WaitTimeout> {
        self.wait_for("all notification deliveries to finish", timeout, |log| {
            log.pending_deliveries() == 0
        })
        .await?;
        Ok(self.notifications())
    }

    /// Waits until at least `n` API requests were received.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Result<Vec<RequestRecord>, WaitTimeout> {
        self.wait_for(&format!("{n} request(s)"), timeout, |log| {
            lock(&log.inner.requests).len() >= n
        })
        .await?;
        Ok(self.requests())
    }

    pub(crate) fn push_request(&self, mut record: RequestRecord) {
        {
            let mut list = lock(&self.inner.requests);
            record.seq = list.len() as u64 + 1;
            list.push(record);
        }
        self.bump();
    }

    pub(crate) fn push_notification(&self, mut record: NotificationRecord) {
        {
            let mut list = lock(&self.inner.notifications);
            record.seq = list.len() as u64 + 1;
            list.push(record);
        }
        self.bump();
    }

    pub(crate) fn delivery_started(&self) {
        self.inner.pending.fetch_add(1, Ordering::SeqCst);
        self.bump();
    }

    pub(crate) fn delivery_finished(&self) {
        self.inner.pending.fetch_sub(1, Ordering::SeqCst);
        self.bump();
    }

    pub(crate) fn bump(&self) {
        self.inner.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}
