//! Contract helpers: test your notify endpoint, any Tower service, against
//! signed Antom notifications.
//!
//! The endpoint is whatever serves your `paymentNotifyUrl`: an axum `Router`,
//! antom-tower's [`VerifyNotificationLayer`](antom_tower::VerifyNotificationLayer)
//! around your handler, or your own service taking `Request<Full<Bytes>>`.
//!
//! * [`assert_acknowledges`]: HTTP 200 with Antom's acknowledgement (the JSON of
//!   [`NOTIFICATION_ACK_SUCCESS`], compared parsed, so spacing and key order are free).
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

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_tower::signing::{KeyVersion, PrivateKey};
use antom_types::NOTIFICATION_ACK_SUCCESS;
use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tower::{BoxError, Service, ServiceExt};

use crate::fixtures::{self, shared_keys, Fixture};

/// How much of an answer's body panic messages and reports quote.
const QUOTE_LIMIT: usize = 300;

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

/// An endpoint's answer, body collected.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Answer {
    /// Whether this acknowledges a notification as Antom reads it: HTTP 200 and
    /// a body whose JSON equals [`NOTIFICATION_ACK_SUCCESS`].
    pub fn is_acknowledgement(&self) -> bool {
        is_acknowledgement(self.status, &self.body)
    }

    /// The body as text, cut after a few hundred characters.
    pub fn body_text(&self) -> Cow<'_, str> {
        quote(&self.body)
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with body {}", self.status, self.body_text())
    }
}

fn quote(body: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= QUOTE_LIMIT {
        return text;
    }
    let cut: String = text.chars().take(QUOTE_LIMIT).collect();
    Cow::Owned(format!("{cut}... ({} bytes)", body.len()))
}

/// Whether `status` and `body` acknowledge a notification: HTTP 200 and a JSON
/// body equal to [`NOTIFICATION_ACK_SUCCESS`] once parsed (so spacing and key
/// order do not matter, but every field and value does).
///
/// ```
/// use antom_testkit::contract::is_acknowledgement;
/// use http::StatusCode;
///
/// let spaced = br#"{ "result": { "resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success" } }"#;
/// assert!(is_acknowledgement(StatusCode::OK, spaced));
/// assert!(!is_acknowledgement(StatusCode::CREATED, spaced));
/// assert!(!is_acknowledgement(StatusCode::OK, b"OK"));
/// ```
pub fn is_acknowledgement(status: StatusCode, body: &[u8]) -> bool {
    if status != StatusCode::OK {
        return false;
    }
    let expected: Value = serde_json::from_str(NOTIFICATION_ACK_SUCCESS).expect("the acknowledgement is JSON");
    serde_json::from_slice::<Value>(body).is_ok_and(|found| found == expected)
}

/// Sends `fixture` (as [`Fixture::to_request`] builds it) to `service` and
/// collects the answer. `Err` when the service or the body stream fails.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tower::BoxError> {
/// use antom_testkit::{contract, fixtures};
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use tower::service_fn;
///
/// let echo = service_fn(|request: Request<Full<Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(Response::new(request.into_body()))
/// });
/// let fixture = fixtures::notify_refund_success();
/// let answer = contract::send(echo, &fixture).await?;
/// assert_eq!(answer.body, *fixture.body());
/// # Ok(()) }
/// ```
pub async fn send<S, B>(service: S, fixture: &Fixture) -> Result<Answer, BoxError>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    send_request(service, fixture.to_request()).await
}

async fn send_request<S, B>(service: S, request: Request<Full<Bytes>>) -> Result<Answer, BoxError>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    let response = service.oneshot(request).await.map_err(Into::into)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(Into::into)?.to_bytes();
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// What a failed assertion tells about a fixture.
fn describe(fixture: &Fixture) -> String {
    format!(
        "fixture `{}` ({} {}, client-id {:?}, {} {:?}, signed with {})",
        fixture.name(),
        fixture.method(),
        fixture.path(),
        fixture.header("client-id").unwrap_or("<none>"),
        fixture.kind().time_header(),
        fixture.header(fixture.kind().time_header()).unwrap_or("<none>"),
        fixture.key_label(),
    )
}

/// Likely causes of a refusal, from the rejection codes antom-tower's layer sends.
fn hints(fixture: &Fixture, answer: &Answer) -> String {
    let body = String::from_utf8_lossy(&answer.body);
    let mut hints = Vec::new();
    if body.contains("request_time_too_old") || body.contains("request_time_in_future") {
        hints.push(format!(
            "the fixture's request-time {:?} is fixed: re-sign it at the current time with `.fresh()`, \
             or give the endpoint a clock at `fixtures::fixture_clock()`",
            fixture.time()
        ));
    }
    if body.contains("client_id_mismatch") {
        hints.push(
            "the endpoint expects another client id: address the fixture with `.resigned_for(path, client_id)`"
                .to_owned(),
        );
    }
    if body.contains("signature_mismatch") || body.contains("unknown_key_version") {
        hints.push(
            "the signature covers the path and client id: address the fixture to your route with \
             `.resigned_for(path, client_id)`, and configure the endpoint with the testkit's Antom public keys \
             (`keys::antom_public_key_ring()`)"
                .to_owned(),
        );
    }
    if answer.status == StatusCode::NOT_FOUND || answer.status == StatusCode::METHOD_NOT_ALLOWED {
        hints.push(format!(
            "no POST route at {:?}: address the fixture with `.resigned_for(path, client_id)`",
            fixture.path()
        ));
    }
    if answer.status == StatusCode::OK && !answer.is_acknowledgement() {
        hints.push(format!(
            "HTTP 200 alone is not enough: Antom resends unless the body is {NOTIFICATION_ACK_SUCCESS}"
        ));
    }
    hints.iter().map(|hint| format!("\n  hint: {hint}")).collect()
}

/// Sends `fixture` to `service` and asserts that it is acknowledged: HTTP 200
/// and a body whose JSON equals [`NOTIFICATION_ACK_SUCCESS`]. Returns the answer.
///
/// # Panics
///
/// If the service fails or answers anything else, with the fixture, the
/// answer and likely causes in the message.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use antom_testkit::{contract, fixtures, keys};
/// use antom_tower::VerifyNotificationLayer;
/// use antom_types::NOTIFICATION_ACK_SUCCESS;
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use tower::{service_fn, BoxError, Layer};
///
/// let endpoint = VerifyNotificationLayer::new(fixtures::CLIENT_ID, keys::antom_public_key_ring())
///     .layer(service_fn(|_: Request<Full<Bytes>>| async {
///         Ok::<_, BoxError>(Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes()))))
///     }));
/// let answer = contract::assert_acknowledges(endpoint, &fixtures::notify_payment_success().fresh()).await;
/// assert_eq!(answer.status, 200);
/// # }
/// ```
pub async fn assert_acknowledges<S, B>(service: S, fixture: &Fixture) -> Answer
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    match send(service, fixture).await {
        Ok(answer) if answer.is_acknowledgement() => answer,
        Ok(answer) => panic!(
            "expected the notify endpoint to acknowledge {}\n  expected: 200 OK with body {NOTIFICATION_ACK_SUCCESS}\n  got: {answer}{}",
            describe(fixture),
            hints(fixture, &answer)
        ),
        Err(error) => panic!(
            "expected the notify endpoint to acknowledge {}\n  got: the service failed: {error}",
            describe(fixture)
        ),
    }
}

/// Sends `fixture` to `service` and asserts that it is refused with
/// `expected_status` and not acknowledged. Returns the answer.
///
/// # Panics
///
/// If the service fails, answers another status, or acknowledges.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use antom_testkit::{contract, fixtures, keys};
/// use antom_tower::VerifyNotificationLayer;
/// use antom_types::NOTIFICATION_ACK_SUCCESS;
/// use bytes::Bytes;
/// use http::{Request, Response, StatusCode};
/// use http_body_util::Full;
/// use tower::{service_fn, BoxError, Layer};
///
/// let endpoint = || {
///     VerifyNotificationLayer::new(fixtures::CLIENT_ID, keys::antom_public_key_ring()).layer(service_fn(
///         |_: Request<Full<Bytes>>| async {
///             Ok::<_, BoxError>(Response::new(Full::new(Bytes::from_static(NOTIFICATION_ACK_SUCCESS.as_bytes()))))
///         },
///     ))
/// };
/// let paid = fixtures::notify_payment_success().fresh();
/// let forged = paid.clone().resigned_with(antom_testkit::keys::wrong_private_key(), Default::default());
/// contract::assert_rejects(endpoint(), &forged, StatusCode::UNAUTHORIZED).await;
/// let stale = fixtures::notify_payment_success(); // fixed request-time, long past
/// contract::assert_rejects(endpoint(), &stale, StatusCode::UNAUTHORIZED).await;
/// # }
/// ```
pub async fn assert_rejects<S, B>(service: S, fixture: &Fixture, expected_status: StatusCode) -> Answer
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    match send(service, fixture).await {
        Ok(answer) if answer.is_acknowledgement() => panic!(
            "expected the notify endpoint to reject {} with {expected_status}\n  got: {answer}: it ACKNOWLEDGED \
             the notification",
            describe(fixture)
        ),
        Ok(answer) if answer.status != expected_status => panic!(
            "expected the notify endpoint to reject {} with {expected_status}\n  got: {answer}",
            describe(fixture)
        ),
        Ok(answer) => answer,
        Err(error) => panic!(
            "expected the notify endpoint to reject {} with {expected_status}\n  got: the service failed: {error}",
            describe(fixture)
        ),
    }
}

/// Sends `fixture` to `service` and asserts that it is *not* acknowledged:
/// any status or body but the acknowledgement, or a failed service (which Antom
/// sees as no answer). Returns the answer, `None` when the service failed.
///
/// # Panics
///
/// If the endpoint acknowledges.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use antom_testkit::{contract, fixtures};
/// use bytes::Bytes;
/// use http::{Request, Response, StatusCode};
/// use http_body_util::Full;
/// use tower::service_fn;
///
/// // An endpoint that answers 200 with an empty body: Antom would resend.
/// let sloppy = service_fn(|_: Request<Full<Bytes>>| async {
///     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::new())))
/// });
/// let answer = contract::assert_not_acknowledged(sloppy, &fixtures::notify_payment_success()).await;
/// assert_eq!(answer.map(|a| a.status), Some(StatusCode::OK));
/// # }
/// ```
pub async fn assert_not_acknowledged<S, B>(service: S, fixture: &Fixture) -> Option<Answer>
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    match send(service, fixture).await {
        Ok(answer) if answer.is_acknowledgement() => panic!(
            "expected the notify endpoint NOT to acknowledge {}\n  got: {answer}",
            describe(fixture)
        ),
        Ok(answer) => Some(answer),
        Err(_) => None,
    }
}

/// What a case expects of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// HTTP 200 with the acknowledgement.
    Acknowledged,
    /// Anything else (a 4xx is best).
    NotAcknowledged,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expectation::Acknowledged => "acknowledged",
            Expectation::NotAcknowledged => "not acknowledged",
        })
    }
}

/// One case of [`NotifyEndpointCheck`] and how the endpoint fared.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The case's name, e.g. `tampered_body`.
    pub name: &'static str,
    /// What the case sends.
    pub description: String,
    /// What the endpoint should do.
    pub expected: Expectation,
    /// The answer's status; `None` when the service failed.
    pub status: Option<StatusCode>,
    /// Whether the endpoint acknowledged.
    pub acknowledged: bool,
    /// The answer (status and quoted body) or the service's error.
    pub answer: String,
    /// Whether the endpoint did what it should.
    pub passed: bool,
    /// What a failure of this case means, and what to fix.
    pub failure_meaning: String,
}

/// The outcome of [`NotifyEndpointCheck::run`]: every case, in the order sent.
#[derive(Debug, Clone)]
pub struct NotifyEndpointReport {
    /// The notify path the notifications were signed for and sent to.
    pub path: String,
    /// The client id they were signed for.
    pub client_id: String,
    /// Every case.
    pub cases: Vec<CaseReport>,
}

impl NotifyEndpointReport {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|case| case.passed)
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(|case| !case.passed)
    }

    /// The case named `name`.
    pub fn case(&self, name: &str) -> Option<&CaseReport> {
        self.cases.iter().find(|case| case.name == name)
    }
}

impl fmt::Display for NotifyEndpointReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let passed = self.cases.iter().filter(|case| case.passed).count();
        writeln!(
            f,
            "notify endpoint contract (POST {}, client id {}): {passed} of {} cases passed",
            self.path,
            self.client_id,
            self.cases.len()
        )?;
        for case in &self.cases {
            writeln!(
                f,
                "  {:<4} {:<22} expected {:<16}  got {}",
                if case.passed { "ok" } else { "FAIL" },
                case.name,
                case.expected.to_string(),
                case.answer
            )?;
            if !case.passed {
                writeln!(f, "       {}: {}", case.description, case.failure_meaning)?;
            }
        }
        Ok(())
    }
}

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

    #[test]
    fn acknowledgement_is_compared_as_json() {
        assert!(is_acknowledgement(StatusCode::OK, NOTIFICATION_ACK_SUCCESS.as_bytes()));
        assert!(!is_acknowledgement(
            StatusCode::OK,
            br#"{"result":{"resultCode":"SUCCESS","resultStatus":"F","resultMessage":"success"}}"#
        ));
        assert!(!is_acknowledgement(StatusCode::OK, b""));
    }
}
