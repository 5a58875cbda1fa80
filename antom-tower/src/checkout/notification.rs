//! `POST {prefix}/notify`: every verified notification goes to the store's
//! inbox with what it does to its order, in one store call, before Antom
//! gets an answer; and [`Checkout::replay`], which applies a stored
//! notification again after the cause of its refusal was fixed.
//!
//! | outcome | answer |
//! | --- | --- |
//! | applied, duplicate, ignored | the acknowledgement |
//! | not handled (a type the checkout does not act on) | the acknowledgement (see [`CheckoutBuilder::acknowledge_unhandled`](super::CheckoutBuilder::acknowledge_unhandled)) |
//! | unmatched (a refund the store cannot place) | the acknowledgement: reconciliation learns the refund from `inquiryPayment` |
//! | refused: unknown order | 404 `unknown_order` |
//! | refused: amount or currency differs | 400 `amount_mismatch` |
//! | refused: illegal transition, over-refund | 409 |
//! | refused: a body that does not parse | 400 `invalid_notification` |
//! | store failure | 503: nothing stored, Antom resends |
//!
//! A refused notification is answered with an error so that Antom resends it
//! for up to 24 hours; it stays in the inbox after that, for
//! [`Checkout::replay`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use antom_types::{Notification, NotifyCapture, NotifyDispute, NotifyPayment, NotifyRefund, RefundStatus};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use http_body_util::Full;
use tower::{Layer, ServiceExt};

use super::handlers::{ack, error, notification_outcome, store_error};
use super::Checkout;
use crate::store::{
    ApplyOutcome, CaptureResult, DisputeUpdate, Effect, InboundNotification, InboxOutcome, PaymentResult, Recorded,
    RefundOutcome, RefundResult, ResultSource, StoreError,
};
use crate::verify_notification::NotificationRejection;

/// What a replay did.
#[derive(Debug)]
pub struct Replayed {
    /// The inbox entry's outcome now.
    pub outcome: InboxOutcome,
    /// What applying the notification said.
    pub result: Result<ApplyOutcome, StoreError>,
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// No inbox entry with that id.
    #[error("no inbox entry {0}")]
    NotFound(u64),
    /// The stored notification no longer verifies with the current keys.
    #[error("the stored notification does not verify: {0}")]
    Rejected(NotificationRejection),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Checkout {
    /// Applies a stored notification again: re-verifies its stored headers
    /// and body with the current keys (its `request-time` judged against
    /// when it first arrived, so that age does not matter), then records and
    /// applies it exactly as the notify route does. For refused or unmatched
    /// notifications once the cause is fixed (the order created, a key
    /// rotated in): Antom stops resending after 24 hours, the inbox does not.
    /// Replaying an applied notification is harmless: it counts as a duplicate.
    pub async fn replay(&self, inbox_id: u64) -> Result<Replayed, ReplayError> {
        let entry = self
            .inner
            .store
            .inbox_entry(inbox_id)
            .await?
            .ok_or(ReplayError::NotFound(inbox_id))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &entry.headers {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::try_from(name.as_str()),
                axum::http::HeaderValue::try_from(value.as_str()),
            ) {
                headers.append(name, value);
            }
        }
        let method = Method::from_bytes(entry.method.as_bytes()).unwrap_or(Method::POST);
        let uri: Uri = entry.path.parse().unwrap_or_else(|_| Uri::from_static("/"));
        let received = UNIX_EPOCH + Duration::from_millis(u64::try_from(entry.first_received_at_ms).unwrap_or(0));
        let verifier = self
            .inner
            .notify_layer
            .clone()
            .clock(Arc::new(move || received))
            .layer(tower::service_fn(|_request: axum::http::Request<Full<Bytes>>| async {
                Ok::<_, Infallible>(axum::http::Response::new(Full::new(Bytes::new())))
            }));
        let mut request = axum::http::Request::new(Full::new(Bytes::from(entry.body.clone())));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri.clone();
        *request.headers_mut() = headers.clone();
        let response = match verifier.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        if let Some(rejection) = response.extensions().get::<NotificationRejection>() {
            return Err(ReplayError::Rejected(rejection.clone()));
        }
        let inbound = inbound(&method, &uri, &headers, &entry.body, crate::store::now_ms());
        let recorded = record(self, &inbound).await?;
        tracing::info!(inbox_id, outcome = %recorded.outcome, "notification replayed");
        Ok(Replayed {
            outcome: recorded.outcome,
            result: recorded.result,
        })
    }
}

/// The notify route's handler, behind the verification layer.
pub(crate) async fn notify(
    State(checkout): State<Checkout>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let inbound = inbound(&method, &uri, &headers, &body, crate::store::now_ms());
    // Handled on a task of its own: if Antom hangs up mid-request, the store
    // write still finishes (and its resend is then a duplicate), rather than
    // being dropped half-way.
    match tokio::spawn(async move {
        let recorded = record(&checkout, &inbound).await;
        answer(&checkout, &inbound, recorded)
    })
    .await
    {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "notification handler failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the notification could not be handled",
            )
        }
    }
}

/// Parses a verified notification, and stores and applies it in one store call.
async fn record(checkout: &Checkout, inbound: &InboundNotification) -> Result<Recorded, StoreError> {
    let effect = match Notification::from_slice(&inbound.body) {
        Ok(notification) => effect_of(&notification),
        Err(e) => {
            tracing::warn!(error = %e, "verified notification is not a valid notification body");
            Effect::Invalid(e.to_string())
        }
    };
    if matches!(effect, Effect::NotHandled) && is_money_relevant(&inbound.notify_type) {
        tracing::warn!(notify_type = %inbound.notify_type, "money-relevant notification the checkout does not act on: stored in the inbox");
    }
    checkout.inner.store.record_notification(inbound, &effect).await
}

/// The HTTP answer for what the store recorded.
fn answer(checkout: &Checkout, inbound: &InboundNotification, recorded: Result<Recorded, StoreError>) -> Response {
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(e) => return store_error(e),
    };
    let key = inbound.key.as_str();
    match (&recorded.outcome, &recorded.result) {
        (InboxOutcome::Applied, Ok(outcome)) => {
            tracing::info!(key, outcome = ?outcome, "notification applied");
            ack()
        }
        (InboxOutcome::Duplicate | InboxOutcome::Ignored, _) => {
            tracing::debug!(key, outcome = %recorded.outcome, "duplicate or stale notification");
            ack()
        }
        (InboxOutcome::NotHandled, _) => {
            if checkout.inner.acknowledge_unhandled {
                tracing::info!(key, notify_type = %inbound.notify_type, "notification not handled by the checkout: stored and acknowledged");
                ack()
            } else {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not_handled",
                    "this notification type is stored but not acknowledged",
                )
            }
        }
        (InboxOutcome::Unmatched, _) => {
            tracing::warn!(key, "refund notification for a refund this store does not know: stored as unmatched, acknowledged; reconciliation will look for it");
            ack()
        }
        (_, Err(e)) => refusal(recorded.inbox_id, e),
        (_, Ok(_)) => ack(),
    }
}

fn refusal(inbox_id: u64, e: &StoreError) -> Response {
    tracing::warn!(inbox_id, reason = %e, "notification refused: kept in the inbox for replay");
    let message = e.to_string();
    match e {
        StoreError::NotFound { .. } => error(StatusCode::NOT_FOUND, "unknown_order", &message),
        StoreError::AmountMismatch { .. } => error(StatusCode::BAD_REQUEST, "amount_mismatch", &message),
        StoreError::IllegalTransition { .. } => error(StatusCode::CONFLICT, "illegal_transition", &message),
        StoreError::RefundExceedsOrder { .. } => error(StatusCode::CONFLICT, "refund_exceeds_order", &message),
        StoreError::InvalidInput(_) => error(StatusCode::BAD_REQUEST, "invalid_notification", &message),
        _ => error(StatusCode::CONFLICT, "refused", &message),
    }
}

/// What a notification does to its order.
pub(crate) fn effect_of(notification: &Notification) -> Effect {
    match notification {
        Notification::Payment(payment) => Effect::Payment(payment_result(payment)),
        Notification::Refund(refund) => Effect::Refund(refund_result(refund)),
        Notification::Dispute(dispute) => Effect::Dispute(dispute_update(dispute)),
        Notification::Capture(capture) => Effect::Capture(capture_result(capture)),
        _ => Effect::NotHandled,
    }
}

fn dispute_update(dispute: &NotifyDispute) -> DisputeUpdate {
    DisputeUpdate {
        dispute_id: dispute.dispute_id.clone(),
        payment_request_id: dispute.payment_request_id.clone(),
        notification_type: dispute.dispute_notification_type.as_str().to_owned(),
        amount: dispute.dispute_amount,
        reason_code: dispute.dispute_reason_code.clone(),
        reason_message: dispute.dispute_reason_msg.clone(),
        dispute_time: dispute.dispute_time.clone(),
        defense_due_time: dispute.defense_due_time.clone(),
        judged_result: dispute.dispute_judged_result.as_ref().map(|r| r.as_str().to_owned()),
        judged_amount: dispute.dispute_judged_amount,
        source: ResultSource::Notification,
    }
}

fn capture_result(capture: &NotifyCapture) -> CaptureResult {
    CaptureResult {
        capture_id: capture.capture_id.clone(),
        capture_request_id: Some(capture.capture_request_id.clone()),
        payment_id: capture.payment_id.clone(),
        amount: capture.capture_amount,
        succeeded: capture.is_capture_success(),
        capture_time: capture.capture_time.clone(),
        result_code: Some(capture.result.result_code.to_string()),
        source: ResultSource::Notification,
    }
}

fn payment_result(payment: &NotifyPayment) -> PaymentResult {
    PaymentResult {
        payment_request_id: payment.payment_request_id.clone(),
        payment_id: Some(payment.payment_id.clone()),
        amount: payment.payment_amount,
        outcome: notification_outcome(payment),
        source: ResultSource::Notification,
        result_code: Some(payment.result.result_code.to_string()),
    }
}

fn refund_result(refund: &NotifyRefund) -> RefundResult {
    RefundResult {
        // notifyRefund names no payment: the store finds the order by refundRequestId.
        payment_request_id: None,
        refund_id: refund.refund_id.clone(),
        refund_request_id: Some(refund.refund_request_id.clone()),
        amount: refund.refund_amount,
        outcome: match &refund.refund_status {
            RefundStatus::Success => RefundOutcome::Succeeded,
            RefundStatus::Fail => RefundOutcome::Failed,
            _ => RefundOutcome::Processing,
        },
        source: ResultSource::Notification,
        result_code: Some(refund.result.result_code.to_string()).filter(|_| refund.refund_status == RefundStatus::Fail),
    }
}

/// The inbox record of a request: its key and type from the body (when it
/// parses), the headers and body as received.
pub(crate) fn inbound(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> InboundNotification {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let notification = parsed.clone().and_then(|value| Notification::from_value(value).ok());
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let notify_type = match (&notification, field("notifyType")) {
        (Some(Notification::Dispute(dispute)), _) => format!("DISPUTE:{}", dispute.dispute_notification_type),
        (_, Some(kind)) => kind,
        (_, None) => "UNKNOWN".to_owned(),
    };
    let key = notification
        .as_ref()
        .and_then(Notification::idempotency_key)
        .unwrap_or_else(|| format!("sha256:{}", hex_sha256(body)));
    InboundNotification {
        key,
        notify_type,
        payment_request_id: field("paymentRequestId"),
        method: method.as_str().to_owned(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        received_at_ms: now_ms,
    }
}

/// Whether a type the checkout does not act on moves money (so it is logged at `warn`).
fn is_money_relevant(notify_type: &str) -> bool {
    notify_type.starts_with("DISPUTE")
        || notify_type.contains("CAPTURE")
        || notify_type.contains("REFUND")
        || notify_type.contains("PAYMENT")
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
