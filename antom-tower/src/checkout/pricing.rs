//! Where prices come from: the merchant's server, never the browser.
//!
//! `POST {prefix}/sessions` hands what the front end sent (a JSON object: a
//! cart id, SKUs and quantities, anything the merchant defines) and the
//! request's parts (headers, cookies, extensions such as a logged-in user) to
//! a [`PriceOrder`], which answers the [`PricedOrder`]: amount, description,
//! goods, buyer, metadata. Whatever amount the body carries is never read,
//! unless the merchant chose [`ClientAmount`] (donations, tips), which takes
//! it within bounds per currency.
//!
//! ```
//! use antom_tower::checkout::pricing::{self, PricedOrder, PricingError, PricingRequest};
//! use antom_types::Amount;
//!
//! // One product, priced on the server; the page sends {"productId": "mug", "quantity": 2, ...}.
//! let pricing = pricing::from_fn(|request: PricingRequest| async move {
//!     if request.body["productId"] != "mug" {
//!         return Err(PricingError::UnknownItem(request.body["productId"].to_string()));
//!     }
//!     let quantity = request.body["quantity"].as_u64().filter(|q| (1..=10).contains(q))
//!         .ok_or_else(|| PricingError::Invalid("quantity: 1 to 10".into()))?;
//!     let amount = Amount::from_minor_units(1500 * quantity, "SGD").map_err(|e| PricingError::Invalid(e.to_string()))?;
//!     Ok(PricedOrder::new(amount, format!("{quantity} x Mug")))
//! });
//! # let _ = pricing;
//! ```

use std::collections::HashMap;
use std::future::Future;

use antom_types::{Amount, Buyer, Currency, Goods};
use async_trait::async_trait;
use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::error::BoxError;

/// What the pricing hook is given: the front end's JSON and the request's parts.
#[derive(Debug, Clone)]
pub struct PricingRequest {
    /// The request body: a JSON object as the front end sent it. Its
    /// `paymentMethodType` was already checked against the allowed list.
    pub body: Value,
    /// The request's method, URI, headers and extensions (a session layer's
    /// user, `ConnectInfo`...).
    pub parts: http::request::Parts,
    /// The payment method the buyer chose (one of the checkout's allowed methods).
    pub payment_method_type: String,
}

/// The order as the merchant priced it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PricedOrder {
    /// What is charged: integer minor units and the currency.
    pub amount: Amount,
    /// What is bought, shown to the buyer (1 to 256 characters).
    pub description: String,
    /// The lines of the order, sent as `order.goods` (empty: none sent).
    pub goods: Vec<Goods>,
    /// The buyer, sent as `order.buyer`; its `referenceBuyerId` is stored with the order.
    pub buyer: Option<Buyer>,
    /// Anything else the merchant wants at hand when the session is shaped
    /// ([`SessionContext::priced`](super::SessionContext::priced)); not sent to Antom and not stored.
    pub metadata: Map<String, Value>,
}

impl PricedOrder {
    /// An order of `amount` described as `description`, with no goods, buyer or metadata.
    pub fn new(amount: Amount, description: impl Into<String>) -> PricedOrder {
        PricedOrder {
            amount,
            description: description.into(),
            goods: Vec::new(),
            buyer: None,
            metadata: Map::new(),
        }
    }

    /// With these goods lines.
    pub fn with_goods(mut self, goods: impl IntoIterator<Item = Goods>) -> Self {
        self.goods = goods.into_iter().collect();
        self
    }

    /// With this buyer.
    pub fn with_buyer(mut self, buyer: Buyer) -> Self {
        self.buyer = Some(buyer);
        self
    }

    /// With one metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// Why the merchant will not price the order; each becomes a 4xx (or 503) JSON answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// The front end's JSON does not describe an order (422 `invalid_order`).
    #[error("{0}")]
    Invalid(String),
    /// A product, SKU or cart the merchant does not know (422 `unknown_item`).
    #[error("unknown item {0}")]
    UnknownItem(String),
    /// Known, but not for sale now: sold out, not in this currency (409 `not_available`).
    #[error("{0}")]
    NotAvailable(String),
    /// The buyer may not order this (403 `forbidden`).
    #[error("{0}")]
    Forbidden(String),
    /// The merchant's own systems failed (503 `pricing_unavailable`; the
    /// message is logged, not shown).
    #[error("pricing failed: {0}")]
    Failed(#[source] BoxError),
}

impl PricingError {
    /// The HTTP status and error code of the answer.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            PricingError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_order"),
            PricingError::UnknownItem(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_item"),
            PricingError::NotAvailable(_) => (StatusCode::CONFLICT, "not_available"),
            PricingError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            PricingError::Failed(_) => (StatusCode::SERVICE_UNAVAILABLE, "pricing_unavailable"),
        }
    }
}

/// Prices the front end's order on the server. Required by
/// [`CheckoutBuilder::pricing`](super::CheckoutBuilder::pricing).
#[async_trait]
pub trait PriceOrder: Send + Sync + 'static {
    /// The order to charge for `request`, or why not.
    async fn price_order(&self, request: PricingRequest) -> Result<PricedOrder, PricingError>;
}

/// A [`PriceOrder`] from an async closure (see [`from_fn`]).
#[derive(Clone)]
pub struct PriceFn<F>(F);

impl<F> std::fmt::Debug for PriceFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PriceFn")
    }
}

/// Prices with an async closure `|PricingRequest| async { Ok(PricedOrder) }`.
pub fn from_fn<F, Fut>(f: F) -> PriceFn<F>
where
    F: Fn(PricingRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<PricedOrder, PricingError>> + Send + 'static,
{
    PriceFn(f)
}

#[async_trait]
impl<F, Fut> PriceOrder for PriceFn<F>
where
    F: Fn(PricingRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<PricedOrder, PricingError>> + Send + 'static,
{
    async fn price_order(&self, request: PricingRequest) -> Result<PricedOrder, PricingError> {
        (self.0)(request).await
    }
}

/// **The exception**: the buyer says what they pay (donations, tips,
/// pay-what-you-want), within bounds per currency. Reads `amount` (minor
/// units, a JSON integer or a string of digits), `currency` and
/// `description` from the body; a currency without bounds is refused.
///
/// ```
/// use antom_tower::checkout::pricing::ClientAmount;
/// use antom_types::Currency;
///
/// // Tips of 1.00 to 50.00 SGD.
/// let tips = ClientAmount::new().allow(Currency::SGD, 100, 5_000);
/// # let _ = tips;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientAmount {
    bounds: HashMap<Currency, (u64, u64)>,
}

impl ClientAmount {
    /// No currency allowed yet: add each with [`allow`](Self::allow).
    pub fn new() -> ClientAmount {
        ClientAmount::default()
    }

    /// Accepts amounts from `min` to `max` minor units (inclusive) in `currency`.
    pub fn allow(mut self, currency: Currency, min: u64, max: u64) -> Self {
        self.bounds.insert(currency, (min.max(1), max));
        self
    }

    fn price(&self, body: &Value) -> Result<PricedOrder, PricingError> {
        let invalid = |message: String| PricingError::Invalid(message);
        let currency = body["currency"]
            .as_str()
            .ok_or_else(|| invalid("currency: expected an ISO 4217 code such as SGD".into()))?;
        let currency = Currency::new(currency.trim()).map_err(|e| invalid(format!("currency: {e}")))?;
        let Some(&(min, max)) = self.bounds.get(&currency) else {
            return Err(PricingError::NotAvailable(format!(
                "currency {currency} is not accepted"
            )));
        };
        let amount = match &body["amount"] {
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| invalid("amount: expected minor units, a whole number".into()))
                .and_then(|v| Amount::new(currency, v).map_err(|e| invalid(format!("amount: {e}")))),
            Value::String(s) => Amount::parse(currency.as_str(), s).map_err(|e| invalid(format!("amount: {e}"))),
            _ => Err(invalid("amount: expected minor units, a whole number".into())),
        }?;
        if amount.value() < min || amount.value() > max {
            return Err(invalid(format!(
                "amount: expected {min} to {max} minor units of {currency}"
            )));
        }
        let description = body["description"].as_str().unwrap_or_default().trim();
        Ok(PricedOrder::new(amount, description))
    }
}

#[async_trait]
impl PriceOrder for ClientAmount {
    async fn price_order(&self, request: PricingRequest) -> Result<PricedOrder, PricingError> {
        self.price(&request.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_amount_keeps_to_its_bounds() {
        let tips = ClientAmount::new().allow(Currency::SGD, 100, 5_000);
        let ok = tips
            .price(&json!({"amount": 500, "currency": "SGD", "description": "Tip"}))
            .unwrap();
        assert_eq!(ok.amount, Amount::from_minor_units(500, "SGD").unwrap());
        assert_eq!(
            tips.price(&json!({"amount": "5000", "currency": "SGD"}))
                .unwrap()
                .amount
                .value(),
            5000
        );
        for body in [
            json!({"amount": 99, "currency": "SGD"}),
            json!({"amount": 5001, "currency": "SGD"}),
            json!({"amount": 12.5, "currency": "SGD"}),
            json!({"amount": "1.00", "currency": "SGD"}),
            json!({"currency": "SGD"}),
        ] {
            assert!(matches!(tips.price(&body), Err(PricingError::Invalid(_))), "{body}");
        }
        assert!(matches!(
            tips.price(&json!({"amount": 500, "currency": "USD"})),
            Err(PricingError::NotAvailable(_))
        ));
    }
}
