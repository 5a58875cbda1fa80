//! The refund half of reconciliation: pending refunds settled with
//! `inquiryRefund` (or sent again, under the same `refundRequestId`, when
//! Antom never received them), and refunds the store could not place (an
//! unmatched `REFUND_RESULT`: started outside the checkout) looked for in
//! `inquiryPayment`'s `transactions` of the paid orders they may belong to.

use std::time::Duration;

use antom_types::{
    InquiryPaymentRequest, InquiryPaymentResponse, InquiryRefundRequest, Notification, RefundStatus, TransactionStatus,
    TransactionType,
};
use tokio::time::Interval;

use super::reconcile::{ReconcileReport, Reconciler};
use super::Checkout;
use crate::client::ClientError;
use crate::store::{
    ApplyOutcome, InboxOutcome, InboxQuery, Order, RefundOutcome, RefundRecord, RefundResult, ResultSource,
};

/// How far back a sweep looks for the order of an unmatched refund.
pub(crate) const UNMATCHED_REFUND_WINDOW: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// At most this many candidate orders are inquired per unmatched refund per sweep.
const CANDIDATES_PER_REFUND: usize = 20;

impl Reconciler {
    /// Settles pending refunds older than the minimum age.
    pub(crate) async fn sweep_refunds(&self, report: &mut ReconcileReport, pace: &mut Interval) {
        let checkout = self.checkout();
        let store = &checkout.inner.store;
        let pending = match store.pending_refunds(self.batch_size()).await {
            Ok(pending) => pending,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation could not list pending refunds");
                report.errors += 1;
                return;
            }
        };
        let cutoff = crate::store::now_ms().saturating_sub(self.min_age_ms());
        for refund in pending.into_iter().filter(|r| r.updated_at_ms <= cutoff) {
            pace.tick().await;
            report.refunds_checked += 1;
            match settle_refund(checkout, &refund).await {
                Ok(true) => report.refunds_settled += 1,
                Ok(false) => {}
                Err(()) => report.errors += 1,
            }
        }
    }

    /// Looks for the orders of unmatched refund notifications.
    pub(crate) async fn match_unmatched_refunds(&self, report: &mut ReconcileReport, pace: &mut Interval) {
        let checkout = self.checkout();
        let store = &checkout.inner.store;
        let query = InboxQuery {
            outcome: Some(InboxOutcome::Unmatched),
            limit: self.batch_size(),
            ..InboxQuery::default()
        };
        let unmatched = match store.inbox_entries(&query).await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation could not list unmatched refunds");
                report.errors += 1;
                return;
            }
        };
        let since = crate::store::now_ms().saturating_sub(super::reconcile::millis(UNMATCHED_REFUND_WINDOW));
        for entry in unmatched {
            let Ok(Notification::Refund(refund)) = Notification::from_slice(&entry.body) else {
                continue;
            };
            let amount = refund.refund_amount;
            let candidates = match store
                .refund_candidates(amount.currency().as_str(), amount.value(), since, CANDIDATES_PER_REFUND)
                .await
            {
                Ok(candidates) => candidates,
                Err(e) => {
                    tracing::warn!(error = %e, "reconciliation could not list refund candidates");
                    report.errors += 1;
                    continue;
                }
            };
            for order in candidates {
                pace.tick().await;
                report.checked += 1;
                let Ok(response) = inquire(checkout, &order).await else {
                    report.errors += 1;
                    continue;
                };
                apply_refund_transactions(checkout, &order, &response, ResultSource::Reconciliation).await;
                let settled = matches!(
                    store.inbox_entry(entry.id).await,
                    Ok(Some(e)) if e.outcome != InboxOutcome::Unmatched
                );
                if settled {
                    tracing::info!(order_id = %order.order_id, refund_id = %refund.refund_id, "matched a refund started outside the checkout");
                    report.refunds_matched += 1;
                    break;
                }
            }
        }
    }
}

async fn inquire(checkout: &Checkout, order: &Order) -> Result<InquiryPaymentResponse, ClientError> {
    let request = InquiryPaymentRequest::new(order.payment_request_id.clone());
    checkout.call_for(&order.order_id, &request).await
}

/// Applies the final refunds inquiryPayment lists for `order`; answers how
/// many changed the order.
pub(crate) async fn apply_refund_transactions(
    checkout: &Checkout,
    order: &Order,
    response: &InquiryPaymentResponse,
    source: ResultSource,
) -> usize {
    let mut applied = 0;
    for transaction in response.transactions() {
        if transaction.transaction_type != Some(TransactionType::Refund) {
            continue;
        }
        let (Some(refund_id), Some(amount)) = (&transaction.transaction_id, transaction.transaction_amount) else {
            continue;
        };
        let outcome = match &transaction.transaction_status {
            Some(TransactionStatus::Success) => RefundOutcome::Succeeded,
            Some(TransactionStatus::Fail) => RefundOutcome::Failed,
            _ => continue,
        };
        let result = RefundResult {
            payment_request_id: Some(order.payment_request_id.clone()),
            refund_id: refund_id.clone(),
            refund_request_id: transaction.transaction_request_id.clone(),
            amount,
            outcome,
            source,
            result_code: None,
        };
        match checkout.inner.store.apply_refund_result(&result).await {
            Ok(ApplyOutcome::Applied { .. } | ApplyOutcome::Recorded { .. }) => applied += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(order_id = %order.order_id, refund_id, error = %e, "could not apply a refund listed by inquiryPayment")
            }
        }
    }
    applied
}

/// Asks Antom about one pending refund. `Ok(true)` when it was settled.
async fn settle_refund(checkout: &Checkout, refund: &RefundRecord) -> Result<bool, ()> {
    let store = &checkout.inner.store;
    let request = InquiryRefundRequest::new(refund.refund_request_id.clone());
    let answer = checkout.call_for(&refund.order_id, &request).await;
    let response = match answer {
        Ok(response) => response,
        Err(ClientError::Business { result, .. }) if result.result_code.as_str() == "REFUND_NOT_EXIST" => {
            // Antom never received it (the call was lost): send it again, same id.
            let Ok(Some(order)) = store.get_order(&refund.order_id).await else {
                return Err(());
            };
            tracing::info!(refund_request_id = %refund.refund_request_id, "refund unknown to Antom: sending it again");
            return match super::refunds::send_refund(checkout, &order, refund).await {
                Ok(()) => {
                    Ok(matches!(store.refund(&refund.refund_request_id).await, Ok(Some(r)) if r.state != refund.state))
                }
                Err(e) => {
                    tracing::warn!(refund_request_id = %refund.refund_request_id, error = %e, "could not send the refund again");
                    Err(())
                }
            };
        }
        Err(e) => {
            tracing::debug!(refund_request_id = %refund.refund_request_id, error = %e, "inquiryRefund failed");
            return Err(());
        }
    };
    let outcome = match response.refund_status {
        Some(RefundStatus::Success) => RefundOutcome::Succeeded,
        Some(RefundStatus::Fail) => RefundOutcome::Failed,
        _ => return Ok(false),
    };
    let Ok(Some(order)) = store.get_order(&refund.order_id).await else {
        return Err(());
    };
    let result = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id: response.refund_id.clone().unwrap_or_default(),
        refund_request_id: Some(refund.refund_request_id.clone()),
        amount: response.refund_amount.unwrap_or(refund.amount),
        outcome,
        source: ResultSource::Reconciliation,
        result_code: (outcome == RefundOutcome::Failed).then(|| response.result.result_code.to_string()),
    };
    if outcome == RefundOutcome::Succeeded && result.refund_id.is_empty() {
        return Ok(false);
    }
    match store.apply_refund_result(&result).await {
        Ok(_) => Ok(true),
        Err(e) => {
            tracing::warn!(refund_request_id = %refund.refund_request_id, error = %e, "could not apply an inquiryRefund result");
            Err(())
        }
    }
}
