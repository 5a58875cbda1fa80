//! The mock under remote control: an HTTP API that plays the buyer, refunds
//! (and ends asynchronous refunds), opens disputes, sends capture results
//! and moves Antom's clock, for tests in any language and for
//! `antom mock-control`.
//!
//! | route | body (JSON, optional) | does |
//! | --- | --- | --- |
//! | `POST /mock/payments/{paymentRequestId}/pay` | | the buyer pays ([`MockAntom::pay`]) |
//! | `POST /mock/payments/{paymentRequestId}/fail` | `{"resultCode": "USER_BALANCE_NOT_ENOUGH"}` | the payment fails ([`MockAntom::fail`]) |
//! | `POST /mock/payments/{paymentRequestId}/cancel` | | the buyer cancels ([`MockAntom::cancel`]) |
//! | `POST /mock/payments/{paymentRequestId}/expire` | | the session expires unpaid ([`MockAntom::expire`]) |
//! | `POST /mock/payments/{paymentRequestId}/refund` | `{"amount": 100, "refundRequestId": "..", "refundNotifyUrl": ".."}` | refunds (default: what is left), notifies `refundNotifyUrl` (default: the payment's notify URL) |
//! | `POST /mock/payments/{paymentRequestId}/dispute` | `{"type": "DISPUTE_CREATED", "amount": 100, "reasonCode": "4853", "disputeId": "..", "judgedResult": "ACCEPT_BY_CUSTOMER"}` | sends a notifyDispute ([`NotifyDispute`](antom_types::NotifyDispute)) to the payment's notify URL; answers the body |
//! | `POST /mock/payments/{paymentRequestId}/capture` | `{"amount": 100, "captureRequestId": "..", "resultCode": "SUCCESS", "notifyUrl": ".."}` | sends a notifyCapture `CAPTURE_RESULT` ([`NotifyCapture`]) about a paid payment (`resultCode` other than `SUCCESS`: a failed capture); answers the body |
//! | `POST /mock/refunds/{refundRequestId}/succeed` | | a refund still `PROCESSING` succeeds now and is notified ([`MockAntom::complete_refund`]) |
//! | `POST /mock/refunds/{refundRequestId}/fail` | | a refund still `PROCESSING` fails now and is notified |
//! | `POST /mock/async-refunds` | a duration (`30s`, `2m`...) or `off` | refunds from now on are asynchronous with that delay, or synchronous ([`MockAntom::set_async_refunds`]) |
//! | `GET /mock/async-refunds` | | `{"asyncRefunds": true, "delaySeconds": 30}` |
//! | `POST /mock/clock/advance` | a duration: `90s`, `2m`, `1h22m`, `1d`, `500ms`, or seconds | moves Antom's clock (see below) |
//! | `GET /mock/clock` | | Antom's clock: `{"elapsedSeconds": .., "skippedSeconds": ..}` |
//!
//! Payment routes answer the payment as JSON (200; dispute and capture: the
//! notification body), 404 for an unknown payment, 409 when it is already
//! final (or not refundable, or not paid for a capture), 400 for a bad body.
//! Refund routes answer the refund likewise, 404 for an unknown refund, 409
//! when it is already final. Each answers only after the notification it caused was attempted
//! once, so the next step of a test can look at the merchant's state.
//!
//! # The clock
//!
//! `POST /mock/clock/advance` adds the duration to Antom's clock: every
//! notification retry that became due is attempted, every `succeed` / `fail`
//! rule with `after` and every auto-expiry that became due is applied, and
//! every payment still `PROCESSING` whose `paymentSessionExpiryTime` has
//! passed on the moved clock expires (`ORDER_IS_CLOSED`, notified). It answers
//! when all of that happened: `{"elapsedSeconds", "skippedSeconds", "expired":
//! [paymentRequestId...], "settled": true}`. Timestamps in bodies and headers
//! stay on the real clock, so a merchant's replay window is not disturbed.
//!
//! ```text
//! curl -X POST http://127.0.0.1:PORT/mock/payments/pay_1/fail -d '{"resultCode":"USER_BALANCE_NOT_ENOUGH"}'
//! curl -X POST http://127.0.0.1:PORT/mock/clock/advance -d 2m
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_types::{NotifyCapture, PaymentStatus};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::state::{BuyerAction, MockError, Payment, Refund, RefundOutcome};
use super::{MockAntom, Shared};

mod events;

/// How long a control call waits for what it caused (real time).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The `disputeNotificationType` values of notifyDispute.
pub const DISPUTE_NOTIFICATION_TYPES: &[&str] = &[
    "DISPUTE_CREATED",
    "DISPUTE_JUDGED",
    "DISPUTE_CANCELLED",
    "DEFENSE_SUPPLIED",
    "DEFENSE_DUE_ALERT",
    "DISPUTE_ACCEPTED",
    "RDR_RESOLVED",
];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/mock/payments/{payment_request_id}/{action}", post(act))
        .route("/mock/refunds/{refund_request_id}/{action}", post(act_on_refund))
        .route("/mock/async-refunds", post(set_async_refunds).get(async_refunds))
        .route("/mock/clock/advance", post(advance))
        .route("/mock/clock", get(clock))
}

/// What [`MockAntom::advance_clock`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockAdvance {
    /// Antom's time since the mock started, in seconds.
    pub elapsed_seconds: u64,
    /// Everything skipped so far, in seconds.
    pub skipped_seconds: u64,
    /// Payments whose session expired on the moved clock.
    pub expired: Vec<String>,
    /// Whether everything that became due was done within the wait (30 s).
    pub settled: bool,
}

/// A refund made from outside the API ([`MockAntom::refund_payment`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RefundOrder {
    /// Minor units; default: what is left to refund.
    pub amount: Option<u64>,
    /// Default: `refund_<paymentRequestId>_<n>`.
    pub refund_request_id: Option<String>,
    /// Default: the payment's notify URL.
    pub refund_notify_url: Option<String>,
}

/// A dispute opened from outside ([`MockAntom::dispute`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DisputeOrder {
    /// `disputeNotificationType`; default `DISPUTE_CREATED`.
    #[serde(rename = "type")]
    pub notification_type: Option<String>,
    /// Minor units of `disputeAmount`; default the payment's amount.
    pub amount: Option<u64>,
    /// `disputeReasonCode`; default `4853` (a card scheme's "not as described").
    pub reason_code: Option<String>,
    /// `disputeId`; default derived from the paymentRequestId.
    pub dispute_id: Option<String>,
    /// `disputeJudgedResult` of a `DISPUTE_JUDGED`; default `ACCEPT_BY_MERCHANT`.
    pub judged_result: Option<String>,
}

/// A capture result sent from outside ([`MockAntom::capture`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaptureOrder {
    /// Minor units of `captureAmount`; default the payment's amount.
    pub amount: Option<u64>,
    /// `captureRequestId`; default `capture_<paymentRequestId>`.
    pub capture_request_id: Option<String>,
    /// `result.resultCode`; default `SUCCESS`. Any other code makes a
    /// failed capture (`F`, no `captureTime`).
    pub result_code: Option<String>,
    /// Where to send it; default the payment's notify URL.
    pub notify_url: Option<String>,
}

/// Why a control action did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// No such payment, or it is in the wrong status.
    Payment(MockError),
    /// A refund the refund API refused: its `resultCode` and message.
    Refused(String),
    /// The payment has no notify URL to send to.
    NoNotifyUrl(String),
    /// A malformed argument.
    BadRequest(String),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::Payment(e) => e.fmt(f),
            ControlError::Refused(m) => write!(f, "refused: {m}"),
            ControlError::NoNotifyUrl(id) => write!(f, "payment {id:?} has no notify URL"),
            ControlError::BadRequest(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ControlError {}

impl From<MockError> for ControlError {
    fn from(e: MockError) -> Self {
        ControlError::Payment(e)
    }
}

impl MockAntom {
    /// Moves Antom's clock forward (see the [module docs](self)) and waits
    /// until what became due was done.
    pub async fn advance_clock(&self, by: Duration) -> ClockAdvance {
        advance_clock(&self.shared, by).await
    }

    /// Waits until every notification attempt, rule and expiry that is due
    /// on Antom's clock was done (up to 30 s); false on timeout.
    pub async fn settle(&self) -> bool {
        self.shared.clock.settle(SETTLE_TIMEOUT).await
    }

    /// Refunds a paid payment as if the merchant had called the refund API,
    /// and notifies (see [`RefundOrder`]). With asynchronous refunds the
    /// refund is `PROCESSING` in the payment returned, and notified when done.
    pub fn refund_payment(&self, payment_request_id: &str, order: RefundOrder) -> Result<Payment, ControlError> {
        events::refund_payment(&self.shared, payment_request_id, order)
    }

    /// Sends a notifyDispute ([`NotifyDispute`](antom_types::NotifyDispute))
    /// about a payment to its notify URL; returns the body sent.
    pub fn dispute(&self, payment_request_id: &str, order: DisputeOrder) -> Result<Value, ControlError> {
        events::dispute(&self.shared, payment_request_id, order)
    }

    /// Sends a notifyCapture `CAPTURE_RESULT` about a paid payment to its
    /// notify URL (signed, retried like every notification); returns it.
    pub fn capture(&self, payment_request_id: &str, order: CaptureOrder) -> Result<NotifyCapture, ControlError> {
        events::capture(&self.shared, payment_request_id, order)
    }
}

/// Parses `90s`, `2m`, `1h22m`, `1d`, `500ms`, `1.5h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * unit;
    }
    Duration::try_from_secs_f64(total).ok()
}

async fn advance_clock(shared: &Arc<Shared>, by: Duration) -> ClockAdvance {
    let mut settled = shared.clock.advance(by, SETTLE_TIMEOUT).await;
    // Sessions whose expiry time passed on the moved clock close, as Antom closes them.
    let now = SystemTime::now() + shared.clock.skipped();
    let expired: Vec<String> = shared
        .payments()
        .into_iter()
        .filter(|p| p.status == PaymentStatus::Processing)
        .filter(|p| {
            antom_tower::signing::request_time::parse(&p.payment_session_expiry_time).is_some_and(|at| at <= now)
        })
        .map(|p| p.payment_request_id)
        .collect();
    for id in &expired {
        let _ = shared.buyer(id, BuyerAction::Expire);
    }
    if !expired.is_empty() {
        settled &= shared.clock.settle(SETTLE_TIMEOUT).await;
    }
    ClockAdvance {
        elapsed_seconds: shared.clock.now().as_secs(),
        skipped_seconds: shared.clock.skipped().as_secs(),
        expired,
        settled,
    }
}

async fn act(
    State(shared): State<Arc<Shared>>,
    Path((payment_request_id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let args: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return problem(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")),
        }
    };
    let id = payment_request_id.as_str();
    let outcome: Result<Value, ControlError> = match action.as_str() {
        "pay" => shared.buyer(id, BuyerAction::Pay).map(to_json).map_err(Into::into),
        "fail" => shared
            .buyer(
                id,
                BuyerAction::Fail {
                    code: args["resultCode"]
                        .as_str()
                        .unwrap_or(super::state::DEFAULT_FAIL_CODE)
                        .to_owned(),
                    message: args["resultMessage"].as_str().map(str::to_owned),
                },
            )
            .map(to_json)
            .map_err(Into::into),
        "cancel" => shared.buyer(id, BuyerAction::Cancel).map(to_json).map_err(Into::into),
        "expire" => shared.buyer(id, BuyerAction::Expire).map(to_json).map_err(Into::into),
        "refund" => serde_json::from_value(args)
            .map_err(|e| ControlError::BadRequest(e.to_string()))
            .and_then(|order| events::refund_payment(&shared, id, order))
            .map(to_json),
        "dispute" => serde_json::from_value(args)
            .map_err(|e| ControlError::BadRequest(e.to_string()))
            .and_then(|order| events::dispute(&shared, id, order)),
        "capture" => serde_json::from_value(args)
            .map_err(|e| ControlError::BadRequest(e.to_string()))
            .and_then(|order| events::capture(&shared, id, order))
            .map(|capture| serde_json::to_value(capture).expect("a notification serializes")),
        other => {
            return problem(
                StatusCode::NOT_FOUND,
                format!("unknown action {other:?}: pay, fail, cancel, expire, refund, dispute or capture"),
            )
        }
    };
    answer(&shared, outcome).await
}

async fn act_on_refund(
    State(shared): State<Arc<Shared>>,
    Path((refund_request_id, action)): Path<(String, String)>,
) -> Response {
    let outcome = match action.as_str() {
        "succeed" => RefundOutcome::Succeed,
        "fail" => RefundOutcome::Fail,
        other => {
            return problem(
                StatusCode::NOT_FOUND,
                format!("unknown refund action {other:?}: succeed or fail"),
            )
        }
    };
    let done = shared
        .complete_refund(&refund_request_id, outcome)
        .map(refund_json)
        .map_err(ControlError::from);
    answer(&shared, done).await
}

async fn set_async_refunds(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let text = text.trim().trim_matches('"');
    let delay = match text {
        "off" | "false" | "sync" => None,
        _ => match parse_duration(text) {
            Some(delay) => Some(delay),
            None => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    format!("{text:?} is neither a duration (30s, 2m, 1h...) nor off"),
                )
            }
        },
    };
    shared.set_async_refunds(delay);
    async_refunds(State(shared)).await
}

async fn async_refunds(State(shared): State<Arc<Shared>>) -> Response {
    let delay = shared.async_refunds();
    Json(json!({
        "asyncRefunds": delay.is_some(),
        "delaySeconds": delay.map(|d| d.as_secs_f64()),
    }))
    .into_response()
}

/// Waits for what the action caused (its notification's first attempt),
/// then answers: 200 with the JSON, or the error's status.
async fn answer(shared: &Shared, outcome: Result<Value, ControlError>) -> Response {
    match outcome {
        Ok(value) => {
            shared.clock.settle(SETTLE_TIMEOUT).await;
            Json(value).into_response()
        }
        Err(ControlError::Payment(e @ (MockError::UnknownPayment(_) | MockError::UnknownRefund(_)))) => {
            problem(StatusCode::NOT_FOUND, e.to_string())
        }
        Err(ControlError::BadRequest(m)) => problem(StatusCode::BAD_REQUEST, m),
        Err(e) => problem(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn advance(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let text = text.trim().trim_matches('"');
    match parse_duration(text) {
        Some(by) => Json(advance_clock(&shared, by).await).into_response(),
        None => problem(
            StatusCode::BAD_REQUEST,
            format!("{text:?} is not a duration: say 90s, 2m, 1h22m, 1d, 500ms or a number of seconds"),
        ),
    }
}

async fn clock(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({
        "elapsedSeconds": shared.clock.now().as_secs(),
        "skippedSeconds": shared.clock.skipped().as_secs(),
    }))
    .into_response()
}

fn to_json(payment: Payment) -> Value {
    serde_json::to_value(payment).expect("a payment serializes")
}

fn refund_json(refund: Refund) -> Value {
    serde_json::to_value(refund).expect("a refund serializes")
}

fn problem(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h22m"), Some(Duration::from_secs(4920)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration(""), None);
    }
}
