//! Payments and refunds, kept in memory.
//!
//! A payment starts `PROCESSING` when its session is created and ends
//! `SUCCESS`, `FAIL` or `CANCELLED`:
//!
//! | event | status | `paymentResultCode` | notification (`PAYMENT_RESULT`) |
//! | --- | --- | --- | --- |
//! | the buyer pays ([`pay`](super::MockAntom::pay), cashier **Pay**) | `SUCCESS` | `SUCCESS` | `S` / `SUCCESS` |
//! | the buyer's payment fails ([`fail`](super::MockAntom::fail), cashier **Fail**, a `decline` rule) | `FAIL` | the code, e.g. `USER_BALANCE_NOT_ENOUGH` | `F` / the code |
//! | the buyer cancels ([`cancel`](super::MockAntom::cancel), cashier **Cancel**) | `CANCELLED` | [`USER_CANCELLED`](BUYER_CANCELLED_CODE) (mock) | `F` / `USER_CANCELLED` |
//! | the session expires unpaid ([`expire`](super::MockAntom::expire)) | `FAIL` | `ORDER_IS_CLOSED` | `F` / `ORDER_IS_CLOSED` |
//! | the merchant calls cancel | `CANCELLED` | — | none: the cancel answer is the result |
//!
//! A refund is `SUCCESS` at once (the refund API answers `S`), or, with
//! [asynchronous refunds](super::MockAntomBuilder::async_refunds),
//! `PROCESSING` until its delay passed (the refund API answers `U` /
//! `REFUND_IN_PROCESS`), then `SUCCESS` (or `FAIL`, from
//! [`MockAntom::complete_refund`](super::MockAntom::complete_refund)) and
//! notified with `REFUND_RESULT`. A refund still processing counts against
//! what can be refunded, as the amount is taken when Antom accepts it.
//!
//! Real Antom keeps a payment the buyer walked away from open until it closes
//! it (about 14 minutes), then notifies `ORDER_IS_CLOSED`; the mock's
//! **Cancel** button ends the payment at once so tests need not wait, with a
//! code containing `CANCEL`.

use std::collections::HashMap;
use std::time::SystemTime;

use antom_types::{Amount, PaymentStatus, RefundStatus};
use serde::Serialize;

use super::faults::NotificationFaults;

/// `paymentResultCode` of a payment the buyer cancelled in the mock's cashier.
pub const BUYER_CANCELLED_CODE: &str = "USER_CANCELLED";
/// `paymentResultCode` of a payment closed unpaid (expired).
pub const EXPIRED_CODE: &str = "ORDER_IS_CLOSED";
/// Default `paymentResultCode` of a failed payment.
pub const DEFAULT_FAIL_CODE: &str = "PROCESS_FAIL";

/// A payment as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// The merchant's `paymentRequestId`.
    pub payment_request_id: String,
    /// The mock's `paymentId`.
    pub payment_id: String,
    /// `paymentSessionId`.
    pub payment_session_id: String,
    /// `paymentSessionData` as returned.
    pub payment_session_data: String,
    /// `paymentSessionExpiryTime` as returned.
    pub payment_session_expiry_time: String,
    /// The simulated buyer's page for this payment (also returned as `normalUrl`).
    pub cashier_url: String,
    /// `paymentAmount`.
    pub amount: Amount,
    /// `paymentMethod.paymentMethodType`.
    pub payment_method_type: String,
    /// `order.referenceOrderId`.
    pub reference_order_id: String,
    /// `order.orderDescription`.
    pub order_description: String,
    /// `paymentRedirectUrl`: where the cashier sends the buyer back.
    pub payment_redirect_url: String,
    /// Where notifications go (`paymentNotifyUrl`, or the mock's default).
    pub payment_notify_url: Option<String>,
    /// `PROCESSING`, `SUCCESS`, `FAIL` or `CANCELLED`.
    pub status: PaymentStatus,
    /// Why it ended as it did (see the [module docs](self)).
    pub payment_result_code: Option<String>,
    /// Message for `payment_result_code`.
    pub payment_result_message: Option<String>,
    /// `paymentCreateTime`.
    pub payment_create_time: String,
    /// `paymentTime` (success only).
    pub payment_time: Option<String>,
    /// When the merchant cancelled it.
    pub cancel_time: Option<String>,
    /// Whether it was created on the sandbox path.
    pub sandbox: bool,
    /// Its refunds, oldest first.
    pub refunds: Vec<Refund>,
}

impl Payment {
    /// Whether the status can no longer change.
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// Total of the successful refunds, in minor units.
    pub fn refunded_minor_units(&self) -> u64 {
        self.refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Success)
            .map(|r| r.amount.value())
            .sum()
    }

    /// Total of the refunds that succeeded or are still processing: what
    /// can no longer be refunded.
    pub(crate) fn reserved_refund_minor_units(&self) -> u64 {
        self.refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Fail)
            .map(|r| r.amount.value())
            .sum()
    }
}

/// A refund as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// The merchant's `refundRequestId`.
    pub refund_request_id: String,
    /// The mock's `refundId`.
    pub refund_id: String,
    /// The refunded payment's `paymentId`.
    pub payment_id: String,
    /// The refunded payment's `paymentRequestId`.
    pub payment_request_id: String,
    /// `refundAmount`.
    pub amount: Amount,
    /// `SUCCESS`, `PROCESSING` (an asynchronous refund not yet done) or `FAIL`.
    pub status: RefundStatus,
    /// `refundTime`.
    pub refund_time: Option<String>,
    /// `refundNotifyUrl`, if given: notifyRefund goes there.
    pub refund_notify_url: Option<String>,
    /// `refundReason`.
    pub refund_reason: Option<String>,
}

/// How an asynchronous refund ends ([`MockAntom::complete_refund`](super::MockAntom::complete_refund)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The refund succeeds: `SUCCESS`, notified `S` / `SUCCESS`.
    Succeed,
    /// The refund fails: `FAIL`, notified `F` / `PROCESS_FAIL`; the amount
    /// can be refunded again.
    Fail,
}

/// How a payment reacts to the buyer (set by the matching rule).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Behaviour {
    /// Antom's normal behaviour.
    #[default]
    Normal,
    /// Paying fails with this code.
    Decline { code: String, message: Option<String> },
    /// Paying leaves it PROCESSING.
    StuckProcessing,
}

/// What happens to a payment from the buyer's side (or its expiry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuyerAction {
    /// The buyer pays.
    Pay,
    /// The payment fails with this `paymentResultCode` (and message).
    Fail {
        /// The code, e.g. `USER_BALANCE_NOT_ENOUGH`.
        code: String,
        /// The message; a default one when `None`.
        message: Option<String>,
    },
    /// The buyer cancels.
    Cancel,
    /// The session expires unpaid.
    Expire,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) payment: Payment,
    pub(crate) behaviour: Behaviour,
    pub(crate) faults: Option<NotificationFaults>,
}

/// Why a buyer action or lookup did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockError {
    /// No payment has this `paymentRequestId` (or session id).
    UnknownPayment(String),
    /// The payment already reached a final status.
    AlreadyFinal {
        /// The payment's `paymentRequestId`.
        payment_request_id: String,
        /// Its status.
        status: PaymentStatus,
    },
    /// No refund has this `refundRequestId`.
    UnknownRefund(String),
    /// The refund already reached a final status.
    RefundAlreadyFinal {
        /// The refund's `refundRequestId`.
        refund_request_id: String,
        /// Its status.
        status: RefundStatus,
    },
}

impl std::fmt::Display for MockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MockError::UnknownPayment(id) => write!(f, "the mock Antom has no payment {id:?}"),
            MockError::AlreadyFinal {
                payment_request_id,
                status,
            } => write!(f, "payment {payment_request_id:?} is already {status}"),
            MockError::UnknownRefund(id) => write!(f, "the mock Antom has no refund {id:?}"),
            MockError::RefundAlreadyFinal {
                refund_request_id,
                status,
            } => write!(f, "refund {refund_request_id:?} is already {status}"),
        }
    }
}

impl std::error::Error for MockError {}

/// The outcome of a buyer action.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub(crate) payment: Payment,
    /// Whether the status changed (to a final one).
    pub(crate) changed: bool,
    pub(crate) faults: Option<NotificationFaults>,
}

/// All payments, indexed.
#[derive(Debug, Default)]
pub(crate) struct Store {
    entries: Vec<Entry>,
    by_request_id: HashMap<String, usize>,
}

impl Store {
    pub(crate) fn insert(&mut self, entry: Entry) {
        self.by_request_id
            .insert(entry.payment.payment_request_id.clone(), self.entries.len());
        self.entries.push(entry);
    }

    pub(crate) fn by_request_id(&self, id: &str) -> Option<&Entry> {
        self.by_request_id.get(id).map(|&i| &self.entries[i])
    }

    fn index_of(&self, payment_id: Option<&str>, payment_request_id: Option<&str>) -> Option<usize> {
        // Antom: when both are given, paymentId wins.
        match (payment_id, payment_request_id) {
            (Some(pid), _) => self.entries.iter().position(|e| e.payment.payment_id == pid),
            (None, Some(rid)) => self.by_request_id.get(rid).copied(),
            (None, None) => None,
        }
    }

    pub(crate) fn find(&self, payment_id: Option<&str>, payment_request_id: Option<&str>) -> Option<&Entry> {
        self.index_of(payment_id, payment_request_id).map(|i| &self.entries[i])
    }

    pub(crate) fn find_mut(
        &mut self,
        payment_id: Option<&str>,
        payment_request_id: Option<&str>,
    ) -> Option<&mut Entry> {
        self.index_of(payment_id, payment_request_id)
            .map(|i| &mut self.entries[i])
    }

    pub(crate) fn by_session_id(&self, session_id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.payment.payment_session_id == session_id)
    }

    pub(crate) fn payments(&self) -> Vec<Payment> {
        self.entries.iter().map(|e| e.payment.clone()).collect()
    }

    pub(crate) fn find_refund(&self, refund_id: Option<&str>, refund_request_id: Option<&str>) -> Option<&Refund> {
        let refunds = self.entries.iter().flat_map(|e| e.payment.refunds.iter());
        match (refund_id, refund_request_id) {
            (Some(id), _) => refunds.into_iter().find(|r| r.refund_id == id),
            (None, Some(rid)) => refunds.into_iter().find(|r| r.refund_request_id == rid),
            (None, None) => None,
        }
    }

    /// Ends a `PROCESSING` refund; returns it with its payment's notification faults.
    pub(crate) fn complete_refund(
        &mut self,
        refund_request_id: &str,
        outcome: RefundOutcome,
        now: &str,
    ) -> Result<(Refund, Option<NotificationFaults>), MockError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| {
                e.payment
                    .refunds
                    .iter()
                    .any(|r| r.refund_request_id == refund_request_id)
            })
            .ok_or_else(|| MockError::UnknownRefund(refund_request_id.to_owned()))?;
        let refund = entry
            .payment
            .refunds
            .iter_mut()
            .find(|r| r.refund_request_id == refund_request_id)
            .expect("the entry was found by this refund");
        if refund.status.is_final() {
            return Err(MockError::RefundAlreadyFinal {
                refund_request_id: refund_request_id.to_owned(),
                status: refund.status.clone(),
            });
        }
        match outcome {
            RefundOutcome::Succeed => {
                refund.status = RefundStatus::Success;
                refund.refund_time = Some(now.to_owned());
            }
            RefundOutcome::Fail => refund.status = RefundStatus::Fail,
        }
        Ok((refund.clone(), entry.faults.clone()))
    }

    /// Applies a buyer action to the payment with this `paymentRequestId`.
    pub(crate) fn settle(
        &mut self,
        payment_request_id: &str,
        action: &BuyerAction,
        now: &str,
    ) -> Result<Settled, MockError> {
        let entry = self
            .find_mut(None, Some(payment_request_id))
            .ok_or_else(|| MockError::UnknownPayment(payment_request_id.to_owned()))?;
        let payment = &mut entry.payment;
        if payment.status != PaymentStatus::Processing {
            return Err(MockError::AlreadyFinal {
                payment_request_id: payment_request_id.to_owned(),
                status: payment.status.clone(),
            });
        }
        let outcome = match (action, &entry.behaviour) {
            (BuyerAction::Pay, Behaviour::Normal) => Some((PaymentStatus::Success, "SUCCESS".to_owned(), None)),
            (BuyerAction::Pay, Behaviour::Decline { code, message }) => {
                Some((PaymentStatus::Fail, code.clone(), message.clone()))
            }
            (BuyerAction::Pay, Behaviour::StuckProcessing) => None,
            (BuyerAction::Fail { code, message }, _) => Some((PaymentStatus::Fail, code.clone(), message.clone())),
            (BuyerAction::Cancel, _) => Some((
                PaymentStatus::Cancelled,
                BUYER_CANCELLED_CODE.to_owned(),
                Some("The buyer cancelled the payment.".to_owned()),
            )),
            (BuyerAction::Expire, _) => Some((
                PaymentStatus::Fail,
                EXPIRED_CODE.to_owned(),
                Some("The order is closed: the payment session expired unpaid.".to_owned()),
            )),
        };
        let changed = if let Some((status, code, message)) = outcome {
            if status == PaymentStatus::Success {
                payment.payment_time = Some(now.to_owned());
            }
            payment.payment_result_message = Some(message.unwrap_or_else(|| default_message(&status, &code)));
            payment.payment_result_code = Some(code);
            payment.status = status;
            true
        } else {
            false
        };
        Ok(Settled {
            payment: payment.clone(),
            changed,
            faults: entry.faults.clone(),
        })
    }
}

pub(crate) fn default_message(status: &PaymentStatus, code: &str) -> String {
    match status {
        PaymentStatus::Success => "success".to_owned(),
        _ => {
            let code = antom_types::PaymentResultCode::from_wire(code);
            if code.is_known() {
                code.meaning().to_owned()
            } else {
                format!("The payment failed ({code}).")
            }
        }
    }
}

/// When the session expires, as `paymentSessionExpiryTime`.
pub(crate) fn expiry_time(created: SystemTime, ttl: std::time::Duration) -> String {
    super::util::iso8601(created + ttl)
}
