//! The HTTP face of the mock: Antom's API routes, the cashier, and a few
//! read-only `/mock/...` routes; as an axum [`Router`] or a Tower service.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use antom_tower::signing::{KeyVersion, SignatureHeader, SigningContent, VerifyError};
use antom_types::{
    ApiResult, CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse,
    InquiryPaymentRequest, InquiryPaymentResponse, InquiryRefundRequest, InquiryRefundResponse, PaymentMethodType,
    PaymentResultCode, PaymentStatus, ProductCode, RefundRequest, RefundResponse, RefundStatus, ResultCode,
    ResultStatus, Transaction, TransactionStatus, TransactionType,
};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Map;
use tower::{Service, ServiceExt};

use super::log::{RecordedResponse, RequestRecord, Verification};
use super::notifier::Job;
use super::rules::{Action, Api, Chosen, MatchInput};
use super::state::{expiry_time, Behaviour, BuyerAction, Entry, Payment, Refund};
use super::util::iso8601;
use super::Shared;

/// Marks a response the server must not send: it closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// The mock closed the connection without answering (a `drop_connection` rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the mock Antom closed the connection without answering (drop_connection rule)")
    }
}

impl std::error::Error for ConnectionDropped {}

/// The mock as a Tower service, for in-process tests without a socket.
///
/// Unlike the [`Router`], a dropped connection (a `drop_connection` rule) is
/// an `Err(`[`ConnectionDropped`]`)`, as a client's transport would report it.
#[derive(Clone)]
pub struct MockService {
    router: Router,
}

impl MockService {
    pub(crate) fn new(router: Router) -> MockService {
        MockService { router }
    }

    pub(crate) fn router(&self) -> &Router {
        &self.router
    }
}

impl<B> Service<Request<B>> for MockService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let router = self.router.clone();
        Box::pin(async move { respond(router, request.map(Body::new)).await.map_err(Into::into) })
    }
}

/// Runs the router; a response marked [`DropConnection`] becomes an error.
pub(crate) async fn respond(router: Router, request: Request<Body>) -> Result<Response<Body>, ConnectionDropped> {
    let response = router
        .oneshot(request)
        .await
        .unwrap_or_else(|never: Infallible| match never {});
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(ConnectionDropped);
    }
    Ok(response)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ams/api/v1/payments/{api}", post(api_production))
        .route("/ams/sandbox/api/v1/payments/{api}", post(api_sandbox))
        .route("/cashier/{session_id}", get(super::cashier::page))
        .route("/cashier/{session_id}/{action}", post(super::cashier::act))
        .route("/mock/payments", get(list_payments))
        .route("/mock/requests", get(list_requests))
        .route("/mock/notifications", get(list_notifications))
        .route("/", get(index))
        .merge(super::control::routes())
        .fallback(fallback)
        .with_state(shared)
}

async fn index(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let text = format!(
        "mock Antom (antom-testkit)\nclient id: {}\nAPIs: POST /ams/api/v1/payments/{{createPaymentSession,inquiryPayment,cancel,refund,inquiryRefund}} (and /ams/sandbox/api/...)\ncashier: GET /cashier/{{paymentSessionId}}\nstate: GET /mock/payments, /mock/requests, /mock/notifications\n",
        shared.client_id
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}

async fn list_payments(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.payments())
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.log.requests())
}

async fn list_notifications(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.log.notifications())
}

async fn fallback(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response<Body> {
    if uri.path().starts_with("/ams/") {
        // An API path of another product, or a typo: Antom's gateway answers this itself.
        let answer = Answer::error(
            ResultCode::NoInterfaceDef,
            ResultStatus::Failed,
            format!("The mock Antom has no API at {}.", uri.path()),
        );
        let answer = Answer {
            signed: false,
            ..answer
        };
        let response = shared.render(&answer, &uri_path(&uri));
        shared.log.push_request(RequestRecord {
            seq: 0,
            received_at: SystemTime::now(),
            method: "POST".to_owned(),
            path: uri_path(&uri),
            api: None,
            sandbox: uri.path().starts_with("/ams/sandbox/"),
            headers: header_list(&headers),
            body: String::from_utf8_lossy(&body).into_owned(),
            verification: Verification::NotChecked,
            rule: None,
            delay: None,
            response: Some(recorded(&response, &answer)),
        });
        return response;
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

async fn api_production(
    State(shared): State<Arc<Shared>>,
    Path(api): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    handle_api(shared, api, false, uri, headers, body).await
}

async fn api_sandbox(
    State(shared): State<Arc<Shared>>,
    Path(api): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    handle_api(shared, api, true, uri, headers, body).await
}

fn uri_path(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned())
}

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A JSON answer before signing.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    signed: bool,
}

impl Answer {
    /// The JSON body.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    fn json<T: serde::Serialize>(value: &T) -> Answer {
        Answer {
            status: StatusCode::OK,
            body: serde_json::to_vec(value).expect("responses serialize"),
            signed: true,
        }
    }

    /// `{"result": {...}}` with HTTP 200, signed.
    fn error(code: ResultCode, status: ResultStatus, message: impl Into<String>) -> Answer {
        #[derive(serde::Serialize)]
        struct Only {
            result: ApiResult,
        }
        Answer::json(&Only {
            result: ApiResult::new(code, status, Some(message.into())),
        })
    }

    fn param_illegal(message: impl Into<String>) -> Answer {
        Answer::error(ResultCode::ParamIllegal, ResultStatus::Failed, message)
    }

    fn not_exist() -> Answer {
        Answer::error(
            ResultCode::OrderNotExist,
            ResultStatus::Failed,
            "The order does not exist.",
        )
    }
}

fn recorded(response: &Response<Body>, answer: &Answer) -> RecordedResponse {
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

async fn handle_api(
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

fn create_session(
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

fn inquiry_answer(payment: &Payment) -> Answer {
    let result_code = match payment.status {
        PaymentStatus::Processing => Some(PaymentResultCode::PaymentInProcess),
        _ => payment.payment_result_code.as_deref().map(PaymentResultCode::from_wire),
    };
    let transactions: Vec<Transaction> = payment
        .refunds
        .iter()
        .map(|r| Transaction {
            transaction_result: Some(ApiResult::success("success")),
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

fn cancel(shared: &Arc<Shared>, request: &CancelRequest) -> Answer {
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

fn refund_answer(refund: &Refund) -> Answer {
    Answer::json(&RefundResponse {
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
    })
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
    if payment.refunded_minor_units() + request.refund_amount.value() > payment.amount.value() {
        return Answer::error(
            ResultCode::RefundAmountExceed,
            ResultStatus::Failed,
            "The refund amount exceeds what can still be refunded.",
        );
    }
    let refund = Refund {
        refund_request_id: request.refund_request_id.clone(),
        refund_id: shared.ids.refund_id(),
        payment_id: payment.payment_id.clone(),
        payment_request_id: payment.payment_request_id.clone(),
        amount: request.refund_amount,
        status: RefundStatus::Success,
        refund_time: Some(iso8601(SystemTime::now())),
        refund_notify_url: request.refund_notify_url.clone(),
        refund_reason: request.refund_reason.clone(),
    };
    payment.refunds.push(refund.clone());
    let faults = entry.faults.clone();
    drop(store);
    if let Some(url) = refund.refund_notify_url.clone() {
        let faults = faults.unwrap_or_else(|| shared.notification_faults());
        shared
            .notifier
            .dispatch(Job::refund(&refund, url, faults), &shared.runtime());
    }
    refund_answer(&refund)
}

fn inquiry_refund_answer(refund: &Refund) -> Answer {
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
