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

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most minor units an Antom amount may carry: 16 digits.
pub const MAX_MINOR_UNITS: u64 = 9_999_999_999_999_999;

/// The most digits Antom accepts in an amount value.
pub const MAX_VALUE_DIGITS: usize = 16;

/// Antom's currency rules as shipped in this crate (`schemaVersion` 1): the
/// currencies Antom lists with their minor units, and extra constraints
/// such as IDR's multiple of 100.
pub const ANTOM_CURRENCY_RULES_JSON: &str = include_str!("../data/antom-amount-currency-rules.json");

/// Why a currency code or an amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// The currency code is not exactly three characters long.
    #[error("currency code {code:?} must be exactly 3 letters, found {len} characters")]
    CurrencyLength {
        /// The code as received.
        code: String,
        /// Its length in characters.
        len: usize,
    },
    /// The currency code has three characters, but not three of `A`-`Z`.
    #[error("currency code {code:?} must be three uppercase ASCII letters A-Z")]
    CurrencyNotUppercase {
        /// The code as received.
        code: String,
    },
    /// The value is an empty string.
    #[error("amount value is empty: expected a string of digits in minor units")]
    EmptyValue,
    /// The value is negative.
    #[error("amount value {value:?} is negative: amounts are non-negative minor units")]
    Negative {
        /// The value as received.
        value: String,
    },
    /// The value has a decimal point: Antom wants an integer count of minor units.
    #[error("amount value {value:?} has a fractional part: the value is an integer count of minor units (e.g. \"4200\" for 42.00 SGD), not a decimal")]
    Fractional {
        /// The value as received.
        value: String,
    },
    /// The value contains something other than ASCII digits (a sign, space,
    /// exponent, separator...).
    #[error("amount value {value:?} must contain only ASCII digits 0-9 (no sign, spaces, exponent or separators)")]
    NotDigits {
        /// The value as received.
        value: String,
    },
    /// The value has a leading zero, so it has two spellings on the wire.
    #[error("amount value {value:?} has a leading zero: write minor units without leading zeros")]
    LeadingZero {
        /// The value as received.
        value: String,
    },
    /// The value has more than 16 digits (but still fits in a `u64`).
    #[error("amount value has {digits} digits: Antom allows at most 16")]
    TooManyDigits {
        /// How many digits the value has.
        digits: usize,
    },
    /// The value is too large for a `u64`, let alone Antom's 16 digits.
    #[error("amount value {value:?} overflows: it does not fit in 64 bits and Antom allows at most 16 digits")]
    Overflow {
        /// The value as received.
        value: String,
    },
    /// The value is a JSON floating-point number such as `42.5` or `1e3`.
    #[error(
        "amount value {value} is a JSON floating-point number: send minor units as a string of digits such as \"4200\""
    )]
    FloatNumber {
        /// The number as parsed.
        value: String,
    },
    /// The value (or currency) has the wrong JSON type, e.g. a boolean.
    #[error("amount {field} must be a {expected}, found {found}")]
    WrongType {
        /// `"currency"` or `"value"`.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// The amount object lacks `currency` or `value`.
    #[error("amount is missing its {field:?} field")]
    MissingField {
        /// The missing field.
        field: &'static str,
    },
    /// A decimal string has more decimal places than the currency allows.
    #[error("{text:?} has {found} decimal places but {currency} has {allowed}")]
    TooManyDecimals {
        /// The text as given.
        text: String,
        /// The currency it was parsed for.
        currency: Currency,
        /// Decimal places found.
        found: usize,
        /// Decimal places the currency has.
        allowed: u8,
    },
    /// The currency's number of decimal places is not in the crate's table,
    /// so a decimal amount cannot be converted to minor units.
    #[error("the number of decimal places of {currency} is not known to this crate")]
    UnknownMinorUnit {
        /// The currency.
        currency: Currency,
    },
    /// [`Amount::validate_for_antom`]: the currency is not in Antom's table.
    #[error("{currency} is not in Antom's currency table")]
    NotSupportedByAntom {
        /// The currency.
        currency: Currency,
    },
    /// [`Amount::validate_for_antom`]: the value is zero.
    #[error("amount must be greater than zero")]
    NotPositive,
    /// [`Amount::validate_for_antom`]: the value is not a multiple Antom requires.
    #[error("{currency} amounts must be a multiple of {multiple} minor units, got {value}")]
    NotMultiple {
        /// The currency.
        currency: Currency,
        /// The value in minor units.
        value: u64,
        /// The required multiple.
        multiple: u64,
    },
}

/// An ISO 4217 style currency code: exactly three uppercase ASCII letters.
///
/// `Copy`, three bytes. Codes missing from the crate's table are accepted
/// (see the [module documentation](self)).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// United States dollar (2 decimals).
    pub const USD: Currency = Currency(*b"USD");
    /// Euro (2 decimals).
    pub const EUR: Currency = Currency(*b"EUR");
    /// Pound sterling (2 decimals).
    pub const GBP: Currency = Currency(*b"GBP");
    /// Singapore dollar (2 decimals).
    pub const SGD: Currency = Currency(*b"SGD");
    /// Malaysian ringgit (2 decimals).
    pub const MYR: Currency = Currency(*b"MYR");
    /// Chinese yuan (2 decimals).
    pub const CNY: Currency = Currency(*b"CNY");
    /// Hong Kong dollar (2 decimals).
    pub const HKD: Currency = Currency(*b"HKD");
    /// Indonesian rupiah (2 decimals; Antom wants multiples of 100 minor units).
    pub const IDR: Currency = Currency(*b"IDR");
    /// Philippine peso (2 decimals).
    pub const PHP: Currency = Currency(*b"PHP");
    /// Thai baht (2 decimals).
    pub const THB: Currency = Currency(*b"THB");
    /// Japanese yen (0 decimals).
    pub const JPY: Currency = Currency(*b"JPY");
    /// South Korean won (0 decimals).
    pub const KRW: Currency = Currency(*b"KRW");
    /// Vietnamese dong (0 decimals).
    pub const VND: Currency = Currency(*b"VND");
    /// Bahraini dinar (3 decimals).
    pub const BHD: Currency = Currency(*b"BHD");

    /// Checks and wraps a currency code. Rejects anything but three
    /// uppercase ASCII letters (`"sgd"`, `"SG"`, `"SGD "` are errors).
    pub fn new(code: &str) -> Result<Currency, AmountError> {
        let Ok(bytes) = <[u8; 3]>::try_from(code.as_bytes()) else {
            return Err(AmountError::CurrencyLength {
                code: code.to_owned(),
                len: code.chars().count(),
            });
        };
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(AmountError::CurrencyNotUppercase { code: code.to_owned() });
        }
        Ok(Currency(bytes))
    }

    /// The code, e.g. `"SGD"`.
    pub fn as_str(&self) -> &str {
        // Always valid: `new` admits only ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The number of decimal places (ISO 4217 minor unit exponent): 2 for
    /// USD, 0 for KRW and JPY, 3 for BHD. `None` when the code is not in the
    /// crate's table.
    pub fn minor_unit(&self) -> Option<u8> {
        self.info().map(|info| info.1)
    }

    /// Whether the code is in the crate's table (ISO 4217 plus Antom's list).
    pub fn is_known(&self) -> bool {
        self.info().is_some()
    }

    /// Whether Antom's currency table lists this currency.
    pub fn is_antom_listed(&self) -> bool {
        self.info().is_some_and(|info| info.2)
    }

    /// The multiple of minor units Antom requires for this currency, if any
    /// (`Some(100)` for IDR).
    pub fn antom_minor_value_multiple(&self) -> Option<u64> {
        self.info().map(|info| info.3).filter(|&multiple| multiple > 1)
    }

    fn info(&self) -> Option<&'static CurrencyInfo> {
        CURRENCY_TABLE
            .binary_search_by(|entry| entry.0.as_bytes().cmp(&self.0[..]))
            .ok()
            .and_then(|index| CURRENCY_TABLE.get(index))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({:?})", self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = AmountError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::new(code)
    }
}

impl TryFrom<&str> for Currency {
    type Error = AmountError;

    fn try_from(code: &str) -> Result<Self, Self::Error> {
        Currency::new(code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::new(&code).map_err(de::Error::custom)
    }
}

/// An amount of money: a [`Currency`] and a count of its minor units.
///
/// Serializes as `{"currency":"SGD","value":"4200"}`. Displays with the
/// currency's decimal places: `42.00 SGD`, `4200 KRW`, `1.234 BHD`; a
/// currency whose decimal places are unknown displays as `4200 XYZ (minor
/// units)`. Unknown fields inside an amount object are ignored, not kept:
/// keeping them would cost `Amount` its `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    currency: Currency,
    value: u64,
}

impl Amount {
    /// An amount of `minor_units` of `currency`.
    ///
    /// Enforces only the wire format (at most 16 digits); see
    /// [`validate_for_antom`](Self::validate_for_antom) for Antom's
    /// business rules (positive, known currency, multiples).
    pub fn new(currency: Currency, minor_units: u64) -> Result<Amount, AmountError> {
        if minor_units > MAX_MINOR_UNITS {
            return Err(AmountError::TooManyDigits {
                digits: digit_count(minor_units),
            });
        }
        Ok(Amount {
            currency,
            value: minor_units,
        })
    }

    /// Convenience for [`Amount::new`] with a currency code:
    /// `Amount::from_minor_units(4200, "SGD")` is 42.00 SGD.
    pub fn from_minor_units(value: u64, currency: &str) -> Result<Amount, AmountError> {
        Amount::new(Currency::new(currency)?, value)
    }

    /// Parses the wire form: a currency code and a value string of digits,
    /// with the same checks as deserialization.
    pub fn parse(currency: &str, value: &str) -> Result<Amount, AmountError> {
        let currency = Currency::new(currency)?;
        Amount::new(currency, parse_minor_units(value)?)
    }

    /// Converts a decimal in major units (`"42"`, `"42.5"`, `"42.50"`) to
    /// minor units using the currency's decimal places, with integer
    /// arithmetic only. Rejects more decimal places than the currency has
    /// (`"1.005"` USD) and currencies whose decimal places are unknown.
    pub fn from_decimal_str(currency: Currency, text: &str) -> Result<Amount, AmountError> {
        let exponent = currency
            .minor_unit()
            .ok_or(AmountError::UnknownMinorUnit { currency })?;
        if text.is_empty() {
            return Err(AmountError::EmptyValue);
        }
        if text.starts_with('-') {
            return Err(AmountError::Negative { value: text.to_owned() });
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (text.contains('.') && fraction.is_empty())
        {
            return Err(AmountError::NotDigits { value: text.to_owned() });
        }
        if fraction.len() > usize::from(exponent) {
            return Err(AmountError::TooManyDecimals {
                text: text.to_owned(),
                currency,
                found: fraction.len(),
                allowed: exponent,
            });
        }
        let too_big = || AmountError::TooManyDigits {
            digits: whole.trim_start_matches('0').len() + usize::from(exponent),
        };
        let whole: u64 = whole.parse().map_err(|_| too_big())?;
        // Pad the fraction to the full exponent: "5" in USD is 50 cents.
        let padding = u32::from(exponent) - fraction.len() as u32;
        let fraction: u64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| too_big())?
        };
        let minor = whole
            .checked_mul(10u64.pow(u32::from(exponent)))
            .and_then(|w| w.checked_add(fraction * 10u64.pow(padding)))
            .ok_or_else(too_big)?;
        Amount::new(currency, minor)
    }

    /// Reads an amount from a JSON value, with the typed error that
    /// deserialization can only report as text.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Amount, AmountError> {
        let object = value.as_object().ok_or(AmountError::WrongType {
            field: "amount",
            expected: "JSON object",
            found: json_kind(value),
        })?;
        let currency = match object.get("currency") {
            None => None,
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            Some(other) => {
                return Err(AmountError::WrongType {
                    field: "currency",
                    expected: "string",
                    found: json_kind(other),
                })
            }
        };
        let raw = object.get("value").map(|value| match value {
            serde_json::Value::String(text) => RawValue::Text(text.clone()),
            serde_json::Value::Number(number) => {
                if let Some(n) = number.as_u64() {
                    RawValue::Unsigned(n)
                } else if let Some(n) = number.as_i64() {
                    RawValue::Signed(n)
                } else {
                    RawValue::Float(number.as_f64().unwrap_or(f64::NAN))
                }
            }
            other => RawValue::WrongType(json_kind(other)),
        });
        build_amount(currency, raw)
    }

    /// The value in minor units.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.value == 0
    }

    /// Checks the rules Antom applies to amounts you send (as its newest
    /// official library does before sending): the value is greater than
    /// zero, the currency is in Antom's table, and the value is a multiple
    /// Antom requires for that currency (IDR: 100 minor units).
    pub fn validate_for_antom(&self) -> Result<(), AmountError> {
        if self.value == 0 {
            return Err(AmountError::NotPositive);
        }
        if !self.currency.is_antom_listed() {
            return Err(AmountError::NotSupportedByAntom {
                currency: self.currency,
            });
        }
        if let Some(multiple) = self.currency.antom_minor_value_multiple() {
            if self.value % multiple != 0 {
                return Err(AmountError::NotMultiple {
                    currency: self.currency,
                    value: self.value,
                    multiple,
                });
            }
        }
        Ok(())
    }

    /// The sum, or `None` if the currencies differ or the sum exceeds 16 digits.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        if self.currency != other.currency {
            return None;
        }
        let value = self.value.checked_add(other.value)?;
        Amount::new(self.currency, value).ok()
    }

    /// The difference, or `None` if the currencies differ or it would be negative.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        if self.currency != other.currency {
            return None;
        }
        let value = self.value.checked_sub(other.value)?;
        Amount::new(self.currency, value).ok()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.currency.minor_unit() {
            Some(0) => write!(f, "{} {}", self.value, self.currency),
            Some(exponent) => {
                let divisor = 10u64.pow(u32::from(exponent));
                write!(
                    f,
                    "{}.{:0width$} {}",
                    self.value / divisor,
                    self.value % divisor,
                    self.currency,
                    width = usize::from(exponent)
                )
            }
            None => write!(f, "{} {} (minor units)", self.value, self.currency),
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Amount", 2)?;
        state.serialize_field("currency", self.currency.as_str())?;
        state.serialize_field("value", &self.value.to_string())?;
        state.end()
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AmountVisitor)
    }
}

/// Parses an amount value string: canonical ASCII digits, at most 16 of
/// them. Each way of failing has its own [`AmountError`] variant.
pub fn parse_minor_units(text: &str) -> Result<u64, AmountError> {
    if text.is_empty() {
        return Err(AmountError::EmptyValue);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        let body = text.strip_prefix('-');
        let is_number_like = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if body.is_some_and(is_number_like) {
            return Err(AmountError::Negative { value: text.to_owned() });
        }
        let dots = text.bytes().filter(|&b| b == b'.').count();
        if dots == 1 && is_number_like(text) {
            return Err(AmountError::Fractional { value: text.to_owned() });
        }
        return Err(AmountError::NotDigits { value: text.to_owned() });
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(AmountError::LeadingZero { value: text.to_owned() });
    }
    if text.len() > MAX_VALUE_DIGITS {
        // Distinguish "too long for Antom" from "too long for any integer".
        return Err(match text.parse::<u64>() {
            Ok(_) => AmountError::TooManyDigits { digits: text.len() },
            Err(_) => AmountError::Overflow { value: text.to_owned() },
        });
    }
    // At most 16 digits always fits in a u64.
    text.parse()
        .map_err(|_| AmountError::Overflow { value: text.to_owned() })
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

/// (code, decimal places, listed by Antom, Antom's required multiple of minor units).
type CurrencyInfo = (&'static str, u8, bool, u64);

/// Sorted by code for binary search. ISO 4217 List One minor units; the
/// `true` rows and the IDR multiple come from Antom's table.
static CURRENCY_TABLE: &[CurrencyInfo] = &[
    ("AED", 2, false, 1),
    ("AFN", 2, false, 1),
    ("ALL", 2, false, 1),
    ("AMD", 2, false, 1),
    ("AOA", 2, false, 1),
    ("ARS", 2, false, 1),
    ("AUD", 2, true, 1),
    ("AWG", 2, false, 1),
    ("AZN", 2, false, 1),
    ("BAM", 2, false, 1),
    ("BBD", 2, false, 1),
    ("BDT", 2, true, 1),
    ("BGN", 2, false, 1),
    ("BHD", 3, false, 1),
    ("BIF", 0, false, 1),
    ("BMD", 2, false, 1),
    ("BND", 2, false, 1),
    ("BOB", 2, false, 1),
    ("BOV", 2, false, 1),
    ("BRL", 2, true, 1),
    ("BSD", 2, false, 1),
    ("BTN", 2, false, 1),
    ("BWP", 2, false, 1),
    ("BYN", 2, false, 1),
    ("BZD", 2, false, 1),
    ("CAD", 2, true, 1),
    ("CDF", 2, false, 1),
    ("CHE", 2, false, 1),
    ("CHF", 2, false, 1),
    ("CHW", 2, false, 1),
    ("CLF", 4, false, 1),
    ("CLP", 0, true, 1),
    ("CNY", 2, true, 1),
    ("COP", 2, false, 1),
    ("COU", 2, false, 1),
    ("CRC", 2, false, 1),
    ("CUP", 2, false, 1),
    ("CVE", 2, false, 1),
    ("CZK", 2, false, 1),
    ("DJF", 0, false, 1),
    ("DKK", 2, false, 1),
    ("DOP", 2, false, 1),
    ("DZD", 2, false, 1),
    ("EGP", 2, false, 1),
    ("ERN", 2, false, 1),
    ("ETB", 2, false, 1),
    ("EUR", 2, true, 1),
    ("FJD", 2, false, 1),
    ("FKP", 2, false, 1),
    ("GBP", 2, true, 1),
    ("GEL", 2, false, 1),
    ("GHS", 2, false, 1),
    ("GIP", 2, false, 1),
    ("GMD", 2, false, 1),
    ("GNF", 0, false, 1),
    ("GTQ", 2, false, 1),
    ("GYD", 2, false, 1),
    ("HKD", 2, true, 1),
    ("HNL", 2, false, 1),
    ("HTG", 2, false, 1),
    ("HUF", 2, false, 1),
    ("IDR", 2, true, 100),
    ("ILS", 2, false, 1),
    ("INR", 2, false, 1),
    ("IQD", 3, false, 1),
    ("IRR", 2, false, 1),
    ("ISK", 0, false, 1),
    ("JMD", 2, false, 1),
    ("JOD", 3, false, 1),
    ("JPY", 0, true, 1),
    ("KES", 2, false, 1),
    ("KGS", 2, false, 1),
    ("KHR", 2, false, 1),
    ("KMF", 0, false, 1),
    ("KPW", 2, false, 1),
    ("KRW", 0, true, 1),
    ("KWD", 3, false, 1),
    ("KYD", 2, false, 1),
    ("KZT", 2, false, 1),
    ("LAK", 2, false, 1),
    ("LBP", 2, false, 1),
    ("LKR", 2, false, 1),
    ("LRD", 2, false, 1),
    ("LSL", 2, false, 1),
    ("LYD", 3, false, 1),
    ("MAD", 2, false, 1),
    ("MDL", 2, false, 1),
    ("MGA", 2, false, 1),
    ("MKD", 2, false, 1),
    ("MMK", 2, false, 1),
    ("MNT", 2, false, 1),
    ("MOP", 2, false, 1),
    ("MRU", 2, false, 1),
    ("MUR", 2, false, 1),
    ("MVR", 2, false, 1),
    ("MWK", 2, false, 1),
    ("MXN", 2, true, 1),
    ("MXV", 2, false, 1),
    ("MYR", 2, true, 1),
    ("MZN", 2, false, 1),
    ("NAD", 2, false, 1),
    ("NGN", 2, false, 1),
    ("NIO", 2, false, 1),
    ("NOK", 2, false, 1),
    ("NPR", 2, false, 1),
    ("NZD", 2, true, 1),
    ("OMR", 3, false, 1),
    ("PAB", 2, false, 1),
    ("PEN", 2, true, 1),
    ("PGK", 2, false, 1),
    ("PHP", 2, true, 1),
    ("PKR", 2, true, 1),
    ("PLN", 2, true, 1),
    ("PYG", 0, false, 1),
    ("QAR", 2, false, 1),
    ("RON", 2, false, 1),
    ("RSD", 2, false, 1),
    ("RUB", 2, false, 1),
    ("RWF", 0, false, 1),
    ("SAR", 2, false, 1),
    ("SBD", 2, false, 1),
    ("SCR", 2, false, 1),
    ("SDG", 2, false, 1),
    ("SEK", 2, false, 1),
    ("SGD", 2, true, 1),
    ("SHP", 2, false, 1),
    ("SLE", 2, false, 1),
    ("SOS", 2, false, 1),
    ("SRD", 2, false, 1),
    ("SSP", 2, false, 1),
    ("STN", 2, false, 1),
    ("SVC", 2, false, 1),
    ("SYP", 2, false, 1),
    ("SZL", 2, false, 1),
    ("THB", 2, true, 1),
    ("TJS", 2, false, 1),
    ("TMT", 2, false, 1),
    ("TND", 3, false, 1),
    ("TOP", 2, false, 1),
    ("TRY", 2, false, 1),
    ("TTD", 2, false, 1),
    ("TWD", 2, true, 1),
    ("TZS", 2, false, 1),
    ("UAH", 2, false, 1),
    ("UGX", 0, false, 1),
    ("USD", 2, true, 1),
    ("USN", 2, false, 1),
    ("UYI", 0, false, 1),
    ("UYU", 2, false, 1),
    ("UYW", 4, false, 1),
    ("UZS", 2, false, 1),
    ("VED", 2, false, 1),
    ("VES", 2, false, 1),
    ("VND", 0, true, 1),
    ("VUV", 0, false, 1),
    ("WST", 2, false, 1),
    ("XAF", 0, false, 1),
    ("XCD", 2, false, 1),
    ("XCG", 2, false, 1),
    ("XOF", 0, false, 1),
    ("XPF", 0, false, 1),
    ("YER", 2, false, 1),
    ("ZAR", 2, false, 1),
    ("ZMW", 2, false, 1),
    ("ZWG", 2, false, 1),
];

/// An amount value before validation, as any deserializer may present it.
enum RawValue {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    WrongType(&'static str),
}

fn build_amount(currency: Option<String>, value: Option<RawValue>) -> Result<Amount, AmountError> {
    let currency = Currency::new(&currency.ok_or(AmountError::MissingField { field: "currency" })?)?;
    let minor_units = match value.ok_or(AmountError::MissingField { field: "value" })? {
        RawValue::Text(text) => parse_minor_units(&text)?,
        RawValue::Unsigned(n) => n,
        RawValue::Signed(n) if n < 0 => return Err(AmountError::Negative { value: n.to_string() }),
        RawValue::Signed(n) => n.unsigned_abs(),
        RawValue::Float(number) => return Err(classify_float(number)),
        RawValue::WrongType(found) => {
            return Err(AmountError::WrongType {
                field: "value",
                expected: "string of digits or integer",
                found,
            })
        }
    };
    Amount::new(currency, minor_units)
}

struct AmountVisitor;

impl<'de> Visitor<'de> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount object {\"currency\": \"SGD\", \"value\": \"4200\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Amount, A::Error> {
        let mut currency: Option<String> = None;
        let mut value: Option<RawValue> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "currency" => {
                    if currency.is_some() {
                        return Err(de::Error::duplicate_field("currency"));
                    }
                    currency = Some(map.next_value::<CurrencyText>()?.0);
                }
                "value" => {
                    if value.is_some() {
                        return Err(de::Error::duplicate_field("value"));
                    }
                    value = Some(map.next_value::<RawValueSeed>()?.0);
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        build_amount(currency, value).map_err(de::Error::custom)
    }
}

/// The currency field as text, with an [`AmountError`] message for non-strings.
struct CurrencyText(String);

impl<'de> Deserialize<'de> for CurrencyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(code) => Ok(CurrencyText(code)),
            other => Err(de::Error::custom(AmountError::WrongType {
                field: "currency",
                expected: "string",
                found: json_kind(&other),
            })),
        }
    }
}

/// The value field in whatever form it arrived.
struct RawValueSeed(RawValue);

impl<'de> Deserialize<'de> for RawValueSeed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor).map(RawValueSeed)
    }
}

struct RawValueVisitor;

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string of digits or an integer")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<RawValue, E> {
        Ok(RawValue::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<RawValue, E> {
        Ok(RawValue::Text(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<RawValue, E> {
        Ok(RawValue::Unsigned(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<RawValue, E> {
        Ok(RawValue::Signed(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<RawValue, E> {
        // Kept only to choose the error; never used as money.
        Ok(RawValue::Float(value))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawValue, E> {
        Ok(RawValue::WrongType("a boolean"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::WrongType("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::WrongType("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(RawValue::WrongType("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(RawValue::WrongType("an object"))
    }
}

/// The error for a JSON number that is not an integer in `u64` range.
/// serde_json reads integer literals beyond `u64` (and `i64`) as floats, so
/// a whole number that large is reported as an overflow, not as a float.
fn classify_float(number: f64) -> AmountError {
    let text = number.to_string();
    if number < 0.0 {
        AmountError::Negative { value: text }
    } else if number.fract() == 0.0 && number >= 18_446_744_073_709_551_616.0 {
        AmountError::Overflow { value: text }
    } else {
        AmountError::FloatNumber { value: text }
    }
}

fn digit_count(mut n: u64) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
