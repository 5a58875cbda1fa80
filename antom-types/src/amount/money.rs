//! [`Amount`]: a currency and an integer count of its minor units, and the value parser.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::deserialize::{amount_from_json, AmountVisitor};
use super::{AmountError, Currency, MAX_MINOR_UNITS, MAX_VALUE_DIGITS};

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
        amount_from_json(value)
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

fn digit_count(mut n: u64) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}
