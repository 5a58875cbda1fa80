//! The standard battery: every case a notify endpoint must acknowledge or refuse, and its report.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_tower::signing::{KeyVersion, PrivateKey};
use antom_types::NOTIFICATION_ACK_SUCCESS;
use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use serde_json::Value;
use tower::{BoxError, Service};

use super::answer::send_request;
use super::report::{CaseReport, Expectation, NotifyEndpointReport};
use crate::fixtures::{self, shared_keys, Fixture};

/// Default body size of the `oversized_body` case: 1 MiB, far above any real
/// notification (a few KiB) and above antom-tower's 64 KiB default limit.
pub const DEFAULT_OVERSIZED_BYTES: usize = 1024 * 1024;

/// Default age of the `stale_request_time` case: 72 hours, beyond Antom's
/// 24 hours of resends and antom-tower's 25-hour default window.
pub const DEFAULT_STALE_AGE: Duration = Duration::from_secs(72 * 60 * 60);

/// Age of the `day_old_resend` case: Antom resends for up to 24 hours, perhaps
/// with the first attempt's `request-time`.
pub const RESEND_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The path the `wrong_path` case's signature covers.
pub const WRONG_PATH: &str = "/another/merchant/notify";

/// The client id the `wrong_client_id` case is signed for.
pub const OTHER_CLIENT_ID: &str = "SANDBOX_ANOTHER_MERCHANT_0001";

/// The standard battery against a merchant's notify endpoint, configurable.
/// [`check_notify_endpoint`] runs it with the defaults.
///
/// Every notification is signed at the current time for `path` and
/// `client_id`, from a base notification (default
/// [`fixtures::notify_payment_success`]: `paymentRequestId01`, 42.00 MYR; pass
/// your own with [`notification`](Self::notification) if your endpoint only
/// acknowledges orders it knows). In order:
///
/// | case | sends | expected |
/// | --- | --- | --- |
/// | `valid` | the notification, correctly signed | acknowledged |
/// | `duplicate` | the same bytes again | acknowledged |
/// | `day_old_resend` | the same, `request-time` 24 hours old | acknowledged |
/// | `tampered_body` | the amount changed after signing | not acknowledged |
/// | `wrong_key` | signed with a key Antom never used | not acknowledged |
/// | `wrong_path` | signed for another URL's path ([`WRONG_PATH`]) | not acknowledged |
/// | `wrong_client_id` | signed for another client id ([`OTHER_CLIENT_ID`]) | not acknowledged |
/// | `stale_request_time` | signed with a `request-time` 72 hours old | not acknowledged |
/// | `altered_request_time` | `request-time` changed after signing | not acknowledged |
/// | `missing_signature`, `missing_request_time`, `missing_client_id` | without that header | not acknowledged |
/// | `oversized_body` | a correctly signed 1 MiB body | not acknowledged |
///
/// `make_service` is called once per request, as a server makes a service per
/// connection: share state (your order store) through what it captures.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// use antom_testkit::contract::NotifyEndpointCheck;
/// use antom_testkit::fixtures::NotificationBuilder;
/// use antom_testkit::keys;
/// use antom_tower::VerifyNotificationLayer;
/// use antom_types::{Amount, NOTIFICATION_ACK_SUCCESS};
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use tower::{service_fn, BoxError, Layer};
///
/// let endpoint = || {
///     VerifyNotificationLayer::new("SANDBOX_MY_CLIENT_ID", keys::antom_public_key_ring())
///         .max_body_bytes(16 * 1024)
///         .layer(service_fn(|_: Request<Full<Bytes>>| async {
///             Ok::<_, BoxError>(Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes()))))
///         }))
/// };
/// let my_order = NotificationBuilder::payment("order-42", Amount::from_minor_units(1999, "SGD")?).build();
/// let report = NotifyEndpointCheck::new("/antom/notify", "SANDBOX_MY_CLIENT_ID")
///     .notification(my_order)
///     .oversized_bytes(64 * 1024)
///     .stale_age(Duration::from_secs(48 * 3600))
///     .check(endpoint)
///     .await;
/// assert_eq!(report.cases.len(), 13);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NotifyEndpointCheck {
    path: String,
    client_id: String,
    notification: Option<Fixture>,
    key: Option<(Arc<PrivateKey>, KeyVersion)>,
    stale_age: Duration,
    day_old_resend: bool,
    oversized_bytes: usize,
}

impl NotifyEndpointCheck {
    /// The battery for the endpoint at `path` (exactly as it receives requests,
    /// with any query string) for the merchant `client_id`.
    pub fn new(path: impl Into<String>, client_id: impl Into<String>) -> NotifyEndpointCheck {
        NotifyEndpointCheck {
            path: path.into(),
            client_id: client_id.into(),
            notification: None,
            key: None,
            stale_age: DEFAULT_STALE_AGE,
            day_old_resend: true,
            oversized_bytes: DEFAULT_OVERSIZED_BYTES,
        }
    }

    /// The notification the cases are made from (its body and key; it is
    /// re-signed for the path, the client id and the current time).
    pub fn notification(mut self, notification: Fixture) -> Self {
        self.notification = Some(notification);
        self
    }

    /// Signs the valid notifications with `key` as keyVersion `version`
    /// instead of the notification's own key (the testkit's Antom key by default).
    pub fn key(mut self, key: PrivateKey, version: KeyVersion) -> Self {
        self.key = Some((Arc::new(key), version));
        self
    }

    /// The age of `request-time` in the `stale_request_time` case (default
    /// [`DEFAULT_STALE_AGE`]): more than your endpoint's replay window.
    pub fn stale_age(mut self, age: Duration) -> Self {
        self.stale_age = age;
        self
    }

    /// Whether to run the `day_old_resend` case (default on). Turn it off only
    /// for an endpoint that knowingly refuses Antom's late resends.
    pub fn day_old_resend(mut self, on: bool) -> Self {
        self.day_old_resend = on;
        self
    }

    /// The body size of the `oversized_body` case (default [`DEFAULT_OVERSIZED_BYTES`]):
    /// more than your endpoint's limit.
    pub fn oversized_bytes(mut self, bytes: usize) -> Self {
        self.oversized_bytes = bytes;
        self
    }

    fn base(&self, now: SystemTime) -> Fixture {
        let mut base = self
            .notification
            .clone()
            .unwrap_or_else(fixtures::notify_payment_success);
        if let Some((key, version)) = &self.key {
            base = base.resigned_with_shared(Arc::clone(key), *version, "custom");
        }
        base.resigned_for(self.path.clone(), self.client_id.clone()).at(now)
    }

    fn cases(&self) -> Vec<Case> {
        let now = SystemTime::now();
        let base = self.base(now);
        let version = base.key_version().unwrap_or_default();
        let mut cases = vec![
            Case::new(
                "valid",
                "a correctly signed notification",
                Expectation::Acknowledged,
                base.clone(),
                format!(
                    "a correctly signed notification was not acknowledged, so Antom would resend it for 24 hours. \
                     Is the endpoint routed at POST {}, configured for client id {} and the testkit's Antom public \
                     keys (keys::antom_public_key_ring()), and does it answer HTTP 200 with {NOTIFICATION_ACK_SUCCESS}? \
                     If it only acknowledges orders it knows, pass one with NotifyEndpointCheck::notification",
                    self.path, self.client_id
                ),
            ),
            Case::new(
                "duplicate",
                "the same notification again",
                Expectation::Acknowledged,
                base.clone(),
                "a repeated notification was not acknowledged: Antom resends until it is, and sends no delivery id; \
                 deduplicate on notifyType + paymentId (refunds: refundId) and acknowledge again",
            ),
        ];
        if self.day_old_resend {
            cases.push(Case::new(
                "day_old_resend",
                "the same notification with a request-time 24 hours old",
                Expectation::Acknowledged,
                base.clone().at(now - RESEND_AGE),
                "a resend whose request-time is 24 hours old was not acknowledged: Antom resends for up to 24 hours, \
                 perhaps with the first request-time, so a shorter replay window loses payments (antom-tower's \
                 default is 25 hours)",
            ));
        }
        let wrong_path_signature = base.clone().with_path(WRONG_PATH);
        let altered_time = base.clone().at(now - Duration::from_secs(1));
        cases.extend([
            Case::new(
                "tampered_body",
                "the body changed after signing",
                Expectation::NotAcknowledged,
                base.clone().with_tampered_body(tamper(base.body())),
                "a body altered after signing was acknowledged: the endpoint does not verify the signature over the \
                 raw body bytes",
            ),
            Case::new(
                "wrong_key",
                "signed with a key Antom never used",
                Expectation::NotAcknowledged,
                base.clone()
                    .resigned_with_shared(shared_keys::wrong(), version, shared_keys::WRONG_LABEL),
                "a notification signed with the wrong key was acknowledged: the endpoint does not verify signatures \
                 with Antom's public key",
            ),
            Case::new(
                "wrong_path",
                "signed for another URL's path",
                Expectation::NotAcknowledged,
                base.clone().with_header(
                    "signature",
                    wrong_path_signature.header("signature").unwrap_or_default(),
                ),
                format!(
                    "a notification signed for {WRONG_PATH} was acknowledged at {}: verify the signature over the \
                     path the request arrived on",
                    self.path
                ),
            ),
            Case::new(
                "wrong_client_id",
                "correctly signed for another client id",
                Expectation::NotAcknowledged,
                base.clone().with_client_id(OTHER_CLIENT_ID),
                format!(
                    "a notification for client id {OTHER_CLIENT_ID} was acknowledged: check client-id against your own"
                ),
            ),
            Case::new(
                "stale_request_time",
                "correctly signed with an old request-time",
                Expectation::NotAcknowledged,
                base.clone().at(now - self.stale_age),
                format!(
                    "a notification whose request-time is {} hours old was acknowledged: the endpoint has no replay \
                     window",
                    self.stale_age.as_secs() / 3600
                ),
            ),
            Case::new(
                "altered_request_time",
                "request-time changed after signing",
                Expectation::NotAcknowledged,
                base.clone().with_header("request-time", altered_time.time()),
                "a notification whose request-time was changed after signing was acknowledged: the signature must \
                 be verified over the request-time header",
            ),
            Case::new(
                "missing_signature",
                "no signature header",
                Expectation::NotAcknowledged,
                base.clone().without_header("signature"),
                "a notification without a signature header was acknowledged",
            ),
            Case::new(
                "missing_request_time",
                "no request-time header",
                Expectation::NotAcknowledged,
                base.clone().without_header("request-time"),
                "a notification without a request-time header was acknowledged",
            ),
            Case::new(
                "missing_client_id",
                "no client-id header",
                Expectation::NotAcknowledged,
                base.clone().without_header("client-id"),
                "a notification without a client-id header was acknowledged",
            ),
            Case::new(
                "oversized_body",
                "a correctly signed, oversized body",
                Expectation::NotAcknowledged,
                base.clone().with_body(pad(base.body(), self.oversized_bytes)),
                format!(
                    "a {}-byte notification was acknowledged: limit the body size (antom-tower's default is 64 KiB)",
                    self.oversized_bytes
                ),
            ),
        ]);
        cases
    }

    /// Runs every case against services from `make_service` and reports, without panicking.
    pub async fn run<F, S, B>(&self, mut make_service: F) -> NotifyEndpointReport
    where
        F: FnMut() -> S,
        S: Service<Request<Full<Bytes>>, Response = Response<B>>,
        S::Error: Into<BoxError>,
        B: Body,
        B::Error: Into<BoxError>,
    {
        let mut reports = Vec::new();
        for case in self.cases() {
            let outcome = send_request(make_service(), case.fixture.to_request()).await;
            let (status, acknowledged, answer) = match &outcome {
                Ok(answer) => (Some(answer.status), answer.is_acknowledgement(), answer.to_string()),
                Err(error) => (None, false, format!("the service failed: {error}")),
            };
            let passed = acknowledged == (case.expected == Expectation::Acknowledged);
            reports.push(CaseReport {
                name: case.name,
                description: case.description.to_owned(),
                expected: case.expected,
                status,
                acknowledged,
                answer,
                passed,
                failure_meaning: case.failure_meaning,
            });
        }
        NotifyEndpointReport {
            path: self.path.clone(),
            client_id: self.client_id.clone(),
            cases: reports,
        }
    }

    /// Runs every case and returns the report.
    ///
    /// # Panics
    ///
    /// If any case failed, naming each failed case, what it means, and the full report.
    pub async fn check<F, S, B>(&self, make_service: F) -> NotifyEndpointReport
    where
        F: FnMut() -> S,
        S: Service<Request<Full<Bytes>>, Response = Response<B>>,
        S::Error: Into<BoxError>,
        B: Body,
        B::Error: Into<BoxError>,
    {
        let report = self.run(make_service).await;
        if !report.passed() {
            let failures: Vec<String> = report
                .failures()
                .map(|case| format!("  - {}: {}\n    got {}", case.name, case.failure_meaning, case.answer))
                .collect();
            panic!(
                "notify endpoint contract failed in {} case(s): {}\n{}\n\n{report}",
                failures.len(),
                report.failures().map(|case| case.name).collect::<Vec<_>>().join(", "),
                failures.join("\n")
            );
        }
        report
    }
}

/// Runs the standard battery ([`NotifyEndpointCheck`] with its defaults)
/// against the notify endpoint at `path` for `client_id`, and returns the report.
///
/// # Panics
///
/// If any case failed, naming each one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use antom_testkit::{contract, keys};
/// use antom_tower::VerifyNotificationLayer;
/// use antom_types::NOTIFICATION_ACK_SUCCESS;
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use tower::{service_fn, BoxError, Layer};
///
/// let endpoint = || {
///     VerifyNotificationLayer::new("SANDBOX_MY_CLIENT_ID", keys::antom_public_key_ring()).layer(service_fn(
///         |_: Request<Full<Bytes>>| async {
///             Ok::<_, BoxError>(Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes()))))
///         },
///     ))
/// };
/// let report = contract::check_notify_endpoint(endpoint, "/antom/notify", "SANDBOX_MY_CLIENT_ID").await;
/// assert!(report.passed(), "{report}");
/// # }
/// ```
pub async fn check_notify_endpoint<F, S, B>(make_service: F, path: &str, client_id: &str) -> NotifyEndpointReport
where
    F: FnMut() -> S,
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    NotifyEndpointCheck::new(path, client_id).check(make_service).await
}

struct Case {
    name: &'static str,
    description: &'static str,
    expected: Expectation,
    fixture: Fixture,
    failure_meaning: String,
}

impl Case {
    fn new(
        name: &'static str,
        description: &'static str,
        expected: Expectation,
        fixture: Fixture,
        failure_meaning: impl Into<String>,
    ) -> Case {
        Case {
            name,
            description,
            expected,
            fixture: fixture.named(format!("contract.{name}")),
            failure_meaning: failure_meaning.into(),
        }
    }
}

/// The body with its amount changed (or, failing that, a field added), still valid JSON.
fn tamper(body: &[u8]) -> Vec<u8> {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(body) else {
        let mut altered = body.to_vec();
        altered.push(b' ');
        return altered;
    };
    let amount = ["paymentAmount", "refundAmount"]
        .into_iter()
        .find(|field| object.get(*field).and_then(|amount| amount.get("value")).is_some());
    match amount {
        Some(field) => object[field]["value"] = Value::String("1".to_owned()),
        None => {
            object.insert("tampered".to_owned(), Value::Bool(true));
        }
    }
    serde_json::to_vec(&object).expect("JSON serializes")
}

/// The body grown to at least `size` bytes with a padding field (or trailing spaces).
fn pad(body: &[u8], size: usize) -> Vec<u8> {
    let missing = size.saturating_sub(body.len()).max(1);
    if let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(body) {
        object.insert("padding".to_owned(), Value::String("x".repeat(missing)));
        return serde_json::to_vec(&object).expect("JSON serializes");
    }
    let mut padded = body.to_vec();
    padded.resize(body.len() + missing, b' ');
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tamper_changes_the_amount_and_keeps_json() {
        let body = fixtures::notify_payment_success().body().clone();
        let tampered = tamper(&body);
        assert_ne!(tampered, body.to_vec());
        let value: Value = serde_json::from_slice(&tampered).unwrap();
        assert_eq!(value["paymentAmount"]["value"], "1");
    }

    #[test]
    fn pad_reaches_the_size() {
        let padded = pad(br#"{"a":1}"#, 1000);
        assert!(padded.len() >= 1000);
        assert!(serde_json::from_slice::<Value>(&padded).is_ok());
    }
}
