//! The simulated buyer: a small payment page per session.
//!
//! `GET /cashier/{paymentSessionId}` shows the amount, the merchant, the
//! payment method and three buttons with stable ids for browser tests:
//! `#pay`, `#fail` (with a `#fail-code` select of `paymentResultCode`s) and
//! `#cancel`. Each posts a form to `POST /cashier/{paymentSessionId}/{pay|fail|cancel}`
//! (`fail` takes an optional `result_code` field); the mock updates the payment
//! as [`MockAntom::pay`](super::MockAntom::pay) / [`fail`](super::MockAntom::fail) /
//! [`cancel`](super::MockAntom::cancel) would, notifies the merchant, and
//! answers `303 See Other` to the payment's `paymentRedirectUrl`. A payment
//! that is already final is left as it is and the buyer is sent back all the
//! same. Once final, the page shows the status (`#status`) and a `#return`
//! link instead of the buttons.

use std::sync::Arc;

use antom_types::PaymentStatus;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, Response, StatusCode};
use axum::response::{Html, IntoResponse};

use super::state::{BuyerAction, Payment, DEFAULT_FAIL_CODE};
use super::util::html_escape;
use super::Shared;

/// The `paymentResultCode`s the page's Fail button offers.
const FAIL_CODES: &[&str] = &[
    DEFAULT_FAIL_CODE,
    "USER_BALANCE_NOT_ENOUGH",
    "ISSUER_REJECTS_TRANSACTION",
    "RISK_REJECT",
    "INVALID_CARD",
    "PAYMENT_AMOUNT_EXCEED_LIMIT",
    "USER_AMOUNT_EXCEED_LIMIT",
];

pub(crate) async fn page(State(shared): State<Arc<Shared>>, Path(session_id): Path<String>) -> Response<Body> {
    match shared.payment_by_session(&session_id) {
        Some(payment) => Html(render(&payment, &shared.client_id)).into_response(),
        None => not_found(),
    }
}

pub(crate) async fn act(
    State(shared): State<Arc<Shared>>,
    Path((session_id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let Some(payment) = shared.payment_by_session(&session_id) else {
        return not_found();
    };
    let action = match action.as_str() {
        "pay" => BuyerAction::Pay,
        "fail" => BuyerAction::Fail {
            code: form_value(&body, "result_code")
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| DEFAULT_FAIL_CODE.to_owned()),
            message: None,
        },
        "cancel" => BuyerAction::Cancel,
        _ => return (StatusCode::NOT_FOUND, "unknown cashier action\n").into_response(),
    };
    if let Err(e) = shared.buyer(&payment.payment_request_id, action) {
        tracing::info!(error = %e, "cashier action on a final payment ignored");
    }
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, payment.payment_redirect_url.as_str())
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

fn not_found() -> Response<Body> {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unknown session</title></head><body><h1 id=\"error\">Unknown or expired payment session</h1></body></html>"),
    )
        .into_response()
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_value(body: &[u8], key: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == key).then(|| decode(v))
    })
}

fn decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn render(payment: &Payment, merchant: &str) -> String {
    let id = html_escape(&payment.payment_session_id);
    let amount = html_escape(&payment.amount.to_string());
    let status = html_escape(payment.status.as_str());
    let body = if payment.status == PaymentStatus::Processing {
        let options: String = FAIL_CODES
            .iter()
            .map(|c| format!("<option value=\"{c}\">{c}</option>"))
            .collect();
        format!(
            r#"<div class="actions">
<form method="post" action="/cashier/{id}/pay"><button id="pay" class="pay" type="submit">Pay {amount}</button></form>
<form method="post" action="/cashier/{id}/fail" class="fail-form"><select id="fail-code" name="result_code" aria-label="Failure code">{options}</select><button id="fail" class="fail" type="submit">Fail</button></form>
<form method="post" action="/cashier/{id}/cancel"><button id="cancel" class="cancel" type="submit">Cancel</button></form>
</div>"#
        )
    } else {
        format!(
            r#"<p>This payment is <strong id="status-final">{status}</strong>.</p>
<p><a id="return" href="{url}">Return to the merchant</a></p>"#,
            url = html_escape(&payment.payment_redirect_url)
        )
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Mock Antom cashier</title>
<style>
body{{font-family:system-ui,-apple-system,sans-serif;background:#f5f6f8;color:#1d1d1f;margin:0}}
main{{max-width:26rem;margin:3rem auto;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:1.5rem 1.75rem}}
.badge{{display:inline-block;font-size:.75rem;background:#fff4ce;color:#7a5b00;border-radius:4px;padding:.1rem .4rem}}
h1{{font-size:1.1rem;margin:.75rem 0 1rem}} .amount{{font-size:2rem;font-weight:600;margin:.25rem 0 1rem}}
dl{{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem;margin:0 0 1.25rem}} dt{{color:#6e6e73}} dd{{margin:0;overflow-wrap:anywhere}}
.actions{{display:grid;gap:.6rem}} form{{margin:0}} button{{width:100%;padding:.7rem;border:0;border-radius:8px;font-size:1rem;cursor:pointer}}
.pay{{background:#1677ff;color:#fff}} .fail-form{{display:flex;gap:.5rem}} .fail-form select{{flex:1;border-radius:8px;border:1px solid #d0d0d5;padding:0 .4rem}}
.fail{{background:#fff;border:1px solid #b3261e;color:#b3261e;width:auto;padding:.7rem 1.2rem}} .cancel{{background:#eee;color:#333}}
</style></head>
<body><main>
<span class="badge">TEST MODE &middot; mock Antom</span>
<h1>Pay <span id="merchant">{merchant}</span></h1>
<div class="amount" id="amount">{amount}</div>
<dl>
<dt>Order</dt><dd id="order">{order} &mdash; {description}</dd>
<dt>Payment method</dt><dd id="payment-method">{method}</dd>
<dt>Payment request</dt><dd id="payment-request-id">{request_id}</dd>
<dt>Status</dt><dd id="status">{status}</dd>
</dl>
{body}
</main></body></html>
"#,
        merchant = html_escape(merchant),
        order = html_escape(&payment.reference_order_id),
        description = html_escape(&payment.order_description),
        method = html_escape(&payment.payment_method_type),
        request_id = html_escape(&payment.payment_request_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values() {
        assert_eq!(
            form_value(b"result_code=RISK_REJECT", "result_code").as_deref(),
            Some("RISK_REJECT")
        );
        assert_eq!(
            form_value(b"a=1&result_code=A%5FB+C", "result_code").as_deref(),
            Some("A_B C")
        );
        assert_eq!(form_value(b"", "result_code"), None);
        assert_eq!(decode("100%"), "100%");
    }
}
