//! What the control API makes happen to a payment besides the buyer's
//! actions: refunds, disputes and captures, each with its notification.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_types::{
    Amount, ApiResult, DisputeJudgedResult, DisputeNotificationType, DisputeType, NotifyCapture, NotifyDispute,
    NotifyType, PaymentStatus, RefundRequest, ResultCode, ResultStatus,
};
use serde_json::{Map, Value};

use super::{CaptureOrder, ControlError, DisputeOrder, RefundOrder, DISPUTE_NOTIFICATION_TYPES};
use crate::mock::log::NotificationKind;
use crate::mock::notifier::Job;
use crate::mock::state::{MockError, Payment};
use crate::mock::util::iso8601;
use crate::mock::Shared;

/// The defense window the mock gives on `DISPUTE_CREATED` and `DEFENSE_DUE_ALERT`.
const DEFENSE_WINDOW: Duration = Duration::from_secs(7 * 86_400);

pub(super) fn refund_payment(
    shared: &Arc<Shared>,
    payment_request_id: &str,
    order: RefundOrder,
) -> Result<Payment, ControlError> {
    let payment = find(shared, payment_request_id)?;
    let left = payment
        .amount
        .value()
        .saturating_sub(payment.reserved_refund_minor_units());
    let amount = Amount::new(payment.amount.currency(), order.amount.unwrap_or(left))
        .map_err(|e| ControlError::BadRequest(e.to_string()))?;
    let refund_request_id = order
        .refund_request_id
        .unwrap_or_else(|| format!("refund_{payment_request_id}_{}", payment.refunds.len() + 1));
    let mut request = RefundRequest::new(refund_request_id, payment.payment_id.clone(), amount);
    request.refund_notify_url = order.refund_notify_url.or(payment.payment_notify_url);
    let answer = crate::mock::service::refund(shared, &request);
    let body: Value = serde_json::from_slice(answer.body()).unwrap_or(Value::Null);
    let status = body.pointer("/result/resultStatus").and_then(Value::as_str);
    let code = body.pointer("/result/resultCode").and_then(Value::as_str);
    // Accepted: refunded (S), or processing (an asynchronous refund).
    let accepted = status == Some("S") || (status == Some("U") && code == Some(ResultCode::RefundInProcess.as_str()));
    if !accepted {
        return Err(ControlError::Refused(format!(
            "{} {}",
            code.unwrap_or("?"),
            body.pointer("/result/resultMessage")
                .and_then(Value::as_str)
                .unwrap_or("")
        )));
    }
    find(shared, payment_request_id)
}

/// The notifyDispute body, with the fields of the official libraries'
/// `AlipayDisputeNotify` model.
pub(super) fn dispute_notification(payment: &Payment, order: &DisputeOrder) -> Result<NotifyDispute, ControlError> {
    let kind = DisputeNotificationType::from_wire(order.notification_type.as_deref().unwrap_or("DISPUTE_CREATED"));
    if !kind.is_known() {
        return Err(ControlError::BadRequest(format!(
            "unknown dispute notification type {kind:?}; one of {}",
            DISPUTE_NOTIFICATION_TYPES.join(", ")
        )));
    }
    let amount = Amount::new(
        payment.amount.currency(),
        order.amount.unwrap_or(payment.amount.value()),
    )
    .map_err(|e| ControlError::BadRequest(e.to_string()))?;
    let now = SystemTime::now();
    let judged = kind == DisputeNotificationType::DisputeJudged;
    let defense_due = matches!(
        kind,
        DisputeNotificationType::DisputeCreated | DisputeNotificationType::DefenseDueAlert
    );
    Ok(NotifyDispute {
        dispute_id: order
            .dispute_id
            .clone()
            .unwrap_or_else(|| format!("dispute_{}", payment.payment_request_id)),
        payment_request_id: payment.payment_request_id.clone(),
        payment_id: payment.payment_id.clone(),
        dispute_time: Some(iso8601(now)),
        dispute_amount: Some(amount),
        dispute_reason_code: Some(order.reason_code.clone().unwrap_or_else(|| "4853".to_owned())),
        dispute_reason_msg: Some("Cardholder dispute: not as described".to_owned()),
        dispute_judged_time: judged.then(|| iso8601(now)),
        dispute_judged_amount: judged.then_some(amount),
        dispute_judged_result: judged
            .then(|| DisputeJudgedResult::from_wire(order.judged_result.as_deref().unwrap_or("ACCEPT_BY_MERCHANT"))),
        defense_due_time: defense_due.then(|| iso8601(now + DEFENSE_WINDOW)),
        dispute_source: Some("CARD".to_owned()),
        arn: None,
        dispute_accept_reason: None,
        dispute_accept_time: None,
        dispute_type: Some(DisputeType::Chargeback),
        defendable: Some(!judged),
        capture_id: None,
        auto_defend_reason: None,
        acquirer_info: None,
        notify_type: None,
        result: None,
        extra: Map::new(),
        dispute_notification_type: kind,
    })
}

pub(super) fn dispute(
    shared: &Arc<Shared>,
    payment_request_id: &str,
    order: DisputeOrder,
) -> Result<Value, ControlError> {
    let payment = find(shared, payment_request_id)?;
    let url = notify_url(&payment, None)?;
    let notification = dispute_notification(&payment, &order)?;
    let kind = notification.dispute_notification_type.as_str().to_owned();
    send(shared, &payment, NotificationKind::Dispute, kind, url, &notification)
}

/// The notifyCapture body for a capture of `payment`, with the fields of the
/// official libraries' `AlipayCaptureResultNotify` model.
pub(super) fn capture_notification(
    shared: &Shared,
    payment: &Payment,
    order: &CaptureOrder,
) -> Result<NotifyCapture, ControlError> {
    let amount = Amount::new(
        payment.amount.currency(),
        order.amount.unwrap_or(payment.amount.value()),
    )
    .map_err(|e| ControlError::BadRequest(e.to_string()))?;
    if amount.value() == 0 || amount.value() > payment.amount.value() {
        return Err(ControlError::BadRequest(format!(
            "captureAmount must be 1 to {} minor units",
            payment.amount.value()
        )));
    }
    let code = order.result_code.as_deref().unwrap_or("SUCCESS");
    let success = code == "SUCCESS";
    let result = if success {
        ApiResult::success("success")
    } else {
        ApiResult::new(
            ResultCode::from(code),
            ResultStatus::Failed,
            Some("The capture failed.".to_owned()),
        )
    };
    Ok(NotifyCapture {
        notify_type: NotifyType::CaptureResult,
        result,
        capture_request_id: order
            .capture_request_id
            .clone()
            .unwrap_or_else(|| format!("capture_{}", payment.payment_request_id)),
        payment_id: payment.payment_id.clone(),
        capture_id: shared.ids.capture_id(),
        capture_amount: amount,
        capture_time: success.then(|| iso8601(SystemTime::now())),
        acquirer_reference_no: None,
        acquirer_info: None,
        payment_result_info: None,
        tax_calculation_id: None,
        extra: Map::new(),
    })
}

pub(super) fn capture(
    shared: &Arc<Shared>,
    payment_request_id: &str,
    order: CaptureOrder,
) -> Result<NotifyCapture, ControlError> {
    let payment = find(shared, payment_request_id)?;
    if payment.status != PaymentStatus::Success {
        return Err(ControlError::Refused(format!(
            "ORDER_STATUS_INVALID the payment is {}: only a successful (authorized) payment can be captured",
            payment.status
        )));
    }
    let url = notify_url(&payment, order.notify_url.as_deref())?;
    let notification = capture_notification(shared, &payment, &order)?;
    let kind = notification.notify_type.as_str().to_owned();
    send(shared, &payment, NotificationKind::Capture, kind, url, &notification)?;
    Ok(notification)
}

fn find(shared: &Shared, payment_request_id: &str) -> Result<Payment, ControlError> {
    shared
        .find_payment(None, Some(payment_request_id))
        .ok_or_else(|| MockError::UnknownPayment(payment_request_id.to_owned()).into())
}

fn notify_url(payment: &Payment, given: Option<&str>) -> Result<String, ControlError> {
    given
        .map(str::to_owned)
        .or_else(|| payment.payment_notify_url.clone())
        .ok_or_else(|| ControlError::NoNotifyUrl(payment.payment_request_id.clone()))
}

/// Delivers a notification about `payment` (signed, retried, with the
/// payment's rule-set faults or the mock's); returns the body sent.
fn send<T: serde::Serialize>(
    shared: &Arc<Shared>,
    payment: &Payment,
    kind: NotificationKind,
    notify_type: String,
    url: String,
    notification: &T,
) -> Result<Value, ControlError> {
    let body = serde_json::to_value(notification).map_err(|e| ControlError::BadRequest(e.to_string()))?;
    let faults = shared
        .lock_store()
        .find(Some(&payment.payment_id), None)
        .and_then(|entry| entry.faults.clone())
        .unwrap_or_else(|| shared.notification_faults());
    let job = Job {
        kind,
        notify_type,
        payment_request_id: payment.payment_request_id.clone(),
        payment_id: payment.payment_id.clone(),
        refund_request_id: None,
        url,
        body: serde_json::to_vec(&body).expect("JSON serializes"),
        stale_body: None,
        faults: crate::mock::NotificationFaults {
            stale_after_final: false,
            ..faults
        },
    };
    shared.notifier.dispatch(job, &shared.runtime());
    Ok(body)
}
