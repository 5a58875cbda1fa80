//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade (feature
//! `metrics`): install any recorder (Prometheus, OpenTelemetry, StatsD) in
//! your application and these series appear; without the feature every
//! call here compiles to nothing.
//!
//! | name | kind | labels | what |
//! | --- | --- | --- | --- |
//! | `antom.notification.received` | counter | | notifications whose headers were checked (also replays) |
//! | `antom.notification.verified` | counter | | notifications whose signature verified |
//! | `antom.notification.rejected` | counter | `reason` (the rejection code, e.g. `invalid_signature`) | notifications refused by verification |
//! | `antom.notification.acknowledged` | counter | | notifications answered with Antom's acknowledgement |
//! | `antom.notification.not_acknowledged` | counter | `reason` (`unknown_order`, `amount_mismatch`, `store_unavailable`...) | verified notifications not acknowledged (Antom resends) |
//! | `antom.store.apply` | counter | `kind` (`payment`, `refund`, `dispute`, `capture`, `other`), `outcome` (`applied`, `duplicate`, `ignored`, `refused`, `not_handled`, `unmatched`, `unavailable`) | what storing a notification did |
//! | `antom.inbox.refused` | gauge | | refused and unmatched notifications in the inbox, at the last reconciliation sweep |
//! | `antom.outbox.lag` | gauge (seconds) | `consumer` | age of the oldest event a consumer just claimed (0 when idle) |
//! | `antom.reconcile.orders` | counter | `result` (`checked`, `settled`, `still_pending`, `expired`, `error`) | reconciliation of orders |
//! | `antom.reconcile.refunds` | counter | `result` (`checked`, `settled`, `matched`) | reconciliation of refunds |
//! | `antom.client.requests` | counter | `api`, `result` (`S`, `F`, `unknown`, `not_sent`) | Antom API calls, after retries |
//! | `antom.client.request.duration` | histogram (seconds) | `api`, `result` | Antom API call latency, retries included |
//! | `antom.client.retries` | counter | `api` | retries the client made |
//!
//! Names follow OpenTelemetry's conventions (dot-separated, a namespace,
//! seconds for durations, `reason`/`result` labels of bounded value sets).
//! `antom.client.request.duration` is not `http.client.request.duration`:
//! it measures one Antom API call with its retries, not one HTTP exchange.
//! Label values are bounded: no order ids, payment ids or amounts (the
//! consumer names are yours). With Prometheus' exporter the dots become
//! underscores (`antom_notification_received`).
//!
//! [`describe`] registers the descriptions and units with the installed recorder.

/// Every metric: (name, kind, description).
pub const METRICS: &[(&str, &str, &str)] = &[
    (
        "antom.notification.received",
        "counter",
        "notifications whose headers were checked",
    ),
    (
        "antom.notification.verified",
        "counter",
        "notifications whose signature verified",
    ),
    (
        "antom.notification.rejected",
        "counter",
        "notifications refused by verification, by reason",
    ),
    (
        "antom.notification.acknowledged",
        "counter",
        "notifications answered with the acknowledgement",
    ),
    (
        "antom.notification.not_acknowledged",
        "counter",
        "verified notifications not acknowledged, by reason",
    ),
    ("antom.store.apply", "counter", "what storing a notification did"),
    (
        "antom.inbox.refused",
        "gauge",
        "refused and unmatched notifications in the inbox",
    ),
    (
        "antom.outbox.lag",
        "gauge",
        "seconds since the oldest event a consumer just claimed was recorded",
    ),
    ("antom.reconcile.orders", "counter", "reconciliation of orders"),
    ("antom.reconcile.refunds", "counter", "reconciliation of refunds"),
    ("antom.client.requests", "counter", "Antom API calls, after retries"),
    (
        "antom.client.request.duration",
        "histogram",
        "seconds an Antom API call took, retries included",
    ),
    ("antom.client.retries", "counter", "retries of Antom API calls"),
];

/// Registers the descriptions (and the seconds unit) of [`METRICS`] with the
/// installed recorder. Call once after installing it.
pub fn describe() {
    #[cfg(feature = "metrics")]
    for &(name, kind, description) in METRICS {
        match kind {
            "counter" => metrics::describe_counter!(name, description),
            "gauge" if name == "antom.outbox.lag" => {
                metrics::describe_gauge!(name, metrics::Unit::Seconds, description)
            }
            "gauge" => metrics::describe_gauge!(name, description),
            _ => metrics::describe_histogram!(name, metrics::Unit::Seconds, description),
        }
    }
}

#[cfg(feature = "metrics")]
macro_rules! count {
    ($name:literal $(, $key:literal => $value:expr)*) => {
        metrics::counter!($name $(, $key => $value)*).increment(1)
    };
}

#[cfg(not(feature = "metrics"))]
macro_rules! count {
    ($name:literal $(, $key:literal => $value:expr)*) => {{
        $(let _ = &$value;)*
    }};
}

pub(crate) fn notification_received() {
    count!("antom.notification.received");
}

pub(crate) fn notification_verified() {
    count!("antom.notification.verified");
}

pub(crate) fn notification_rejected(reason: &'static str) {
    count!("antom.notification.rejected", "reason" => reason);
}

#[cfg_attr(not(feature = "checkout"), allow(dead_code))]
pub(crate) fn notification_answered(acknowledged: bool, reason: &'static str) {
    if acknowledged {
        count!("antom.notification.acknowledged");
    } else {
        count!("antom.notification.not_acknowledged", "reason" => reason);
    }
}

#[cfg_attr(not(feature = "checkout"), allow(dead_code))]
pub(crate) fn store_apply(kind: &'static str, outcome: &'static str) {
    count!("antom.store.apply", "kind" => kind, "outcome" => outcome);
}

#[cfg_attr(not(feature = "checkout"), allow(dead_code))]
pub(crate) fn reconcile_orders(result: &'static str, n: usize) {
    #[cfg(feature = "metrics")]
    metrics::counter!("antom.reconcile.orders", "result" => result).increment(n as u64);
    #[cfg(not(feature = "metrics"))]
    let _ = (result, n);
}

#[cfg_attr(not(feature = "checkout"), allow(dead_code))]
pub(crate) fn reconcile_refunds(result: &'static str, n: usize) {
    #[cfg(feature = "metrics")]
    metrics::counter!("antom.reconcile.refunds", "result" => result).increment(n as u64);
    #[cfg(not(feature = "metrics"))]
    let _ = (result, n);
}

#[cfg_attr(not(feature = "checkout"), allow(dead_code))]
pub(crate) fn inbox_refused(n: usize) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("antom.inbox.refused").set(n as f64);
    #[cfg(not(feature = "metrics"))]
    let _ = n;
}

pub(crate) fn outbox_lag(consumer: &str, seconds: f64) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("antom.outbox.lag", "consumer" => consumer.to_owned()).set(seconds);
    #[cfg(not(feature = "metrics"))]
    let _ = (consumer, seconds);
}

pub(crate) fn antom_call(api: &'static str, result: &'static str, seconds: f64) {
    count!("antom.client.requests", "api" => api, "result" => result);
    #[cfg(feature = "metrics")]
    metrics::histogram!("antom.client.request.duration", "api" => api, "result" => result).record(seconds);
    #[cfg(not(feature = "metrics"))]
    let _ = seconds;
}

pub(crate) fn antom_retry(api: &'static str) {
    count!("antom.client.retries", "api" => api);
}
