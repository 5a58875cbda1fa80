//! The notify, orders and return route handlers (sessions: [`super::create_session`]).

use antom_types::{Amount, NotificationAck, NOTIFICATION_ACK_SUCCESS};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::reconcile::refresh_if_pending;
use super::Checkout;
use crate::store::{Order as StoredOrder, StoreError};

/// What `{prefix}/sessions` answers: what Antom's Web SDK needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionResponse {
    /// The merchant order id (for `{prefix}/orders/{id}`).
    pub order_id: String,
    /// The paymentRequestId sent to Antom.
    pub payment_request_id: String,
    /// Pass to the Web SDK's `createComponent({ sessionData })`.
    pub payment_session_data: String,
    /// Antom's session id.
    pub payment_session_id: Option<String>,
    /// When the session expires.
    pub payment_session_expiry_time: Option<String>,
    /// A redirect URL for the cashier, when Antom (or the mock) returns one.
    pub normal_url: Option<String>,
    /// `sandbox` or `prod`, for the Web SDK's `environment` option.
    pub environment: String,
}

/// An order as `{prefix}/orders/{id}` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    /// Merchant order id.
    pub order_id: String,
    /// The paymentRequestId sent to Antom.
    pub payment_request_id: String,
    /// `created`, `pending`, `succeeded`, `failed`, `cancelled`, `expired`, `partially_refunded`, `refunded`.
    pub status: String,
    /// Whether the status can still change by payment (false once final).
    pub is_final: bool,
    /// The order amount, minor units on the wire.
    pub amount: Amount,
    /// What is bought.
    pub description: String,
    /// Antom's paymentId, once known.
    pub payment_id: Option<String>,
    /// Last change, epoch milliseconds.
    pub updated_at_ms: i64,
}

impl From<&StoredOrder> for OrderView {
    fn from(order: &StoredOrder) -> Self {
        OrderView {
            order_id: order.order_id.clone(),
            payment_request_id: order.payment_request_id.clone(),
            status: order.status.as_str().to_string(),
            is_final: order.status.is_final(),
            amount: order.amount,
            description: order.description.clone(),
            payment_id: order.payment_id.clone(),
            updated_at_ms: order.updated_at_ms,
        }
    }
}

/// `GET {prefix}/ready`: 200 while the store takes writes, 503 otherwise.
pub(crate) async fn ready(State(checkout): State<Checkout>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, checkout.inner.store.check_writable()).await {
        Ok(Ok(())) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: the store cannot take writes");
            error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", &e.to_string())
        }
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the store did not answer within 2 s",
        ),
    }
}

/// How long the readiness route waits for the store.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) async fn get_order(State(checkout): State<Checkout>, Path(order_id): Path<String>) -> Response {
    match load_order(&checkout, &order_id).await {
        Ok(Some(order)) => Json(OrderView::from(&order)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "unknown_order", "no such order"),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReturnQuery {
    order_id: Option<String>,
}

pub(crate) async fn return_page(
    State(checkout): State<Checkout>,
    Query(query): Query<ReturnQuery>,
    headers: HeaderMap,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let Some(order_id) = query.order_id.filter(|id| !id.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing_order_id",
            "the orderId query parameter is required",
        );
    };
    let order = match load_order(&checkout, &order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return error(StatusCode::NOT_FOUND, "unknown_order", "no such order"),
        Err(e) => return store_error(e),
    };
    let view = OrderView::from(&order);
    if !wants_html {
        return Json(view).into_response();
    }
    let orders_url = format!("{}/orders/{}", checkout.inner.prefix, urlencode(&view.order_id));
    super::return_page::render(&checkout, &order, &orders_url).await
}

async fn load_order(checkout: &Checkout, order_id: &str) -> Result<Option<StoredOrder>, StoreError> {
    let Some(order) = checkout.inner.store.get_order(order_id).await? else {
        return Ok(None);
    };
    Ok(Some(refresh_if_pending(checkout, order).await))
}

/// The exact acknowledgement Antom expects; anything else makes it resend.
pub(crate) fn ack() -> Response {
    debug_assert_eq!(
        serde_json::to_string(&NotificationAck::success()).ok().as_deref(),
        Some(NOTIFICATION_ACK_SUCCESS)
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        NOTIFICATION_ACK_SUCCESS,
    )
        .into_response()
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": code, "message": message }))).into_response()
}

/// A store failure: 503 when transient (for the notify route, Antom resends).
pub(crate) fn store_error(e: StoreError) -> Response {
    if e.is_transient() {
        tracing::error!(error = %e, "order store unavailable");
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the order store is unavailable; retry later",
        )
    } else {
        tracing::warn!(error = %e, "order store refused the change");
        error(StatusCode::CONFLICT, "store_refused", &e.to_string())
    }
}

/// RFC 3986 unreserved characters stay as they are; everything else is escaped.
const URL_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(crate) fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URL_COMPONENT).to_string()
}
