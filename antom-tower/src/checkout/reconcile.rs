//! Settling pending orders by asking Antom: on demand (the orders route) and in
//! a background sweep, so a payment is never stuck when every notification was lost.
//!
//! A sweep pages through every unsettled order, least recently inquired first,
//! claiming a batch at a time from the store ([`OrderStore::claim_for_inquiry`]):
//! a claim leases its orders, so several instances sweeping one PostgreSQL never
//! inquire the same order at once, and an order is inquired at most once per
//! sweep. Inquiries are paced ([`Reconciler::inquiries_per_second`]), so with N
//! unsettled orders a sweep takes about N / rate seconds and every order is
//! inquired at least once every `max(interval, N / rate)` (at the defaults,
//! 10 per second: 1,000 pending orders are all looked at within 100 s).
//!
//! An order still unpaid past its payment session's expiry plus a grace period
//! is closed: cancelled at Antom (so it can no longer be paid), then `Expired`;
//! it is not inquired again.
//!
//! [`OrderStore::claim_for_inquiry`]: crate::store::OrderStore::claim_for_inquiry

use std::time::Duration;

use antom_types::{CancelRequest, InquiryPaymentRequest, InquiryPaymentResponse, PaymentStatus};
use tokio::task::JoinHandle;

use super::Checkout;
use crate::client::ClientError;
use crate::store::{InquiryClaim, Order, OrderStatus, PaymentOutcome, PaymentResult, ResultSource, StoreError};

/// Runs inquiryPayment for orders still created or pending, applying final
/// results, and closes the ones whose session expired unpaid.
///
/// ```no_run
/// # async fn run(checkout: antom_tower::checkout::Checkout) {
/// use std::time::Duration;
/// let handle = checkout
///     .reconciler()
///     .interval(Duration::from_secs(60))
///     .min_age(Duration::from_secs(30))
///     .inquiries_per_second(10)
///     .spawn();
/// # handle.abort(); }
/// ```
pub struct Reconciler {
    checkout: Checkout,
    interval: Duration,
    min_age: Duration,
    batch: usize,
    inquiries_per_second: u32,
    lease: Duration,
    expiry_grace: Duration,
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Orders looked at.
    pub checked: usize,
    /// Orders moved to a new state.
    pub settled: usize,
    /// Orders Antom still reports as processing.
    pub still_pending: usize,
    /// Of `settled`: orders closed because their session expired unpaid.
    pub expired: usize,
    /// Inquiries or store writes that failed (retried next sweep).
    pub errors: usize,
    /// Pending refunds looked at (inquiryRefund).
    pub refunds_checked: usize,
    /// Of those: refunds that reached their result.
    pub refunds_settled: usize,
    /// Refunds the store could not place that were found in an order's
    /// inquiryPayment transactions and applied.
    pub refunds_matched: usize,
}

/// The default grace after a session's expiry before an unpaid order is closed.
pub const DEFAULT_EXPIRY_GRACE: Duration = Duration::from_secs(2 * 60);

impl Reconciler {
    pub(crate) fn new(checkout: Checkout) -> Self {
        Self {
            checkout,
            interval: Duration::from_secs(60),
            min_age: Duration::from_secs(10),
            batch: 100,
            inquiries_per_second: 10,
            lease: Duration::from_secs(5 * 60),
            expiry_grace: DEFAULT_EXPIRY_GRACE,
        }
    }

    /// Time between the start of one sweep and the next (default 60 s). A
    /// sweep that takes longer is followed at once by the next.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Orders younger than this are left to notifications (default 10 s).
    pub fn min_age(mut self, age: Duration) -> Self {
        self.min_age = age;
        self
    }

    /// Orders claimed from the store at a time (default 100). A sweep goes on
    /// claiming until it has looked at every unsettled order.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// At most this many inquiryPayment calls per second from this instance
    /// (default 10). Antom's guidance is one inquiry per order every 2 s while
    /// a buyer waits; a background sweep stays far below any rate limit.
    pub fn inquiries_per_second(mut self, rate: u32) -> Self {
        self.inquiries_per_second = rate.max(1);
        self
    }

    /// How long a claimed batch belongs to this instance (default 5 min): keep
    /// it above `batch / inquiries_per_second`. The lease is released when
    /// the batch is done; an instance that dies mid-sweep leaves its batch to
    /// the others once the lease runs out.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long after a session's expiry an unpaid order is closed (default
    /// [`DEFAULT_EXPIRY_GRACE`]): Antom closes it itself about then.
    pub fn expiry_grace(mut self, grace: Duration) -> Self {
        self.expiry_grace = grace;
        self
    }

    /// One sweep over every unsettled order.
    pub async fn run_once(&self) -> ReconcileReport {
        let mut report = ReconcileReport::default();
        let store = &self.checkout.inner.store;
        let sweep_started = crate::store::now_ms();
        let mut pace = tokio::time::interval(Duration::from_secs(1) / self.inquiries_per_second);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let now = crate::store::now_ms();
            let claim = InquiryClaim {
                limit: self.batch,
                now_ms: now,
                created_before_ms: now.saturating_sub(millis(self.min_age)),
                inquired_before_ms: sweep_started,
                lease_until_ms: now.saturating_add(millis(self.lease)),
            };
            let batch = match store.claim_for_inquiry(&claim).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, "reconciliation could not claim pending orders");
                    report.errors += 1;
                    break;
                }
            };
            if batch.is_empty() {
                break;
            }
            let claimed: Vec<String> = batch.iter().map(|o| o.order_id.clone()).collect();
            for order in batch {
                pace.tick().await;
                report.checked += 1;
                match self.settle_one(&order).await {
                    Ok(Some(updated)) if updated.status != order.status && updated.status.is_final() => {
                        report.settled += 1;
                        if updated.status == OrderStatus::Expired {
                            report.expired += 1;
                        }
                    }
                    Ok(_) => report.still_pending += 1,
                    Err(_) => report.errors += 1,
                }
            }
            // Done with them: a later sweep (of any instance) may take them again.
            // If this fails, the leases simply run out.
            if let Err(e) = store.release_inquiry_claims(&claimed, claim.lease_until_ms).await {
                tracing::debug!(error = %e, "could not release reconciliation leases");
            }
        }
        self.sweep_refunds(&mut report, &mut pace).await;
        self.match_unmatched_refunds(&mut report, &mut pace).await;
        let retention = crate::store::InboxRetention {
            received_before_ms: crate::store::now_ms().saturating_sub(millis(self.checkout.inner.inbox_retention)),
            include_unsettled: false,
        };
        match store.purge_inbox(&retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "old settled notifications removed from the inbox"),
            Err(e) => tracing::debug!(error = %e, "could not purge the inbox"),
        }
        self.report_inbox().await;
        for (result, n) in [
            ("checked", report.checked),
            ("settled", report.settled),
            ("still_pending", report.still_pending),
            ("expired", report.expired),
            ("error", report.errors),
        ] {
            crate::telemetry::reconcile_orders(result, n);
        }
        for (result, n) in [
            ("checked", report.refunds_checked),
            ("settled", report.refunds_settled),
            ("matched", report.refunds_matched),
        ] {
            crate::telemetry::reconcile_refunds(result, n);
        }
        if report.checked > 0 || report.refunds_checked > 0 {
            tracing::info!(?report, "reconciliation sweep");
        }
        report
    }

    /// Publishes how many notifications wait in the inbox for a fix (refused or unmatched).
    async fn report_inbox(&self) {
        let store = &self.checkout.inner.store;
        let mut waiting = 0;
        for outcome in [
            crate::store::InboxOutcome::Refused,
            crate::store::InboxOutcome::Unmatched,
        ] {
            let query = crate::store::InboxQuery {
                outcome: Some(outcome),
                limit: 10_000,
                ..Default::default()
            };
            match store.inbox_entries(&query).await {
                Ok(entries) => waiting += entries.len(),
                Err(e) => {
                    tracing::debug!(error = %e, "could not count the inbox");
                    return;
                }
            }
        }
        crate::telemetry::inbox_refused(waiting);
    }

    pub(crate) fn checkout(&self) -> &Checkout {
        &self.checkout
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch
    }

    pub(crate) fn min_age_ms(&self) -> i64 {
        millis(self.min_age)
    }

    /// Runs sweeps forever on a tokio task.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(self.interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                self.run_once().await;
            }
        })
    }

    /// Inquires about one order; closes it when its session expired unpaid.
    async fn settle_one(&self, order: &Order) -> Result<Option<Order>, SettleError> {
        let settled = settle(&self.checkout, order, ResultSource::Reconciliation).await?;
        let current = settled.as_ref().unwrap_or(order);
        let expired_at = order.session_expiry_ms().saturating_add(millis(self.expiry_grace));
        if current.status.is_final() || crate::store::now_ms() < expired_at {
            return Ok(settled);
        }
        close_expired(&self.checkout, current).await.map(Some)
    }
}

/// Cancels an unpaid order whose session expired at Antom, so it can no longer
/// be paid, then stores it `Expired`.
async fn close_expired(checkout: &Checkout, order: &Order) -> Result<Order, SettleError> {
    let request = CancelRequest::by_payment_request_id(order.payment_request_id.clone());
    match checkout.call_for(&order.order_id, &request).await {
        Ok(_) => {}
        // Antom never had it, or closed it already: nothing can be paid either way.
        Err(ClientError::Business { result, .. })
            if matches!(result.result_code.as_str(), "ORDER_NOT_EXIST" | "ORDER_IS_CLOSED") => {}
        Err(e) => {
            tracing::warn!(order_id = %order.order_id, error = %e, "could not cancel an expired order at Antom");
            return Err(SettleError::Client);
        }
    }
    tracing::info!(order_id = %order.order_id, "closed an order whose payment session expired unpaid");
    apply(
        checkout,
        order,
        PaymentOutcome::Expired,
        None,
        None,
        ResultSource::Reconciliation,
    )
    .await
}

pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// For the orders route: if the order is not final and was not inquired in the
/// last interval, asks Antom once and applies a final answer. Never fails: on
/// any error the stored order is returned as it is.
pub(crate) async fn refresh_now(checkout: &Checkout, order: Order) -> Order {
    match settle(checkout, &order, ResultSource::Inquiry).await {
        Ok(Some(updated)) => updated,
        _ => order,
    }
}

pub(crate) async fn refresh_if_pending(checkout: &Checkout, order: Order) -> Order {
    if order.status.is_final() {
        return order;
    }
    let cache = &checkout.inner.recent_inquiries;
    let entry = cache.entry(order.order_id.clone()).or_insert(()).await;
    if !entry.is_fresh() {
        // Inquired within the interval already.
        return order;
    }
    match settle(checkout, &order, ResultSource::Inquiry).await {
        Ok(Some(updated)) => updated,
        _ => order,
    }
}

/// Asks Antom about one order and applies a final (or processing) status.
/// Returns the order as stored afterwards, or `None` when Antom knew nothing final.
async fn settle(checkout: &Checkout, order: &Order, source: ResultSource) -> Result<Option<Order>, SettleError> {
    let request = InquiryPaymentRequest::new(order.payment_request_id.clone());
    let response = match checkout.call_for(&order.order_id, &request).await {
        Ok(response) => response,
        Err(ClientError::Business { result, .. }) if result.result_code.as_str() == "ORDER_NOT_EXIST" => {
            // Antom never saw this paymentRequestId: session creation did not happen.
            // Only an order that never reached pending and is old enough is closed
            // here (a pending one is closed once its session expired, by the sweep).
            if order.status == OrderStatus::Created && is_older_than(order, Duration::from_secs(15 * 60)) {
                return apply(
                    checkout,
                    order,
                    PaymentOutcome::Expired,
                    None,
                    Some("ORDER_NOT_EXIST".into()),
                    source,
                )
                .await
                .map(Some);
            }
            return Ok(None);
        }
        Err(e) => {
            tracing::debug!(order_id = %order.order_id, error = %e, "inquiryPayment failed");
            return Err(SettleError::Client);
        }
    };
    super::reconcile_refunds::apply_refund_transactions(checkout, order, &response, source).await;
    let Some(outcome) = inquiry_outcome(&response) else {
        return Ok(None);
    };
    let result_code = response.payment_result_code.as_ref().map(|c| c.to_string());
    apply(
        checkout,
        order,
        outcome,
        response.payment_id.clone(),
        result_code,
        source,
    )
    .await
    .map(Some)
}

async fn apply(
    checkout: &Checkout,
    order: &Order,
    outcome: PaymentOutcome,
    payment_id: Option<String>,
    result_code: Option<String>,
    source: ResultSource,
) -> Result<Order, SettleError> {
    let store = &checkout.inner.store;
    let result = PaymentResult {
        payment_request_id: order.payment_request_id.clone(),
        payment_id,
        amount: order.amount,
        outcome,
        source,
        result_code,
    };
    match store.apply_payment_result(&result).await {
        Ok(_) => {}
        Err(StoreError::IllegalTransition { .. }) => {}
        Err(e) => {
            tracing::warn!(order_id = %order.order_id, error = %e, "could not apply inquiry result");
            return Err(SettleError::Store);
        }
    }
    match store.get_order(&order.order_id).await {
        Ok(Some(updated)) => Ok(updated),
        _ => Err(SettleError::Store),
    }
}

/// What an inquiryPayment answer means for the order (`None`: nothing to apply).
pub(crate) fn inquiry_outcome(response: &InquiryPaymentResponse) -> Option<PaymentOutcome> {
    match response.payment_status.as_ref()? {
        PaymentStatus::Success => Some(PaymentOutcome::Succeeded),
        PaymentStatus::Fail => Some(PaymentOutcome::of_failure_code(
            response.payment_result_code.as_ref().map(|c| c.as_str()).unwrap_or(""),
        )),
        PaymentStatus::Cancelled => Some(PaymentOutcome::Cancelled),
        PaymentStatus::Processing | PaymentStatus::Pending => Some(PaymentOutcome::Processing),
        _ => None,
    }
}

fn is_older_than(order: &Order, age: Duration) -> bool {
    let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
    crate::store::now_ms().saturating_sub(order.created_at_ms) >= age_ms
}

#[derive(Debug)]
enum SettleError {
    Client,
    Store,
}
