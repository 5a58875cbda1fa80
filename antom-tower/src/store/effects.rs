//! What a result does to an order, decided once for every store.
//!
//! A store reads a [`Snapshot`] (the order and what is recorded about the
//! result's refund, dispute or capture), asks [`plan`] for the [`Writes`],
//! and writes them in one transaction: the order row and its state change
//! ([`Change`]), the refund, dispute or capture record, and the outbox event.
//! Refusals are decided here too, and logged at `warn`, before anything is
//! written.

use antom_types::{Amount, Notification, NotifyCapture, NotifyDispute, NotifyRefund, RefundStatus};

use super::events::{NewOrderEvent, OrderEventKind};
use super::records::{
    CaptureRecord, CaptureResult, DisputeRecord, DisputeUpdate, RefundClaim, RefundRecord, RefundState,
};
use super::state::{self, Change, Plan};
use super::{ApplyOutcome, Order, PaymentResult, RefundOutcome, RefundResult, ResultSource, StoreError};

/// A result to apply to an order, from a notification, an inquiry or reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// A payment result.
    Payment(PaymentResult),
    /// A refund result.
    Refund(RefundResult),
    /// A dispute notification.
    Dispute(DisputeUpdate),
    /// A capture result.
    Capture(CaptureResult),
    /// Nothing to apply: a notification type the checkout does not act on.
    NotHandled,
    /// A notification whose body could not be read (the reason): refused.
    Invalid(String),
}

/// How a store finds the order an effect is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey<'a> {
    /// The merchant's order id.
    OrderId(&'a str),
    /// The order's `paymentRequestId`.
    PaymentRequestId(&'a str),
    /// Antom's `paymentId` of the order's payment.
    PaymentId(&'a str),
    /// The `refundRequestId` of a refund recorded for the order.
    RefundRequestId(&'a str),
}

impl OrderKey<'_> {
    /// The id looked for, for [`StoreError::NotFound`].
    pub fn id(&self) -> &str {
        match self {
            OrderKey::OrderId(id)
            | OrderKey::PaymentRequestId(id)
            | OrderKey::PaymentId(id)
            | OrderKey::RefundRequestId(id) => id,
        }
    }

    /// The error for an order not found by this key.
    pub fn not_found(&self) -> StoreError {
        StoreError::NotFound {
            id: self.id().to_owned(),
        }
    }
}

impl Effect {
    /// How to find the effect's order; `None` for [`Effect::NotHandled`].
    pub fn order_key(&self) -> Option<OrderKey<'_>> {
        match self {
            Effect::Payment(result) => Some(OrderKey::PaymentRequestId(&result.payment_request_id)),
            Effect::Refund(result) => match (&result.payment_request_id, &result.refund_request_id) {
                (Some(id), _) => Some(OrderKey::PaymentRequestId(id)),
                (None, Some(id)) => Some(OrderKey::RefundRequestId(id)),
                (None, None) => Some(OrderKey::RefundRequestId("")),
            },
            Effect::Dispute(update) => Some(OrderKey::PaymentRequestId(&update.payment_request_id)),
            Effect::Capture(result) => Some(OrderKey::PaymentId(&result.payment_id)),
            Effect::NotHandled | Effect::Invalid(_) => None,
        }
    }

    /// The answer for an effect without an order ([`Effect::order_key`] is
    /// `None`): nothing to apply, or a refusal.
    pub fn unkeyed_result(&self) -> Result<ApplyOutcome, StoreError> {
        match self {
            Effect::Invalid(reason) => Err(StoreError::InvalidInput(reason.clone())),
            _ => Ok(ApplyOutcome::Ignored {
                status: super::OrderStatus::Created,
            }),
        }
    }

    /// What the store must read besides the order, to plan.
    pub fn lookups(&self) -> Lookups<'_> {
        match self {
            Effect::Refund(result) => Lookups {
                counted_refund_id: Some(&result.refund_id),
                refund_request_id: result.refund_request_id.as_deref(),
                ..Lookups::default()
            },
            Effect::Dispute(update) => Lookups {
                dispute_id: Some(&update.dispute_id),
                event_key: Some(dispute_event_key(update)),
                ..Lookups::default()
            },
            Effect::Capture(result) => Lookups {
                capture_id: Some(&result.capture_id),
                ..Lookups::default()
            },
            Effect::Payment(_) | Effect::NotHandled | Effect::Invalid(_) => Lookups::default(),
        }
    }
}

/// The records [`Effect::lookups`] names: read them into a [`Snapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups<'a> {
    /// Read the refunded amount already counted for this `refundId` on the
    /// order (from its state changes) into [`Snapshot::counted_refund`].
    pub counted_refund_id: Option<&'a str>,
    /// Read this refund record into [`Snapshot::refund`].
    pub refund_request_id: Option<&'a str>,
    /// Read this dispute into [`Snapshot::dispute`].
    pub dispute_id: Option<&'a str>,
    /// Read this capture into [`Snapshot::capture`].
    pub capture_id: Option<&'a str>,
    /// Check whether the order has an event with this key into [`Snapshot::event_recorded`].
    pub event_key: Option<String>,
}

/// What the store read, inside its write transaction, to plan an effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The order, as read (locked, in the SQL stores).
    pub order: Order,
    /// The minor units counted for the result's `refundId`, if it was counted.
    pub counted_refund: Option<u64>,
    /// The refund record of the result's `refundRequestId`, if any.
    pub refund: Option<RefundRecord>,
    /// The dispute record, if any.
    pub dispute: Option<DisputeRecord>,
    /// The capture record, if any.
    pub capture: Option<CaptureRecord>,
    /// Whether the order already has the event [`Lookups::event_key`] names.
    pub event_recorded: bool,
}

impl Snapshot {
    /// A snapshot of `order` with nothing else recorded.
    pub fn of(order: Order) -> Snapshot {
        Snapshot {
            order,
            counted_refund: None,
            refund: None,
            dispute: None,
            capture: None,
            event_recorded: false,
        }
    }
}

/// Everything one result writes, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writes {
    /// The answer, once written.
    pub outcome: ApplyOutcome,
    /// The order's change, written with compare-and-set on the version read.
    pub change: Option<Change>,
    /// The refund record to insert or replace.
    pub refund: Option<RefundRecord>,
    /// The dispute record to insert or replace.
    pub dispute: Option<DisputeRecord>,
    /// The capture record to insert.
    pub capture: Option<CaptureRecord>,
    /// The outbox event (unique per order and key).
    pub event: Option<NewOrderEvent>,
}

impl Writes {
    /// Nothing to write: answer `outcome`.
    pub fn unchanged(outcome: ApplyOutcome) -> Writes {
        Writes {
            outcome,
            change: None,
            refund: None,
            dispute: None,
            capture: None,
            event: None,
        }
    }

    /// Whether there is anything to write.
    pub fn is_empty(&self) -> bool {
        self.change.is_none()
            && self.refund.is_none()
            && self.dispute.is_none()
            && self.capture.is_none()
            && self.event.is_none()
    }

    /// The writes of an order-only [`Plan`], with the event its transition yields.
    pub fn from_plan(order: &Order, plan: Plan) -> Writes {
        match plan {
            Plan::Unchanged(outcome) => Writes::unchanged(outcome),
            Plan::Change(change) => {
                let event = OrderEventKind::for_transition(change.to).map(|kind| NewOrderEvent {
                    kind,
                    key: change.change_key.clone(),
                    amount: Some(match change.refund_amount {
                        Some(minor) => Amount::new(order.amount.currency(), minor).unwrap_or(order.amount),
                        None => order.amount,
                    }),
                    reference: change.refund_id.clone().or_else(|| change.payment_id.clone()),
                    detail: change.result_code.clone(),
                });
                Writes {
                    outcome: change.outcome(),
                    change: Some(change),
                    refund: None,
                    dispute: None,
                    capture: None,
                    event,
                }
            }
        }
    }
}

/// Plans `effect` on the snapshot (see the [module documentation](self)).
pub fn plan(snapshot: &Snapshot, effect: &Effect, now_ms: i64) -> Result<Writes, StoreError> {
    let order = &snapshot.order;
    match effect {
        Effect::Payment(result) => Ok(Writes::from_plan(order, state::plan_payment(order, result)?)),
        Effect::Refund(result) => plan_refund(snapshot, result, now_ms),
        Effect::Dispute(update) => plan_dispute(snapshot, update, now_ms),
        Effect::Capture(result) => plan_capture(snapshot, result, now_ms),
        Effect::NotHandled | Effect::Invalid(_) => effect.unkeyed_result().map(Writes::unchanged),
    }
}

fn plan_refund(snapshot: &Snapshot, result: &RefundResult, now_ms: i64) -> Result<Writes, StoreError> {
    let order = &snapshot.order;
    let mut writes = Writes::from_plan(order, state::plan_refund(order, result, snapshot.counted_refund)?);
    let Some(record) = &snapshot.refund else {
        // A refund started elsewhere (the Dashboard, another system), learned
        // with its refundRequestId: recorded, so the order lists every refund.
        if let (Some(_), Some(refund_request_id)) = (&writes.change, &result.refund_request_id) {
            writes.refund = Some(RefundRecord {
                refund_request_id: refund_request_id.clone(),
                order_id: order.order_id.clone(),
                amount: result.amount,
                reason: None,
                state: RefundState::Succeeded,
                refund_id: Some(result.refund_id.clone()),
                failure_code: None,
                created_at_ms: now_ms,
                updated_at_ms: now_ms,
            });
        }
        return Ok(writes);
    };
    if record.order_id != order.order_id {
        return Err(StoreError::RefundRequestConflict {
            refund_request_id: record.refund_request_id.clone(),
        });
    }
    let settled = |state: RefundState, failure_code: Option<String>| RefundRecord {
        state,
        refund_id: Some(result.refund_id.clone())
            .filter(|id| !id.is_empty())
            .or(record.refund_id.clone()),
        failure_code,
        updated_at_ms: now_ms,
        ..record.clone()
    };
    match (result.outcome, record.state) {
        (RefundOutcome::Succeeded, RefundState::Pending | RefundState::Failed) if writes.change.is_some() => {
            if record.amount != result.amount {
                tracing::warn!(
                    order_id = %order.order_id,
                    refund_request_id = %record.refund_request_id,
                    asked = %record.amount,
                    refunded = %result.amount,
                    "Antom refunded another amount than the refund asked for; counting what Antom reports"
                );
            }
            writes.refund = Some(settled(RefundState::Succeeded, None));
        }
        (RefundOutcome::Failed, RefundState::Pending) => {
            writes.refund = Some(settled(RefundState::Failed, result.result_code.clone()));
            writes.event = Some(NewOrderEvent {
                kind: OrderEventKind::RefundFailed,
                key: format!("refund_failed:{}", record.refund_request_id),
                amount: Some(record.amount),
                reference: Some(record.refund_request_id.clone()),
                detail: result.result_code.clone(),
            });
            writes.outcome = ApplyOutcome::Recorded { status: order.status };
        }
        (RefundOutcome::Processing, RefundState::Pending)
            if record.refund_id.is_none() && !result.refund_id.is_empty() =>
        {
            writes.refund = Some(settled(RefundState::Pending, None));
        }
        _ => {}
    }
    Ok(writes)
}

/// The outbox key of a dispute notification: one event per dispute and type.
pub fn dispute_event_key(update: &DisputeUpdate) -> String {
    format!("dispute:{}:{}", update.dispute_id, update.notification_type)
}

fn plan_dispute(snapshot: &Snapshot, update: &DisputeUpdate, now_ms: i64) -> Result<Writes, StoreError> {
    let order = &snapshot.order;
    for amount in [update.amount, update.judged_amount].into_iter().flatten() {
        if amount.currency() != order.amount.currency() || amount.value() > order.amount.value() {
            return Err(refuse_amount(order, amount, "dispute notification"));
        }
    }
    if snapshot.event_recorded {
        return Ok(Writes::unchanged(ApplyOutcome::AlreadyApplied { status: order.status }));
    }
    tracing::warn!(
        order_id = %order.order_id,
        dispute_id = %update.dispute_id,
        notification_type = %update.notification_type,
        amount = ?update.amount.map(|a| a.to_string()),
        "dispute recorded on the order"
    );
    let record = match &snapshot.dispute {
        None => DisputeRecord {
            dispute_id: update.dispute_id.clone(),
            order_id: order.order_id.clone(),
            state: update.notification_type.clone(),
            amount: update.amount,
            reason_code: update.reason_code.clone(),
            reason_message: update.reason_message.clone(),
            dispute_time: update.dispute_time.clone(),
            defense_due_time: update.defense_due_time.clone(),
            judged_result: update.judged_result.clone(),
            judged_amount: update.judged_amount,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        },
        Some(existing) => {
            // A later stage's values win; an earlier stage arriving late only fills gaps.
            let newer = update.stage() >= super::records::dispute_stage(&existing.state);
            let pick = |new: &Option<String>, old: &Option<String>| {
                if newer {
                    new.clone().or_else(|| old.clone())
                } else {
                    old.clone().or_else(|| new.clone())
                }
            };
            let pick_amount = |new: Option<Amount>, old: Option<Amount>| if newer { new.or(old) } else { old.or(new) };
            DisputeRecord {
                dispute_id: existing.dispute_id.clone(),
                order_id: existing.order_id.clone(),
                state: if newer {
                    update.notification_type.clone()
                } else {
                    existing.state.clone()
                },
                amount: pick_amount(update.amount, existing.amount),
                reason_code: pick(&update.reason_code, &existing.reason_code),
                reason_message: pick(&update.reason_message, &existing.reason_message),
                dispute_time: pick(&update.dispute_time, &existing.dispute_time),
                defense_due_time: pick(&update.defense_due_time, &existing.defense_due_time),
                judged_result: pick(&update.judged_result, &existing.judged_result),
                judged_amount: pick_amount(update.judged_amount, existing.judged_amount),
                created_at_ms: existing.created_at_ms,
                updated_at_ms: now_ms,
            }
        }
    };
    Ok(Writes {
        outcome: ApplyOutcome::Recorded { status: order.status },
        change: None,
        refund: None,
        event: Some(NewOrderEvent {
            kind: OrderEventKind::Disputed,
            key: dispute_event_key(update),
            amount: update.amount.or(record.amount),
            reference: Some(update.dispute_id.clone()),
            detail: Some(update.notification_type.clone()),
        }),
        dispute: Some(record),
        capture: None,
    })
}

fn plan_capture(snapshot: &Snapshot, result: &CaptureResult, now_ms: i64) -> Result<Writes, StoreError> {
    let order = &snapshot.order;
    if result.amount.currency() != order.amount.currency() || result.amount.value() > order.amount.value() {
        return Err(refuse_amount(order, result.amount, "capture result"));
    }
    if snapshot.capture.is_some() {
        return Ok(Writes::unchanged(ApplyOutcome::AlreadyApplied { status: order.status }));
    }
    let (kind, key) = if result.succeeded {
        (OrderEventKind::Captured, format!("capture:{}", result.capture_id))
    } else {
        (
            OrderEventKind::CaptureFailed,
            format!("capture_failed:{}", result.capture_id),
        )
    };
    Ok(Writes {
        outcome: ApplyOutcome::Recorded { status: order.status },
        change: None,
        refund: None,
        dispute: None,
        capture: Some(CaptureRecord {
            capture_id: result.capture_id.clone(),
            order_id: order.order_id.clone(),
            capture_request_id: result.capture_request_id.clone(),
            amount: result.amount,
            succeeded: result.succeeded,
            capture_time: result.capture_time.clone(),
            result_code: result.result_code.clone(),
            at_ms: now_ms,
        }),
        event: Some(NewOrderEvent {
            kind,
            key,
            amount: Some(result.amount),
            reference: Some(result.capture_id.clone()),
            detail: result.result_code.clone(),
        }),
    })
}

fn refuse_amount(order: &Order, received: Amount, what: &str) -> StoreError {
    tracing::warn!(
        order_id = %order.order_id,
        payment_request_id = %order.payment_request_id,
        expected = %order.amount,
        received = %received,
        "refused {what}: amount or currency does not fit the order: possible fraud attempt"
    );
    StoreError::AmountMismatch {
        expected: order.amount,
        received,
    }
}

/// Plans [`OrderStore::create_refund`](super::OrderStore::create_refund): the
/// order must be paid and in the refund's currency, and the refund must fit
/// in what is neither refunded nor reserved by a pending refund. `existing`
/// is the record of the same `refundRequestId`, if any: the same refund
/// again answers it; another refund under that id is refused.
pub fn plan_new_refund(
    order: &Order,
    new: &super::records::NewRefund,
    existing: Option<&RefundRecord>,
    pending_minor: u64,
    now_ms: i64,
) -> Result<RefundClaim, StoreError> {
    if let Some(existing) = existing {
        if existing.order_id == new.order_id && existing.amount == new.amount {
            return Ok(RefundClaim::Existing(existing.clone()));
        }
        return Err(StoreError::RefundRequestConflict {
            refund_request_id: new.refund_request_id.clone(),
        });
    }
    if new.amount.currency() != order.amount.currency() {
        return Err(StoreError::AmountMismatch {
            expected: order.amount,
            received: new.amount,
        });
    }
    if new.amount.is_zero() {
        return Err(StoreError::InvalidInput(
            "a refund must be of more than zero".to_owned(),
        ));
    }
    if !order.status.is_paid() {
        return Err(StoreError::NotRefundable { status: order.status });
    }
    let reserved = order.refunded.saturating_add(pending_minor);
    if reserved.saturating_add(new.amount.value()) > order.amount.value() {
        return Err(StoreError::RefundExceedsOrder {
            order_amount: order.amount,
            refunded: reserved,
            received: new.amount,
        });
    }
    Ok(RefundClaim::Created(RefundRecord {
        refund_request_id: new.refund_request_id.clone(),
        order_id: order.order_id.clone(),
        amount: new.amount,
        reason: new.reason.clone(),
        state: RefundState::Pending,
        refund_id: None,
        failure_code: None,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    }))
}

impl Effect {
    /// What a verified notification does to its order: a payment, refund,
    /// dispute or capture result, or [`Effect::NotHandled`] for another type.
    pub fn from_notification(notification: &Notification) -> Effect {
        match notification {
            Notification::Payment(payment) => Effect::Payment(PaymentResult::from_notification(payment)),
            Notification::Refund(refund) => Effect::Refund(refund_result(refund)),
            Notification::Dispute(dispute) => Effect::Dispute(dispute_update(dispute)),
            Notification::Capture(capture) => Effect::Capture(capture_result(capture)),
            _ => Effect::NotHandled,
        }
    }
}

fn dispute_update(dispute: &NotifyDispute) -> DisputeUpdate {
    DisputeUpdate {
        dispute_id: dispute.dispute_id.clone(),
        payment_request_id: dispute.payment_request_id.clone(),
        notification_type: dispute.dispute_notification_type.as_str().to_owned(),
        amount: dispute.dispute_amount,
        reason_code: dispute.dispute_reason_code.clone(),
        reason_message: dispute.dispute_reason_msg.clone(),
        dispute_time: dispute.dispute_time.clone(),
        defense_due_time: dispute.defense_due_time.clone(),
        judged_result: dispute.dispute_judged_result.as_ref().map(|r| r.as_str().to_owned()),
        judged_amount: dispute.dispute_judged_amount,
        source: ResultSource::Notification,
    }
}

fn capture_result(capture: &NotifyCapture) -> CaptureResult {
    CaptureResult {
        capture_id: capture.capture_id.clone(),
        capture_request_id: Some(capture.capture_request_id.clone()),
        payment_id: capture.payment_id.clone(),
        amount: capture.capture_amount,
        succeeded: capture.is_capture_success(),
        capture_time: capture.capture_time.clone(),
        result_code: Some(capture.result.result_code.to_string()),
        source: ResultSource::Notification,
    }
}

fn refund_result(refund: &NotifyRefund) -> RefundResult {
    RefundResult {
        // notifyRefund names no payment: the store finds the order by refundRequestId.
        payment_request_id: None,
        refund_id: refund.refund_id.clone(),
        refund_request_id: Some(refund.refund_request_id.clone()),
        amount: refund.refund_amount,
        outcome: match &refund.refund_status {
            RefundStatus::Success => RefundOutcome::Succeeded,
            RefundStatus::Fail => RefundOutcome::Failed,
            _ => RefundOutcome::Processing,
        },
        source: ResultSource::Notification,
        result_code: Some(refund.result.result_code.to_string()).filter(|_| refund.refund_status == RefundStatus::Fail),
    }
}
