//! Settling pending orders by asking Antom: on demand (the orders route) and in
//! a background sweep, so a payment is never stuck when every notification was lost.

use std::time::Duration;

use antom_types::{InquiryPaymentRequest, InquiryPaymentResponse, PaymentStatus};
use tokio::task::JoinHandle;

use super::handlers::failure_outcome;
use super::Checkout;
use crate::client::ClientError;
use crate::store::{Order, OrderStatus, PaymentOutcome, PaymentResult, ResultSource, StoreError};

/// Runs inquiryPayment for orders still created or pending, applying final results.
///
/// ```no_run
/// # async fn run(checkout: antom_tower::checkout::Checkout) {
/// use std::time::Duration;
/// let handle = checkout.reconciler().interval(Duration::from_secs(60)).min_age(Duration::from_secs(30)).spawn();
/// # handle.abort(); }
/// ```
pub struct Reconciler {
    checkout: Checkout,
    interval: Duration,
    min_age: Duration,
    batch: usize,
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
    /// Inquiries or store writes that failed (retried next sweep).
    pub errors: usize,
}

impl Reconciler {
    pub(crate) fn new(checkout: Checkout) -> Self {
        Self {
            checkout,
            interval: Duration::from_secs(60),
            min_age: Duration::from_secs(10),
            batch: 100,
        }
    }

    /// Time between sweeps (default 60 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Orders younger than this are left to notifications (default 10 s).
    pub fn min_age(mut self, age: Duration) -> Self {
        self.min_age = age;
        self
    }

    /// Orders per sweep (default 100).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }

    /// One sweep over the pending orders.
    pub async fn run_once(&self) -> ReconcileReport {
        let mut report = ReconcileReport::default();
        let pending = match self.checkout.inner.store.list_pending(self.batch).await {
            Ok(pending) => pending,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation could not list pending orders");
                report.errors += 1;
                return report;
            }
        };
        let now = crate::store::now_ms();
        let min_age_ms = i64::try_from(self.min_age.as_millis()).unwrap_or(i64::MAX);
        for order in pending
            .into_iter()
            .filter(|o| now.saturating_sub(o.created_at_ms) >= min_age_ms)
        {
            report.checked += 1;
            match settle(&self.checkout, &order, ResultSource::Reconciliation).await {
                Ok(Some(updated)) if updated.status != order.status => report.settled += 1,
                Ok(_) => report.still_pending += 1,
                Err(_) => report.errors += 1,
            }
        }
        if report.checked > 0 {
            tracing::info!(?report, "reconciliation sweep");
        }
        report
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
}

/// For the orders route: if the order is not final and was not inquired in the
/// last interval, asks Antom once and applies a final answer. Never fails: on
/// any error the stored order is returned as it is.
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
    let inner = &checkout.inner;
    let response = match inner
        .client
        .inquiry_payment(&InquiryPaymentRequest::new(order.payment_request_id.clone()))
        .await
    {
        Ok(response) => response,
        Err(ClientError::Business { result, .. }) if result.result_code.as_str() == "ORDER_NOT_EXIST" => {
            // Antom never saw this paymentRequestId: session creation did not happen.
            // Only an order that never reached pending and is old enough is closed.
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
        PaymentStatus::Fail => Some(failure_outcome(
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
