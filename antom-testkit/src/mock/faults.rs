//! Notification faults: duplicates, a stale notification after the final
//! one, a signature made with the wrong key.
//!
//! API faults (a `U` result, HTTP 5xx, a delay past the client's timeout, a
//! dropped connection) are rule actions: see [`rules`](super::rules).
//!
//! Faults apply to every notification ([`MockAntomBuilder::notification_faults`](super::MockAntomBuilder::notification_faults)
//! and friends), or to the payments a rule matches (`notify_copies`,
//! `notify_stale`, `notify_wrong_key` in a rule).

use serde::Serialize;

/// How notifications misbehave. The default is Antom's normal behaviour:
/// one copy, correctly signed, no stale follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationFaults {
    /// How many times each notification is delivered (at least 1). Each copy
    /// is delivered in turn, with its own retry schedule, after the previous
    /// copy was acknowledged or gave up: a merchant must process a payment
    /// once however many copies arrive.
    pub copies: u32,
    /// After the final `PAYMENT_RESULT` (all its copies), also deliver a stale
    /// `PAYMENT_PENDING` notification (result `U` / `PAYMENT_IN_PROCESS`) for
    /// the same payment: an out-of-order notification must not move a final
    /// order back.
    pub stale_after_final: bool,
    /// Sign notifications with a key Antom never used
    /// ([`keys::wrong_private_key`](crate::keys::wrong_private_key)), under the
    /// normal keyVersion: the merchant must refuse them (and Antom resends).
    pub wrong_key: bool,
}

impl Default for NotificationFaults {
    fn default() -> Self {
        NotificationFaults {
            copies: 1,
            stale_after_final: false,
            wrong_key: false,
        }
    }
}

impl NotificationFaults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Deliver each notification `copies` times (values below 1 count as 1).
    pub fn with_copies(mut self, copies: u32) -> Self {
        self.copies = copies.max(1);
        self
    }

    /// Follow each final payment notification with a stale `PAYMENT_PENDING`.
    pub fn with_stale_after_final(mut self, on: bool) -> Self {
        self.stale_after_final = on;
        self
    }

    /// Sign notifications with the wrong key.
    pub fn with_wrong_key(mut self, on: bool) -> Self {
        self.wrong_key = on;
        self
    }

    /// Whether anything is switched on.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }
}
