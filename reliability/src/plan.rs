//! A load plan: orders, their notifications signed ahead of time, a seeded
//! shuffle with duplicates, and the check of the stores afterwards.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_testkit::keys;
use antom_tower::signing::{request_time, KeyVersion, PrivateKey};
use antom_tower::store::{NewOrder, OrderStatus, OrderStore, ResultSource, StateChange};
use antom_types::Amount;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::send::SignedNotification;
use crate::{CLIENT_ID, NOTIFY_PATH};

/// The final result Antom reports for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Final {
    /// `PAYMENT_RESULT` / `S` / `SUCCESS`.
    Succeeded,
    /// `PAYMENT_RESULT` / `F` / `USER_BALANCE_NOT_ENOUGH`.
    Failed,
    /// `PAYMENT_RESULT` / `F` / `USER_CANCELLED`.
    Cancelled,
    /// `PAYMENT_RESULT` / `F` / `ORDER_IS_CLOSED`.
    Expired,
}

impl Final {
    /// The order status this result leads to.
    pub fn status(self) -> OrderStatus {
        match self {
            Final::Succeeded => OrderStatus::Succeeded,
            Final::Failed => OrderStatus::Failed,
            Final::Cancelled => OrderStatus::Cancelled,
            Final::Expired => OrderStatus::Expired,
        }
    }

    fn result(self) -> serde_json::Value {
        let (code, status, message) = match self {
            Final::Succeeded => ("SUCCESS", "S", "success"),
            Final::Failed => ("USER_BALANCE_NOT_ENOUGH", "F", "The user balance is not enough."),
            Final::Cancelled => ("USER_CANCELLED", "F", "The user cancelled the payment."),
            Final::Expired => ("ORDER_IS_CLOSED", "F", "The order is closed."),
        };
        json!({"resultCode": code, "resultStatus": status, "resultMessage": message})
    }
}

/// One order of the plan.
#[derive(Debug, Clone)]
pub struct PlannedOrder {
    /// The merchant order id.
    pub order_id: String,
    /// Its paymentRequestId.
    pub payment_request_id: String,
    /// Antom's paymentId.
    pub payment_id: String,
    /// The amount.
    pub amount: Amount,
    /// How it ends.
    pub outcome: Final,
    /// Marked pending before the notifications (a session was created); the
    /// others stay `Created` until a notification arrives, so a stale
    /// `PAYMENT_PENDING` can also move them first.
    pub marked_pending: bool,
}

impl PlannedOrder {
    /// A notifyPayment body for this order.
    pub fn body(&self, final_result: bool) -> Vec<u8> {
        let amount = json!({"currency": self.amount.currency().as_str(), "value": self.amount.value().to_string()});
        let value = if final_result {
            json!({
                "notifyType": "PAYMENT_RESULT",
                "result": self.outcome.result(),
                "paymentRequestId": self.payment_request_id,
                "paymentId": self.payment_id,
                "paymentAmount": amount,
                "paymentCreateTime": "2026-08-23T10:00:00+08:00",
                "paymentTime": "2026-08-23T10:00:05+08:00",
                "paymentMethodType": "ALIPAY_CN",
            })
        } else {
            json!({
                "notifyType": "PAYMENT_PENDING",
                "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U", "resultMessage": "The payment is being processed."},
                "paymentRequestId": self.payment_request_id,
                "paymentId": self.payment_id,
                "paymentAmount": amount,
                "paymentCreateTime": "2026-08-23T10:00:00+08:00",
                "paymentMethodType": "ALIPAY_CN",
            })
        };
        serde_json::to_vec(&value).expect("JSON")
    }

    /// What the merchant stored before asking Antom for a session.
    pub fn new_order(&self) -> NewOrder {
        NewOrder {
            order_id: self.order_id.clone(),
            payment_request_id: self.payment_request_id.clone(),
            amount: self.amount,
            description: "reliability load".into(),
            payment_method_type: "ALIPAY_CN".into(),
            buyer_id: None,
            session_expires_at_ms: None,
        }
    }
}

/// Which notification of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The final `PAYMENT_RESULT`, as first sent.
    Final,
    /// The same result re-signed with a later `request-time` (a resend that
    /// carries a fresh time: other bytes on the wire, same payment).
    FinalResigned,
    /// A `PAYMENT_PENDING` (non-final), which may arrive before or after the final one.
    Pending,
}

/// How many times each notification of an order is delivered.
#[derive(Debug, Clone, Copy)]
pub struct Copies {
    /// Copies of the final result.
    pub final_result: usize,
    /// Copies of the re-signed final result.
    pub resigned: usize,
    /// Copies of the non-final `PAYMENT_PENDING`.
    pub pending: usize,
}

impl Copies {
    /// Deliveries per order.
    pub fn per_order(&self) -> usize {
        self.final_result + self.resigned + self.pending
    }
}

/// Orders and their signed notifications.
pub struct Plan {
    /// The seed the outcomes were drawn with.
    pub seed: u64,
    /// The orders.
    pub orders: Vec<PlannedOrder>,
    /// Every distinct signed notification: (order index, kind, notification).
    pub notifications: Vec<(usize, Kind, Arc<SignedNotification>)>,
    /// How many copies of each are delivered.
    pub copies: Copies,
}

impl Plan {
    /// `orders` orders with outcomes drawn from `seed` (about 60% succeeded,
    /// 20% failed, 10% cancelled, 10% expired; 90% marked pending first), and
    /// three signed notifications each (final, final re-signed, pending),
    /// signed with the testkit's Antom key (keyVersion 1) for
    /// `POST /antom/notify`, on every core.
    pub fn new(seed: u64, orders: usize, copies: Copies) -> Plan {
        let mut rng = StdRng::seed_from_u64(seed);
        let orders: Vec<PlannedOrder> = (0..orders)
            .map(|i| {
                let roll = rng.gen_range(0..100);
                let outcome = match roll {
                    0..=59 => Final::Succeeded,
                    60..=79 => Final::Failed,
                    80..=89 => Final::Cancelled,
                    _ => Final::Expired,
                };
                PlannedOrder {
                    order_id: format!("ord_load_{i:05}"),
                    payment_request_id: format!("pay_load_{i:05}"),
                    payment_id: format!("2026082319{i:010}"),
                    amount: Amount::from_minor_units(100 + rng.gen_range(0..100_000), "SGD").expect("amount"),
                    outcome,
                    marked_pending: rng.gen_range(0..10) != 0,
                }
            })
            .collect();
        let now = SystemTime::now();
        let time = |seconds_ago: u64| request_time::format_epoch_millis(now - Duration::from_secs(seconds_ago));
        let (t_pending, t_final, t_resigned) = (time(3), time(2), time(1));
        let jobs: Vec<(usize, Kind)> = (0..orders.len())
            .flat_map(|i| [(i, Kind::Final), (i, Kind::FinalResigned), (i, Kind::Pending)])
            .collect();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).max(1);
        let key = keys::antom_private_key();
        let sign = |key: &PrivateKey, (i, kind): (usize, Kind)| {
            let order: &PlannedOrder = &orders[i];
            let (time, body) = match kind {
                Kind::Final => (&t_final, order.body(true)),
                Kind::FinalResigned => (&t_resigned, order.body(true)),
                Kind::Pending => (&t_pending, order.body(false)),
            };
            let signed = SignedNotification::sign(key, KeyVersion(1), NOTIFY_PATH, CLIENT_ID, time, body);
            (i, kind, Arc::new(signed))
        };
        let notifications = std::thread::scope(|scope| {
            let chunk = jobs.len().div_ceil(threads).max(1);
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    let key = &key;
                    let sign = &sign;
                    scope.spawn(move || part.iter().map(|job| sign(key, *job)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("signing thread"))
                .collect::<Vec<_>>()
        });
        Plan {
            seed,
            orders,
            notifications,
            copies,
        }
    }

    /// Every delivery (each notification as many times as its copies say),
    /// shuffled with `seed`.
    pub fn deliveries(&self, seed: u64) -> Vec<Arc<SignedNotification>> {
        let mut all = Vec::with_capacity(self.orders.len() * self.copies.per_order());
        for (_, kind, notification) in &self.notifications {
            let copies = match kind {
                Kind::Final => self.copies.final_result,
                Kind::FinalResigned => self.copies.resigned,
                Kind::Pending => self.copies.pending,
            };
            all.extend(std::iter::repeat_n(Arc::clone(notification), copies));
        }
        all.shuffle(&mut StdRng::seed_from_u64(seed));
        all
    }

    /// Stores every order (and marks most of them pending) before the notifications.
    pub async fn create_orders(&self, store: &dyn OrderStore) {
        for order in &self.orders {
            store.create_order(order.new_order()).await.expect("create_order");
            if order.marked_pending {
                store.mark_pending(&order.order_id).await.expect("mark_pending");
            }
        }
    }

    /// Checks every order in `store` (see [`check_order`]); the summed figures,
    /// or every problem found.
    pub async fn check(&self, store: &dyn OrderStore) -> Result<Checked, Vec<String>> {
        let mut checked = Checked::default();
        let mut problems = Vec::new();
        for order in &self.orders {
            match check_order(store, &order.order_id, order.outcome.status(), &ALLOWED_LOAD_SOURCES).await {
                Ok(changes) => {
                    checked.orders += 1;
                    checked.state_changes += changes.len();
                    checked.by_notification += changes
                        .iter()
                        .filter(|c| c.source == ResultSource::Notification)
                        .count();
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(checked)
        } else {
            Err(problems)
        }
    }
}

/// In the load tests, only the merchant (`mark_pending`) and notifications change orders.
pub const ALLOWED_LOAD_SOURCES: [ResultSource; 2] = [ResultSource::Api, ResultSource::Notification];

/// What [`Plan::check`] counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Orders found in the expected final state with a consistent log.
    pub orders: usize,
    /// State changes in their logs.
    pub state_changes: usize,
    /// Of those, made by a notification.
    pub by_notification: usize,
}

/// Checks one order: it exists (nothing lost), it is in `expected`, and its
/// state change log is consistent and shows each change exactly once:
/// versions 2, 3, ... without gap, the first change from `Created`, each
/// change starting where the previous ended, the last ending in the order's
/// status, the order's version one more than the number of changes, exactly
/// one change into a final state, and every source among `sources`.
/// Returns the log.
pub async fn check_order(
    store: &dyn OrderStore,
    order_id: &str,
    expected: OrderStatus,
    sources: &[ResultSource],
) -> Result<Vec<StateChange>, String> {
    let order = store
        .get_order(order_id)
        .await
        .map_err(|e| format!("{order_id}: store error {e}"))?
        .ok_or_else(|| format!("{order_id}: LOST (not in the store)"))?;
    let changes = store
        .state_changes(order_id)
        .await
        .map_err(|e| format!("{order_id}: store error {e}"))?;
    let show = || {
        changes
            .iter()
            .map(|c| format!("v{} {}->{} ({})", c.version, c.from, c.to, c.source))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if order.status != expected {
        return Err(format!(
            "{order_id}: status {} instead of {expected}; log: {}",
            order.status,
            show()
        ));
    }
    let mut previous = OrderStatus::Created;
    for (i, change) in changes.iter().enumerate() {
        if change.version != i as u64 + 2 || change.from != previous || change.order_id != order_id {
            return Err(format!("{order_id}: inconsistent log at change {i}: {}", show()));
        }
        if !sources.contains(&change.source) {
            return Err(format!("{order_id}: unexpected source {}: {}", change.source, show()));
        }
        previous = change.to;
    }
    if previous != order.status || order.version != changes.len() as u64 + 1 {
        return Err(format!(
            "{order_id}: log ends in {previous}, order is {} version {}: {}",
            order.status,
            order.version,
            show()
        ));
    }
    let into_final = changes.iter().filter(|c| c.to.is_final()).count();
    if expected.is_final() && into_final != 1 {
        return Err(format!(
            "{order_id}: {into_final} changes into a final state, expected exactly 1: {}",
            show()
        ));
    }
    Ok(changes)
}
