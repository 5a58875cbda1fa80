//! One API request: verify its signature, let a rule impose a fault, run the
//! API, sign the answer and log the exchange.

use std::sync::Arc;
use std::time::SystemTime;

use antom_tower::signing::{KeyVersion, SignatureHeader, SigningContent, VerifyError};
use antom_types::{
    ApiResult, CancelRequest, CreatePaymentSessionRequest, InquiryPaymentRequest, InquiryRefundRequest, RefundRequest,
    ResultCode, ResultStatus,
};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

use super::payments::{cancel, create_session, inquiry_answer};
use super::refunds::{inquiry_refund_answer, refund};
use super::{header_list, uri_path, DropConnection};
use crate::mock::log::{RecordedResponse, RequestRecord, Verification};
use crate::mock::rules::{Action, Api, Chosen, MatchInput};
use crate::mock::state::Payment;
use crate::mock::util::iso8601;
use crate::mock::Shared;

/// A JSON answer before signing.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    pub(super) signed: bool,
}

impl Answer {
    /// The JSON body.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn json<T: serde::Serialize>(value: &T) -> Answer {
        Answer {
            status: StatusCode::OK,
            body: serde_json::to_vec(value).expect("responses serialize"),
            signed: true,
        }
    }

    /// `{"result": {...}}` with HTTP 200, signed.
    pub(crate) fn error(code: ResultCode, status: ResultStatus, message: impl Into<String>) -> Answer {
        #[derive(serde::Serialize)]
        struct Only {
            result: ApiResult,
        }
        Answer::json(&Only {
            result: ApiResult::new(code, status, Some(message.into())),
        })
    }

    pub(crate) fn param_illegal(message: impl Into<String>) -> Answer {
        Answer::error(ResultCode::ParamIllegal, ResultStatus::Failed, message)
    }

    pub(crate) fn not_exist() -> Answer {
        Answer::error(
            ResultCode::OrderNotExist,
            ResultStatus::Failed,
            "The order does not exist.",
        )
    }
}

pub(super) fn recorded(response: &Response<Body>, answer: &Answer) -> RecordedResponse {
    RecordedResponse {
        status: response.status().as_u16(),
        headers: header_list(response.headers()),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
        signed: response.headers().contains_key("signature"),
    }
}

enum Reply {
    Answer(Answer),
    Drop,
}

impl Shared {
    /// Signs (if asked) and wraps an answer.
    pub(crate) fn render(&self, answer: &Answer, path: &str) -> Response<Body> {
        let mut response = Response::new(Body::from(answer.body.clone()));
        *response.status_mut() = answer.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        if answer.signed {
            let time = iso8601(SystemTime::now());
            let content = SigningContent::new("POST", path, &self.client_id, &time, &answer.body);
            match self.antom_key.sign_header(&content, self.key_version) {
                Ok(signature) => {
                    // Lower-case names, as Antom sends them (HeaderName is always lower case).
                    if let (Ok(id), Ok(time), Ok(sig)) = (
                        HeaderValue::from_str(&self.client_id),
                        HeaderValue::from_str(&time),
                        HeaderValue::from_str(&signature.to_string()),
                    ) {
                        headers.insert("client-id", id);
                        headers.insert("response-time", time);
                        headers.insert("signature", sig);
                    }
                }
                Err(e) => tracing::error!(error = %e, "mock Antom could not sign its response"),
            }
        }
        response
    }

    /// Checks `client-id`, `request-time` and `signature`.
    fn verify(&self, path: &str, headers: &HeaderMap, body: &[u8]) -> Result<KeyVersion, (ResultCode, String)> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let Some(client_id) = text("client-id").filter(|v| !v.is_empty()) else {
            return Err((ResultCode::KeyNotFound, "The client-id header is missing.".to_owned()));
        };
        if client_id != self.client_id {
            return Err((
                ResultCode::KeyNotFound,
                format!("No key is registered for client id {client_id:?}."),
            ));
        }
        let Some(signature) = text("signature").filter(|v| !v.is_empty()) else {
            return Err((
                ResultCode::InvalidSignature,
                "The signature header is missing.".to_owned(),
            ));
        };
        // The time is signed exactly as sent, untrimmed.
        let Some(time) = headers
            .get("request-time")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
        else {
            return Err((
                ResultCode::InvalidSignature,
                "The request-time header is missing.".to_owned(),
            ));
        };
        let parsed = SignatureHeader::parse(signature).map_err(|e| {
            (
                ResultCode::InvalidSignature,
                format!("The signature header is malformed: {e}."),
            )
        })?;
        let content = SigningContent::new("POST", path, client_id, time, body);
        match self.merchant_keys.verify(&content, &parsed) {
            Ok(()) => Ok(parsed.key_version),
            Err(VerifyError::UnknownKeyVersion(v)) => Err((
                ResultCode::KeyNotFound,
                format!("No merchant public key is registered for keyVersion {v}."),
            )),
            Err(e) => Err((ResultCode::InvalidSignature, format!("The signature is invalid: {e}."))),
        }
    }

    fn base_url_for(&self, headers: &HeaderMap) -> String {
        if let Some(url) = self.base_url.read().unwrap_or_else(|p| p.into_inner()).clone() {
            return url;
        }
        match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) if !host.is_empty() => format!("http://{host}"),
            _ => "http://127.0.0.1".to_owned(),
        }
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Answer> {
    serde_json::from_slice(body).map_err(|e| Answer::param_illegal(format!("The request body is illegal: {e}.")))
}

pub(super) async fn handle_api(
    shared: Arc<Shared>,
    api_name: String,
    sandbox: bool,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let received_at = SystemTime::now();
    let path = uri_path(&uri);
    let api = Api::from_name(&api_name);
    let mut record = RequestRecord {
        seq: 0,
        received_at,
        method: "POST".to_owned(),
        path: path.clone(),
        api: api.map(|a| a.name().to_owned()),
        sandbox,
        headers: header_list(&headers),
        body: String::from_utf8_lossy(&body).into_owned(),
        verification: Verification::NotChecked,
        rule: None,
        delay: None,
        response: None,
    };
    let (reply, delay) = match api {
        None => {
            let answer = Answer {
                signed: false,
                ..Answer::error(
                    ResultCode::NoInterfaceDef,
                    ResultStatus::Failed,
                    format!("The mock Antom does not implement {api_name}."),
                )
            };
            (Reply::Answer(answer), None)
        }
        Some(api) => match shared.verify(&path, &headers, &body) {
            Err((code, reason)) => {
                record.verification = Verification::Rejected {
                    result_code: code.as_str().to_owned(),
                    reason: reason.clone(),
                };
                let answer = Answer::error(code, ResultStatus::Failed, reason);
                // Antom's gateway refuses these before the API runs, unsigned.
                let signed = shared.sign_gateway_errors;
                (Reply::Answer(Answer { signed, ..answer }), None)
            }
            Ok(version) => {
                record.verification = Verification::verified(version);
                let base_url = shared.base_url_for(&headers);
                let (reply, chosen) = dispatch(&shared, api, sandbox, &body, &base_url);
                record.rule = chosen.as_ref().map(|c| c.label.clone());
                (reply, chosen.and_then(|c| c.rule.delay))
            }
        },
    };
    let Some(delay) = delay else {
        return finish(&shared, reply, record, &path);
    };
    // Held back in a task of its own: the request is logged (and answered, if
    // the client still listens) even when the client gives up and the
    // connection's future is dropped.
    record.delay = Some(delay);
    let task = tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        finish(&shared, reply, record, &path)
    });
    task.await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn finish(shared: &Shared, reply: Reply, mut record: RequestRecord, path: &str) -> Response<Body> {
    match reply {
        Reply::Drop => {
            shared.log.push_request(record);
            let mut response = StatusCode::BAD_GATEWAY.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Reply::Answer(answer) => {
            let response = shared.render(&answer, path);
            record.response = Some(recorded(&response, &answer));
            shared.log.push_request(record);
            response
        }
    }
}

/// What a request is about, for rule matching.
fn match_input<'a>(
    api: Api,
    payment: Option<&'a Payment>,
    refund_amount: Option<antom_types::Amount>,
) -> MatchInput<'a> {
    MatchInput {
        api,
        payment_method_type: payment.map(|p| p.payment_method_type.as_str()),
        amount: refund_amount.or(payment.map(|p| p.amount)),
        payment_request_id: payment.map(|p| p.payment_request_id.as_str()),
    }
}

fn dispatch(shared: &Arc<Shared>, api: Api, sandbox: bool, body: &[u8], base_url: &str) -> (Reply, Option<Chosen>) {
    match api {
        Api::CreatePaymentSession => {
            let request: CreatePaymentSessionRequest = match parse(body) {
                Ok(r) => r,
                Err(answer) => return (Reply::Answer(answer), None),
            };
            let method = request.payment_method.payment_method_type.as_str().to_owned();
            let chosen = shared.choose(&MatchInput {
                api,
                payment_method_type: Some(&method),
                amount: Some(request.payment_amount),
                payment_request_id: Some(&request.payment_request_id),
            });
            let reply = with_rule(api, &chosen, |action| {
                if matches!(action, Action::Unknown { applied: true, .. }) {
                    create_session(shared, &request, sandbox, base_url, &Action::WaitForBuyer, &chosen);
                }
            })
            .unwrap_or_else(|| {
                let action = chosen
                    .as_ref()
                    .map(|c| c.rule.action.clone())
                    .unwrap_or(Action::WaitForBuyer);
                Reply::Answer(create_session(shared, &request, sandbox, base_url, &action, &chosen))
            });
            (reply, chosen)
        }
        Api::InquiryPayment => {
            let request: InquiryPaymentRequest = match parse(body) {
                Ok(r) => r,
                Err(answer) => return (Reply::Answer(answer), None),
            };
            let payment = shared.find_payment(request.payment_id.as_deref(), request.payment_request_id.as_deref());
            let chosen = shared.choose(&match_input(api, payment.as_ref(), None));
            let reply = with_rule(api, &chosen, |_| {}).unwrap_or_else(|| {
                Reply::Answer(
                    if request.payment_id.is_none() && request.payment_request_id.is_none() {
                        Answer::param_illegal("paymentRequestId and paymentId cannot both be null.")
                    } else {
                        match &payment {
                            Some(payment) => inquiry_answer(payment),
                            None => Answer::not_exist(),
                        }
                    },
                )
            });
            (reply, chosen)
        }
        Api::Cancel => {
            let request: CancelRequest = match parse(body) {
                Ok(r) => r,
                Err(answer) => return (Reply::Answer(answer), None),
            };
            let payment = shared.find_payment(request.payment_id.as_deref(), request.payment_request_id.as_deref());
            let chosen = shared.choose(&match_input(api, payment.as_ref(), None));
            let reply = with_rule(api, &chosen, |action| {
                if matches!(action, Action::Unknown { applied: true, .. }) {
                    cancel(shared, &request);
                }
            })
            .unwrap_or_else(|| Reply::Answer(cancel(shared, &request)));
            (reply, chosen)
        }
        Api::Refund => {
            let request: RefundRequest = match parse(body) {
                Ok(r) => r,
                Err(answer) => return (Reply::Answer(answer), None),
            };
            let payment = shared.find_payment(Some(&request.payment_id), None);
            let chosen = shared.choose(&match_input(api, payment.as_ref(), Some(request.refund_amount)));
            let reply = with_rule(api, &chosen, |action| {
                if matches!(action, Action::Unknown { applied: true, .. }) {
                    refund(shared, &request);
                }
            })
            .unwrap_or_else(|| Reply::Answer(refund(shared, &request)));
            (reply, chosen)
        }
        Api::InquiryRefund => {
            let request: InquiryRefundRequest = match parse(body) {
                Ok(r) => r,
                Err(answer) => return (Reply::Answer(answer), None),
            };
            let (refund, payment) = {
                let store = shared.lock_store();
                let refund = store
                    .find_refund(request.refund_id.as_deref(), request.refund_request_id.as_deref())
                    .cloned();
                let payment = refund
                    .as_ref()
                    .and_then(|r| store.find(Some(&r.payment_id), None))
                    .map(|e| e.payment.clone());
                (refund, payment)
            };
            let chosen = shared.choose(&match_input(api, payment.as_ref(), refund.as_ref().map(|r| r.amount)));
            let reply = with_rule(api, &chosen, |_| {}).unwrap_or_else(|| {
                Reply::Answer(if request.refund_id.is_none() && request.refund_request_id.is_none() {
                    Answer::param_illegal("refundRequestId and refundId cannot both be null.")
                } else {
                    match &refund {
                        Some(refund) => inquiry_refund_answer(refund),
                        None => Answer::error(
                            ResultCode::from("REFUND_NOT_EXIST"),
                            ResultStatus::Failed,
                            "The refund does not exist.",
                        ),
                    }
                })
            });
            (reply, chosen)
        }
    }
}

/// The reply a fault rule imposes (running `applied` first for `unknown`),
/// or `None` when the API should answer normally.
fn with_rule(api: Api, chosen: &Option<Chosen>, applied: impl FnOnce(&Action)) -> Option<Reply> {
    let action = &chosen.as_ref()?.rule.action;
    match action {
        Action::HttpStatus { status, body } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = match body {
                Some(body) => body.clone().into_bytes(),
                None => {
                    Answer::error(
                        ResultCode::UnknownException,
                        ResultStatus::Unknown,
                        "Internal error (mock fault).",
                    )
                    .body
                }
            };
            Some(Reply::Answer(Answer {
                status,
                body,
                signed: false,
            }))
        }
        Action::DropConnection => Some(Reply::Drop),
        Action::Unknown { result_code, .. } => {
            applied(action);
            Some(Reply::Answer(Answer::error(
                ResultCode::from(result_code.as_str()),
                ResultStatus::Unknown,
                "The result is unknown; retry with the same request id, or inquire (mock fault).",
            )))
        }
        // On createPaymentSession, fail is a payment outcome, handled by the API.
        Action::Fail {
            result_code,
            result_message,
            ..
        } if api != Api::CreatePaymentSession => Some(Reply::Answer(Answer::error(
            ResultCode::from(result_code.as_str()),
            ResultStatus::Failed,
            result_message
                .clone()
                .unwrap_or_else(|| format!("{result_code} (mock rule).")),
        ))),
        _ => None,
    }
}
