//! [`InterceptStore`]: any [`OrderStore`] with a hook around its writes, to
//! inject faults, crash points and contract violations in tests.
//!
//! The wrapper forwards every method to the inner store. Before each write
//! it asks the hook ([`Intercept`]) which may rewrite the write's
//! [`Effect`] ([`Intercept::rewrite_effect`]), fail it with a
//! [`StoreError`] or wait ([`Intercept::before`]); after a write succeeded
//! it tells the hook ([`Intercept::after`]). Reads always go straight
//! through. Every hook method has a default that does nothing, so a hook
//! implements only what it needs.
//!
//! `apply_payment_result` and `apply_refund_result` are the trait's provided
//! methods over `apply_effect`, so the hook sees them as
//! [`StoreOp::ApplyEffect`] with an [`Effect::Payment`] or [`Effect::Refund`].
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//!
//! use antom_testkit::intercept::{Intercept, InterceptStore, StoreOp};
//! use antom_tower::store::{MemoryOrderStore, NewOrder, OrderStore, StoreError};
//! use antom_types::{Amount, Currency};
//!
//! /// Fails every write while `down` is set.
//! #[derive(Default)]
//! struct Switch {
//!     down: AtomicBool,
//! }
//!
//! #[async_trait::async_trait]
//! impl Intercept for Switch {
//!     async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
//!         if self.down.load(Ordering::SeqCst) {
//!             return Err(StoreError::unavailable(format!("injected: {} while down", op.name())));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = InterceptStore::new(MemoryOrderStore::new(), Switch::default());
//! store.hook().down.store(true, Ordering::SeqCst);
//! let order = NewOrder {
//!     order_id: "order-1".into(),
//!     payment_request_id: "pay-1".into(),
//!     amount: Amount::new(Currency::new("SGD").unwrap(), 100).unwrap(),
//!     description: "coffee".into(),
//!     payment_method_type: "CARD".into(),
//!     buyer_id: None,
//!     session_expires_at_ms: None,
//! };
//! let err = store.create_order(order.clone()).await.unwrap_err();
//! assert!(err.is_transient());
//! store.hook().down.store(false, Ordering::SeqCst);
//! store.create_order(order).await.unwrap();
//! # }
//! ```

use antom_tower::store::{
    ApplyOutcome, CaptureRecord, DisputeRecord, Effect, EventClaim, IdempotencyClaim, IdempotencyRecord,
    IdempotentResponse, InboundNotification, InboxEntry, InboxQuery, InboxRetention, InquiryClaim, NewIdempotencyKey,
    NewOrder, NewRefund, Order, OrderEvent, OrderQuery, OrderStore, Recorded, RefundClaim, RefundRecord, StateChange,
    StoreError,
};
use async_trait::async_trait;

/// A store wrapped with a hook around its writes (see the [module documentation](self)).
#[derive(Debug)]
pub struct InterceptStore<S, H> {
    inner: S,
    hook: H,
}

impl<S: OrderStore, H: Intercept> InterceptStore<S, H> {
    /// `inner`, with `hook` around its writes.
    pub fn new(inner: S, hook: H) -> Self {
        InterceptStore { inner, hook }
    }

    /// The wrapped store (writes through it bypass the hook).
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The hook.
    pub fn hook(&self) -> &H {
        &self.hook
    }

    /// The hook's effect for `effect`: its rewrite, or `effect` itself.
    async fn effect_for(&self, effect: &Effect) -> Effect {
        self.hook.rewrite_effect(effect).await.unwrap_or_else(|| effect.clone())
    }
}

/// What a hook does around the writes of an [`InterceptStore`]. Every method
/// has a default that changes nothing.
#[async_trait]
pub trait Intercept: Send + Sync + 'static {
    /// Called for each write carrying an [`Effect`] (`apply_effect`,
    /// `record_notification`) before anything else: `Some` replaces the
    /// effect the inner store gets (and that [`before`](Self::before) and
    /// [`after`](Self::after) see).
    async fn rewrite_effect(&self, effect: &Effect) -> Option<Effect> {
        let _ = effect;
        None
    }

    /// Called before each write. An `Err` fails the write with that error
    /// without reaching the inner store; a hook may also wait here (a slow
    /// database, a crash point that never returns).
    async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
        let _ = op;
        Ok(())
    }

    /// Called after a write the inner store answered `Ok` (for
    /// `record_notification`: whatever the notification's outcome).
    async fn after(&self, op: &StoreOp<'_>) {
        let _ = op;
    }
}

/// A write, with its arguments, as an [`Intercept`] hook sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum StoreOp<'a> {
    /// [`OrderStore::create_order`].
    CreateOrder(&'a NewOrder),
    /// [`OrderStore::mark_pending`].
    MarkPending {
        /// The order id.
        order_id: &'a str,
    },
    /// [`OrderStore::apply_effect`] (and so `apply_payment_result`, `apply_refund_result`).
    ApplyEffect(&'a Effect),
    /// [`OrderStore::record_notification`].
    RecordNotification {
        /// The notification.
        notification: &'a InboundNotification,
        /// Its effect.
        effect: &'a Effect,
    },
    /// [`OrderStore::purge_inbox`].
    PurgeInbox(&'a InboxRetention),
    /// [`OrderStore::create_refund`].
    CreateRefund(&'a NewRefund),
    /// [`OrderStore::claim_events`] (it writes leases).
    ClaimEvents(&'a EventClaim),
    /// [`OrderStore::ack_events`].
    AckEvents {
        /// The consumer.
        consumer: &'a str,
        /// The events.
        seqs: &'a [u64],
    },
    /// [`OrderStore::retry_events`].
    RetryEvents {
        /// The consumer.
        consumer: &'a str,
        /// The events.
        seqs: &'a [u64],
        /// When they may be claimed again.
        retry_at_ms: i64,
    },
    /// [`OrderStore::claim_for_inquiry`] (it writes leases).
    ClaimForInquiry(&'a InquiryClaim),
    /// [`OrderStore::release_inquiry_claims`].
    ReleaseInquiryClaims {
        /// The orders.
        order_ids: &'a [String],
        /// The claim's lease.
        lease_until_ms: i64,
    },
    /// [`OrderStore::check_writable`] (a write by definition).
    CheckWritable,
    /// [`OrderStore::claim_idempotency_key`].
    ClaimIdempotencyKey(&'a NewIdempotencyKey),
    /// [`OrderStore::record_idempotent_response`].
    RecordIdempotentResponse {
        /// The key.
        key: &'a str,
        /// The answer.
        response: &'a IdempotentResponse,
    },
    /// [`OrderStore::release_idempotency_key`].
    ReleaseIdempotencyKey {
        /// The key.
        key: &'a str,
        /// The order it was claimed for.
        order_id: &'a str,
    },
    /// [`OrderStore::purge_idempotency_keys`].
    PurgeIdempotencyKeys {
        /// The cut-off.
        created_before_ms: i64,
    },
}

impl StoreOp<'_> {
    /// The trait method's name (`create_order`, `record_notification`...).
    pub fn name(&self) -> &'static str {
        match self {
            StoreOp::CreateOrder(_) => "create_order",
            StoreOp::MarkPending { .. } => "mark_pending",
            StoreOp::ApplyEffect(_) => "apply_effect",
            StoreOp::RecordNotification { .. } => "record_notification",
            StoreOp::PurgeInbox(_) => "purge_inbox",
            StoreOp::CreateRefund(_) => "create_refund",
            StoreOp::ClaimEvents(_) => "claim_events",
            StoreOp::AckEvents { .. } => "ack_events",
            StoreOp::RetryEvents { .. } => "retry_events",
            StoreOp::ClaimForInquiry(_) => "claim_for_inquiry",
            StoreOp::ReleaseInquiryClaims { .. } => "release_inquiry_claims",
            StoreOp::CheckWritable => "check_writable",
            StoreOp::ClaimIdempotencyKey(_) => "claim_idempotency_key",
            StoreOp::RecordIdempotentResponse { .. } => "record_idempotent_response",
            StoreOp::ReleaseIdempotencyKey { .. } => "release_idempotency_key",
            StoreOp::PurgeIdempotencyKeys { .. } => "purge_idempotency_keys",
        }
    }

    /// The effect the write applies (`apply_effect`, `record_notification`).
    pub fn effect(&self) -> Option<&Effect> {
        match self {
            StoreOp::ApplyEffect(effect) | StoreOp::RecordNotification { effect, .. } => Some(effect),
            _ => None,
        }
    }

    /// The payment result the write applies, if it applies one: what the
    /// notify route (`record_notification`) and the reconciler
    /// (`apply_effect`) do with a payment result.
    pub fn payment_result(&self) -> Option<&antom_tower::store::PaymentResult> {
        match self.effect() {
            Some(Effect::Payment(result)) => Some(result),
            _ => None,
        }
    }
}

/// Runs one write through the hook: `before`, the inner call, `after` on `Ok`.
macro_rules! intercepted {
    ($self:ident, $op:expr, $call:expr) => {{
        let op = $op;
        $self.hook.before(&op).await?;
        let answer = $call.await?;
        $self.hook.after(&op).await;
        Ok(answer)
    }};
}

#[async_trait]
impl<S: OrderStore, H: Intercept> OrderStore for InterceptStore<S, H> {
    async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
        let op_order = order.clone();
        intercepted!(self, StoreOp::CreateOrder(&op_order), self.inner.create_order(order))
    }
    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_order(order_id).await
    }
    async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_by_payment_request_id(payment_request_id).await
    }
    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        intercepted!(
            self,
            StoreOp::MarkPending { order_id },
            self.inner.mark_pending(order_id)
        )
    }
    async fn apply_effect(&self, effect: &Effect) -> Result<ApplyOutcome, StoreError> {
        let effect = self.effect_for(effect).await;
        intercepted!(self, StoreOp::ApplyEffect(&effect), self.inner.apply_effect(&effect))
    }
    async fn record_notification(
        &self,
        notification: &InboundNotification,
        effect: &Effect,
    ) -> Result<Recorded, StoreError> {
        let effect = self.effect_for(effect).await;
        intercepted!(
            self,
            StoreOp::RecordNotification {
                notification,
                effect: &effect
            },
            self.inner.record_notification(notification, &effect)
        )
    }
    async fn inbox_entry(&self, id: u64) -> Result<Option<InboxEntry>, StoreError> {
        self.inner.inbox_entry(id).await
    }
    async fn inbox_entries(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>, StoreError> {
        self.inner.inbox_entries(query).await
    }
    async fn purge_inbox(&self, retention: &InboxRetention) -> Result<u64, StoreError> {
        intercepted!(self, StoreOp::PurgeInbox(retention), self.inner.purge_inbox(retention))
    }
    async fn create_refund(&self, refund: &NewRefund) -> Result<RefundClaim, StoreError> {
        intercepted!(self, StoreOp::CreateRefund(refund), self.inner.create_refund(refund))
    }
    async fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, StoreError> {
        self.inner.refund(refund_request_id).await
    }
    async fn refunds(&self, order_id: &str) -> Result<Vec<RefundRecord>, StoreError> {
        self.inner.refunds(order_id).await
    }
    async fn pending_refunds(&self, limit: usize) -> Result<Vec<RefundRecord>, StoreError> {
        self.inner.pending_refunds(limit).await
    }
    async fn refund_candidates(
        &self,
        currency: &str,
        min_amount: u64,
        created_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        self.inner
            .refund_candidates(currency, min_amount, created_since_ms, limit)
            .await
    }
    async fn disputes(&self, order_id: &str) -> Result<Vec<DisputeRecord>, StoreError> {
        self.inner.disputes(order_id).await
    }
    async fn captures(&self, order_id: &str) -> Result<Vec<CaptureRecord>, StoreError> {
        self.inner.captures(order_id).await
    }
    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
        self.inner.order_events(order_id).await
    }
    async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<OrderEvent>, StoreError> {
        intercepted!(self, StoreOp::ClaimEvents(claim), self.inner.claim_events(claim))
    }
    async fn ack_events(&self, consumer: &str, seqs: &[u64]) -> Result<(), StoreError> {
        intercepted!(
            self,
            StoreOp::AckEvents { consumer, seqs },
            self.inner.ack_events(consumer, seqs)
        )
    }
    async fn retry_events(&self, consumer: &str, seqs: &[u64], retry_at_ms: i64) -> Result<(), StoreError> {
        intercepted!(
            self,
            StoreOp::RetryEvents {
                consumer,
                seqs,
                retry_at_ms
            },
            self.inner.retry_events(consumer, seqs, retry_at_ms)
        )
    }
    async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, StoreError> {
        self.inner.list_orders(query).await
    }
    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        self.inner.list_pending(limit).await
    }
    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        intercepted!(
            self,
            StoreOp::ClaimForInquiry(claim),
            self.inner.claim_for_inquiry(claim)
        )
    }
    async fn release_inquiry_claims(&self, order_ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
        intercepted!(
            self,
            StoreOp::ReleaseInquiryClaims {
                order_ids,
                lease_until_ms
            },
            self.inner.release_inquiry_claims(order_ids, lease_until_ms)
        )
    }
    async fn check_writable(&self) -> Result<(), StoreError> {
        intercepted!(self, StoreOp::CheckWritable, self.inner.check_writable())
    }
    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
        self.inner.state_changes(order_id).await
    }
    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
        intercepted!(
            self,
            StoreOp::ClaimIdempotencyKey(new),
            self.inner.claim_idempotency_key(new)
        )
    }
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency_record(key).await
    }
    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        intercepted!(
            self,
            StoreOp::RecordIdempotentResponse { key, response },
            self.inner.record_idempotent_response(key, response)
        )
    }
    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
        intercepted!(
            self,
            StoreOp::ReleaseIdempotencyKey { key, order_id },
            self.inner.release_idempotency_key(key, order_id)
        )
    }
    async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        intercepted!(
            self,
            StoreOp::PurgeIdempotencyKeys { created_before_ms },
            self.inner.purge_idempotency_keys(created_before_ms)
        )
    }
}
