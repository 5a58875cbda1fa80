//! Judging the age of a `request-time` header.
//!
//! The time is opaque to the signature (signed exactly as sent), but replay
//! protection needs its age. The official libraries send epoch milliseconds
//! (Java, Go), epoch nanoseconds (Go before October 2025), ISO 8601 with a
//! colon offset (Python, docs), without one (PHP, `+0800`) or with seven
//! fractional digits (.NET); epoch seconds are accepted too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::DateTime;

/// Parses a `request-time` / `response-time` value into an instant.
///
/// ```
/// use antom_tower::signing::request_time::parse;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let t = UNIX_EPOCH + Duration::from_secs(1_755_398_209);
/// assert_eq!(parse("1755398209"), Some(t));
/// assert_eq!(parse("1755398209000"), Some(t));
/// assert_eq!(parse("2025-08-17T02:36:49+00:00"), Some(t));
/// assert_eq!(parse("2025-08-17T10:36:49+0800"), Some(t));
/// assert_eq!(parse("2025-08-17T02:36:49Z"), Some(t));
/// assert_eq!(parse("yesterday"), None);
/// // Past the year 2262 (where nanoseconds since 1970 overflow an i64): still a time.
/// assert!(parse("2300-01-01T00:00:00Z").is_some());
/// assert!(parse("99999999999999999999").is_some());
/// ```
pub fn parse(value: &str) -> Option<SystemTime> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit()) {
        return parse_epoch(value);
    }
    if value.len() > 40 {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(value)
        .or_else(|_| DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()?;
    // Seconds and the sub-second part apart: nanoseconds since 1970 overflow
    // an i64 after the year 2262, and such a time must read as "in the future".
    let secs = parsed.timestamp();
    let subsec = Duration::from_nanos(u64::from(parsed.timestamp_subsec_nanos()));
    match u64::try_from(secs) {
        Ok(secs) => UNIX_EPOCH.checked_add(Duration::from_secs(secs))?.checked_add(subsec),
        Err(_) => UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
            .checked_add(subsec),
    }
}

/// Epoch seconds, milliseconds or nanoseconds, told apart by magnitude.
fn parse_epoch(digits: &str) -> Option<SystemTime> {
    let n: u128 = digits.parse().ok()?;
    // 1e11 s is the year 5138; 1e14 ms the year 5138; beyond that, nanoseconds.
    let nanos = if n < 100_000_000_000 {
        n * 1_000_000_000
    } else if n < 100_000_000_000_000 {
        n * 1_000_000
    } else if n < 100_000_000_000_000_000 {
        // Microseconds: no official library sends them, but they are unambiguous.
        n * 1_000
    } else {
        n
    };
    // Not through a u64 of nanoseconds, which ends in the year 2554.
    let secs = u64::try_from(nanos / 1_000_000_000).ok()?;
    let subsec = Duration::from_nanos(u64::try_from(nanos % 1_000_000_000).ok()?);
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))?.checked_add(subsec)
}

/// How far `value` is from `now`: `Ok(age)` when in the past (or now),
/// `Err(ahead)` when in the future. `None` when the value is not a time.
pub fn age(value: &str, now: SystemTime) -> Option<Result<Duration, Duration>> {
    let at = parse(value)?;
    Some(match now.duration_since(at) {
        Ok(age) => Ok(age),
        Err(e) => Err(e.duration()),
    })
}

/// Formats `now` as epoch milliseconds, the form the Java and Go libraries send.
pub fn format_epoch_millis(now: SystemTime) -> String {
    let millis = now.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    millis.to_string()
}
