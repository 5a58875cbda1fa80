//! [`MemoryOrderStore`]: orders in a map behind a mutex.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::state::{self, Plan};
use super::{
    now_ms, ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey,
    NewOrder, Order, OrderStore, PaymentResult, RefundResult, StateChange, StoreError,
};

/// Orders in memory: the default store, with nothing to set up.
///
/// **Everything is lost when the process exits.** Use it for tests and
/// single-process demos; a real shop needs a durable store (`SqliteOrderStore`
/// with feature `sqlite`, `PostgresOrderStore` with feature `postgres`), since
/// an acknowledged notification is never sent again.
///
/// Every operation holds one mutex for its whole read-decide-write, so it is
/// trivially atomic; it never awaits while holding it.
#[derive(Debug, Default)]
pub struct MemoryOrderStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Orders by order id, each with its insertion sequence (for ties in
    /// `list_pending`).
    orders: HashMap<String, (u64, Order)>,
    /// paymentRequestId → order id.
    by_payment_request_id: HashMap<String, String>,
    /// The state change log per order id, oldest first.
    changes: HashMap<String, Vec<StateChange>>,
    /// Reconciliation leases: order id → until when (epoch ms).
    leases: HashMap<String, i64>,
    /// Idempotency records by key.
    idempotency: HashMap<String, IdempotencyRecord>,
    next_seq: u64,
}

impl MemoryOrderStore {
    /// An empty store.
    pub fn new() -> MemoryOrderStore {
        MemoryOrderStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change:
        // every write below happens after all checks, without panicking paths.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn order_id_for(&self, payment_request_id: &str) -> Result<String, StoreError> {
        self.by_payment_request_id
            .get(payment_request_id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound {
                id: payment_request_id.to_owned(),
            })
    }

    fn apply(&mut self, order_id: &str, plan: Plan) -> ApplyOutcome {
        let change = match plan {
            Plan::Unchanged(outcome) => return outcome,
            Plan::Change(change) => change,
        };
        let now = now_ms();
        let log = self.changes.entry(order_id.to_owned()).or_default();
        let Some((_, order)) = self.orders.get_mut(order_id) else {
            // Callers plan from an order they just found under the same lock.
            return ApplyOutcome::Ignored { status: change.from };
        };
        change.apply_to(order, now);
        log.push(change.record(order_id, order.version, now));
        change.outcome()
    }

    fn order(&self, order_id: &str) -> Result<&Order, StoreError> {
        self.orders
            .get(order_id)
            .map(|(_, order)| order)
            .ok_or_else(|| StoreError::NotFound {
                id: order_id.to_owned(),
            })
    }
}

#[async_trait]
impl OrderStore for MemoryOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<Order, StoreError> {
        let mut inner = self.lock();
        if inner.orders.contains_key(&new.order_id) || inner.by_payment_request_id.contains_key(&new.payment_request_id)
        {
            return Err(StoreError::DuplicateOrder {
                order_id: new.order_id,
                payment_request_id: new.payment_request_id,
            });
        }
        let order = Order::from_new(new, now_ms());
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner
            .by_payment_request_id
            .insert(order.payment_request_id.clone(), order.order_id.clone());
        inner.orders.insert(order.order_id.clone(), (seq, order.clone()));
        Ok(order)
    }

    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        Ok(self.lock().orders.get(order_id).map(|(_, order)| order.clone()))
    }

    async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .by_payment_request_id
            .get(payment_request_id)
            .and_then(|order_id| inner.orders.get(order_id))
            .map(|(_, order)| order.clone()))
    }

    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        let mut inner = self.lock();
        let plan = state::plan_mark_pending(inner.order(order_id)?);
        Ok(inner.apply(order_id, plan))
    }

    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        let mut inner = self.lock();
        let order_id = inner.order_id_for(&result.payment_request_id)?;
        let plan = state::plan_payment(inner.order(&order_id)?, result)?;
        Ok(inner.apply(&order_id, plan))
    }

    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        let mut inner = self.lock();
        let order_id = inner.order_id_for(&result.payment_request_id)?;
        let previous = inner.changes.get(&order_id).and_then(|log| {
            log.iter()
                .find(|change| change.refund_id.as_deref() == Some(result.refund_id.as_str()))
                .and_then(|change| change.refund_amount)
        });
        let plan = state::plan_refund(inner.order(&order_id)?, result, previous)?;
        Ok(inner.apply(&order_id, plan))
    }

    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        let inner = self.lock();
        let mut pending: Vec<&(u64, Order)> = inner
            .orders
            .values()
            .filter(|(_, order)| !order.status.is_final())
            .collect();
        pending.sort_by_key(|(seq, order)| (order.created_at_ms, *seq));
        Ok(pending
            .into_iter()
            .take(limit)
            .map(|(_, order)| order.clone())
            .collect())
    }

    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        let mut inner = self.lock();
        let Inner { orders, leases, .. } = &mut *inner;
        let mut due: Vec<(Option<i64>, u64, String)> = orders
            .values()
            .filter(|(_, order)| {
                !order.status.is_final()
                    && order.created_at_ms <= claim.created_before_ms
                    && order.last_inquiry_at_ms.is_none_or(|at| at < claim.inquired_before_ms)
                    && leases.get(&order.order_id).is_none_or(|&until| until <= claim.now_ms)
            })
            .map(|(seq, order)| (order.last_inquiry_at_ms, *seq, order.order_id.clone()))
            .collect();
        // Never inquired (None) sorts first, as in the SQL stores.
        due.sort();
        due.truncate(claim.limit);
        let mut claimed = Vec::with_capacity(due.len());
        for (_, _, order_id) in due {
            leases.insert(order_id.clone(), claim.lease_until_ms);
            if let Some((_, order)) = orders.get_mut(&order_id) {
                order.last_inquiry_at_ms = Some(claim.now_ms);
                claimed.push(order.clone());
            }
        }
        claimed.sort_by_key(|o| (o.created_at_ms, o.order_id.clone()));
        Ok(claimed)
    }

    async fn release_inquiry_claims(&self, order_ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
        let mut inner = self.lock();
        for id in order_ids {
            if inner.leases.get(id) == Some(&lease_until_ms) {
                inner.leases.remove(id);
            }
        }
        Ok(())
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        // Memory always takes writes (and loses them on exit: see the type's docs).
        drop(self.lock());
        Ok(())
    }

    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
        Ok(self.lock().changes.get(order_id).cloned().unwrap_or_default())
    }

    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
        let mut inner = self.lock();
        if let Some(existing) = inner.idempotency.get(&new.key) {
            return Ok(IdempotencyClaim::Existing(existing.clone()));
        }
        inner
            .idempotency
            .insert(new.key.clone(), IdempotencyRecord::from_new(new, now_ms()));
        Ok(IdempotencyClaim::Claimed)
    }

    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.lock().idempotency.get(key).cloned())
    }

    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let record = inner
            .idempotency
            .get_mut(key)
            .ok_or_else(|| StoreError::NotFound { id: key.to_owned() })?;
        if record.response.is_none() {
            record.response = Some(response.clone());
        }
        Ok(())
    }

    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner
            .idempotency
            .get(key)
            .is_some_and(|record| record.order_id == order_id && record.response.is_none())
        {
            inner.idempotency.remove(key);
        }
        Ok(())
    }

    async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.idempotency.len();
        inner
            .idempotency
            .retain(|_, record| record.created_at_ms >= created_before_ms);
        Ok((before - inner.idempotency.len()) as u64)
    }
}
