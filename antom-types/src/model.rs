//! Objects shared by several APIs: order, buyer, goods, environment,
//! payment method, settlement, quotes and payment result details.
//!
//! Every struct keeps fields it does not model in `extra`, so a message
//! re-serializes without loss and fields Antom documents but this crate
//! does not name (shipping, merchant, ...) can still be sent through it.
//! Times are ISO 8601 strings kept as sent (Antom's samples include offsets
//! such as `+08:30`).

use crate::amount::{Amount, Currency};
use crate::codes::{CardFunding, OsType, PaymentMethodType, TerminalType, TransactionStatus, TransactionType};
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `order`: what the buyer is paying for.
///
/// `referenceOrderId`, `orderDescription` and `orderAmount` are required by
/// createPaymentSession; build with [`Order::new`] and fill the rest with
/// struct update syntax: `Order { buyer: Some(buyer), ..Order::new(id, desc, amount) }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The merchant's order id.
    pub reference_order_id: String,
    /// A description of the order. Avoid Chinese characters: some payment
    /// methods (QRIS, Mastercard) reject them.
    pub order_description: String,
    /// The order amount.
    pub order_amount: Amount,
    /// The buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    /// The goods in the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods: Option<Vec<Goods>>,
    /// Where the order was placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Env>,
    /// Extended information, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<String>,
    /// Fields this crate does not model (shipping, merchant, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Order {
    /// An order with its required fields; everything else empty.
    pub fn new(
        reference_order_id: impl Into<String>,
        order_description: impl Into<String>,
        order_amount: Amount,
    ) -> Order {
        Order {
            reference_order_id: reference_order_id.into(),
            order_description: order_description.into(),
            order_amount,
            buyer: None,
            goods: None,
            env: None,
            extend_info: None,
            extra: Map::new(),
        }
    }
}

/// `buyer`: who is paying. All fields optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    /// The merchant's id for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_buyer_id: Option<String>,
    /// The buyer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<UserName>,
    /// The buyer's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_phone_no: Option<String>,
    /// The buyer's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_email: Option<String>,
    /// When the buyer registered with the merchant (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_registration_time: Option<String>,
    /// Whether the merchant verified the buyer's account.
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub is_account_verified: Option<bool>,
    /// How many orders the buyer completed with the merchant.
    #[serde(default, with = "crate::de::lenient_u64", skip_serializing_if = "Option::is_none")]
    pub successful_order_count: Option<u64>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A person's name (`buyerName`, `holderName`...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserName {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One line of `order.goods`.
///
/// `referenceGoodsId` and `goodsName` are required; build with
/// [`Goods::new`] and struct update syntax for the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Goods {
    /// The merchant's id for the goods.
    pub reference_goods_id: String,
    /// The goods' name.
    pub goods_name: String,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_category: Option<String>,
    /// Brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_brand: Option<String>,
    /// Price of one unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_unit_amount: Option<Amount>,
    /// Quantity.
    #[serde(default, with = "crate::de::lenient_u64", skip_serializing_if = "Option::is_none")]
    pub goods_quantity: Option<u64>,
    /// SKU name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_sku_name: Option<String>,
    /// Product page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_url: Option<String>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_image_url: Option<String>,
    /// Delivery method (`PHYSICAL`, `DIGITAL`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_method_type: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Goods {
    /// Goods with the required id and name; everything else empty.
    pub fn new(reference_goods_id: impl Into<String>, goods_name: impl Into<String>) -> Goods {
        Goods {
            reference_goods_id: reference_goods_id.into(),
            goods_name: goods_name.into(),
            goods_category: None,
            goods_brand: None,
            goods_unit_amount: None,
            goods_quantity: None,
            goods_sku_name: None,
            goods_url: None,
            goods_image_url: None,
            delivery_method_type: None,
            extra: Map::new(),
        }
    }
}

/// `env`: the environment the buyer pays from. All fields optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    /// Terminal kind (WEB, WAP, APP, MINI_APP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_type: Option<TerminalType>,
    /// Mobile OS (IOS, ANDROID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    /// Browser user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Device token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token_id: Option<String>,
    /// Buyer's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// Cookie id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie_id: Option<String>,
    /// Store terminal id (in-store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_terminal_id: Option<String>,
    /// Store terminal request time (in-store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_terminal_request_time: Option<String>,
    /// Browser details (for 3D Secure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_info: Option<BrowserInfo>,
    /// Screen colour depth in bits.
    #[serde(default, with = "crate::de::lenient_u64", skip_serializing_if = "Option::is_none")]
    pub color_depth: Option<u64>,
    /// Screen height in pixels.
    #[serde(default, with = "crate::de::lenient_u64", skip_serializing_if = "Option::is_none")]
    pub screen_height: Option<u64>,
    /// Screen width in pixels.
    #[serde(default, with = "crate::de::lenient_u64", skip_serializing_if = "Option::is_none")]
    pub screen_width: Option<u64>,
    /// Minutes between UTC and the buyer's local time (may be negative).
    #[serde(default, with = "crate::de::lenient_i64", skip_serializing_if = "Option::is_none")]
    pub time_zone_offset: Option<i64>,
    /// Device brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_brand: Option<String>,
    /// Device model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_model: Option<String>,
    /// Device language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_language: Option<String>,
    /// Device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Extended information, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `env.browserInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserInfo {
    /// The HTTP Accept header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_header: Option<String>,
    /// Whether Java is enabled.
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub java_enabled: Option<bool>,
    /// Whether JavaScript is enabled.
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub java_script_enabled: Option<bool>,
    /// Browser language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Browser user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `paymentMethod`: how the buyer pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// The payment method, e.g. `CARD`, `ONLINEBANKING_FPX`.
    pub payment_method_type: PaymentMethodType,
    /// A saved payment method's id (e.g. a card token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_id: Option<String>,
    /// Method-specific data (card details, bank codes...), passed as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_meta_data: Option<Map<String, Value>>,
    /// The customer id at the payment method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Whether the issuer must authenticate the payment (3D Secure).
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub require_issuer_authentication: Option<bool>,
    /// Extended information, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PaymentMethod {
    /// A payment method with only its type.
    pub fn new(payment_method_type: impl Into<PaymentMethodType>) -> PaymentMethod {
        PaymentMethod {
            payment_method_type: payment_method_type.into(),
            payment_method_id: None,
            payment_method_meta_data: None,
            customer_id: None,
            require_issuer_authentication: None,
            extend_info: None,
            extra: Map::new(),
        }
    }
}

impl From<PaymentMethodType> for PaymentMethod {
    fn from(payment_method_type: PaymentMethodType) -> PaymentMethod {
        PaymentMethod::new(payment_method_type)
    }
}

/// `settlementStrategy`: the currency the merchant is settled in. Needed
/// when the merchant signed several settlement currencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementStrategy {
    /// The settlement currency.
    pub settlement_currency: Currency,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SettlementStrategy {
    /// Settle in `currency`.
    pub fn new(currency: Currency) -> SettlementStrategy {
        SettlementStrategy {
            settlement_currency: currency,
            extra: Map::new(),
        }
    }
}

/// `settlementQuote` / `paymentQuote`: an exchange rate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// Quote id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// Currency pair, e.g. `"SGD/USD"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_currency_pair: Option<String>,
    /// The rate as decimal text, kept exactly as Antom sent it (never a float).
    #[serde(
        default,
        with = "crate::de::lenient_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_price: Option<String>,
    /// Start of validity (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_start_time: Option<String>,
    /// End of validity (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_expiry_time: Option<String>,
    /// Whether the rate is guaranteed.
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub guaranteed: Option<bool>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `paymentResultInfo`: card details of a payment (notifyPayment, inquiryPayment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResultInfo {
    /// Masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    /// Card brand, e.g. `VISA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_brand: Option<String>,
    /// Card token for later payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_token: Option<String>,
    /// Issuing country (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// Funding type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<CardFunding>,
    /// Region of the payment method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_region: Option<String>,
    /// 3D Secure outcome.
    #[serde(default, rename = "threeDSResult", skip_serializing_if = "Option::is_none")]
    pub three_ds_result: Option<ThreeDsResult>,
    /// Raw AVS result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avs_result_raw: Option<String>,
    /// Raw CVV result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvv_result_raw: Option<String>,
    /// Card network's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_transaction_id: Option<String>,
    /// Cardholder name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cardholder_name: Option<String>,
    /// First digits of the card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_bin: Option<String>,
    /// Last four digits of the card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// Expiry month, two digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_month: Option<String>,
    /// Expiry year, two digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_year: Option<String>,
    /// Fields this crate does not model (creditPayPlan, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `threeDSResult`: 3D Secure authentication details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreeDsResult {
    /// 3DS version.
    #[serde(default, rename = "threeDSVersion", skip_serializing_if = "Option::is_none")]
    pub three_ds_version: Option<String>,
    /// Electronic commerce indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eci: Option<String>,
    /// Cardholder authentication verification value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cavv: Option<String>,
    /// Directory server transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ds_transaction_id: Option<String>,
    /// 3DS 1.0 transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xid: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `acquirerInfo`: the acquirer that processed the transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcquirerInfo {
    /// Acquirer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_name: Option<String>,
    /// Request id at the acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_request_id: Option<String>,
    /// Transaction id at the acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_transaction_id: Option<String>,
    /// Merchant id at the acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_merchant_id: Option<String>,
    /// Acquirer's result code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_result_code: Option<String>,
    /// Acquirer's result message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_result_message: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `pspCustomerInfo`: the buyer's account at the wallet, when it tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PspCustomerInfo {
    /// The wallet's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psp_name: Option<String>,
    /// The buyer's id at the wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psp_customer_id: Option<String>,
    /// The buyer's id for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_customer_id: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of inquiryPayment's `transactions` (refunds, captures... of the payment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// The transaction's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_result: Option<ApiResult>,
    /// Antom's id for the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The merchant's request id for the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_request_id: Option<String>,
    /// Kind of transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
    /// Its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<TransactionStatus>,
    /// Its amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_amount: Option<Amount>,
    /// When it happened (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_time: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A postal address (`billingAddress`, `shippingAddress`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Country or region (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Address line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
