//! The order state machine, as pure functions every store shares.
//!
//! [`decide`] is the transition table for payment results. [`plan_payment`],
//! [`plan_mark_pending`] and [`plan_refund`] add the checks that need the
//! whole order (amount, currency, refunded total) and return a [`Plan`]: either
//! an answer that changes nothing, or one [`Change`] to write with
//! compare-and-set. They also log refusals at `warn`. A store reads the
//! order, plans, and writes the change only if the order is still at the
//! version it read; otherwise it reads and plans again.
//!
//! | current \ result     | Processing | Succeeded | Failed / Cancelled / Expired |
//! |----------------------|------------|-----------|------------------------------|
//! | Created              | → Pending  | → Succeeded | → that state               |
//! | Pending              | already    | → Succeeded | → that state               |
//! | Succeeded            | ignored    | already   | illegal                      |
//! | Failed, Cancelled, Expired | ignored | illegal | already if the same, else illegal |
//! | PartiallyRefunded, Refunded | ignored | already | illegal                   |

use super::{
    ApplyOutcome, Order, OrderStatus, PaymentOutcome, PaymentResult, RefundOutcome, RefundResult, ResultSource,
    StateChange, StoreError,
};
use antom_types::Amount;

/// What a payment result does to an order in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Move to this state and record the change.
    Transition(OrderStatus),
    /// The order is already where the result says: nothing to do.
    AlreadyApplied,
    /// A stale, non-final result after a final one: nothing to do.
    Ignore,
    /// The result contradicts the order's final state: refuse.
    Illegal {
        /// The state the result asked for.
        to: OrderStatus,
    },
}

/// The transition table (see the [module documentation](self)).
pub fn decide(current: OrderStatus, outcome: PaymentOutcome) -> Decision {
    use OrderStatus as S;
    let target = outcome.target_status();
    match (current, outcome) {
        (S::Created, _) => Decision::Transition(target),
        (S::Pending, PaymentOutcome::Processing) => Decision::AlreadyApplied,
        (S::Pending, _) => Decision::Transition(target),
        (_, PaymentOutcome::Processing) => Decision::Ignore,
        (S::PartiallyRefunded | S::Refunded, PaymentOutcome::Succeeded) => Decision::AlreadyApplied,
        (current, _) if current == target => Decision::AlreadyApplied,
        (_, _) => Decision::Illegal { to: target },
    }
}

/// One state change to write: the new values of the order's mutable
/// columns, and what to record in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The status read.
    pub from: OrderStatus,
    /// The new status.
    pub to: OrderStatus,
    /// The new `payment_id` column.
    pub payment_id: Option<String>,
    /// The new refunded total, in minor units.
    pub refunded: u64,
    /// Where the result came from.
    pub source: ResultSource,
    /// Antom's `resultCode`, for the log.
    pub result_code: Option<String>,
    /// The refund id, for a refund.
    pub refund_id: Option<String>,
    /// The refund's minor units, for a refund.
    pub refund_amount: Option<u64>,
    /// A key unique per order among all its changes: the target status for
    /// a payment transition (a payment enters each state at most once), or
    /// `refund:<refundId>`. Stores keep it under a unique constraint so a
    /// change can never be recorded twice, even by racing writers.
    pub change_key: String,
}

impl Change {
    /// The answer to give once the change is stored.
    pub fn outcome(&self) -> ApplyOutcome {
        ApplyOutcome::Applied {
            from: self.from,
            to: self.to,
        }
    }

    /// Applies the change to an in-memory order read at `order.version`.
    pub fn apply_to(&self, order: &mut Order, now_ms: i64) {
        order.status = self.to;
        order.payment_id.clone_from(&self.payment_id);
        order.refunded = self.refunded;
        order.updated_at_ms = now_ms;
        order.version += 1;
    }

    /// The log entry for this change, made from `order` at `new_version`.
    pub fn record(&self, order_id: &str, new_version: u64, now_ms: i64) -> StateChange {
        StateChange {
            order_id: order_id.to_owned(),
            version: new_version,
            from: self.from,
            to: self.to,
            source: self.source,
            refund_id: self.refund_id.clone(),
            refund_amount: self.refund_amount,
            result_code: self.result_code.clone(),
            at_ms: now_ms,
        }
    }
}

/// What to do with a result, given the order as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to write: answer this.
    Unchanged(ApplyOutcome),
    /// Write this change (compare-and-set on the version read), then answer
    /// [`Change::outcome`].
    Change(Change),
}

fn refuse_illegal(order: &Order, to: OrderStatus, what: &str, source: ResultSource) -> StoreError {
    tracing::warn!(
        order_id = %order.order_id,
        payment_request_id = %order.payment_request_id,
        from = %order.status,
        to = %to,
        source = %source,
        "refused {what}: illegal order state transition"
    );
    StoreError::IllegalTransition { from: order.status, to }
}

fn refuse_mismatch(order: &Order, expected: Amount, received: Amount, what: &str, source: ResultSource) -> StoreError {
    tracing::warn!(
        order_id = %order.order_id,
        payment_request_id = %order.payment_request_id,
        expected = %expected,
        received = %received,
        source = %source,
        "refused {what}: amount or currency differs from the order: possible fraud attempt"
    );
    StoreError::AmountMismatch { expected, received }
}

fn payment_change(order: &Order, to: OrderStatus, payment_id: Option<&String>, source: ResultSource) -> Change {
    let payment_id = match (&order.payment_id, payment_id) {
        (Some(stored), Some(received)) if stored != received => {
            tracing::warn!(
                order_id = %order.order_id,
                stored = %stored,
                received = %received,
                "a payment result carries another paymentId than the stored one; keeping the stored one"
            );
            Some(stored.clone())
        }
        (Some(stored), _) => Some(stored.clone()),
        (None, received) => received.cloned(),
    };
    Change {
        from: order.status,
        to,
        payment_id,
        refunded: order.refunded,
        source,
        result_code: None,
        refund_id: None,
        refund_amount: None,
        change_key: to.as_str().to_owned(),
    }
}

fn plan_decision(order: &Order, decision: Decision) -> Result<Plan, Decision> {
    match decision {
        Decision::AlreadyApplied => Ok(Plan::Unchanged(ApplyOutcome::AlreadyApplied { status: order.status })),
        Decision::Ignore => Ok(Plan::Unchanged(ApplyOutcome::Ignored { status: order.status })),
        other => Err(other),
    }
}

/// Plans a payment result for `order` (the order with the result's
/// `paymentRequestId`): refuses a different amount or currency
/// ([`StoreError::AmountMismatch`]) before anything else, then follows
/// [`decide`].
pub fn plan_payment(order: &Order, result: &PaymentResult) -> Result<Plan, StoreError> {
    if result.amount != order.amount {
        return Err(refuse_mismatch(
            order,
            order.amount,
            result.amount,
            "payment result",
            result.source,
        ));
    }
    match plan_decision(order, decide(order.status, result.outcome)) {
        Ok(plan) => Ok(plan),
        Err(Decision::Transition(to)) => {
            let mut change = payment_change(order, to, result.payment_id.as_ref(), result.source);
            change.result_code.clone_from(&result.result_code);
            Ok(Plan::Change(change))
        }
        Err(Decision::Illegal { to }) => Err(refuse_illegal(order, to, "payment result", result.source)),
        Err(_) => unreachable!("plan_decision handles the rest"),
    }
}

/// Plans [`OrderStore::mark_pending`](super::OrderStore::mark_pending):
/// `Created` → `Pending`, already on `Pending`, ignored on a final order.
pub fn plan_mark_pending(order: &Order) -> Plan {
    match plan_decision(order, decide(order.status, PaymentOutcome::Processing)) {
        Ok(plan) => plan,
        Err(Decision::Transition(to)) => Plan::Change(payment_change(order, to, None, ResultSource::Api)),
        // `decide` never refuses a Processing result.
        Err(_) => Plan::Unchanged(ApplyOutcome::Ignored { status: order.status }),
    }
}

/// Plans a refund result for `order`. `previous` is the refunded minor
/// units already recorded for the result's refund id on this order, if any.
///
/// In order: a refund in another currency is refused
/// ([`StoreError::AmountMismatch`]); a refund id already counted answers
/// `AlreadyApplied` (or `AmountMismatch` if its amount changed); a refund
/// that did not succeed, or of zero, is `Ignored`; a refund of an unpaid
/// order is an [`StoreError::IllegalTransition`]; one that would take the
/// refunded total past the order's amount is
/// [`StoreError::RefundExceedsOrder`]. Otherwise the order moves to
/// `Refunded` when fully refunded, else `PartiallyRefunded`.
pub fn plan_refund(order: &Order, result: &RefundResult, previous: Option<u64>) -> Result<Plan, StoreError> {
    let currency = order.amount.currency();
    if result.amount.currency() != currency {
        return Err(refuse_mismatch(
            order,
            order.amount,
            result.amount,
            "refund result",
            result.source,
        ));
    }
    if let Some(previous) = previous {
        if previous == result.amount.value() {
            return Ok(Plan::Unchanged(ApplyOutcome::AlreadyApplied { status: order.status }));
        }
        let expected = Amount::new(currency, previous).unwrap_or(order.amount);
        return Err(refuse_mismatch(
            order,
            expected,
            result.amount,
            "refund result for an already counted refundId",
            result.source,
        ));
    }
    if result.outcome != RefundOutcome::Succeeded || result.amount.is_zero() {
        return Ok(Plan::Unchanged(ApplyOutcome::Ignored { status: order.status }));
    }
    let refunded = order.refunded.saturating_add(result.amount.value());
    let to = if refunded >= order.amount.value() {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    };
    if !order.status.is_paid() {
        return Err(refuse_illegal(order, to, "refund result", result.source));
    }
    if refunded > order.amount.value() {
        tracing::warn!(
            order_id = %order.order_id,
            refund_id = %result.refund_id,
            order_amount = %order.amount,
            refunded = order.refunded,
            received = %result.amount,
            source = %result.source,
            "refused refund result: it would refund more than the order amount"
        );
        return Err(StoreError::RefundExceedsOrder {
            order_amount: order.amount,
            refunded: order.refunded,
            received: result.amount,
        });
    }
    Ok(Plan::Change(Change {
        from: order.status,
        to,
        payment_id: order.payment_id.clone(),
        refunded,
        source: result.source,
        result_code: None,
        refund_id: Some(result.refund_id.clone()),
        refund_amount: Some(result.amount.value()),
        change_key: format!("refund:{}", result.refund_id),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewOrder, OrderStatus as S, PaymentOutcome as P};
    use antom_types::Currency;

    /// The whole table, written out by hand: every (state, outcome) pair.
    #[test]
    fn decide_covers_every_pair() {
        use Decision::{AlreadyApplied as Already, Ignore, Transition as To};
        let ill = |to| Decision::Illegal { to };
        let table: [(S, [Decision; 5]); 8] = [
            // Succeeded, Failed, Cancelled, Expired, Processing
            (
                S::Created,
                [
                    To(S::Succeeded),
                    To(S::Failed),
                    To(S::Cancelled),
                    To(S::Expired),
                    To(S::Pending),
                ],
            ),
            (
                S::Pending,
                [
                    To(S::Succeeded),
                    To(S::Failed),
                    To(S::Cancelled),
                    To(S::Expired),
                    Already,
                ],
            ),
            (
                S::Succeeded,
                [Already, ill(S::Failed), ill(S::Cancelled), ill(S::Expired), Ignore],
            ),
            (
                S::Failed,
                [ill(S::Succeeded), Already, ill(S::Cancelled), ill(S::Expired), Ignore],
            ),
            (
                S::Cancelled,
                [ill(S::Succeeded), ill(S::Failed), Already, ill(S::Expired), Ignore],
            ),
            (
                S::Expired,
                [ill(S::Succeeded), ill(S::Failed), ill(S::Cancelled), Already, Ignore],
            ),
            (
                S::PartiallyRefunded,
                [Already, ill(S::Failed), ill(S::Cancelled), ill(S::Expired), Ignore],
            ),
            (
                S::Refunded,
                [Already, ill(S::Failed), ill(S::Cancelled), ill(S::Expired), Ignore],
            ),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (outcome, expected) in P::ALL.into_iter().zip(row) {
                assert_eq!(decide(state, outcome), expected, "decide({state:?}, {outcome:?})");
            }
        }
    }

    #[test]
    fn decide_properties() {
        for state in S::ALL {
            for outcome in P::ALL {
                match decide(state, outcome) {
                    // Only undecided orders move, and never backwards to Created.
                    Decision::Transition(to) => {
                        assert!(!state.is_final(), "{state:?} moved");
                        assert_eq!(to, outcome.target_status());
                        assert_ne!(to, S::Created);
                    }
                    // A final order is never moved by a payment result.
                    Decision::Illegal { to } => {
                        assert!(state.is_final());
                        assert!(outcome != P::Processing && to != state);
                    }
                    Decision::Ignore => assert!(state.is_final() && outcome == P::Processing),
                    Decision::AlreadyApplied => {}
                }
                // Applying twice: the second time never moves.
                if let Decision::Transition(to) = decide(state, outcome) {
                    assert_eq!(decide(to, outcome), Decision::AlreadyApplied, "{state:?} {outcome:?}");
                }
            }
        }
    }

    #[test]
    fn status_and_source_names_round_trip() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>().unwrap(), status);
        }
        for source in ResultSource::ALL {
            assert_eq!(source.as_str().parse::<ResultSource>().unwrap(), source);
        }
        assert!("SUCCESS".parse::<S>().is_err());
        assert!("Api".parse::<ResultSource>().is_err());
        assert!(S::Succeeded.is_final() && S::Refunded.is_final() && !S::Pending.is_final());
    }

    fn sgd(value: u64) -> Amount {
        Amount::new(Currency::new("SGD").unwrap(), value).unwrap()
    }

    fn order(status: S, refunded: u64) -> Order {
        let mut order = Order::from_new(
            NewOrder {
                order_id: "o".into(),
                payment_request_id: "p".into(),
                amount: sgd(1000),
                description: "d".into(),
                payment_method_type: "CARD".into(),
                buyer_id: None,
                session_expires_at_ms: None,
            },
            1,
        );
        order.status = status;
        order.refunded = refunded;
        order
    }

    fn payment(outcome: P, amount: Amount) -> PaymentResult {
        PaymentResult {
            payment_request_id: "p".into(),
            payment_id: Some("antom-1".into()),
            amount,
            outcome,
            source: ResultSource::Notification,
            result_code: Some("SUCCESS".into()),
        }
    }

    fn refund(id: &str, amount: Amount, outcome: RefundOutcome) -> RefundResult {
        RefundResult {
            payment_request_id: Some("p".into()),
            refund_id: id.into(),
            refund_request_id: None,
            amount,
            outcome,
            source: ResultSource::Notification,
            result_code: None,
        }
    }

    #[test]
    fn plan_payment_checks_amount_before_state() {
        let o = order(S::Succeeded, 0);
        // Even a duplicate of the final state is refused with another amount.
        let err = plan_payment(&o, &payment(P::Succeeded, sgd(999))).unwrap_err();
        assert!(
            matches!(err, StoreError::AmountMismatch { expected, received } if expected == sgd(1000) && received == sgd(999))
        );
        let usd = Amount::new(Currency::new("USD").unwrap(), 1000).unwrap();
        assert!(matches!(
            plan_payment(&o, &payment(P::Succeeded, usd)),
            Err(StoreError::AmountMismatch { .. })
        ));
        let pending = order(S::Pending, 0);
        let Plan::Change(change) = plan_payment(&pending, &payment(P::Succeeded, sgd(1000))).unwrap() else {
            panic!("expected a change")
        };
        assert_eq!((change.from, change.to), (S::Pending, S::Succeeded));
        assert_eq!(change.payment_id.as_deref(), Some("antom-1"));
        assert_eq!(change.result_code.as_deref(), Some("SUCCESS"));
        assert_eq!(change.change_key, "succeeded");
        assert!(matches!(
            plan_payment(&o, &payment(P::Failed, sgd(1000))),
            Err(StoreError::IllegalTransition {
                from: S::Succeeded,
                to: S::Failed
            })
        ));
    }

    /// Captures what the code logs while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn refusals_are_logged_at_warn() {
        let o = order(S::Pending, 0);
        let log = logged(|| {
            assert!(plan_payment(&o, &payment(P::Succeeded, sgd(1))).is_err());
        });
        assert!(log.contains("WARN"), "{log}");
        assert!(log.contains("possible fraud attempt"), "{log}");
        assert!(
            log.contains("expected=10.00 SGD") && log.contains("received=0.01 SGD"),
            "{log}"
        );

        let o = order(S::Succeeded, 0);
        let log = logged(|| {
            assert!(plan_payment(&o, &payment(P::Failed, sgd(1000))).is_err());
        });
        assert!(
            log.contains("WARN") && log.contains("illegal order state transition"),
            "{log}"
        );
        assert!(log.contains("from=succeeded") && log.contains("to=failed"), "{log}");

        let log = logged(|| {
            assert!(plan_refund(&o, &refund("r", sgd(1001), RefundOutcome::Succeeded), None).is_err());
        });
        assert!(
            log.contains("WARN") && log.contains("more than the order amount"),
            "{log}"
        );

        // Accepted results log nothing at warn.
        let o = order(S::Pending, 0);
        let log = logged(|| {
            assert!(plan_payment(&o, &payment(P::Succeeded, sgd(1000))).is_ok());
        });
        assert!(!log.contains("WARN"), "{log}");
    }

    #[test]
    fn plan_payment_keeps_the_first_payment_id() {
        let mut pending = order(S::Pending, 0);
        pending.payment_id = Some("first".into());
        let Plan::Change(change) = plan_payment(&pending, &payment(P::Succeeded, sgd(1000))).unwrap() else {
            panic!("expected a change")
        };
        assert_eq!(change.payment_id.as_deref(), Some("first"));
    }

    #[test]
    fn plan_mark_pending_is_idempotent() {
        let Plan::Change(change) = plan_mark_pending(&order(S::Created, 0)) else {
            panic!("expected a change")
        };
        assert_eq!(
            (change.from, change.to, change.source),
            (S::Created, S::Pending, ResultSource::Api)
        );
        assert_eq!(
            plan_mark_pending(&order(S::Pending, 0)),
            Plan::Unchanged(ApplyOutcome::AlreadyApplied { status: S::Pending })
        );
        for status in [
            S::Succeeded,
            S::Failed,
            S::Cancelled,
            S::Expired,
            S::PartiallyRefunded,
            S::Refunded,
        ] {
            assert_eq!(
                plan_mark_pending(&order(status, 0)),
                Plan::Unchanged(ApplyOutcome::Ignored { status })
            );
        }
    }

    #[test]
    fn plan_refund_partial_full_duplicate_and_over() {
        let ok = RefundOutcome::Succeeded;
        let Plan::Change(c) = plan_refund(&order(S::Succeeded, 0), &refund("r1", sgd(300), ok), None).unwrap() else {
            panic!()
        };
        assert_eq!((c.from, c.to, c.refunded), (S::Succeeded, S::PartiallyRefunded, 300));
        assert_eq!(c.change_key, "refund:r1");
        assert_eq!(c.refund_amount, Some(300));
        let partially = order(S::PartiallyRefunded, 300);
        let Plan::Change(c) = plan_refund(&partially, &refund("r2", sgd(200), ok), None).unwrap() else {
            panic!()
        };
        assert_eq!((c.to, c.refunded), (S::PartiallyRefunded, 500));
        let Plan::Change(c) = plan_refund(&partially, &refund("r2", sgd(700), ok), None).unwrap() else {
            panic!()
        };
        assert_eq!((c.to, c.refunded), (S::Refunded, 1000));
        // The same refund id again: counted once.
        assert_eq!(
            plan_refund(&partially, &refund("r1", sgd(300), ok), Some(300)).unwrap(),
            Plan::Unchanged(ApplyOutcome::AlreadyApplied {
                status: S::PartiallyRefunded
            })
        );
        assert!(matches!(
            plan_refund(&partially, &refund("r1", sgd(301), ok), Some(300)),
            Err(StoreError::AmountMismatch { .. })
        ));
        assert!(matches!(
            plan_refund(&partially, &refund("r3", sgd(701), ok), None),
            Err(StoreError::RefundExceedsOrder { refunded: 300, .. })
        ));
        assert!(matches!(
            plan_refund(&order(S::Refunded, 1000), &refund("r4", sgd(1), ok), None),
            Err(StoreError::RefundExceedsOrder { .. })
        ));
        // Unpaid orders cannot be refunded.
        for status in [S::Created, S::Pending, S::Failed, S::Cancelled, S::Expired] {
            assert!(matches!(
                plan_refund(&order(status, 0), &refund("r1", sgd(100), ok), None),
                Err(StoreError::IllegalTransition { from, to: S::PartiallyRefunded }) if from == status
            ));
        }
        // Other currency: refused.
        let usd = Amount::new(Currency::new("USD").unwrap(), 100).unwrap();
        assert!(matches!(
            plan_refund(&order(S::Succeeded, 0), &refund("r1", usd, ok), None),
            Err(StoreError::AmountMismatch { .. })
        ));
        // Refunds that did not succeed change nothing.
        for outcome in [RefundOutcome::Failed, RefundOutcome::Processing] {
            assert_eq!(
                plan_refund(&order(S::Succeeded, 0), &refund("r1", sgd(100), outcome), None).unwrap(),
                Plan::Unchanged(ApplyOutcome::Ignored { status: S::Succeeded })
            );
        }
    }
}
