//! Small helpers: ISO 8601 times and id generation, without extra dependencies.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats an instant as ISO 8601 in UTC with a colon offset, the form the
/// Python library and Antom's samples use: `2026-08-17T02:36:49+00:00`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (date, hms) = split(secs);
    format!("{date}T{hms}+00:00")
}

/// `YYYYMMDDhhmmss` in UTC, for ids.
fn compact(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (date, hms) = split(secs);
    format!("{date}{hms}").replace(['-', ':'], "")
}

fn split(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, (rem / 60) % 60, rem % 60),
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Generates the ids Antom would: `paymentId`, `refundId`, `captureId`, `paymentSessionId`.
#[derive(Debug)]
pub(crate) struct IdGen {
    seed: u64,
    counter: AtomicU64,
}

impl IdGen {
    pub(crate) fn new() -> IdGen {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_nanos(),
        );
        IdGen {
            seed: hasher.finish(),
            counter: AtomicU64::new(1),
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// Digits, like Antom's `2019060811401080010018882020035XXXX`.
    pub(crate) fn payment_id(&self) -> String {
        format!(
            "{}11401080{:012}{:04}",
            compact(SystemTime::now()),
            self.next(),
            self.seed % 10_000
        )
    }

    /// Digits, in the same style as payment ids.
    pub(crate) fn refund_id(&self) -> String {
        format!(
            "{}11301080{:012}{:04}",
            compact(SystemTime::now()),
            self.next(),
            self.seed % 10_000
        )
    }

    /// Digits, in the same style as payment ids.
    pub(crate) fn capture_id(&self) -> String {
        format!(
            "{}11501080{:012}{:04}",
            compact(SystemTime::now()),
            self.next(),
            self.seed % 10_000
        )
    }

    /// Letters and digits only, so it can sit in a URL path unescaped.
    pub(crate) fn session_id(&self) -> String {
        let n = self.next();
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(self.seed ^ n);
        format!("MOCK{:016x}{:06}{:016x}", self.seed, n, hasher.finish())
    }
}

/// `d / scale`, saturating; `scale` is checked positive and finite by the builder.
pub(crate) fn scale_down(d: Duration, scale: f64) -> Duration {
    let secs = d.as_secs_f64() / scale;
    if secs.is_finite() && secs >= 0.0 {
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    } else {
        Duration::MAX
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_formats_known_instants() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00+00:00");
        let t = UNIX_EPOCH + Duration::from_secs(1_755_398_209);
        assert_eq!(iso8601(t), "2025-08-17T02:36:49+00:00");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00+00:00");
        assert_eq!(
            antom_tower::signing::request_time::parse(&iso8601(t)),
            Some(t),
            "the signing core reads back what the mock writes"
        );
    }

    #[test]
    fn ids_are_unique_and_url_safe() {
        let ids = IdGen::new();
        let a = ids.session_id();
        let b = ids.session_id();
        assert_ne!(a, b);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(ids.payment_id().bytes().all(|b| b.is_ascii_digit()));
        assert!(ids.payment_id().len() <= 64);
    }

    #[test]
    fn scaling() {
        assert_eq!(
            scale_down(Duration::from_secs(120), 1_000_000.0),
            Duration::from_micros(120)
        );
        assert_eq!(scale_down(Duration::from_secs(120), 1.0), Duration::from_secs(120));
    }
}
