//! [`AmountError`]: every way a currency code or an amount can be refused.

use super::Currency;

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
    /// [`Amount::validate_for_antom`](super::Amount::validate_for_antom): the currency is not in Antom's table.
    #[error("{currency} is not in Antom's currency table")]
    NotSupportedByAntom {
        /// The currency.
        currency: Currency,
    },
    /// [`Amount::validate_for_antom`](super::Amount::validate_for_antom): the value is zero.
    #[error("amount must be greater than zero")]
    NotPositive,
    /// [`Amount::validate_for_antom`](super::Amount::validate_for_antom): the value is not a multiple Antom requires.
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
