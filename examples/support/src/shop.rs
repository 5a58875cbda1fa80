//! The merchant's side of a checkout, with no web framework: what the hyper,
//! tonic and warp examples call from their handlers. (The axum example uses
//! `antom_tower::checkout`, which does the same behind ready-made routes.)
//!
//! 1. [`Shop::create_session`] stores the order, then calls Antom's
//!    createPaymentSession with a fresh paymentRequestId and the notify and
//!    redirect URLs, and returns what the buyer's browser needs.
//! 2. Antom (or the mock) posts the result to the notify URL. The server
//!    verifies the signature with `VerifyNotificationLayer` **before** calling
//!    [`Shop::handle_notification`] with the verified bytes, which applies the
//!    result to the store and acknowledges only once the store accepted it.
//! 3. [`Shop::order`] reads the order: what a result page or a GetOrder call shows.
//!
//! The JSON shapes are the axum checkout routes' own ([`SessionRequest`] is
//! what the example page posts to them; [`CreateSessionResponse`],
//! [`OrderView`]), so one front end works with every example. Prices come
//! from the [`catalogue`](crate::catalogue), as in the axum example.

use std::sync::Arc;

use antom_tower::checkout::{CreateSessionResponse, OrderView};
use antom_tower::client::{AntomClient, BuildError, ClientError, Environment};
use antom_tower::config::AntomConfig;
use antom_tower::store::{InboundNotification, InboxOutcome, NewOrder, OrderStore, StoreError};
use antom_types::{CreatePaymentSessionRequest, Order, PaymentMethodType, NOTIFICATION_ACK_SUCCESS};
use http::StatusCode;
use serde::Deserialize;

/// What a front end posts to create a session (the same JSON the axum
/// checkout routes take in the example): a product of the
/// [`catalogue`](crate::catalogue), never a price.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    /// A product id of [`crate::catalogue::PRODUCTS`].
    pub product_id: String,
    /// How many.
    pub quantity: u64,
    /// ISO 4217, one the product is priced in, e.g. `SGD`.
    pub currency: String,
    /// Antom's paymentMethodType, e.g. `ALIPAY_CN`.
    pub payment_method_type: String,
}

/// The client, the store and the URLs a checkout needs. Cheap to clone.
#[derive(Clone)]
pub struct Shop {
    inner: Arc<Inner>,
}

struct Inner {
    client: AntomClient,
    store: Arc<dyn OrderStore>,
    notify_url: String,
    redirect_url: String,
}

impl std::fmt::Debug for Shop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shop")
            .field("client", &self.inner.client)
            .field("notify_url", &self.inner.notify_url)
            .field("redirect_url", &self.inner.redirect_url)
            .finish_non_exhaustive()
    }
}

/// Why a shop operation failed, with the HTTP status and code to answer.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// The front end sent an order that cannot be paid (amount, currency, method...).
    #[error("{0}")]
    Invalid(String),
    /// No such order.
    #[error("no such order")]
    NotFound,
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Antom refused or could not be reached; the order id is kept for reconciliation.
    #[error("createPaymentSession failed for order {order_id}: {source}")]
    Antom {
        /// The stored order.
        order_id: String,
        /// What the client reported.
        #[source]
        source: Box<ClientError>,
    },
    /// Antom answered without paymentSessionData.
    #[error("Antom returned no paymentSessionData")]
    NoSessionData,
}

impl ShopError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ShopError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ShopError::NotFound => StatusCode::NOT_FOUND,
            ShopError::Store(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            ShopError::Store(_) => StatusCode::CONFLICT,
            ShopError::NoSessionData => StatusCode::BAD_GATEWAY,
            ShopError::Antom { source, .. } => match **source {
                ClientError::Business { .. } => StatusCode::BAD_GATEWAY,
                ClientError::Connect(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::GATEWAY_TIMEOUT,
            },
        }
    }

    /// A short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ShopError::Invalid(_) => "invalid_order",
            ShopError::NotFound => "unknown_order",
            ShopError::Store(_) => "store_error",
            ShopError::Antom { .. } => "antom_error",
            ShopError::NoSessionData => "antom_invalid_response",
        }
    }

    /// `{"error": code, "message": ...}`, the axum routes' error shape.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "error": self.code(), "message": self.to_string() }).to_string()
    }
}

/// The answer to a verified notification: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyReply {
    /// 200 with the acknowledgement, or an error status (Antom then resends).
    pub status: StatusCode,
    /// The body.
    pub body: String,
}

impl NotifyReply {
    fn ack() -> Self {
        NotifyReply {
            status: StatusCode::OK,
            body: NOTIFICATION_ACK_SUCCESS.to_owned(),
        }
    }

    fn refuse(status: StatusCode, code: &str, message: impl std::fmt::Display) -> Self {
        NotifyReply {
            status,
            body: serde_json::json!({ "error": code, "message": message.to_string() }).to_string(),
        }
    }
}

impl Shop {
    /// A shop from the configuration (client, notify and redirect URLs) and a store.
    pub fn new(config: &AntomConfig, store: Arc<dyn OrderStore>) -> Result<Shop, BuildError> {
        Ok(Shop {
            inner: Arc::new(Inner {
                client: config.client_builder().build()?,
                store,
                notify_url: config.notify_url.clone(),
                redirect_url: config.redirect_url.clone(),
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn OrderStore> {
        &self.inner.store
    }

    /// The client.
    pub fn client(&self) -> &AntomClient {
        &self.inner.client
    }

    /// Stores the order, asks Antom for a payment session, marks the order pending.
    pub async fn create_session(&self, request: SessionRequest) -> Result<CreateSessionResponse, ShopError> {
        let inner = &self.inner;
        let order = inner.store.create_order(validate(request)?).await?;
        let redirect_url = with_query(&inner.redirect_url, "orderId", &order.order_id);
        let request = CreatePaymentSessionRequest::new(
            order.payment_request_id.clone(),
            Order::new(order.order_id.clone(), order.description.clone(), order.amount),
            order.amount,
            PaymentMethodType::from(order.payment_method_type.as_str()),
            redirect_url,
        )
        .with_payment_notify_url(inner.notify_url.clone());
        let session = inner
            .client
            .create_payment_session(&request)
            .await
            .map_err(|source| ShopError::Antom {
                order_id: order.order_id.clone(),
                source: Box::new(source),
            })?;
        // Best effort: an order left `created` is settled by inquiry later.
        if let Err(e) = inner.store.mark_pending(&order.order_id).await {
            tracing::warn!(order_id = %order.order_id, error = %e, "could not mark the order pending");
        }
        Ok(CreateSessionResponse {
            order_id: order.order_id,
            payment_request_id: order.payment_request_id,
            payment_session_data: session.payment_session_data.ok_or(ShopError::NoSessionData)?,
            payment_session_id: session.payment_session_id,
            payment_session_expiry_time: session.payment_session_expiry_time,
            normal_url: session.normal_url,
            environment: match inner.client.environment() {
                Environment::Sandbox => "sandbox".into(),
                Environment::Production => "prod".into(),
            },
        })
    }

    /// The order, as the store has it.
    pub async fn order(&self, order_id: &str) -> Result<OrderView, ShopError> {
        match self.inner.store.get_order(order_id).await? {
            Some(order) => Ok(OrderView::from(&order)),
            None => Err(ShopError::NotFound),
        }
    }

    /// Stores a notification whose signature was **already verified** (call
    /// it only behind `VerifyNotificationLayer`) in the store's inbox, with what
    /// it does to its order (payment, refund, dispute, capture), in one store
    /// call: nothing Antom says is dropped. Acknowledges once that is durable;
    /// a refused notification (unknown order, amount mismatch...) is kept in
    /// the inbox and answered with an error, so Antom resends it.
    pub async fn handle_notification(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        verified_body: &[u8],
    ) -> NotifyReply {
        let (inbound, effect) = InboundNotification::parse(method, uri, headers, verified_body, now_ms());
        let recorded = match self.inner.store.record_notification(&inbound, &effect).await {
            Ok(recorded) => recorded,
            Err(e) if e.is_transient() => {
                return NotifyReply::refuse(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", e)
            }
            Err(e) => return NotifyReply::refuse(StatusCode::CONFLICT, "store_refused", e),
        };
        // `info` for what changed an order, `debug` for a resend or a stale
        // result: a line per duplicate costs throughput and says nothing new.
        if !matches!(recorded.outcome, InboxOutcome::Duplicate | InboxOutcome::Ignored) {
            tracing::info!(key = %inbound.key, outcome = %recorded.outcome, "notification stored");
        } else {
            tracing::debug!(key = %inbound.key, outcome = %recorded.outcome, "notification stored");
        }
        if recorded.acknowledges(true) {
            return NotifyReply::ack();
        }
        let (status, code) = recorded.rejection();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
        match recorded.result {
            Err(e) => NotifyReply::refuse(status, code, e),
            Ok(_) => NotifyReply::refuse(status, code, "not acknowledged"),
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Prices the front end's order from the catalogue and gives it fresh ids.
pub fn validate(input: SessionRequest) -> Result<NewOrder, ShopError> {
    let method = input.payment_method_type.trim();
    if !crate::catalogue::PAYMENT_METHODS.contains(&method) {
        return Err(ShopError::Invalid(format!(
            "paymentMethodType: expected one of {}",
            crate::catalogue::PAYMENT_METHODS.join(", ")
        )));
    }
    let body = serde_json::to_value(&input).map_err(|e| ShopError::Invalid(e.to_string()))?;
    let priced = crate::catalogue::price(&body).map_err(|e| ShopError::Invalid(e.to_string()))?;
    Ok(NewOrder {
        order_id: format!("ord_{}", uuid::Uuid::new_v4().simple()),
        payment_request_id: format!("pay_{}", uuid::Uuid::new_v4().simple()),
        amount: priced.amount,
        description: priced.description,
        payment_method_type: method.to_owned(),
        buyer_id: None,
        session_expires_at_ms: None,
    })
}

/// `url` with `name=value` appended to its query (value percent-encoded).
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let encoded: String = value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{url}{separator}{name}={encoded}")
}

/// The value of `name` in a query string (`a=1&orderId=ord_x`), undecoded:
/// the ids this shop makes need no decoding.
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name && !value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        assert_eq!(
            with_query("http://a/return", "orderId", "ord_1"),
            "http://a/return?orderId=ord_1"
        );
        assert_eq!(
            with_query("http://a/r?x=1", "orderId", "a b"),
            "http://a/r?x=1&orderId=a%20b"
        );
        assert_eq!(query_param(Some("x=1&orderId=ord_1"), "orderId"), Some("ord_1"));
        assert_eq!(query_param(Some("orderId="), "orderId"), None);
        assert_eq!(query_param(None, "orderId"), None);
    }

    #[test]
    fn prices_orders_from_the_catalogue() {
        let request = |quantity: u64, currency: &str, method: &str| SessionRequest {
            product_id: "sticker-pack".into(),
            quantity,
            currency: currency.into(),
            payment_method_type: method.into(),
        };
        let order = validate(request(2, "SGD", "ALIPAY_CN")).expect("valid");
        assert_eq!(order.amount.value(), 8400);
        assert!(order.order_id.starts_with("ord_") && order.payment_request_id.starts_with("pay_"));
        assert!(validate(request(0, "SGD", "ALIPAY_CN")).is_err());
        assert!(validate(request(1, "EUR", "ALIPAY_CN")).is_err());
        assert!(validate(request(1, "SGD", "alipay")).is_err());
    }
}
