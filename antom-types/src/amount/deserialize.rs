//! Reading an amount from any serde format: the value in whatever form it
//! arrived, then one typed check ([`build_amount`]) for every path.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{parse_minor_units, Amount, AmountError, Currency};

/// [`Amount::from_json_value`]: the JSON value through the same check as deserialization.
pub(super) fn amount_from_json(value: &serde_json::Value) -> Result<Amount, AmountError> {
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

pub(super) struct AmountVisitor;

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
