//! Sending one notification to an endpoint and judging its answer.

use std::borrow::Cow;
use std::fmt;

use antom_types::NOTIFICATION_ACK_SUCCESS;
use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tower::{BoxError, Service, ServiceExt};

use crate::fixtures::Fixture;

/// How much of an answer's body panic messages and reports quote.
const QUOTE_LIMIT: usize = 300;

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

pub(super) async fn send_request<S, B>(service: S, request: Request<Full<Bytes>>) -> Result<Answer, BoxError>
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

#[cfg(test)]
mod tests {
    use super::*;

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
