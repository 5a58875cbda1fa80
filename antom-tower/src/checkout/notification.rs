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

use std::time::{Duration, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::handlers::{ack, error, store_error};
use super::Checkout;
use crate::store::{ApplyOutcome, Effect, InboundNotification, InboxOutcome, Recorded, StoreError};
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
    /// when those headers arrived, the latest delivery, so that age does not
    /// matter), then records and
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
        // The stored headers are the latest delivery's: judge its request-time
        // by when that delivery arrived (a resend hours later is re-signed).
        let received = UNIX_EPOCH + Duration::from_millis(u64::try_from(entry.last_received_at_ms).unwrap_or(0));
        let path = uri.path_and_query().map_or(entry.path.as_str(), |pq| pq.as_str());
        self.inner
            .notify_layer
            .verifier()
            .verify(&method, path, &headers, &entry.body, received)
            .map_err(ReplayError::Rejected)?;
        let (inbound, effect) =
            InboundNotification::parse(&method, &uri, &headers, &entry.body, crate::store::now_ms());
        let recorded = record(self, &inbound, effect).await?;
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
    let (inbound, effect) = InboundNotification::parse(&method, &uri, &headers, &body, crate::store::now_ms());
    // One span per notification: verify (the layer, in the request's span) ->
    // store -> answer form one trace under the server's request span.
    let span = tracing::info_span!(
        "antom.notification",
        notify_type = %inbound.notify_type,
        payment_request_id = inbound.payment_request_id.as_deref().unwrap_or(""),
        outcome = tracing::field::Empty,
    );
    // Handled on a task of its own: if Antom hangs up mid-request, the store
    // write still finishes (and its resend is then a duplicate), rather than
    // being dropped half-way.
    let task = async move {
        let recorded = record(&checkout, &inbound, effect).await;
        answer(&checkout, &inbound, recorded)
    };
    match tokio::spawn(tracing::Instrument::instrument(task, span)).await {
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
async fn record(checkout: &Checkout, inbound: &InboundNotification, effect: Effect) -> Result<Recorded, StoreError> {
    if let Effect::Invalid(reason) = &effect {
        tracing::warn!(error = %reason, "verified notification is not a valid notification body");
    }
    if matches!(effect, Effect::NotHandled) && is_money_relevant(&inbound.notify_type) {
        tracing::warn!(notify_type = %inbound.notify_type, "money-relevant notification the checkout does not act on: stored in the inbox");
    }
    checkout.inner.store.record_notification(inbound, &effect).await
}

/// The HTTP answer for what the store recorded.
fn answer(checkout: &Checkout, inbound: &InboundNotification, recorded: Result<Recorded, StoreError>) -> Response {
    let kind = notification_kind(&inbound.notify_type);
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(e) => {
            tracing::Span::current().record("outcome", "unavailable");
            crate::telemetry::store_apply(kind, "unavailable");
            crate::telemetry::notification_answered(false, "store_unavailable");
            return store_error(e);
        }
    };
    tracing::Span::current().record("outcome", recorded.outcome.as_str());
    crate::telemetry::store_apply(kind, recorded.outcome.as_str());
    let key = inbound.key.as_str();
    match recorded.outcome {
        InboxOutcome::Applied => tracing::info!(key, outcome = ?recorded.result, "notification applied"),
        InboxOutcome::Duplicate | InboxOutcome::Ignored => {
            tracing::debug!(key, outcome = %recorded.outcome, "duplicate or stale notification")
        }
        InboxOutcome::NotHandled => {
            tracing::info!(key, notify_type = %inbound.notify_type, "notification not handled by the checkout: stored")
        }
        InboxOutcome::Unmatched => tracing::warn!(
            key,
            "refund notification for a refund this store does not know: stored as unmatched, acknowledged; \
             reconciliation will look for it"
        ),
        InboxOutcome::Refused => {}
    }
    if recorded.acknowledges(checkout.inner.acknowledge_unhandled) {
        crate::telemetry::notification_answered(true, "");
        return ack();
    }
    let (status, code) = recorded.rejection();
    crate::telemetry::notification_answered(false, code);
    let message = match &recorded.result {
        Err(e) => {
            tracing::warn!(inbox_id = recorded.inbox_id, reason = %e, "notification refused: kept in the inbox for replay");
            e.to_string()
        }
        Ok(_) => "this notification type is stored but not acknowledged".to_owned(),
    };
    error(
        StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT),
        code,
        &message,
    )
}

/// The bounded metric label of a notification type.
fn notification_kind(notify_type: &str) -> &'static str {
    match notify_type {
        "PAYMENT_RESULT" | "PAYMENT_PENDING" => "payment",
        "REFUND_RESULT" => "refund",
        "CAPTURE_RESULT" => "capture",
        t if t.starts_with("DISPUTE:") => "dispute",
        _ => "other",
    }
}

/// Whether a type the checkout does not act on moves money (so it is logged at `warn`).
fn is_money_relevant(notify_type: &str) -> bool {
    notify_type.starts_with("DISPUTE")
        || notify_type.contains("CAPTURE")
        || notify_type.contains("REFUND")
        || notify_type.contains("PAYMENT")
}
