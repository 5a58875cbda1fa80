//! createPaymentSession, inquiryPayment and cancel.

use std::sync::Arc;
use std::time::SystemTime;

use antom_types::{
    ApiResult, CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse,
    InquiryPaymentResponse, PaymentMethodType, PaymentResultCode, PaymentStatus, ProductCode, RefundStatus, ResultCode,
    ResultStatus, Transaction, TransactionStatus, TransactionType,
};
use base64::Engine;
use serde_json::Map;

use super::api::Answer;
use crate::mock::rules::{Action, Chosen};
use crate::mock::state::{expiry_time, Behaviour, BuyerAction, Entry, Payment};
use crate::mock::util::iso8601;
use crate::mock::Shared;

/// Antom's four `&&`-separated segments: an opaque token, the site (`SG`),
/// a number, and base64 JSON metadata the Web SDK parses
/// (`paymentSessionConfig` picks its component; seed 000's sample). The
/// mock's token is base64 JSON holding the cashier URL.
fn session_data(shared: &Shared, session_id: &str, cashier_url: &str, payment_method_type: &str) -> String {
    let engine = &base64::engine::general_purpose::STANDARD;
    let token =
        serde_json::json!({ "mock": "antom-testkit", "paymentSessionId": session_id, "cashierUrl": cashier_url });
    let category = if payment_method_type == "CARD" { "CARD" } else { "APM" };
    let metadata = serde_json::json!({
        "action": { "app": {}, "needVerifyAndResume": false, "skipSdkQuery": false, "wap": {}, "web": {} },
        "clientId": shared.client_id,
        "paymentSessionConfig": {
            "paymentMethodCategoryType": category,
            "productScene": "CASHIER_PAYMENT",
            "productSceneVersion": "1.0",
        },
    });
    format!(
        "{}&&SG&&188&&{}",
        engine.encode(token.to_string()),
        engine.encode(metadata.to_string())
    )
}

/// The cashier URL inside a mock `paymentSessionData` (see the module docs).
pub fn cashier_url_from_session_data(payment_session_data: &str) -> Option<String> {
    let encoded = payment_session_data.split("&&").next()?;
    let json = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&json).ok()?;
    value.get("cashierUrl")?.as_str().map(str::to_owned)
}

/// The metadata a `paymentSessionData` carries in its fourth segment, as
/// the Web SDK reads it (`paymentSessionConfig`, `clientId`...); `None` when
/// there is no fourth segment or it is not base64 JSON.
pub fn session_metadata(payment_session_data: &str) -> Option<serde_json::Value> {
    let encoded = payment_session_data.split("&&").nth(3)?;
    let json = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    serde_json::from_slice(&json).ok()
}

fn session_answer(payment: &Payment) -> Answer {
    Answer::json(&CreatePaymentSessionResponse {
        result: ApiResult::success("success."),
        payment_session_data: Some(payment.payment_session_data.clone()),
        payment_session_expiry_time: Some(payment.payment_session_expiry_time.clone()),
        payment_session_id: Some(payment.payment_session_id.clone()),
        normal_url: Some(payment.cashier_url.clone()),
        extra: Map::new(),
    })
}

pub(super) fn create_session(
    shared: &Arc<Shared>,
    request: &CreatePaymentSessionRequest,
    sandbox: bool,
    base_url: &str,
    action: &Action,
    chosen: &Option<Chosen>,
) -> Answer {
    if request.product_code != ProductCode::CashierPayment {
        return Answer::param_illegal(format!(
            "productCode {} is not supported by createPaymentSession here: use CASHIER_PAYMENT.",
            request.product_code
        ));
    }
    let id = &request.payment_request_id;
    if id.is_empty() || id.len() > 64 {
        return Answer::param_illegal("paymentRequestId must have 1 to 64 characters.");
    }
    if request.payment_redirect_url.is_empty() {
        return Answer::param_illegal("paymentRedirectUrl is required.");
    }
    if let Err(e) = request.payment_amount.validate_for_antom() {
        let code = match e {
            antom_types::AmountError::NotSupportedByAntom { .. } => ResultCode::CurrencyNotSupport,
            _ => ResultCode::ParamIllegal,
        };
        return Answer::error(code, ResultStatus::Failed, format!("paymentAmount: {e}."));
    }
    let mut store = shared.lock_store();
    if let Some(existing) = store.by_request_id(id) {
        let payment = &existing.payment;
        // Antom's idempotency: same id and key fields -> the same session.
        if payment.amount != request.payment_amount {
            return Answer::error(
                ResultCode::RepeatReqInconsistent,
                ResultStatus::Failed,
                "The paymentRequestId was used before with different key fields (paymentAmount).",
            );
        }
        if matches!(payment.status, PaymentStatus::Fail | PaymentStatus::Cancelled) {
            return Answer::error(
                ResultCode::OrderIsClosed,
                ResultStatus::Failed,
                "The order with this paymentRequestId is closed.",
            );
        }
        return session_answer(payment);
    }
    let now = SystemTime::now();
    let session_id = shared.ids.session_id();
    let cashier_url = format!("{}/cashier/{session_id}", base_url.trim_end_matches('/'));
    let behaviour = match action {
        Action::Decline {
            result_code,
            result_message,
        } => Behaviour::Decline {
            code: result_code.clone(),
            message: result_message.clone(),
        },
        Action::Processing => Behaviour::StuckProcessing,
        _ => Behaviour::Normal,
    };
    let payment = Payment {
        payment_request_id: id.clone(),
        payment_id: shared.ids.payment_id(),
        payment_session_data: session_data(
            shared,
            &session_id,
            &cashier_url,
            request.payment_method.payment_method_type.as_str(),
        ),
        payment_session_expiry_time: request
            .payment_session_expiry_time
            .clone()
            .unwrap_or_else(|| expiry_time(now, shared.session_ttl)),
        payment_session_id: session_id,
        cashier_url,
        amount: request.payment_amount,
        payment_method_type: request.payment_method.payment_method_type.as_str().to_owned(),
        reference_order_id: request.order.reference_order_id.clone(),
        order_description: request.order.order_description.clone(),
        payment_redirect_url: request.payment_redirect_url.clone(),
        payment_notify_url: request
            .payment_notify_url
            .clone()
            .or_else(|| shared.default_notify_url.clone()),
        status: PaymentStatus::Processing,
        payment_result_code: None,
        payment_result_message: None,
        payment_create_time: iso8601(now),
        payment_time: None,
        cancel_time: None,
        sandbox,
        refunds: Vec::new(),
    };
    let answer = session_answer(&payment);
    store.insert(Entry {
        payment,
        behaviour,
        faults: chosen.as_ref().and_then(|c| c.rule.notification_faults.clone()),
    });
    drop(store);
    match action {
        Action::Succeed { after } => shared.schedule(id.clone(), BuyerAction::Pay, *after),
        Action::Fail {
            result_code,
            result_message,
            after,
        } => shared.schedule(
            id.clone(),
            BuyerAction::Fail {
                code: result_code.clone(),
                message: result_message.clone(),
            },
            *after,
        ),
        _ => {}
    }
    if let Some(after) = shared.auto_expire_after {
        shared.schedule(id.clone(), BuyerAction::Expire, after);
    }
    answer
}

pub(super) fn inquiry_answer(payment: &Payment) -> Answer {
    let result_code = match payment.status {
        PaymentStatus::Processing => Some(PaymentResultCode::PaymentInProcess),
        _ => payment.payment_result_code.as_deref().map(PaymentResultCode::from_wire),
    };
    let transactions: Vec<Transaction> = payment
        .refunds
        .iter()
        .map(|r| Transaction {
            transaction_result: Some(match r.status {
                RefundStatus::Success => ApiResult::success("success"),
                RefundStatus::Fail => ApiResult::new(
                    ResultCode::ProcessFail,
                    ResultStatus::Failed,
                    Some("The refund failed.".into()),
                ),
                _ => ApiResult::new(
                    ResultCode::RefundInProcess,
                    ResultStatus::Unknown,
                    Some("The refund is being processed.".into()),
                ),
            }),
            transaction_id: Some(r.refund_id.clone()),
            transaction_request_id: Some(r.refund_request_id.clone()),
            transaction_type: Some(TransactionType::Refund),
            transaction_status: Some(match r.status {
                RefundStatus::Success => TransactionStatus::Success,
                RefundStatus::Fail => TransactionStatus::Fail,
                _ => TransactionStatus::Processing,
            }),
            transaction_amount: Some(r.amount),
            transaction_time: r.refund_time.clone(),
            extra: Map::new(),
        })
        .collect();
    Answer::json(&InquiryPaymentResponse {
        result: ApiResult::success("Success"),
        payment_status: Some(payment.status.clone()),
        payment_result_message: result_code.as_ref().map(|code| match payment.status {
            PaymentStatus::Processing => "The payment is being processed.".to_owned(),
            _ => payment
                .payment_result_message
                .clone()
                .unwrap_or_else(|| code.meaning().to_owned()),
        }),
        payment_result_code: result_code,
        payment_request_id: Some(payment.payment_request_id.clone()),
        payment_id: Some(payment.payment_id.clone()),
        payment_amount: Some(payment.amount),
        actual_payment_amount: None,
        payment_quote: None,
        payment_create_time: Some(payment.payment_create_time.clone()),
        payment_time: payment.payment_time.clone(),
        payment_method_type: Some(PaymentMethodType::from(payment.payment_method_type.as_str())),
        non_guarantee_coupon_amount: None,
        psp_customer_info: None,
        customs_declaration_amount: None,
        gross_settlement_amount: None,
        settlement_quote: None,
        payment_result_info: None,
        acquirer_info: None,
        acquirer_reference_no: None,
        earliest_settlement_time: None,
        // Omitted without refunds, as Antom does: Antom's official Python
        // library fails on `"transactions": null`.
        transactions: (!transactions.is_empty()).then_some(Some(transactions)),
        extra: Map::new(),
    })
}

pub(super) fn cancel(shared: &Arc<Shared>, request: &CancelRequest) -> Answer {
    if request.payment_id.is_none() && request.payment_request_id.is_none() {
        return Answer::param_illegal("paymentId and paymentRequestId cannot both be null.");
    }
    let mut store = shared.lock_store();
    let Some(entry) = store.find_mut(request.payment_id.as_deref(), request.payment_request_id.as_deref()) else {
        return Answer::not_exist();
    };
    let payment = &mut entry.payment;
    match payment.status {
        PaymentStatus::Fail => {
            return Answer::error(
                ResultCode::OrderIsClosed,
                ResultStatus::Failed,
                "The payment failed or expired: the order is closed.",
            )
        }
        PaymentStatus::Success if !payment.refunds.is_empty() => {
            return Answer::error(
                ResultCode::OrderStatusInvalid,
                ResultStatus::Failed,
                "The payment has refunds and can no longer be cancelled.",
            )
        }
        PaymentStatus::Cancelled if payment.cancel_time.is_some() => {}
        _ => {
            // PROCESSING, SUCCESS (the buyer is refunded in full), or cancelled by the buyer.
            payment.status = PaymentStatus::Cancelled;
            payment.cancel_time = Some(iso8601(SystemTime::now()));
        }
    }
    Answer::json(&CancelResponse {
        result: ApiResult::success("success"),
        payment_id: Some(payment.payment_id.clone()),
        payment_request_id: Some(payment.payment_request_id.clone()),
        cancel_time: payment.cancel_time.clone(),
        extra: Map::new(),
    })
}
