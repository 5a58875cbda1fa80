//! The example shop's catalogue: what it sells and at what price, on the
//! server. The page sends a product id, a quantity and the buyer's currency;
//! the price is looked up here, never taken from the browser.

use antom_tower::checkout::pricing::{self, PriceOrder, PricedOrder, PricingError, PricingRequest};
use antom_types::{Amount, Goods};
use serde_json::Value;

/// A product with a price per currency, in minor units.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// The id the page sends.
    pub id: &'static str,
    /// What the buyer sees.
    pub name: &'static str,
    /// `(currency, minor units)` for each currency it is sold in.
    pub prices: &'static [(&'static str, u64)],
}

/// Everything the shop sells.
pub const PRODUCTS: &[Product] = &[Product {
    id: "sticker-pack",
    name: "antom-rs sticker pack",
    prices: &[
        ("SGD", 4200),
        ("USD", 3200),
        ("HKD", 25000),
        ("CNY", 23000),
        ("JPY", 4800),
        ("KRW", 43000),
    ],
}];

/// The payment methods the shop offers; anything else is refused.
pub const PAYMENT_METHODS: &[&str] = &[
    "ALIPAY_CN",
    "ALIPAY_HK",
    "GCASH",
    "DANA",
    "KAKAOPAY",
    "TNG",
    "TRUEMONEY",
    "SHOPEEPAY_SG",
];

/// The most of one product in an order.
pub const MAX_QUANTITY: u64 = 20;

/// Prices `{"productId", "quantity", "currency"}` from [`PRODUCTS`].
pub fn price(body: &Value) -> Result<PricedOrder, PricingError> {
    let id = body["productId"].as_str().unwrap_or_default();
    let product = PRODUCTS
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| PricingError::UnknownItem(format!("product {id:?}")))?;
    let quantity = body["quantity"]
        .as_u64()
        .filter(|q| (1..=MAX_QUANTITY).contains(q))
        .ok_or_else(|| PricingError::Invalid(format!("quantity: expected 1 to {MAX_QUANTITY}")))?;
    let currency = body["currency"].as_str().unwrap_or_default();
    let &(_, unit) = product
        .prices
        .iter()
        .find(|(c, _)| *c == currency)
        .ok_or_else(|| PricingError::NotAvailable(format!("{} is not sold in {currency:?}", product.name)))?;
    let unit_amount = Amount::from_minor_units(unit, currency).map_err(|e| PricingError::Failed(Box::new(e)))?;
    let amount = Amount::from_minor_units(unit * quantity, currency).map_err(|e| PricingError::Failed(Box::new(e)))?;
    let description = if quantity == 1 {
        product.name.to_owned()
    } else {
        format!("{quantity} x {}", product.name)
    };
    let goods = Goods {
        goods_unit_amount: Some(unit_amount),
        goods_quantity: Some(quantity),
        ..Goods::new(product.id, product.name)
    };
    Ok(PricedOrder::new(amount, description).with_goods([goods]))
}

/// [`price`] as the checkout's pricing hook.
pub fn pricing() -> impl PriceOrder {
    pricing::from_fn(|request: PricingRequest| async move { price(&request.body) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_come_from_the_catalogue() {
        let order =
            price(&json!({"productId": "sticker-pack", "quantity": 2, "currency": "SGD", "amount": 1})).unwrap();
        assert_eq!(order.amount, Amount::from_minor_units(8400, "SGD").unwrap());
        assert_eq!(order.description, "2 x antom-rs sticker pack");
        assert_eq!(order.goods[0].goods_quantity, Some(2));
        assert!(matches!(
            price(&json!({"productId": "gold", "quantity": 1, "currency": "SGD"})),
            Err(PricingError::UnknownItem(_))
        ));
        assert!(matches!(
            price(&json!({"productId": "sticker-pack", "quantity": 0, "currency": "SGD"})),
            Err(PricingError::Invalid(_))
        ));
        assert!(matches!(
            price(&json!({"productId": "sticker-pack", "quantity": 1, "currency": "EUR"})),
            Err(PricingError::NotAvailable(_))
        ));
    }
}
