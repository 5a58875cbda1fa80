//! `POST {prefix}/sessions`: price on the server, store the order, ask Antom
//! for the payment session; with an `Idempotency-Key`, at most once per key.
//!
//! The body is a JSON object: `paymentMethodType` (checked against the
//! checkout's allowed methods) and whatever the merchant's pricing hook reads
//! (`{"productId": "mug", "quantity": 2}`, `{"cartId": "c_42"}`...).
//!
//! `Idempotency-Key` works as Stripe's: the first request with a key claims
//! it in the store, creates the order and the session, and records its
//! answer; a repeat with the same key and the same body gets that answer
//! again (header `Idempotent-Replayed: true`), without a second order or a
//! second Antom call, waiting for it while the first request still runs; a
//! repeat with a different body is refused with 422 `idempotency_key_reused`.
//! Bodies are compared by the SHA-256 of their canonical JSON (key order and
//! whitespace do not matter).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use antom_types::{CreatePaymentSessionRequest, Order, PaymentMethodType};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::pricing::{PricedOrder, PricingError, PricingRequest};
use super::session::{CustomizeSession, SessionContext};
use super::{Checkout, CreateSessionResponse};
use crate::client::{ClientError, Environment};
use crate::store::idempotency::MAX_IDEMPOTENCY_KEY_LEN;
use crate::store::{
    IdempotencyClaim, IdempotencyRecord, IdempotentResponse, NewIdempotencyKey, NewOrder, Order as StoredOrder,
    StoreError,
};

/// The header a front end sends one fresh value of per checkout attempt.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header on an answer replayed for a repeated key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The largest accepted body.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How often store maintenance (purging old keys, pruning the rate limiter) may run.
const MAINTENANCE_INTERVAL_MS: i64 = 60 * 60 * 1000;

/// A JSON answer, kept as status and body so it can be recorded for replays.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn error(status: StatusCode, code: &str, message: impl std::fmt::Display) -> Answer {
        Answer {
            status,
            body: json!({ "error": code, "message": message.to_string() }),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        json_response(self.status, self.body.to_string())
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

pub(crate) async fn create_session(State(checkout): State<Checkout>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let key = match idempotency_key(&parts.headers) {
        Ok(key) => key,
        Err(answer) => return answer.into_response(),
    };
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Answer::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {MAX_BODY_BYTES} bytes or could not be read"),
            )
            .into_response()
        }
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => {
            return Answer::error(StatusCode::BAD_REQUEST, "invalid_json", "expected a JSON object").into_response()
        }
        Err(e) => return Answer::error(StatusCode::BAD_REQUEST, "invalid_json", e).into_response(),
    };
    let method = match payment_method(&checkout, &body) {
        Ok(method) => method,
        Err(answer) => return answer.into_response(),
    };
    checkout.maintain();
    let Some(key) = key else {
        return run(&checkout, parts, body, method, None).await.into_response();
    };
    let fingerprint = fingerprint(&body);
    // A repeat is answered before pricing: the merchant's hook runs once per key.
    match checkout.inner.store.idempotency_record(&key).await {
        Ok(Some(record)) => return replay(&checkout, &key, &fingerprint, record).await,
        Ok(None) => {}
        Err(e) => return store_answer(e).into_response(),
    }
    let claim = NewIdempotencyKey {
        key,
        fingerprint,
        order_id: String::new(),
    };
    run(&checkout, parts, body, method, Some(claim)).await
}

/// Prices, claims the key, stores the order, calls Antom, records the answer.
async fn run(
    checkout: &Checkout,
    parts: http::request::Parts,
    body: Value,
    method: String,
    claim: Option<NewIdempotencyKey>,
) -> Response {
    let inner = &checkout.inner;
    let request = PricingRequest {
        body,
        parts: parts.clone(),
        payment_method_type: method.clone(),
    };
    let priced = match inner.pricing.price_order(request).await {
        Ok(priced) => priced,
        Err(e) => return pricing_answer(e).into_response(),
    };
    let mut new_order = match new_order(&priced, method) {
        Ok(order) => order,
        Err(message) => {
            tracing::error!(%message, "the pricing hook answered an order that cannot be charged");
            return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "pricing_invalid", message).into_response();
        }
    };
    // Stored with the order so reconciliation closes it once the session expired.
    new_order.session_expires_at_ms = inner
        .session_options
        .as_ref()
        .and_then(|options| options.expiry())
        .and_then(|after| i64::try_from(after.as_millis()).ok())
        .map(|after| crate::store::now_ms().saturating_add(after));
    let claim = claim.map(|claim| NewIdempotencyKey {
        order_id: new_order.order_id.clone(),
        ..claim
    });
    if let Some(claim) = &claim {
        match inner.store.claim_idempotency_key(claim).await {
            Ok(IdempotencyClaim::Claimed) => {}
            Ok(IdempotencyClaim::Existing(record)) => {
                return replay(checkout, &claim.key, &claim.fingerprint, record).await;
            }
            Err(e) => return store_answer(e).into_response(),
        }
    }
    let order = match inner.store.create_order(new_order).await {
        Ok(order) => order,
        Err(e) => {
            if let Some(claim) = &claim {
                if let Err(release) = inner.store.release_idempotency_key(&claim.key, &claim.order_id).await {
                    tracing::warn!(error = %release, "could not release the idempotency key of an order not stored");
                }
            }
            return store_answer(e).into_response();
        }
    };
    let answer = start_session(checkout, &order, &priced, &parts).await;
    if let Some(claim) = &claim {
        let recorded = IdempotentResponse {
            status: answer.status.as_u16(),
            body: answer.body.to_string(),
        };
        if let Err(e) = inner.store.record_idempotent_response(&claim.key, &recorded).await {
            // Repeats of this key then wait and answer 409; the order is reconciled as usual.
            tracing::warn!(order_id = %order.order_id, error = %e, "could not record the idempotent answer");
        }
    }
    answer.into_response()
}

/// Builds the createPaymentSession request, lets the merchant shape it, sends it.
async fn start_session(
    checkout: &Checkout,
    order: &StoredOrder,
    priced: &PricedOrder,
    parts: &http::request::Parts,
) -> Answer {
    let inner = &checkout.inner;
    let mut antom_order = Order::new(order.order_id.clone(), order.description.clone(), order.amount);
    antom_order.buyer = priced.buyer.clone();
    if !priced.goods.is_empty() {
        antom_order.goods = Some(priced.goods.clone());
    }
    let mut request = CreatePaymentSessionRequest::new(
        order.payment_request_id.clone(),
        antom_order,
        order.amount,
        PaymentMethodType::from(order.payment_method_type.as_str()),
        with_order_id(&inner.redirect_url, &order.order_id),
    )
    .with_payment_notify_url(inner.notify_url.clone());
    let context = SessionContext {
        priced,
        order,
        parts,
        client_ip: inner.client_address.client_ip(&parts.headers, &parts.extensions),
    };
    if let Some(options) = &inner.session_options {
        options.customize(&mut request, &context);
    }
    if let Some(hook) = &inner.session_hook {
        hook.customize(&mut request, &context);
    }
    let session = match checkout.call_for(&order.order_id, &request).await {
        Ok(session) => session,
        Err(e) => return client_answer(&order.order_id, e),
    };
    // The order is stored before Antom is called, so a crash here leaves a
    // created order that reconciliation settles; marking it pending is best effort.
    if let Err(e) = inner.store.mark_pending(&order.order_id).await {
        tracing::warn!(order_id = %order.order_id, error = %e, "could not mark order pending");
    }
    let Some(payment_session_data) = session.payment_session_data else {
        return Answer::error(
            StatusCode::BAD_GATEWAY,
            "antom_invalid_response",
            "Antom returned no paymentSessionData",
        );
    };
    let environment = match inner.client.environment() {
        Environment::Sandbox => "sandbox",
        Environment::Production => "prod",
    };
    let response = CreateSessionResponse {
        order_id: order.order_id.clone(),
        payment_request_id: order.payment_request_id.clone(),
        payment_session_data,
        payment_session_id: session.payment_session_id,
        payment_session_expiry_time: session.payment_session_expiry_time,
        normal_url: session.normal_url,
        environment: environment.to_string(),
    };
    Answer {
        status: StatusCode::OK,
        body: serde_json::to_value(response).unwrap_or(Value::Null),
    }
}

/// Answers a repeated key: 422 for another body, else the first answer once
/// it is recorded (waiting for it up to the checkout's idempotency wait).
async fn replay(checkout: &Checkout, key: &str, fingerprint: &str, mut record: IdempotencyRecord) -> Response {
    if record.fingerprint != fingerprint {
        tracing::warn!(order_id = %record.order_id, "idempotency key reused with another body");
        return Answer::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another request body; use a new key for a new checkout",
        )
        .into_response();
    }
    let deadline = Instant::now() + checkout.inner.idempotency_wait;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(response) = record.response {
            let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_response(status, response.body);
            response
                .headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            return response;
        }
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
        record = match checkout.inner.store.idempotency_record(key).await {
            Ok(Some(record)) => record,
            // Released: the first request could not store its order.
            Ok(None) => break,
            Err(e) => return store_answer(e).into_response(),
        };
    }
    Answer::error(
        StatusCode::CONFLICT,
        "idempotency_key_in_progress",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
    .into_response()
}

/// The `Idempotency-Key` header, if any: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &http::HeaderMap) -> Result<Option<String>, Answer> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Answer::error(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!("Idempotency-Key: expected 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// The body's `paymentMethodType`, if the checkout allows it.
fn payment_method(checkout: &Checkout, body: &Value) -> Result<String, Answer> {
    let method = body["paymentMethodType"].as_str().unwrap_or_default().trim();
    if checkout.inner.payment_methods.iter().any(|allowed| allowed == method) {
        return Ok(method.to_owned());
    }
    Err(Answer::error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "payment_method_not_allowed",
        format!(
            "paymentMethodType: expected one of {}",
            checkout.inner.payment_methods.join(", ")
        ),
    ))
}

/// SHA-256 (hex) of the body's canonical JSON: object keys sorted, no whitespace.
fn fingerprint(body: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The order to store from the priced one, with fresh ids; `Err` names what the hook got wrong.
fn new_order(priced: &PricedOrder, payment_method_type: String) -> Result<NewOrder, String> {
    priced.amount.validate_for_antom().map_err(|e| format!("amount: {e}"))?;
    let description = priced.description.trim();
    if description.is_empty() || description.chars().count() > 256 {
        return Err("description: expected 1 to 256 characters".into());
    }
    let buyer_id = priced.buyer.as_ref().and_then(|b| b.reference_buyer_id.clone());
    if buyer_id.as_ref().is_some_and(|id| id.is_empty() || id.len() > 64) {
        return Err("buyer.referenceBuyerId: expected 1 to 64 characters".into());
    }
    Ok(NewOrder {
        order_id: format!("ord_{}", uuid::Uuid::new_v4().simple()),
        payment_request_id: format!("pay_{}", uuid::Uuid::new_v4().simple()),
        amount: priced.amount,
        description: description.to_owned(),
        payment_method_type,
        buyer_id,
        session_expires_at_ms: None,
    })
}

fn pricing_answer(e: PricingError) -> Answer {
    let (status, code) = e.status_and_code();
    if let PricingError::Failed(source) = &e {
        tracing::error!(error = %source, "the pricing hook failed");
        return Answer::error(status, code, "prices are unavailable; retry later");
    }
    Answer::error(status, code, e)
}

/// A store failure: 503 when transient, 409 otherwise.
fn store_answer(e: StoreError) -> Answer {
    if e.is_transient() {
        tracing::error!(error = %e, "order store unavailable");
        Answer::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the order store is unavailable; retry later",
        )
    } else {
        tracing::warn!(error = %e, "order store refused the change");
        Answer::error(StatusCode::CONFLICT, "store_refused", e)
    }
}

fn client_answer(order_id: &str, e: ClientError) -> Answer {
    tracing::warn!(order_id, error = %e, "createPaymentSession failed");
    let (status, body) = match &e {
        ClientError::Business { result, .. } => (
            StatusCode::BAD_GATEWAY,
            json!({
                "error": "antom_refused",
                "message": e.to_string(),
                "orderId": order_id,
                "resultCode": result.result_code.as_str(),
            }),
        ),
        ClientError::Connect(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": "antom_unreachable", "message": "could not reach Antom", "orderId": order_id }),
        ),
        _ => (
            StatusCode::GATEWAY_TIMEOUT,
            json!({
                "error": "antom_outcome_unknown",
                "message": "Antom's answer is unknown; the order will be reconciled",
                "orderId": order_id,
            }),
        ),
    };
    Answer { status, body }
}

fn with_order_id(url: &str, order_id: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}orderId={}", super::handlers::urlencode(order_id))
}

impl Checkout {
    /// At most once an hour: forget idempotency keys past their retention
    /// and prune the rate limiter's idle clients, in the background.
    fn maintain(&self) {
        let inner = &self.inner;
        let now = crate::store::now_ms();
        let last = inner.last_maintenance_ms.load(Ordering::Relaxed);
        if now - last < MAINTENANCE_INTERVAL_MS
            || inner
                .last_maintenance_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Some(limiter) = &inner.rate_limiter {
            limiter.limiter().retain_recent();
        }
        let store = inner.store.clone();
        let before = now - i64::try_from(inner.idempotency_retention.as_millis()).unwrap_or(i64::MAX);
        tokio::spawn(async move {
            match store.purge_idempotency_keys(before).await {
                Ok(purged) => tracing::debug!(purged, "expired idempotency keys removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove expired idempotency keys"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b": [1, {"y": 2, "x": 1}], "a": "é"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":"é","b":[1,{"x":1,"y":2}]}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":"é","b":[1,{"x":1,"y":3}]}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_eq!(fingerprint(&a).len(), 64);
    }

    #[test]
    fn idempotency_keys_are_checked() {
        let headers = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(IDEMPOTENCY_KEY, value.parse().unwrap());
            headers
        };
        assert_eq!(
            idempotency_key(&headers("7d3c-01")).ok().flatten().as_deref(),
            Some("7d3c-01")
        );
        assert!(idempotency_key(&http::HeaderMap::new()).unwrap().is_none());
        assert!(idempotency_key(&headers("")).is_err());
        assert!(idempotency_key(&headers("a b")).is_err());
        assert!(idempotency_key(&headers(&"k".repeat(256))).is_err());
    }
}
