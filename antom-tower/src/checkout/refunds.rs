//! Refunds and cancellations started by the merchant: [`Checkout::refund`],
//! [`Checkout::cancel`], and the optional route
//! `POST {prefix}/orders/{id}/refunds`, mounted only behind an authorization
//! layer of yours ([`Checkout::refund_router`]).
//!
//! A refund is recorded as pending before Antom is called, under a
//! `refundRequestId` that links Antom's later `REFUND_RESULT` (which names
//! no payment) back to the order, and that reserves its amount: two refunds
//! can never together exceed the order. Antom deduplicates on the
//! `refundRequestId`, so every retry (the client's, or reconciliation's
//! after a lost answer) reuses it. A synchronous answer is applied at once;
//! an asynchronous one is left to the notification or to reconciliation
//! (`inquiryRefund`).
//!
//! ```no_run
//! # async fn run(checkout: antom_tower::checkout::Checkout) -> Result<(), Box<dyn std::error::Error>> {
//! use antom_types::Amount;
//! let refund = checkout
//!     .refund("order-1", Amount::from_minor_units(150, "SGD")?, Some("damaged in transit"))
//!     .await?;
//! println!("refund {} is {}", refund.refund_request_id, refund.state);
//! # Ok(()) }
//! ```

use std::convert::Infallible;

use antom_types::{Amount, CancelRequest, RefundRequest};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, Route};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};

use super::handlers::{error, store_error};
use super::Checkout;
use crate::client::ClientError;
use crate::store::{
    NewRefund, Order, OrderStatus, PaymentOutcome, PaymentResult, RefundClaim, RefundOutcome, RefundRecord,
    RefundResult, RefundState, ResultSource, StoreError,
};

/// Why a refund or cancellation was not started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefundError {
    /// The store refused (unknown order, not paid, over-refund, another
    /// refund under the same id) or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The paid order has no Antom paymentId recorded (it was paid by a
    /// result that carried none): refund it from Antom's Dashboard.
    #[error("order {0} has no paymentId recorded")]
    NoPaymentId(String),
    /// The order cannot be cancelled in its status (it was paid: refund it instead).
    #[error("an order in status {0} cannot be cancelled")]
    NotCancellable(OrderStatus),
    /// Antom refused the cancellation.
    #[error(transparent)]
    Antom(#[from] ClientError),
}

impl Checkout {
    /// Refunds `amount` of a paid order (see the [module documentation](self)),
    /// under a fresh `refundRequestId`. Refused before Antom is called when
    /// the order is not paid or the amount exceeds what is neither refunded
    /// nor reserved by a pending refund. Answers the refund's record: pending
    /// (Antom answers later), succeeded, or failed (with Antom's result code).
    pub async fn refund(
        &self,
        order_id: &str,
        amount: Amount,
        reason: Option<&str>,
    ) -> Result<RefundRecord, RefundError> {
        let refund_request_id = format!("refund_{}", uuid::Uuid::new_v4().simple());
        self.refund_with_id(order_id, amount, reason, &refund_request_id).await
    }

    /// Like [`refund`](Self::refund), under your own `refund_request_id`
    /// (at most 64 characters): calling it again with the same id and
    /// amount is safe and never refunds twice.
    pub async fn refund_with_id(
        &self,
        order_id: &str,
        amount: Amount,
        reason: Option<&str>,
        refund_request_id: &str,
    ) -> Result<RefundRecord, RefundError> {
        if refund_request_id.is_empty() || refund_request_id.len() > 64 {
            return Err(StoreError::InvalidInput("refundRequestId must have 1 to 64 characters".into()).into());
        }
        let store = &self.inner.store;
        let order = store.get_order(order_id).await?.ok_or_else(|| StoreError::NotFound {
            id: order_id.to_owned(),
        })?;
        // Checked before anything is reserved: a paid order without a paymentId
        // cannot be refunded through the API.
        if order.status.is_paid() && order.payment_id.is_none() {
            return Err(RefundError::NoPaymentId(order.order_id));
        }
        let claim = store
            .create_refund(&NewRefund {
                refund_request_id: refund_request_id.to_owned(),
                order_id: order_id.to_owned(),
                amount,
                reason: reason.map(str::to_owned),
            })
            .await?;
        let record = match claim {
            RefundClaim::Existing(record) if record.state != RefundState::Pending => return Ok(record),
            RefundClaim::Existing(record) | RefundClaim::Created(record) => record,
        };
        tracing::info!(order_id, refund_request_id, amount = %amount, "refund requested");
        send_refund(self, &order, &record).await?;
        Ok(store.refund(refund_request_id).await?.unwrap_or(record))
    }

    /// Cancels an unpaid order at Antom (so it can no longer be paid) and
    /// marks it cancelled. Asks Antom first: an order that was paid in the
    /// meantime is recorded as paid and not cancelled
    /// ([`RefundError::NotCancellable`]: refund it instead).
    pub async fn cancel(&self, order_id: &str) -> Result<Order, RefundError> {
        let store = &self.inner.store;
        let order = store.get_order(order_id).await?.ok_or_else(|| StoreError::NotFound {
            id: order_id.to_owned(),
        })?;
        if order.status.is_final() {
            return match order.status {
                OrderStatus::Cancelled => Ok(order),
                other => Err(RefundError::NotCancellable(other)),
            };
        }
        let order = super::reconcile::refresh_now(self, order).await;
        if order.status.is_final() {
            return match order.status {
                OrderStatus::Cancelled => Ok(order),
                other => Err(RefundError::NotCancellable(other)),
            };
        }
        let request = CancelRequest::by_payment_request_id(order.payment_request_id.clone());
        match self.call_for(&order.order_id, &request).await {
            Ok(_) => {}
            // Antom never saw the payment (no session was created): nothing can pay it.
            Err(ClientError::Business { result, .. }) if result.result_code.as_str() == "ORDER_NOT_EXIST" => {}
            Err(e) => return Err(e.into()),
        }
        let result = PaymentResult {
            payment_request_id: order.payment_request_id.clone(),
            payment_id: order.payment_id.clone(),
            amount: order.amount,
            outcome: PaymentOutcome::Cancelled,
            source: ResultSource::Api,
            result_code: Some("CANCELLED_BY_MERCHANT".into()),
        };
        store.apply_payment_result(&result).await?;
        tracing::info!(order_id, "order cancelled");
        Ok(store.get_order(order_id).await?.ok_or_else(|| StoreError::NotFound {
            id: order_id.to_owned(),
        })?)
    }

    /// `POST {prefix}/orders/{id}/refunds` behind `authorization`, a layer of
    /// yours that must refuse unauthorized requests (the route moves money):
    /// merge the router into your app. There is no way to mount the route
    /// without a layer.
    ///
    /// Body: `{"amount": 150, "reason": "...", "refundRequestId": "..."}`
    /// (`amount` in minor units of the order's currency; `reason` and
    /// `refundRequestId` optional). Answers the refund record; 404 for an
    /// unknown order, 409 when the order is not paid or the amount does not
    /// fit, 400 for a bad body.
    pub fn refund_router<L>(&self, authorization: L) -> Router
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        let p = &self.inner.prefix;
        Router::new()
            .route(&format!("{p}/orders/{{id}}/refunds"), post(refund_route))
            .route_layer(authorization)
            .with_state(self.clone())
    }
}

/// Sends (or sends again) a pending refund to Antom and applies a final
/// answer. An unknown outcome leaves it pending for reconciliation.
pub(crate) async fn send_refund(checkout: &Checkout, order: &Order, record: &RefundRecord) -> Result<(), RefundError> {
    let payment_id = order
        .payment_id
        .clone()
        .ok_or_else(|| RefundError::NoPaymentId(order.order_id.clone()))?;
    let mut request = RefundRequest::new(record.refund_request_id.clone(), payment_id, record.amount)
        .with_refund_notify_url(checkout.inner.notify_url.clone());
    if let Some(reason) = &record.reason {
        request = request.with_refund_reason(reason.clone());
    }
    let answer = checkout.call_for(&order.order_id, &request).await;
    let result = |refund_id: Option<String>, outcome, result_code: Option<String>| RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id: refund_id.unwrap_or_default(),
        refund_request_id: Some(record.refund_request_id.clone()),
        amount: record.amount,
        outcome,
        source: ResultSource::Api,
        result_code,
    };
    let applied = match answer {
        Ok(response) => {
            let mut applied = result(response.refund_id.clone(), RefundOutcome::Succeeded, None);
            if let Some(amount) = response.refund_amount {
                applied.amount = amount;
            }
            if applied.refund_id.is_empty() {
                // A success without a refundId cannot be counted once: wait for the notification.
                tracing::warn!(refund_request_id = %record.refund_request_id, "refund succeeded without a refundId; waiting for its notification");
                return Ok(());
            }
            applied
        }
        Err(ClientError::Business { result: api, .. }) => {
            tracing::warn!(refund_request_id = %record.refund_request_id, code = %api.result_code, "Antom refused the refund");
            result(None, RefundOutcome::Failed, Some(api.result_code.to_string()))
        }
        Err(e) => {
            // Unknown (timeout, result U, asynchronous refund): the notification
            // or reconciliation (inquiryRefund) settles it.
            tracing::info!(refund_request_id = %record.refund_request_id, error = %e, "refund outcome not known yet; left pending");
            return Ok(());
        }
    };
    checkout.inner.store.apply_refund_result(&applied).await?;
    Ok(())
}

/// The body of `POST {prefix}/orders/{id}/refunds`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefundBody {
    amount: u64,
    reason: Option<String>,
    refund_request_id: Option<String>,
}

/// A refund as the route answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    /// The `refundRequestId`.
    pub refund_request_id: String,
    /// The order.
    pub order_id: String,
    /// The amount.
    pub amount: Amount,
    /// `pending`, `succeeded` or `failed`.
    pub state: String,
    /// Antom's refundId, once known.
    pub refund_id: Option<String>,
    /// Antom's result code of a failure.
    pub failure_code: Option<String>,
}

impl From<&RefundRecord> for RefundView {
    fn from(r: &RefundRecord) -> Self {
        RefundView {
            refund_request_id: r.refund_request_id.clone(),
            order_id: r.order_id.clone(),
            amount: r.amount,
            state: r.state.to_string(),
            refund_id: r.refund_id.clone(),
            failure_code: r.failure_code.clone(),
        }
    }
}

async fn refund_route(
    State(checkout): State<Checkout>,
    Path(order_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let body: RefundBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_body", &e.to_string()),
    };
    let order = match checkout.inner.store.get_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return error(StatusCode::NOT_FOUND, "unknown_order", "no such order"),
        Err(e) => return store_error(e),
    };
    let Ok(amount) = Amount::new(order.amount.currency(), body.amount) else {
        return error(StatusCode::BAD_REQUEST, "invalid_amount", "amount is out of range");
    };
    let refunded = match &body.refund_request_id {
        Some(id) => {
            checkout
                .refund_with_id(&order_id, amount, body.reason.as_deref(), id)
                .await
        }
        None => checkout.refund(&order_id, amount, body.reason.as_deref()).await,
    };
    match refunded {
        Ok(record) => (StatusCode::OK, Json(RefundView::from(&record))).into_response(),
        Err(RefundError::Store(e)) => match e {
            StoreError::NotFound { .. } => error(StatusCode::NOT_FOUND, "unknown_order", &e.to_string()),
            StoreError::NotRefundable { .. } => error(StatusCode::CONFLICT, "not_refundable", &e.to_string()),
            StoreError::RefundExceedsOrder { .. } => {
                error(StatusCode::CONFLICT, "refund_exceeds_order", &e.to_string())
            }
            StoreError::RefundRequestConflict { .. } => {
                error(StatusCode::CONFLICT, "refund_request_conflict", &e.to_string())
            }
            StoreError::InvalidInput(_) | StoreError::AmountMismatch { .. } => {
                error(StatusCode::BAD_REQUEST, "invalid_refund", &e.to_string())
            }
            e => store_error(e),
        },
        Err(e @ RefundError::NoPaymentId(_)) => error(StatusCode::CONFLICT, "no_payment_id", &e.to_string()),
        Err(e) => error(StatusCode::BAD_GATEWAY, "antom_error", &e.to_string()),
    }
}
