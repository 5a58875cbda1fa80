//! The notification inbox: every verified notification, kept with its raw
//! headers and body and what became of it.
//!
//! The notify route records each notification with
//! [`OrderStore::record_notification`](super::OrderStore::record_notification)
//! before it answers Antom: in the SQL stores the inbox row and the state
//! change it causes commit in one transaction. A resend of the same
//! notification (same [`InboundNotification::key`]) updates its row and
//! counts the delivery. Refused notifications (an unknown order, an amount
//! mismatch, an illegal transition) stay listed
//! ([`InboxQuery::outcome`]) until a replay applies them.
//!
//! The inbox keeps only what Antom sent: the request headers that the
//! signature covers and the body. It never holds a key.

use std::fmt;
use std::str::FromStr;

use antom_types::Notification;
use http::{HeaderMap, Method, Uri};

use super::effects::Effect;
use super::{ApplyOutcome, StoreError};

/// A verified notification as the route received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundNotification {
    /// The deduplication key: the notification's idempotency key
    /// (`PAYMENT_RESULT:<paymentId>`, `REFUND_RESULT:<refundId>`...), or
    /// `sha256:<hex>` of the body for a type without one.
    pub key: String,
    /// `notifyType`, or `DISPUTE:<disputeNotificationType>` for a dispute,
    /// or `UNKNOWN` when the body has neither.
    pub notify_type: String,
    /// The `paymentRequestId` the body names, if any.
    pub payment_request_id: Option<String>,
    /// The request's method (`POST`).
    pub method: String,
    /// The request's path and query, as signed.
    pub path: String,
    /// The request headers Antom's signature and routing need
    /// (`signature`, `client-id`, `request-time`, `content-type`), in order.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte as signed.
    pub body: Vec<u8>,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub received_at_ms: i64,
}

impl InboundNotification {
    /// The inbox record of a verified request (any framework): its key and
    /// type from the body when it parses, its headers and body as received.
    pub fn from_request(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        now_ms: i64,
    ) -> InboundNotification {
        Self::parse(method, uri, headers, body, now_ms).0
    }

    /// [`from_request`](Self::from_request), and what the notification does to
    /// its order ([`Effect::from_notification`], or [`Effect::Invalid`] for a
    /// body that does not parse), reading the body once.
    pub fn parse(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        now_ms: i64,
    ) -> (InboundNotification, Effect) {
        let (notify_type, key, payment_request_id, effect) = match Notification::from_slice(body) {
            Ok(notification) => (
                match &notification {
                    Notification::Dispute(dispute) => format!("DISPUTE:{}", dispute.dispute_notification_type),
                    other => other.type_name().unwrap_or("UNKNOWN").to_owned(),
                },
                notification.idempotency_key(),
                notification.payment_request_id().map(str::to_owned),
                Effect::from_notification(&notification),
            ),
            Err(e) => {
                // Rare: read what can be read for the record.
                let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
                let field = |name: &str| value.as_ref()?.get(name)?.as_str().map(str::to_owned);
                (
                    field("notifyType").unwrap_or_else(|| "UNKNOWN".to_owned()),
                    None,
                    field("paymentRequestId"),
                    Effect::Invalid(e.to_string()),
                )
            }
        };
        let key = key.unwrap_or_else(|| format!("sha256:{}", hex_sha256(body)));
        let inbound = InboundNotification {
            key,
            notify_type,
            payment_request_id,
            method: method.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
            received_at_ms: now_ms,
        };
        (inbound, effect)
    }
}

/// What became of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboxOutcome {
    /// It changed the order (or recorded a dispute, capture or refund failure).
    Applied,
    /// It said what the store already knew (a resend, or a result learned
    /// by inquiry first).
    Duplicate,
    /// Stale or non-final after a final result: harmless, nothing changed.
    Ignored,
    /// Refused (see [`InboxEntry::reason`]): an unknown order, an amount or
    /// currency that differs from the order, an illegal transition, an
    /// over-refund, a body that does not parse. Listed for replay.
    Refused,
    /// A type the checkout does not act on: stored and acknowledged.
    NotHandled,
    /// A refund result for a refund the store does not know (started
    /// outside the checkout): stored and acknowledged; reconciliation
    /// learns the refund from `inquiryPayment` and applies it.
    Unmatched,
}

impl InboxOutcome {
    /// Every outcome.
    pub const ALL: [InboxOutcome; 6] = [
        InboxOutcome::Applied,
        InboxOutcome::Duplicate,
        InboxOutcome::Ignored,
        InboxOutcome::Refused,
        InboxOutcome::NotHandled,
        InboxOutcome::Unmatched,
    ];

    /// The name stores keep (`applied`, `not_handled`...).
    pub fn as_str(self) -> &'static str {
        match self {
            InboxOutcome::Applied => "applied",
            InboxOutcome::Duplicate => "duplicate",
            InboxOutcome::Ignored => "ignored",
            InboxOutcome::Refused => "refused",
            InboxOutcome::NotHandled => "not_handled",
            InboxOutcome::Unmatched => "unmatched",
        }
    }

    /// The outcome of an applied result.
    pub fn of(outcome: &ApplyOutcome) -> InboxOutcome {
        match outcome {
            ApplyOutcome::Applied { .. } | ApplyOutcome::Recorded { .. } => InboxOutcome::Applied,
            ApplyOutcome::AlreadyApplied { .. } => InboxOutcome::Duplicate,
            ApplyOutcome::Ignored { .. } => InboxOutcome::Ignored,
        }
    }

    /// What a store keeps when a notification with this outcome arrives
    /// again with `new`: a resend of an applied notification stays
    /// `applied`; anything else takes the newer outcome.
    pub fn merge(self, new: InboxOutcome) -> InboxOutcome {
        match (self, new) {
            (InboxOutcome::Applied, InboxOutcome::Duplicate) => InboxOutcome::Applied,
            (_, new) => new,
        }
    }
}

impl fmt::Display for InboxOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InboxOutcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InboxOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| format!("unknown inbox outcome {s:?}"))
    }
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    /// The store's id, for [`OrderStore::inbox_entry`](super::OrderStore::inbox_entry)
    /// and replays.
    pub id: u64,
    /// See [`InboundNotification::key`].
    pub key: String,
    /// See [`InboundNotification::notify_type`].
    pub notify_type: String,
    /// See [`InboundNotification::payment_request_id`].
    pub payment_request_id: Option<String>,
    /// The order it was matched to, if any.
    pub order_id: Option<String>,
    /// What became of it (at its latest delivery or replay).
    pub outcome: InboxOutcome,
    /// Why it was refused or not matched.
    pub reason: Option<String>,
    /// See [`InboundNotification::method`].
    pub method: String,
    /// See [`InboundNotification::path`].
    pub path: String,
    /// See [`InboundNotification::headers`] (of the latest delivery).
    pub headers: Vec<(String, String)>,
    /// See [`InboundNotification::body`] (of the latest delivery).
    pub body: Vec<u8>,
    /// How many times it was delivered (and replayed).
    pub deliveries: u32,
    /// First delivery, in milliseconds since the Unix epoch.
    pub first_received_at_ms: i64,
    /// Latest delivery or replay.
    pub last_received_at_ms: i64,
}

/// Which inbox entries to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxQuery {
    /// Only entries with this outcome.
    pub outcome: Option<InboxOutcome>,
    /// Only entries matched to this order.
    pub order_id: Option<String>,
    /// Only entries with an id below this (paging: pass the last id seen).
    pub before_id: Option<u64>,
    /// At most this many (0 means 100).
    pub limit: usize,
}

impl InboxQuery {
    /// The limit to apply.
    pub(crate) fn effective_limit(&self) -> usize {
        if self.limit == 0 {
            100
        } else {
            self.limit
        }
    }

    /// Whether `entry` passes the filters (for stores that filter in memory).
    pub(crate) fn matches(&self, entry: &InboxEntry) -> bool {
        self.outcome.is_none_or(|o| o == entry.outcome)
            && self
                .order_id
                .as_ref()
                .is_none_or(|id| entry.order_id.as_ref() == Some(id))
            && self.before_id.is_none_or(|before| entry.id < before)
    }
}

/// What [`OrderStore::record_notification`](super::OrderStore::record_notification)
/// did: the notification is durably stored with `outcome`; `result` is what
/// applying its effect said (a refusal is an `Err` here, not a store failure).
#[derive(Debug)]
pub struct Recorded {
    /// The inbox entry's id.
    pub inbox_id: u64,
    /// What became of the notification.
    pub outcome: InboxOutcome,
    /// The effect's result. `Ok` also for a type not handled
    /// ([`ApplyOutcome::Recorded`] with nothing changed is not used for it:
    /// see [`InboxOutcome::NotHandled`]).
    pub result: Result<ApplyOutcome, StoreError>,
}

impl Recorded {
    /// Whether the notify endpoint acknowledges the notification: it was
    /// applied, a duplicate, stale, or unmatched (reconciliation takes it
    /// from there), or of a type not handled when `acknowledge_unhandled`.
    /// Refused notifications are not acknowledged, so Antom resends them.
    pub fn acknowledges(&self, acknowledge_unhandled: bool) -> bool {
        match self.outcome {
            InboxOutcome::Applied | InboxOutcome::Duplicate | InboxOutcome::Ignored | InboxOutcome::Unmatched => true,
            InboxOutcome::NotHandled => acknowledge_unhandled,
            InboxOutcome::Refused => false,
        }
    }

    /// The HTTP status and error code to answer a notification that is not
    /// acknowledged with: 404 `unknown_order`, 400 `amount_mismatch` or
    /// `invalid_notification`, 409 `illegal_transition` or
    /// `refund_exceeds_order`, 422 `not_handled`.
    pub fn rejection(&self) -> (u16, &'static str) {
        match &self.result {
            _ if self.outcome == InboxOutcome::NotHandled => (422, "not_handled"),
            Err(StoreError::NotFound { .. }) => (404, "unknown_order"),
            Err(StoreError::AmountMismatch { .. }) => (400, "amount_mismatch"),
            Err(StoreError::InvalidInput(_)) => (400, "invalid_notification"),
            Err(StoreError::IllegalTransition { .. }) => (409, "illegal_transition"),
            Err(StoreError::RefundExceedsOrder { .. }) => (409, "refund_exceeds_order"),
            _ => (409, "refused"),
        }
    }
}

/// The inbox outcome and reason for an effect's result, given the effect.
pub(crate) fn classify(effect: &Effect, result: &Result<ApplyOutcome, StoreError>) -> (InboxOutcome, Option<String>) {
    match (effect, result) {
        (Effect::NotHandled, _) => (InboxOutcome::NotHandled, None),
        (_, Ok(outcome)) => (InboxOutcome::of(outcome), None),
        (Effect::Refund(_), Err(e @ StoreError::NotFound { .. })) => (InboxOutcome::Unmatched, Some(e.to_string())),
        (_, Err(e)) => (InboxOutcome::Refused, Some(e.to_string())),
    }
}

/// Which inbox entries [`OrderStore::purge_inbox`](super::OrderStore::purge_inbox) removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxRetention {
    /// Entries last delivered before this time, in milliseconds since the Unix epoch.
    pub received_before_ms: i64,
    /// Also refused and unmatched entries (by default they are kept until
    /// a replay settles them or you remove them on purpose).
    pub include_unsettled: bool,
}

impl InboxRetention {
    /// Whether an entry with `outcome` last delivered at `at_ms` goes.
    pub(crate) fn removes(&self, outcome: InboxOutcome, at_ms: i64) -> bool {
        at_ms < self.received_before_ms
            && (self.include_unsettled || !matches!(outcome, InboxOutcome::Refused | InboxOutcome::Unmatched))
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
