//! refund and inquiryRefund.

use std::sync::Arc;
use std::time::SystemTime;

use antom_types::{
    ApiResult, InquiryRefundResponse, PaymentStatus, RefundRequest, RefundResponse, RefundStatus, ResultCode,
    ResultStatus,
};
use serde_json::Map;

use super::api::Answer;
use crate::mock::state::Refund;
use crate::mock::util::iso8601;
use crate::mock::{Shared, DEFAULT_ASYNC_REFUND_DELAY};

/// The refund API's answer for a refund in its current status: `S` once it
/// succeeded, `U` / `REFUND_IN_PROCESS` while it processes (asynchronous
/// refunds; a retry with the same `refundRequestId` answers the same until
/// it is done), `F` / `PROCESS_FAIL` once it failed.
fn refund_answer(refund: &Refund) -> Answer {
    match refund.status {
        RefundStatus::Success => Answer::json(&RefundResponse {
            result: ApiResult::success("success"),
            refund_request_id: Some(refund.refund_request_id.clone()),
            refund_id: Some(refund.refund_id.clone()),
            payment_id: Some(refund.payment_id.clone()),
            refund_amount: Some(refund.amount),
            refund_time: refund.refund_time.clone(),
            refund_non_guarantee_coupon_amount: None,
            gross_settlement_amount: None,
            settlement_quote: None,
            acquirer_info: None,
            extra: Map::new(),
        }),
        RefundStatus::Fail => Answer::error(ResultCode::ProcessFail, ResultStatus::Failed, "The refund failed."),
        // As Antom's answer to an asynchronous refund: the result only.
        _ => Answer::error(
            ResultCode::RefundInProcess,
            ResultStatus::Unknown,
            "The refund is being processed.",
        ),
    }
}

pub(crate) fn refund(shared: &Arc<Shared>, request: &RefundRequest) -> Answer {
    if request.refund_request_id.is_empty() || request.refund_request_id.len() > 64 {
        return Answer::param_illegal("refundRequestId must have 1 to 64 characters.");
    }
    if request.refund_amount.value() == 0 {
        return Answer::param_illegal("refundAmount must be greater than zero.");
    }
    let mut store = shared.lock_store();
    if let Some(existing) = store.find_refund(None, Some(&request.refund_request_id)) {
        if existing.payment_id != request.payment_id || existing.amount != request.refund_amount {
            return Answer::error(
                ResultCode::RepeatReqInconsistent,
                ResultStatus::Failed,
                "The refundRequestId was used before with different key fields (paymentId, refundAmount).",
            );
        }
        return refund_answer(existing);
    }
    let Some(entry) = store.find_mut(Some(&request.payment_id), None) else {
        return Answer::not_exist();
    };
    let payment = &mut entry.payment;
    if payment.status != PaymentStatus::Success {
        return Answer::error(
            ResultCode::OrderStatusInvalid,
            ResultStatus::Failed,
            format!(
                "The payment is {}: only a successful payment can be refunded.",
                payment.status
            ),
        );
    }
    if request.refund_amount.currency() != payment.amount.currency() {
        return Answer::param_illegal("refundAmount must be in the payment's currency.");
    }
    if payment.reserved_refund_minor_units() + request.refund_amount.value() > payment.amount.value() {
        return Answer::error(
            ResultCode::RefundAmountExceed,
            ResultStatus::Failed,
            "The refund amount exceeds what can still be refunded.",
        );
    }
    let processing = shared
        .async_refunds()
        .or((request.is_async_refund == Some(true)).then_some(DEFAULT_ASYNC_REFUND_DELAY));
    let refund = Refund {
        refund_request_id: request.refund_request_id.clone(),
        refund_id: shared.ids.refund_id(),
        payment_id: payment.payment_id.clone(),
        payment_request_id: payment.payment_request_id.clone(),
        amount: request.refund_amount,
        status: if processing.is_some() {
            RefundStatus::Processing
        } else {
            RefundStatus::Success
        },
        refund_time: processing.is_none().then(|| iso8601(SystemTime::now())),
        refund_notify_url: request.refund_notify_url.clone(),
        refund_reason: request.refund_reason.clone(),
    };
    payment.refunds.push(refund.clone());
    let faults = entry.faults.clone();
    drop(store);
    match processing {
        Some(delay) => shared.schedule_refund(refund.refund_request_id.clone(), delay),
        None => shared.notify_refund(&refund, faults),
    }
    refund_answer(&refund)
}

pub(super) fn inquiry_refund_answer(refund: &Refund) -> Answer {
    Answer::json(&InquiryRefundResponse {
        result: ApiResult::success("success"),
        refund_id: Some(refund.refund_id.clone()),
        refund_request_id: Some(refund.refund_request_id.clone()),
        refund_amount: Some(refund.amount),
        refund_status: Some(refund.status.clone()),
        refund_time: refund.refund_time.clone(),
        gross_settlement_amount: None,
        settlement_quote: None,
        acquirer_info: None,
        extra: Map::new(),
    })
}
