//! Money as Antom sends it: a currency code and an integer count of minor units.
//!
//! On the wire an amount is `{"currency":"SGD","value":"4200"}`: `value` is a
//! string of ASCII digits in the currency's minor unit (cents for SGD, whole
//! won for KRW, thousandths for BHD). This module never uses floating point
//! for money: values are `u64` minor units and display uses integer division.
//!
//! # What is checked where
//!
//! * [`Currency::new`] and deserialization require exactly three uppercase
//!   ASCII letters. A well-formed code missing from the crate's table is
//!   accepted ([`Currency::is_known`] tells), because Antom may add currencies
//!   before this crate does; its [`minor_unit`](Currency::minor_unit) is then
//!   `None` rather than a guess.
//! * [`Amount::new`] and deserialization enforce the wire format: a
//!   non-negative integer of at most 16 digits ([`MAX_MINOR_UNITS`]). Strings
//!   must be canonical digits: no sign, spaces, exponent, fraction or leading
//!   zero. JSON integers are accepted too; JSON floats never are. Zero is
//!   allowed because Antom reports zero amounts (e.g. coupon amounts).
//! * [`Amount::validate_for_antom`] adds the business rules Antom's newest
//!   official library checks before sending: value greater than zero,
//!   currency in Antom's table, and per-currency multiples (IDR in multiples
//!   of 100 minor units). Call it on amounts you are about to send.
//!
//! The currency table combines ISO 4217 minor units with Antom's own table
//! ([`ANTOM_CURRENCY_RULES_JSON`], embedded verbatim from
//! `data/antom-amount-currency-rules.json`; a test keeps them in agreement).

mod currency;
mod deserialize;
mod error;
mod money;

pub use currency::Currency;
pub use error::AmountError;
pub use money::{parse_minor_units, Amount};

/// The most minor units an Antom amount may carry: 16 digits.
pub const MAX_MINOR_UNITS: u64 = 9_999_999_999_999_999;

/// The most digits Antom accepts in an amount value.
pub const MAX_VALUE_DIGITS: usize = 16;

/// Antom's currency rules as shipped in this crate (`schemaVersion` 1): the
/// currencies Antom lists with their minor units, and extra constraints
/// such as IDR's multiple of 100.
pub const ANTOM_CURRENCY_RULES_JSON: &str = include_str!("../../data/antom-amount-currency-rules.json");
