//! The four route handlers.

use antom_types::{
    Amount, CreatePaymentSessionRequest, Currency, Notification, NotificationAck, NotifyPayment, NotifyType, Order,
    PaymentMethodType, ResultStatus, NOTIFICATION_ACK_SUCCESS,
};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::reconcile::refresh_if_pending;
use super::Checkout;
use crate::client::ClientError;
use crate::store::{
    ApplyOutcome, NewOrder, Order as StoredOrder, PaymentOutcome, PaymentResult, ResultSource, StoreError,
};

/// What the merchant front end posts to `{prefix}/sessions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSessionRequest {
    /// Amount in minor units (cents for SGD/USD, whole units for KRW/JPY), as a
    /// JSON integer or a string of digits. Never a decimal.
    pub amount: AmountInput,
    /// ISO 4217 currency, e.g. `SGD`.
    pub currency: String,
    /// Antom payment method type, e.g. `ALIPAY_CN`, `CARD`.
    pub payment_method_type: String,
    /// What is bought, shown to the buyer.
    pub description: String,
    /// The merchant's buyer id, if known.
    #[serde(default)]
    pub buyer_id: Option<String>,
}

/// An amount in minor units as the front end sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AmountInput {
    /// `4200`
    Integer(u64),
    /// `"4200"`
    Digits(String),
}

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

pub(crate) async fn create_session(
    State(checkout): State<Checkout>,
    body: Result<Json<CreateSessionRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(input) = match body {
        Ok(json) => json,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, "invalid_json", &rejection.body_text()),
    };
    let mut new_order = match validate(input) {
        Ok(order) => order,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_order", &message),
    };
    let inner = &checkout.inner;
    let session_expiry = inner.session_ttl.and_then(session_expiry);
    new_order.session_expires_at_ms = session_expiry.as_ref().map(|(ms, _)| *ms);
    let order = match inner.store.create_order(new_order).await {
        Ok(order) => order,
        Err(e) => return store_error(e),
    };
    let request = CreatePaymentSessionRequest::new(
        order.payment_request_id.clone(),
        Order::new(order.order_id.clone(), order.description.clone(), order.amount),
        order.amount,
        PaymentMethodType::from(order.payment_method_type.as_str()),
        with_order_id(&inner.redirect_url, &order.order_id),
    )
    .with_payment_notify_url(inner.notify_url.clone());
    let mut request = request;
    request.payment_session_expiry_time = session_expiry.map(|(_, text)| text);
    let request = match &order.buyer_id {
        Some(buyer_id) => {
            let mut request = request;
            request.order.buyer = Some(antom_types::Buyer {
                reference_buyer_id: Some(buyer_id.clone()),
                ..Default::default()
            });
            request
        }
        None => request,
    };
    match inner.client.create_payment_session(&request).await {
        Ok(session) => {
            // The order is stored before Antom is called, so a crash here leaves a
            // created order that reconciliation settles; marking it pending is best effort.
            if let Err(e) = inner.store.mark_pending(&order.order_id).await {
                tracing::warn!(order_id = %order.order_id, error = %e, "could not mark order pending");
            }
            let Some(payment_session_data) = session.payment_session_data else {
                return error(
                    StatusCode::BAD_GATEWAY,
                    "antom_invalid_response",
                    "Antom returned no paymentSessionData",
                );
            };
            let environment = match inner.client.environment() {
                crate::client::Environment::Sandbox => "sandbox",
                crate::client::Environment::Production => "prod",
            };
            Json(CreateSessionResponse {
                order_id: order.order_id,
                payment_request_id: order.payment_request_id,
                payment_session_data,
                payment_session_id: session.payment_session_id,
                payment_session_expiry_time: session.payment_session_expiry_time,
                normal_url: session.normal_url,
                environment: environment.to_string(),
            })
            .into_response()
        }
        Err(e) => client_error(&order.order_id, e),
    }
}

pub(crate) async fn notify(State(checkout): State<Checkout>, body: Bytes) -> Response {
    // Handled on a task of its own: if Antom hangs up mid-request, the store
    // write still finishes (and its resend is then a duplicate), rather than
    // being dropped half-way.
    match tokio::spawn(handle_notification(checkout, body)).await {
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

/// `ttl` from now as epoch milliseconds and as the RFC 3339 text Antom takes.
fn session_expiry(ttl: std::time::Duration) -> Option<(i64, String)> {
    let ms = crate::store::now_ms().checked_add(i64::try_from(ttl.as_millis()).ok()?)?;
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)?;
    Some((ms, at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)))
}

async fn handle_notification(checkout: Checkout, body: Bytes) -> Response {
    let notification = match Notification::from_slice(&body) {
        Ok(notification) => notification,
        Err(e) => {
            tracing::warn!(error = %e, "verified notification is not a valid notification body");
            return error(StatusCode::BAD_REQUEST, "invalid_notification", &e.to_string());
        }
    };
    match notification {
        Notification::Payment(payment) => apply_payment_notification(&checkout, &payment).await,
        Notification::Refund(refund) => {
            // The checkout routes start no refunds; refunds made elsewhere (the
            // Dashboard, the client) are acknowledged so Antom stops resending.
            tracing::info!(refund_id = %refund.refund_id, status = %refund.refund_status, "refund notification acknowledged, not tracked by the checkout routes");
            ack()
        }
        _ => {
            tracing::info!("notification of a type the checkout routes do not handle acknowledged");
            ack()
        }
    }
}

async fn apply_payment_notification(checkout: &Checkout, payment: &NotifyPayment) -> Response {
    let result = PaymentResult {
        payment_request_id: payment.payment_request_id.clone(),
        payment_id: Some(payment.payment_id.clone()),
        amount: payment.payment_amount,
        outcome: notification_outcome(payment),
        source: ResultSource::Notification,
        result_code: Some(payment.result.result_code.to_string()),
    };
    match checkout.inner.store.apply_payment_result(&result).await {
        Ok(outcome) => {
            match outcome {
                ApplyOutcome::Applied { from, to } => {
                    tracing::info!(payment_request_id = %result.payment_request_id, %from, %to, "payment notification applied")
                }
                ApplyOutcome::AlreadyApplied { status } | ApplyOutcome::Ignored { status } => {
                    tracing::debug!(payment_request_id = %result.payment_request_id, %status, "duplicate or stale payment notification")
                }
            }
            // Acknowledged only now: the store has durably accepted the result.
            ack()
        }
        Err(e @ StoreError::NotFound { .. }) => {
            tracing::warn!(payment_request_id = %result.payment_request_id, "notification for an unknown order");
            error(StatusCode::NOT_FOUND, "unknown_order", &e.to_string())
        }
        Err(e @ StoreError::AmountMismatch { .. }) => error(StatusCode::BAD_REQUEST, "amount_mismatch", &e.to_string()),
        Err(e @ StoreError::IllegalTransition { .. }) => {
            error(StatusCode::CONFLICT, "illegal_transition", &e.to_string())
        }
        Err(e) => store_error(e),
    }
}

/// How a payment notification moves the order.
pub(crate) fn notification_outcome(payment: &NotifyPayment) -> PaymentOutcome {
    let is_result = payment.notify_type == NotifyType::PaymentResult;
    match &payment.result.result_status {
        ResultStatus::Success if is_result => PaymentOutcome::Succeeded,
        ResultStatus::Failed if is_result => failure_outcome(payment.result.result_code.as_str()),
        _ => PaymentOutcome::Processing,
    }
}

/// A closed unpaid order is expired, not failed: the buyer never paid.
pub(crate) fn failure_outcome(result_code: &str) -> PaymentOutcome {
    if result_code.contains("EXPIRED") || result_code == "ORDER_IS_CLOSED" || result_code == "ORDER_CLOSED" {
        PaymentOutcome::Expired
    } else if result_code.contains("CANCEL") {
        PaymentOutcome::Cancelled
    } else {
        PaymentOutcome::Failed
    }
}

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

fn validate(input: CreateSessionRequest) -> Result<NewOrder, String> {
    let currency = Currency::new(input.currency.trim()).map_err(|e| format!("currency: {e}"))?;
    let amount = match input.amount {
        AmountInput::Integer(v) => Amount::new(currency, v).map_err(|e| format!("amount: {e}"))?,
        AmountInput::Digits(s) => Amount::parse(currency.as_str(), &s).map_err(|e| format!("amount: {e}"))?,
    };
    amount.validate_for_antom().map_err(|e| format!("amount: {e}"))?;
    let method = input.payment_method_type.trim();
    if method.is_empty()
        || method.len() > 64
        || !method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err("paymentMethodType: expected an Antom payment method type such as ALIPAY_CN".into());
    }
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 256 {
        return Err("description: expected 1 to 256 characters".into());
    }
    if let Some(buyer) = &input.buyer_id {
        if buyer.is_empty() || buyer.len() > 64 {
            return Err("buyerId: expected 1 to 64 characters".into());
        }
    }
    let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
    Ok(NewOrder {
        payment_request_id: format!("pay_{}", uuid::Uuid::new_v4().simple()),
        order_id,
        amount,
        description: description.to_string(),
        payment_method_type: method.to_string(),
        buyer_id: input.buyer_id,
        session_expires_at_ms: None,
    })
}

/// The exact acknowledgement Antom expects; anything else makes it resend.
fn ack() -> Response {
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
fn store_error(e: StoreError) -> Response {
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

fn client_error(order_id: &str, e: ClientError) -> Response {
    tracing::warn!(order_id, error = %e, "createPaymentSession failed");
    match &e {
        ClientError::Business { result, .. } => (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({
                "error": "antom_refused",
                "message": e.to_string(),
                "orderId": order_id,
                "resultCode": result.result_code.as_str(),
            })),
        )
            .into_response(),
        ClientError::Connect(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "antom_unreachable",
            "could not reach Antom",
        ),
        _ => (
            StatusCode::GATEWAY_TIMEOUT,
            Json(serde_json::json!({
                "error": "antom_outcome_unknown",
                "message": "Antom's answer is unknown; the order will be reconciled",
                "orderId": order_id,
            })),
        )
            .into_response(),
    }
}

fn with_order_id(url: &str, order_id: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}orderId={}", urlencode(order_id))
}

/// RFC 3986 unreserved characters stay as they are; everything else is escaped.
const URL_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URL_COMPONENT).to_string()
}
