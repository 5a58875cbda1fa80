//! Serde helpers for Antom's loose typing of scalar fields.
//!
//! Antom's API pages say every non-array value is sent as a string (`"20"`,
//! `"true"`), yet its own libraries send JSON numbers and booleans. The
//! helpers here accept either form when reading and write the documented
//! string form. Use them with `#[serde(default, with = "...",
//! skip_serializing_if = "Option::is_none")]` on `Option` fields.
//!
//! Floats are never accepted where an integer is expected: `"1.5"` or `1.5`
//! for a count is an error, not a silently truncated value.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `Option<bool>` written as `"true"` / `"false"`, read from a JSON boolean
/// or from the strings `true` / `false` in any ASCII case.
pub mod lenient_bool {
    use super::*;

    /// Writes `Some(b)` as the string `"true"` or `"false"`, `None` as null.
    pub fn serialize<S: Serializer>(value: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(true) => serializer.serialize_str("true"),
            Some(false) => serializer.serialize_str("false"),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a boolean, a `"true"` / `"false"` string, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        deserializer.deserialize_any(BoolVisitor)
    }

    struct BoolVisitor;

    impl<'de> Visitor<'de> for BoolVisitor {
        type Value = Option<bool>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean or the string \"true\" or \"false\"")
        }

        fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
            Ok(Some(value))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            if value.eq_ignore_ascii_case("true") {
                Ok(Some(true))
            } else if value.eq_ignore_ascii_case("false") {
                Ok(Some(false))
            } else {
                Err(E::invalid_value(de::Unexpected::Str(value), &self))
            }
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }
}

/// `Option<u64>` written as a string of digits, read from a JSON integer or
/// from a string of ASCII digits (no sign, no spaces, no fraction).
pub mod lenient_u64 {
    use super::*;

    /// Writes `Some(n)` as a decimal string, `None` as null.
    pub fn serialize<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => serializer.collect_str(n),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a non-negative integer, a string of digits, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
        match deserializer.deserialize_any(IntVisitor { signed: false })? {
            None => Ok(None),
            Some(n) => u64::try_from(n)
                .map(Some)
                .map_err(|_| <D::Error as de::Error>::custom("integer out of range for u64")),
        }
    }
}

/// `Option<i64>` written as a decimal string, read from a JSON integer or
/// from a string of ASCII digits with an optional leading `-`.
pub mod lenient_i64 {
    use super::*;

    /// Writes `Some(n)` as a decimal string, `None` as null.
    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => serializer.collect_str(n),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an integer, a string holding one, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        match deserializer.deserialize_any(IntVisitor { signed: true })? {
            None => Ok(None),
            Some(n) => i64::try_from(n)
                .map(Some)
                .map_err(|_| <D::Error as de::Error>::custom("integer out of range for i64")),
        }
    }
}

/// `Option<String>` holding a decimal such as an exchange rate (`"7.2345"`),
/// read from a JSON string or number and written as a string. The text is
/// kept as received: rates are for display and reconciliation, never for
/// arithmetic on money in this crate.
pub mod lenient_decimal {
    use super::*;

    /// Writes the decimal text as a string, `None` as null.
    pub fn serialize<S: Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a string, a JSON number (kept as its text), or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text)),
            Some(serde_json::Value::Number(number)) => Ok(Some(number.to_string())),
            Some(other) => Err(de::Error::invalid_type(
                de::Unexpected::Other(json_kind(&other)),
                &"a decimal string or number",
            )),
        }
    }
}

/// `Option<Option<T>>` that tells a missing field (`None`) from an explicit
/// `null` (`Some(None)`), so a message that carries `"field": null` (as
/// Antom's own samples do) re-serializes unchanged. Use with
/// `#[serde(default, skip_serializing_if = "Option::is_none")]`.
pub mod double_option {
    use super::*;

    /// Writes `Some(None)` as null and `Some(Some(v))` as `v`.
    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(Some(inner)) => inner.serialize(serializer),
            Some(None) | None => serializer.serialize_none(),
        }
    }

    /// Reads null as `Some(None)` and a value as `Some(Some(v))`; a missing
    /// field never reaches here and becomes `None` through `default`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Shared integer visitor: JSON integers or strings of digits, as `i128` so
/// both the signed and unsigned helpers can range-check afterwards.
struct IntVisitor {
    signed: bool,
}

impl<'de> Visitor<'de> for IntVisitor {
    type Value = Option<i128>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.signed {
            f.write_str("an integer or a string of digits with an optional leading '-'")
        } else {
            f.write_str("a non-negative integer or a string of digits")
        }
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Some(i128::from(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        if !self.signed && value < 0 {
            return Err(E::invalid_value(de::Unexpected::Signed(value), &self));
        }
        Ok(Some(i128::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Err(E::invalid_type(de::Unexpected::Float(value), &self))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        parse_int_text(value, self.signed)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Strict integer text: optional `-` (when signed), then 1 to 20 ASCII
/// digits. `str::parse` alone would also accept a leading `+`.
fn parse_int_text(text: &str, signed: bool) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i128 = digits.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
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
