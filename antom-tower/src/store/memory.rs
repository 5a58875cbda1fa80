//! [`MemoryOrderStore`]: orders in a map behind a mutex.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::effects::{self, Effect, OrderKey, Snapshot, Writes};
use super::events::{check_consumer, EventClaim, OrderEvent};
use super::inbox::{classify, InboundNotification, InboxEntry, InboxOutcome, InboxQuery, InboxRetention, Recorded};
use super::records::{CaptureRecord, DisputeRecord, NewRefund, RefundClaim, RefundRecord, RefundState};
use super::state;
use super::{
    now_ms, ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey,
    NewOrder, Order, OrderStore, StateChange, StoreError,
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
    refunds: BTreeMap<String, RefundRecord>,
    disputes: BTreeMap<String, DisputeRecord>,
    captures: BTreeMap<String, CaptureRecord>,
    events: Vec<OrderEvent>,
    event_keys: HashSet<(String, String)>,
    /// (consumer, seq) -> (lease until, acknowledged).
    deliveries: HashMap<(String, u64), (i64, bool)>,
    inbox: BTreeMap<u64, InboxEntry>,
    inbox_keys: HashMap<String, u64>,
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
    fn find(&self, key: OrderKey<'_>) -> Result<String, StoreError> {
        let found = match key {
            OrderKey::OrderId(id) => self.orders.contains_key(id).then(|| id.to_owned()),
            OrderKey::PaymentRequestId(id) => self.by_payment_request_id.get(id).cloned(),
            OrderKey::PaymentId(id) => self
                .orders
                .values()
                .find(|(_, order)| order.payment_id.as_deref() == Some(id))
                .map(|(_, order)| order.order_id.clone()),
            OrderKey::RefundRequestId(id) => self.refunds.get(id).map(|refund| refund.order_id.clone()),
        };
        found.ok_or_else(|| key.not_found())
    }

    fn snapshot(&self, order_id: &str, effect: &Effect) -> Result<Snapshot, StoreError> {
        let lookups = effect.lookups();
        let mut snapshot = Snapshot::of(self.order(order_id)?.clone());
        snapshot.counted_refund = lookups.counted_refund_id.and_then(|refund_id| {
            self.changes.get(order_id).and_then(|log| {
                log.iter()
                    .find(|change| change.refund_id.as_deref() == Some(refund_id))
                    .and_then(|change| change.refund_amount)
            })
        });
        snapshot.refund = lookups.refund_request_id.and_then(|id| self.refunds.get(id).cloned());
        snapshot.dispute = lookups.dispute_id.and_then(|id| self.disputes.get(id).cloned());
        snapshot.capture = lookups.capture_id.and_then(|id| self.captures.get(id).cloned());
        snapshot.event_recorded = lookups
            .event_key
            .is_some_and(|key| self.event_keys.contains(&(order_id.to_owned(), key)));
        Ok(snapshot)
    }

    /// Finds, plans and writes an effect; `Ok` with the order id it touched.
    fn apply_effect(&mut self, effect: &Effect) -> (Option<String>, Result<ApplyOutcome, StoreError>) {
        let Some(key) = effect.order_key() else {
            return (
                None,
                Ok(ApplyOutcome::Ignored {
                    status: super::OrderStatus::Created,
                }),
            );
        };
        let order_id = match self.find(key) {
            Ok(order_id) => order_id,
            Err(e) => return (None, Err(e)),
        };
        let now = now_ms();
        let planned = self
            .snapshot(&order_id, effect)
            .and_then(|snapshot| effects::plan(&snapshot, effect, now));
        let result = planned.map(|writes| self.write(&order_id, writes, now));
        (Some(order_id), result)
    }

    /// Writes a plan's changes; every check was made by the plan.
    fn write(&mut self, order_id: &str, writes: Writes, now: i64) -> ApplyOutcome {
        if let Some(change) = &writes.change {
            let Some((_, order)) = self.orders.get_mut(order_id) else {
                // Callers plan from an order they just found under the same lock.
                return ApplyOutcome::Ignored { status: change.from };
            };
            change.apply_to(order, now);
            let version = order.version;
            if let Some(refund_id) = &change.refund_id {
                settle_unmatched(&mut self.inbox, &self.inbox_keys, refund_id, order_id, now);
            }
            self.changes
                .entry(order_id.to_owned())
                .or_default()
                .push(change.record(order_id, version, now));
        }
        if let Some(refund) = writes.refund {
            self.refunds.insert(refund.refund_request_id.clone(), refund);
        }
        if let Some(dispute) = writes.dispute {
            self.disputes.insert(dispute.dispute_id.clone(), dispute);
        }
        if let Some(capture) = writes.capture {
            self.captures.insert(capture.capture_id.clone(), capture);
        }
        if let Some(event) = writes.event {
            if self.event_keys.insert((order_id.to_owned(), event.key.clone())) {
                let seq = self.events.len() as u64 + 1;
                self.events.push(event.into_event(seq, order_id, now));
            }
        }
        writes.outcome
    }

    fn store_notification(
        &mut self,
        notification: &InboundNotification,
        order_id: Option<String>,
        outcome: InboxOutcome,
        reason: Option<String>,
    ) -> u64 {
        if let Some(entry) = self
            .inbox_keys
            .get(&notification.key)
            .and_then(|id| self.inbox.get_mut(id))
        {
            entry.outcome = entry.outcome.merge(outcome);
            entry.reason = if entry.outcome == outcome {
                reason
            } else {
                entry.reason.take()
            };
            entry.order_id = order_id.or(entry.order_id.take());
            entry.headers.clone_from(&notification.headers);
            entry.body.clone_from(&notification.body);
            entry.deliveries = entry.deliveries.saturating_add(1);
            entry.last_received_at_ms = notification.received_at_ms;
            return entry.id;
        }
        let id = self.inbox.keys().next_back().map_or(1, |last| last + 1);
        self.inbox_keys.insert(notification.key.clone(), id);
        self.inbox.insert(
            id,
            InboxEntry {
                id,
                key: notification.key.clone(),
                notify_type: notification.notify_type.clone(),
                payment_request_id: notification.payment_request_id.clone(),
                order_id,
                outcome,
                reason,
                method: notification.method.clone(),
                path: notification.path.clone(),
                headers: notification.headers.clone(),
                body: notification.body.clone(),
                deliveries: 1,
                first_received_at_ms: notification.received_at_ms,
                last_received_at_ms: notification.received_at_ms,
            },
        );
        id
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
        let order = inner.order(order_id)?;
        let writes = Writes::from_plan(order, state::plan_mark_pending(order));
        Ok(inner.write(order_id, writes, now_ms()))
    }

    async fn apply_effect(&self, effect: &Effect) -> Result<ApplyOutcome, StoreError> {
        self.lock().apply_effect(effect).1
    }

    async fn record_notification(
        &self,
        notification: &InboundNotification,
        effect: &Effect,
    ) -> Result<Recorded, StoreError> {
        let mut inner = self.lock();
        let (order_id, result) = inner.apply_effect(effect);
        let (outcome, reason) = classify(effect, &result);
        let inbox_id = inner.store_notification(notification, order_id, outcome, reason);
        Ok(Recorded {
            inbox_id,
            outcome,
            result,
        })
    }

    async fn inbox_entry(&self, id: u64) -> Result<Option<InboxEntry>, StoreError> {
        Ok(self.lock().inbox.get(&id).cloned())
    }

    async fn inbox_entries(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .inbox
            .values()
            .rev()
            .filter(|entry| query.matches(entry))
            .take(query.effective_limit())
            .cloned()
            .collect())
    }

    async fn purge_inbox(&self, retention: &InboxRetention) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let Inner { inbox, inbox_keys, .. } = &mut *inner;
        let before = inbox.len();
        inbox.retain(|_, entry| {
            let removed = retention.removes(entry.outcome, entry.last_received_at_ms);
            if removed {
                inbox_keys.remove(&entry.key);
            }
            !removed
        });
        Ok((before - inbox.len()) as u64)
    }

    async fn create_refund(&self, refund: &NewRefund) -> Result<RefundClaim, StoreError> {
        let mut inner = self.lock();
        let order = inner.order(&refund.order_id)?;
        let pending: u64 = inner
            .refunds
            .values()
            .filter(|r| r.order_id == refund.order_id && r.state == RefundState::Pending)
            .map(|r| r.amount.value())
            .sum();
        let claim = effects::plan_new_refund(
            order,
            refund,
            inner.refunds.get(&refund.refund_request_id),
            pending,
            now_ms(),
        )?;
        if let RefundClaim::Created(record) = &claim {
            inner.refunds.insert(record.refund_request_id.clone(), record.clone());
        }
        Ok(claim)
    }

    async fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, StoreError> {
        Ok(self.lock().refunds.get(refund_request_id).cloned())
    }

    async fn refunds(&self, order_id: &str) -> Result<Vec<RefundRecord>, StoreError> {
        let inner = self.lock();
        let mut refunds: Vec<RefundRecord> = inner
            .refunds
            .values()
            .filter(|r| r.order_id == order_id)
            .cloned()
            .collect();
        refunds.sort_by_key(|r| (r.created_at_ms, r.refund_request_id.clone()));
        Ok(refunds)
    }

    async fn pending_refunds(&self, limit: usize) -> Result<Vec<RefundRecord>, StoreError> {
        let inner = self.lock();
        let mut refunds: Vec<RefundRecord> = inner
            .refunds
            .values()
            .filter(|r| r.state == RefundState::Pending)
            .cloned()
            .collect();
        refunds.sort_by_key(|r| (r.created_at_ms, r.refund_request_id.clone()));
        refunds.truncate(limit);
        Ok(refunds)
    }

    async fn refund_candidates(
        &self,
        currency: &str,
        min_amount: u64,
        created_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let inner = self.lock();
        let mut orders: Vec<&(u64, Order)> = inner
            .orders
            .values()
            .filter(|(_, o)| {
                matches!(
                    o.status,
                    super::OrderStatus::Succeeded | super::OrderStatus::PartiallyRefunded
                ) && o.amount.currency().as_str() == currency
                    && o.amount.value() >= min_amount
                    && o.created_at_ms >= created_since_ms
            })
            .collect();
        orders.sort_by_key(|(seq, o)| std::cmp::Reverse((o.created_at_ms, *seq)));
        Ok(orders.into_iter().take(limit).map(|(_, o)| o.clone()).collect())
    }

    async fn disputes(&self, order_id: &str) -> Result<Vec<DisputeRecord>, StoreError> {
        let inner = self.lock();
        let mut disputes: Vec<DisputeRecord> = inner
            .disputes
            .values()
            .filter(|d| d.order_id == order_id)
            .cloned()
            .collect();
        disputes.sort_by_key(|d| (d.created_at_ms, d.dispute_id.clone()));
        Ok(disputes)
    }

    async fn captures(&self, order_id: &str) -> Result<Vec<CaptureRecord>, StoreError> {
        let inner = self.lock();
        let mut captures: Vec<CaptureRecord> = inner
            .captures
            .values()
            .filter(|c| c.order_id == order_id)
            .cloned()
            .collect();
        captures.sort_by_key(|c| (c.at_ms, c.capture_id.clone()));
        Ok(captures)
    }

    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
        Ok(self
            .lock()
            .events
            .iter()
            .filter(|e| e.order_id == order_id)
            .cloned()
            .collect())
    }

    async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<OrderEvent>, StoreError> {
        check_consumer(&claim.consumer)?;
        let mut inner = self.lock();
        let Inner { events, deliveries, .. } = &mut *inner;
        let mut claimed = Vec::new();
        for event in events.iter() {
            if claimed.len() >= claim.limit {
                break;
            }
            let slot = deliveries
                .entry((claim.consumer.clone(), event.seq))
                .or_insert((i64::MIN, false));
            if !slot.1 && slot.0 <= claim.now_ms {
                slot.0 = claim.lease_until_ms;
                claimed.push(event.clone());
            }
        }
        Ok(claimed)
    }

    async fn ack_events(&self, consumer: &str, seqs: &[u64]) -> Result<(), StoreError> {
        check_consumer(consumer)?;
        let mut inner = self.lock();
        for &seq in seqs {
            inner.deliveries.insert((consumer.to_owned(), seq), (i64::MAX, true));
        }
        Ok(())
    }

    async fn retry_events(&self, consumer: &str, seqs: &[u64], retry_at_ms: i64) -> Result<(), StoreError> {
        check_consumer(consumer)?;
        let mut inner = self.lock();
        for &seq in seqs {
            if let Some(slot) = inner.deliveries.get_mut(&(consumer.to_owned(), seq)) {
                if !slot.1 {
                    slot.0 = retry_at_ms;
                }
            }
        }
        Ok(())
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

/// A refund counted now settles the inbox entry of its notification if
/// that arrived before the refund could be placed.
fn settle_unmatched(
    inbox: &mut BTreeMap<u64, InboxEntry>,
    keys: &HashMap<String, u64>,
    refund_id: &str,
    order_id: &str,
    now: i64,
) {
    let key = format!("REFUND_RESULT:{refund_id}");
    if let Some(entry) = keys.get(&key).and_then(|id| inbox.get_mut(id)) {
        if entry.outcome == InboxOutcome::Unmatched {
            entry.outcome = InboxOutcome::Applied;
            entry.reason = None;
            entry.order_id = Some(order_id.to_owned());
            entry.last_received_at_ms = now;
        }
    }
}
