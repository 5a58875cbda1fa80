//! Notification delivery: signed notifyPayment / notifyRefund (and
//! notifyDispute / notifyCapture) POSTs with
//! Antom's retry schedule on a scaled clock, and [`send_notification`], the
//! one-shot sender behind `antom notify`.
//!
//! # Delivery
//!
//! When a payment reaches a final status (or a refund reaches its own), the mock POSTs
//! the notification to the payment's `paymentNotifyUrl` (refunds: the
//! refund's `refundNotifyUrl`, if any) with the headers Antom sends:
//! `content-type`, `client-id`, `request-time` (ISO 8601) and
//! `signature: algorithm=RSA256,keyVersion=<n>,signature=<...>`, signed over
//! `POST <path of the notify URL>\n<client-id>.<request-time>.<body>` with the
//! mock's Antom key.
//!
//! # Acknowledgement
//!
//! An attempt is acknowledged when the answer is HTTP 200 and its body,
//! parsed as JSON, has `result.resultCode == "SUCCESS"` and
//! `result.resultStatus == "S"` ([`AckPolicy::Parsed`], the default): the
//! official samples build the answer with a JSON serializer, so key order,
//! spacing and `resultMessage` are not compared. [`AckPolicy::Exact`] demands
//! the bytes of [`NOTIFICATION_ACK_SUCCESS`] instead. Anything else (another
//! status, another body, no answer within the timeout, a refused connection)
//! is a failed attempt.
//!
//! # Retries
//!
//! A failed attempt is retried on Antom's schedule, [`RETRY_SCHEDULE`]: the
//! waits before attempts 1 to 8 are 0, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h,
//! 15 h, so attempts happen 0, 2 min, 12 min, 22 min, 1 h 22 min, 3 h 22 min,
//! 9 h 22 min and 24 h 22 min after the first. [`MAX_ATTEMPTS`] is 8 **in
//! total**, the first included (Antom: "resent up to 8 times", listing 8
//! intervals the first of which is 0). Every wait is divided by the time scale
//! (`time_scale(1_000_000.0)` runs the whole day in under 90 ms). Each resend
//! carries the first attempt's `request-time` and signature unless
//! [`MockAntomBuilder::fresh_request_time_on_resend`](super::MockAntomBuilder::fresh_request_time_on_resend)
//! is set: whether Antom refreshes it is not known, and the old one is the
//! harder case for a merchant's replay window.
//!
//! Only `http://` URLs are delivered, and by default only to loopback hosts
//! (`localhost`, `127.0.0.0/8`, `[::1]`): a test never reaches out of the
//! machine. [`MockAntomBuilder::allow_external_notify_urls`](super::MockAntomBuilder::allow_external_notify_urls)
//! lifts the second restriction.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use antom_tower::signing::{KeyVersion, PrivateKey, SigningContent};
use antom_types::{
    Amount, ApiResult, NotificationAck, NotifyPayment, NotifyRefund, NotifyType, PaymentMethodType, PaymentStatus,
    RefundStatus, ResultCode, ResultStatus, NOTIFICATION_ACK_SUCCESS,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde_json::Map;
use tokio::sync::watch;

use super::clock::{Awake, Clock};
use super::faults::NotificationFaults;
use super::log::{MockLog, NotificationKind, NotificationRecord};
use super::state::{Payment, Refund};
use super::util::{iso8601, scale_down};

/// Antom's wait before each delivery attempt: 0, 2 min, 10 min, 10 min, 1 h,
/// 2 h, 6 h, 15 h (unscaled).
pub const RETRY_SCHEDULE: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(6 * 60 * 60),
    Duration::from_secs(15 * 60 * 60),
];

/// Attempts per notification, the first included.
pub const MAX_ATTEMPTS: u32 = RETRY_SCHEDULE.len() as u32;

/// The offset of each attempt from the first, on Antom's (unscaled) clock:
/// 0, 2 min, 12 min, 22 min, 1 h 22 min, 3 h 22 min, 9 h 22 min, 24 h 22 min.
pub fn scheduled_offsets() -> [Duration; 8] {
    let mut offsets = [Duration::ZERO; 8];
    let mut total = Duration::ZERO;
    for (offset, wait) in offsets.iter_mut().zip(RETRY_SCHEDULE) {
        total += wait;
        *offset = total;
    }
    offsets
}

/// How an answer to a notification is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckPolicy {
    /// HTTP 200 and a JSON body with `result.resultCode` `SUCCESS` and
    /// `result.resultStatus` `S` (key order, spaces and message free).
    #[default]
    Parsed,
    /// HTTP 200 and exactly the bytes of [`NOTIFICATION_ACK_SUCCESS`].
    Exact,
}

impl AckPolicy {
    /// Whether this answer acknowledges the notification.
    pub fn is_ack(self, status: u16, body: &[u8]) -> bool {
        if status != 200 {
            return false;
        }
        match self {
            AckPolicy::Exact => body == NOTIFICATION_ACK_SUCCESS.as_bytes(),
            AckPolicy::Parsed => serde_json::from_slice::<NotificationAck>(body).is_ok_and(|ack| ack.is_success()),
        }
    }
}

/// The notifyPayment body for a payment in its current (final) status.
pub fn payment_notification(payment: &Payment) -> NotifyPayment {
    let (status, code) = match payment.status {
        PaymentStatus::Success => (ResultStatus::Success, "SUCCESS".to_owned()),
        _ => (
            ResultStatus::Failed,
            payment
                .payment_result_code
                .clone()
                .unwrap_or_else(|| super::state::DEFAULT_FAIL_CODE.to_owned()),
        ),
    };
    let message = if status == ResultStatus::Success {
        "success".to_owned()
    } else {
        payment.payment_result_message.clone().unwrap_or_else(|| code.clone())
    };
    NotifyPayment {
        notify_type: NotifyType::PaymentResult,
        result: ApiResult::new(ResultCode::from(code), status, Some(message)),
        payment_request_id: payment.payment_request_id.clone(),
        payment_id: payment.payment_id.clone(),
        payment_amount: payment.amount,
        payment_create_time: Some(payment.payment_create_time.clone()),
        payment_time: payment.payment_time.clone(),
        payment_method_type: Some(PaymentMethodType::from(payment.payment_method_type.as_str())),
        psp_customer_info: None,
        customs_declaration_amount: None,
        gross_settlement_amount: None,
        settlement_quote: None,
        acquirer_reference_no: None,
        payment_result_info: None,
        acquirer_info: None,
        extra: Map::new(),
    }
}

/// A `PAYMENT_PENDING` notification for a payment: what a stale,
/// out-of-order notification looks like.
pub fn pending_notification(payment: &Payment) -> NotifyPayment {
    let mut notification = payment_notification(payment);
    notification.notify_type = NotifyType::PaymentPending;
    notification.result = ApiResult::new(
        ResultCode::PaymentInProcess,
        ResultStatus::Unknown,
        Some("The payment is being processed.".to_owned()),
    );
    notification.payment_time = None;
    notification
}

/// A notifyPayment body built from parts, for `antom notify`.
pub fn payment_notification_from_parts(
    payment_request_id: impl Into<String>,
    payment_id: impl Into<String>,
    amount: Amount,
    result: ApiResult,
) -> NotifyPayment {
    let now = iso8601(SystemTime::now());
    let success = result.is_success();
    NotifyPayment {
        notify_type: NotifyType::PaymentResult,
        result,
        payment_request_id: payment_request_id.into(),
        payment_id: payment_id.into(),
        payment_amount: amount,
        payment_create_time: Some(now.clone()),
        payment_time: success.then_some(now),
        payment_method_type: None,
        psp_customer_info: None,
        customs_declaration_amount: None,
        gross_settlement_amount: None,
        settlement_quote: None,
        acquirer_reference_no: None,
        payment_result_info: None,
        acquirer_info: None,
        extra: Map::new(),
    }
}

/// The notifyRefund body for a refund.
pub fn refund_notification(refund: &Refund) -> NotifyRefund {
    let success = refund.status == RefundStatus::Success;
    NotifyRefund {
        notify_type: NotifyType::RefundResult,
        result: if success {
            ApiResult::success("success")
        } else {
            ApiResult::new(
                ResultCode::ProcessFail,
                ResultStatus::Failed,
                Some("The refund failed.".to_owned()),
            )
        },
        refund_status: refund.status.clone(),
        refund_request_id: refund.refund_request_id.clone(),
        refund_id: refund.refund_id.clone(),
        refund_amount: refund.amount,
        refund_time: refund.refund_time.clone(),
        gross_settlement_amount: None,
        settlement_quote: None,
        extra: Map::new(),
    }
}

/// Options of [`send_notification`].
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// The `client-id` header: the merchant's client id.
    pub client_id: String,
    /// The keyVersion named in the `signature` header.
    pub key_version: KeyVersion,
    /// The `request-time` header; now (ISO 8601) when `None`.
    pub request_time: Option<String>,
    /// How long to wait for the answer.
    pub timeout: Duration,
    /// How to judge the answer.
    pub ack_policy: AckPolicy,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            client_id: super::DEFAULT_CLIENT_ID.to_owned(),
            key_version: KeyVersion::default(),
            request_time: None,
            timeout: Duration::from_secs(15),
            ack_policy: AckPolicy::default(),
        }
    }
}

/// What [`send_notification`] sent and got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotification {
    /// The exact body sent.
    pub body: String,
    /// The `request-time` header sent.
    pub request_time: String,
    /// The `signature` header sent.
    pub signature: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's body (lossy UTF-8).
    pub response_body: String,
    /// Whether the answer acknowledges the notification (per the options' policy).
    pub acknowledged: bool,
}

/// Why [`send_notification`] got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The URL is not an absolute `http://` URL (TLS is not supported).
    InvalidUrl(String),
    /// The body could not be serialized or signed.
    Sign(String),
    /// Connection refused, reset, or a malformed answer.
    Http(String),
    /// No answer within the timeout.
    Timeout(Duration),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::InvalidUrl(m) => write!(f, "invalid notify URL: {m}"),
            SendError::Sign(m) => write!(f, "cannot sign the notification: {m}"),
            SendError::Http(m) => write!(f, "HTTP error: {m}"),
            SendError::Timeout(t) => write!(f, "no answer within {t:?}"),
        }
    }
}

impl std::error::Error for SendError {}

/// Signs one notification (any serializable body: [`NotifyPayment`],
/// [`NotifyRefund`], JSON) as Antom would and POSTs it to `url` once, without
/// retrying. For `antom notify` and for tests of a notification endpoint.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use antom_testkit::{keys, mock};
/// use antom_types::{Amount, ApiResult};
///
/// let body = mock::notifier::payment_notification_from_parts(
///     "pay_1", "2026010112345678", Amount::from_minor_units(4200, "SGD")?, ApiResult::success("success"),
/// );
/// let sent = mock::send_notification(
///     "http://127.0.0.1:3000/antom/notify", &body, &keys::antom_private_key(), &Default::default(),
/// ).await?;
/// assert!(sent.acknowledged, "{} {}", sent.status, sent.response_body);
/// # Ok(()) }
/// ```
pub async fn send_notification<T: Serialize + ?Sized>(
    url: &str,
    notification: &T,
    key: &PrivateKey,
    options: &SendOptions,
) -> Result<SentNotification, SendError> {
    let body = serde_json::to_vec(notification).map_err(|e| SendError::Sign(e.to_string()))?;
    send_notification_bytes(url, body, key, options).await
}

/// Like [`send_notification`] with the exact body bytes.
pub async fn send_notification_bytes(
    url: &str,
    body: Vec<u8>,
    key: &PrivateKey,
    options: &SendOptions,
) -> Result<SentNotification, SendError> {
    let target = Target::parse(url).map_err(SendError::InvalidUrl)?;
    let request_time = options
        .request_time
        .clone()
        .unwrap_or_else(|| iso8601(SystemTime::now()));
    let signature = sign(
        key,
        options.key_version,
        &target.path,
        &options.client_id,
        &request_time,
        &body,
    )
    .map_err(SendError::Sign)?;
    let client = http_client();
    let answer = post(
        &client,
        &target.uri,
        &options.client_id,
        &request_time,
        &signature,
        Bytes::from(body.clone()),
        options.timeout,
    )
    .await;
    match answer {
        Ok((status, response)) => Ok(SentNotification {
            body: String::from_utf8_lossy(&body).into_owned(),
            request_time,
            signature,
            status,
            acknowledged: options.ack_policy.is_ack(status, &response),
            response_body: String::from_utf8_lossy(&response).into_owned(),
        }),
        Err(PostError::Timeout) => Err(SendError::Timeout(options.timeout)),
        Err(PostError::Http(m)) => Err(SendError::Http(m)),
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn http_client() -> HttpClient {
    // No pooling: merchant test servers come and go between tests.
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http()
}

const HTTPS_UNSUPPORTED: &str =
    "https is not supported by the mock's notifier; serve the notify route over http on 127.0.0.1";

struct Target {
    uri: http::Uri,
    /// Path and query as sent: what is signed.
    path: String,
    loopback: bool,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("{url:?}: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => return Err(format!("{url:?}: {HTTPS_UNSUPPORTED}")),
            _ => return Err(format!("{url:?}: expected an absolute http:// URL")),
        }
        let host = uri.host().ok_or_else(|| format!("{url:?}: no host"))?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback =
            bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_owned());
        Ok(Target { uri, path, loopback })
    }
}

fn sign(
    key: &PrivateKey,
    key_version: KeyVersion,
    path: &str,
    client_id: &str,
    time: &str,
    body: &[u8],
) -> Result<String, String> {
    let content = SigningContent::new("POST", path, client_id, time, body);
    key.sign_header(&content, key_version)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

enum PostError {
    Timeout,
    Http(String),
}

async fn post(
    client: &HttpClient,
    uri: &http::Uri,
    client_id: &str,
    request_time: &str,
    signature: &str,
    body: Bytes,
    timeout: Duration,
) -> Result<(u16, Bytes), PostError> {
    let request = http::Request::post(uri.clone())
        .header(http::header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .header("client-id", client_id)
        .header("request-time", request_time)
        .header("signature", signature)
        .body(Full::new(body))
        .map_err(|e| PostError::Http(e.to_string()))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| PostError::Http(error_chain(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| PostError::Http(error_chain(&e)))?
            .to_bytes();
        Ok((status, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(PostError::Timeout),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// The notifier's settings (from the builder).
#[derive(Debug)]
pub(crate) struct NotifierConfig {
    pub(crate) client_id: String,
    pub(crate) key: Arc<PrivateKey>,
    pub(crate) key_version: KeyVersion,
    pub(crate) wrong_key: Arc<PrivateKey>,
    pub(crate) time_scale: f64,
    pub(crate) notify_delay: Duration,
    pub(crate) timeout: Duration,
    pub(crate) ack_policy: AckPolicy,
    pub(crate) allow_external: bool,
    pub(crate) fresh_request_time: bool,
    pub(crate) clock: Arc<Clock>,
}

/// One notification to deliver, with its copies and stale follow-up.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) kind: NotificationKind,
    pub(crate) notify_type: String,
    pub(crate) payment_request_id: String,
    pub(crate) payment_id: String,
    pub(crate) refund_request_id: Option<String>,
    pub(crate) url: String,
    pub(crate) body: Vec<u8>,
    pub(crate) stale_body: Option<Vec<u8>>,
    pub(crate) faults: NotificationFaults,
}

impl Job {
    pub(crate) fn payment(payment: &Payment, url: String, faults: NotificationFaults) -> Job {
        let body = serde_json::to_vec(&payment_notification(payment)).expect("a notification serializes");
        let stale_body = faults
            .stale_after_final
            .then(|| serde_json::to_vec(&pending_notification(payment)).expect("a notification serializes"));
        Job {
            kind: NotificationKind::Payment,
            notify_type: NotifyType::PaymentResult.as_str().to_owned(),
            payment_request_id: payment.payment_request_id.clone(),
            payment_id: payment.payment_id.clone(),
            refund_request_id: None,
            url,
            body,
            stale_body,
            faults,
        }
    }

    pub(crate) fn refund(refund: &Refund, url: String, faults: NotificationFaults) -> Job {
        Job {
            kind: NotificationKind::Refund,
            notify_type: NotifyType::RefundResult.as_str().to_owned(),
            payment_request_id: refund.payment_request_id.clone(),
            payment_id: refund.payment_id.clone(),
            refund_request_id: Some(refund.refund_request_id.clone()),
            url,
            body: serde_json::to_vec(&refund_notification(refund)).expect("a notification serializes"),
            stale_body: None,
            faults: NotificationFaults {
                stale_after_final: false,
                ..faults
            },
        }
    }
}

/// Delivers notifications in background tasks.
#[derive(Clone)]
pub(crate) struct Notifier {
    config: Arc<NotifierConfig>,
    client: HttpClient,
    log: MockLog,
    shutdown: watch::Receiver<bool>,
}

/// Counts a delivery as pending for as long as it lives, even if aborted.
struct PendingGuard(MockLog);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.0.delivery_finished();
    }
}

impl Notifier {
    pub(crate) fn new(config: NotifierConfig, log: MockLog, shutdown: watch::Receiver<bool>) -> Notifier {
        Notifier {
            config: Arc::new(config),
            client: http_client(),
            log,
            shutdown,
        }
    }

    /// Starts delivering `job` in a background task.
    pub(crate) fn dispatch(&self, job: Job, runtime: &tokio::runtime::Handle) {
        self.log.delivery_started();
        let guard = PendingGuard(self.log.clone());
        let awake = self.config.clock.task();
        let notifier = self.clone();
        runtime.spawn(async move {
            let _guard = guard;
            let mut shutdown = notifier.shutdown.clone();
            let delay = notifier.config.notify_delay;
            let clock = &notifier.config.clock;
            if !delay.is_zero() && !sleep_or_shutdown(&mut shutdown, clock, &awake, clock.now() + delay).await {
                return;
            }
            for copy in 1..=job.faults.copies.max(1) {
                if !notifier.deliver(&job, &job.body, copy, false, &awake).await {
                    return;
                }
            }
            if let Some(stale) = &job.stale_body {
                notifier.deliver(&job, stale, 1, true, &awake).await;
            }
        });
    }

    /// Runs one copy's attempts until acknowledged or the maximum; false on shutdown.
    async fn deliver(&self, job: &Job, body: &[u8], copy: u32, stale: bool, awake: &Awake) -> bool {
        let config = &self.config;
        let mut shutdown = self.shutdown.clone();
        let notify_type = if stale {
            NotifyType::PaymentPending.as_str().to_owned()
        } else {
            job.notify_type.clone()
        };
        let key = if job.faults.wrong_key {
            &config.wrong_key
        } else {
            &config.key
        };
        let target = Target::parse(&job.url).and_then(|t| {
            if t.loopback || config.allow_external {
                Ok(t)
            } else {
                Err(format!(
                    "{:?} is not a loopback address: the mock only notifies 127.0.0.1 / localhost unless allow_external_notify_urls is set",
                    job.url
                ))
            }
        });
        let body_bytes = Bytes::copy_from_slice(body);
        let start = Instant::now();
        let antom_start = config.clock.now();
        let mut first: Option<(String, String)> = None;
        let offsets = scheduled_offsets();
        for attempt in 1..=MAX_ATTEMPTS {
            let index = (attempt - 1) as usize;
            let scheduled_offset = offsets[index];
            let scaled_offset = scale_down(scheduled_offset, config.time_scale);
            if attempt > 1
                && !sleep_or_shutdown(&mut shutdown, &config.clock, awake, antom_start + scheduled_offset).await
            {
                return false;
            }
            if *shutdown.borrow() {
                return false;
            }
            let (request_time, signature) = match (&first, config.fresh_request_time) {
                (Some(kept), false) => kept.clone(),
                _ => {
                    let time = iso8601(SystemTime::now());
                    let path = target.as_ref().map(|t| t.path.as_str()).unwrap_or("/");
                    let signature = sign(key, config.key_version, path, &config.client_id, &time, body)
                        .unwrap_or_else(|e| format!("(signing failed: {e})"));
                    (time, signature)
                }
            };
            first.get_or_insert_with(|| (request_time.clone(), signature.clone()));
            let elapsed = start.elapsed();
            let sent_at = SystemTime::now();
            let outcome = match &target {
                Ok(target) => {
                    post(
                        &self.client,
                        &target.uri,
                        &config.client_id,
                        &request_time,
                        &signature,
                        body_bytes.clone(),
                        config.timeout,
                    )
                    .await
                }
                Err(e) => Err(PostError::Http(e.clone())),
            };
            let (status, response_body, error) = match outcome {
                Ok((status, body)) => (Some(status), Some(body), None),
                Err(PostError::Timeout) => (None, None, Some(format!("no answer within {:?}", config.timeout))),
                Err(PostError::Http(e)) => (None, None, Some(e)),
            };
            let acknowledged = match (status, &response_body) {
                (Some(status), Some(body)) => config.ack_policy.is_ack(status, body),
                _ => false,
            };
            self.log.push_notification(NotificationRecord {
                seq: 0,
                kind: job.kind,
                notify_type: notify_type.clone(),
                payment_request_id: job.payment_request_id.clone(),
                payment_id: job.payment_id.clone(),
                refund_request_id: job.refund_request_id.clone(),
                url: job.url.clone(),
                copy,
                stale,
                attempt,
                interval: RETRY_SCHEDULE[index],
                scheduled_offset,
                scaled_offset,
                elapsed,
                sent_at,
                request_time,
                signature,
                signed_with_wrong_key: job.faults.wrong_key,
                body: String::from_utf8_lossy(body).into_owned(),
                status,
                response_body: response_body.map(|b| String::from_utf8_lossy(&b).into_owned()),
                error,
                acknowledged,
                last: acknowledged || attempt == MAX_ATTEMPTS,
            });
            if acknowledged {
                return true;
            }
        }
        true
    }
}

/// Sleeps until Antom's clock reads `deadline`; false if the mock shut down first.
pub(crate) async fn sleep_or_shutdown(
    shutdown: &mut watch::Receiver<bool>,
    clock: &Clock,
    awake: &Awake,
    deadline: Duration,
) -> bool {
    if *shutdown.borrow() {
        return false;
    }
    let slept = tokio::select! {
        _ = clock.sleep_until(awake, deadline) => true,
        _ = shutdown.wait_for(|down| *down) => false,
    };
    slept && !*shutdown.borrow()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_offsets_add_up_to_about_a_day() {
        let offsets = scheduled_offsets();
        assert_eq!(offsets[0], Duration::ZERO);
        assert_eq!(offsets[1], Duration::from_secs(120));
        assert_eq!(offsets[2], Duration::from_secs(720));
        assert_eq!(offsets[3], Duration::from_secs(1320));
        assert_eq!(offsets[7], Duration::from_secs(1462 * 60));
        assert_eq!(MAX_ATTEMPTS, 8);
    }

    #[test]
    fn ack_policies() {
        let exact = NOTIFICATION_ACK_SUCCESS.as_bytes();
        let spaced = br#"{ "result": { "resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "ok" } }"#;
        assert!(AckPolicy::Parsed.is_ack(200, exact));
        assert!(AckPolicy::Parsed.is_ack(200, spaced));
        assert!(AckPolicy::Exact.is_ack(200, exact));
        assert!(!AckPolicy::Exact.is_ack(200, spaced));
        assert!(!AckPolicy::Parsed.is_ack(500, exact));
        assert!(!AckPolicy::Parsed.is_ack(200, b"SUCCESS"));
        assert!(!AckPolicy::Parsed.is_ack(
            200,
            br#"{"result":{"resultCode":"SUCCESS","resultStatus":"F","resultMessage":"success"}}"#
        ));
    }

    #[test]
    fn targets() {
        let t = Target::parse("http://127.0.0.1:8080/antom/notify?shop=1").unwrap();
        assert_eq!(t.path, "/antom/notify?shop=1");
        assert!(t.loopback);
        assert!(Target::parse("http://localhost/n").unwrap().loopback);
        assert!(Target::parse("http://[::1]:9/n").unwrap().loopback);
        assert!(!Target::parse("http://example.com/n").unwrap().loopback);
        assert!(Target::parse("https://127.0.0.1/n").is_err());
        assert!(Target::parse("/relative").is_err());
    }
}
