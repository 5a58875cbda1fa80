//! `GET {prefix}/admin/orders/{id}`: everything that happened to one order,
//! by time; and `POST {prefix}/admin/orders/{id}/refunds`, the refund form.
//!
//! The refund amount is typed in major units (`12.50`) and converted to
//! minor units with the currency's exponent by integer arithmetic only
//! ([`Amount::from_decimal_str`]). The form answers `303` back to the
//! timeline with `?refund=<refundRequestId>` (the page shows that refund's
//! state) or `?refund_error=<code>`.

use antom_types::Amount;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{self, attr, text, url_part};
use super::Admin;
use crate::checkout::refunds::RefundError;
use crate::store::{InboxOutcome, InboxQuery, Order, StoreError};

/// What the timeline page was sent back with.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Shown {
    refund: Option<String>,
    refund_error: Option<String>,
}

/// The refund form.
#[derive(Debug, Deserialize)]
pub(crate) struct RefundForm {
    amount: String,
    #[serde(default)]
    reason: String,
}

/// How many inbox entries of one order the timeline shows.
const INBOX_LIMIT: usize = 200;

/// Antom's limit on `refundReason`.
const MAX_REASON_LEN: usize = 256;

pub(crate) async fn page(
    State(admin): State<Admin>,
    Path(order_id): Path<String>,
    shown: Result<Query<Shown>, QueryRejection>,
) -> Response {
    let base = admin.base.path();
    let store = &admin.checkout.inner.store;
    let order = match store.get_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return page::message(StatusCode::NOT_FOUND, base, "Unknown order", "There is no such order."),
        Err(e) => return page::store_failure(base, &e),
    };
    let entries = match timeline(&admin, &order).await {
        Ok(entries) => entries,
        Err(e) => return page::store_failure(base, &e),
    };
    let shown = shown.map(|Query(shown)| shown).unwrap_or_default();
    let mut body = summary(&order);
    body.push_str(&refund_banner(&admin, &order, &shown).await);
    if order.status.is_paid() && order.refunded < order.amount.value() {
        body.push_str(&refund_form(base, &order));
    }
    body.push_str("<h2>Timeline</h2><ol id=\"timeline\" class=\"timeline\">");
    for entry in &entries {
        body.push_str(&format!(
            "<li class=\"timeline-entry kind-{kind}\" data-kind=\"{kind}\" data-at-ms=\"{at}\">\
             <span class=\"when\">{when}</span><strong class=\"what\">{title}</strong>\
             <div class=\"detail\">{detail}</div></li>",
            kind = entry.kind,
            at = entry.at_ms,
            when = page::time(entry.at_ms),
            title = text(&entry.title),
            detail = entry.detail_html,
        ));
    }
    body.push_str("</ol>");
    page::html(StatusCode::OK, base, &format!("Order {}", order.order_id), true, &body)
}

pub(crate) async fn refund(
    State(admin): State<Admin>,
    Path(order_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    form: Result<Form<RefundForm>, FormRejection>,
) -> Response {
    let base = admin.base.path();
    if !page::same_origin(&headers, &uri) {
        return page::cross_site(base);
    }
    let back = |query: String| page::see_other(&format!("{base}/orders/{}?{query}", url_part(&order_id)));
    let Ok(Form(form)) = form else {
        return back("refund_error=invalid_amount".into());
    };
    let order = match admin.checkout.inner.store.get_order(&order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return page::message(StatusCode::NOT_FOUND, base, "Unknown order", "There is no such order."),
        Err(e) => return page::store_failure(base, &e),
    };
    let amount = match Amount::from_decimal_str(order.amount.currency(), form.amount.trim()) {
        Ok(amount) if !amount.is_zero() => amount,
        _ => return back("refund_error=invalid_amount".into()),
    };
    let reason = form.reason.trim();
    if reason.chars().count() > MAX_REASON_LEN {
        return back("refund_error=reason_too_long".into());
    }
    let reason = (!reason.is_empty()).then_some(reason);
    match admin.checkout.refund(&order_id, amount, reason).await {
        Ok(record) => back(format!("refund={}", url_part(&record.refund_request_id))),
        Err(e) => {
            tracing::warn!(order_id, error = %e, "admin refund refused");
            back(format!("refund_error={}", refund_error_code(&e)))
        }
    }
}

/// One line of the timeline.
struct Entry {
    at_ms: i64,
    /// `state`, `notification`, `refund`, `dispute`, `capture`, `event`, `call`
    /// (the Antom calls this instance made, from memory).
    kind: &'static str,
    title: String,
    /// Already escaped.
    detail_html: String,
}

/// Every record of the order, merged and sorted by time (ties keep the order above).
async fn timeline(admin: &Admin, order: &Order) -> Result<Vec<Entry>, StoreError> {
    let store = &admin.checkout.inner.store;
    let id = order.order_id.as_str();
    let mut entries = Vec::new();
    for change in store.state_changes(id).await? {
        let mut detail = format!("source {}", change.source);
        if let (Some(refund_id), Some(minor)) = (&change.refund_id, change.refund_amount) {
            let refunded = Amount::new(order.amount.currency(), minor).map_or(minor.to_string(), |a| a.to_string());
            detail.push_str(&format!(", refund {refund_id} of {refunded}"));
        }
        if let Some(code) = &change.result_code {
            detail.push_str(&format!(", result code {code}"));
        }
        entries.push(Entry {
            at_ms: change.at_ms,
            kind: "state",
            title: format!("{} → {}", change.from, change.to),
            detail_html: text(&detail).into_owned(),
        });
    }
    let inbox = store
        .inbox_entries(&InboxQuery {
            order_id: Some(id.to_owned()),
            limit: INBOX_LIMIT,
            ..InboxQuery::default()
        })
        .await?;
    for entry in inbox.into_iter().rev() {
        let mut detail = format!(
            "<span class=\"notification-outcome outcome-{outcome}\">{outcome}</span>, delivered {} time(s), last {}",
            entry.deliveries,
            page::time(entry.last_received_at_ms),
            outcome = entry.outcome.as_str(),
        );
        if let Some(reason) = &entry.reason {
            detail.push_str(&format!(
                ": <span class=\"notification-reason\">{}</span>",
                text(reason)
            ));
        }
        if matches!(entry.outcome, InboxOutcome::Refused | InboxOutcome::Unmatched) {
            detail.push_str(&super::notifications::replay_form(admin.base.path(), entry.id));
        }
        entries.push(Entry {
            at_ms: entry.first_received_at_ms,
            kind: "notification",
            title: format!("notification {} (#{})", entry.notify_type, entry.id),
            detail_html: detail,
        });
    }
    for refund in store.refunds(id).await? {
        let mut detail = format!("{}, updated {}", refund.state, page::time(refund.updated_at_ms));
        for (label, value) in [
            ("reason", &refund.reason),
            ("refundId", &refund.refund_id),
            ("failure", &refund.failure_code),
        ] {
            if let Some(value) = value {
                detail.push_str(&format!(", {label} {value}"));
            }
        }
        entries.push(Entry {
            at_ms: refund.created_at_ms,
            kind: "refund",
            title: format!("refund {} of {}", refund.refund_request_id, refund.amount),
            detail_html: text(&detail).into_owned(),
        });
    }
    for dispute in store.disputes(id).await? {
        let mut detail = dispute.state.clone();
        if let Some(amount) = dispute.amount {
            detail.push_str(&format!(", {amount}"));
        }
        for (label, value) in [
            ("reason", &dispute.reason_code),
            ("message", &dispute.reason_message),
            ("defend by", &dispute.defense_due_time),
            ("judged", &dispute.judged_result),
        ] {
            if let Some(value) = value {
                detail.push_str(&format!(", {label} {value}"));
            }
        }
        entries.push(Entry {
            at_ms: dispute.created_at_ms,
            kind: "dispute",
            title: format!("dispute {}", dispute.dispute_id),
            detail_html: text(&detail).into_owned(),
        });
    }
    for capture in store.captures(id).await? {
        let outcome = if capture.succeeded { "succeeded" } else { "failed" };
        let code = capture.result_code.as_deref().unwrap_or("");
        entries.push(Entry {
            at_ms: capture.at_ms,
            kind: "capture",
            title: format!("capture {} of {}", capture.capture_id, capture.amount),
            detail_html: text(&format!("{outcome} {code}")).into_owned(),
        });
    }
    for event in store.order_events(id).await? {
        let mut detail = format!("outbox #{}, key {}", event.seq, event.key);
        if let Some(amount) = event.amount {
            detail.push_str(&format!(", {amount}"));
        }
        if let Some(detail_text) = &event.detail {
            detail.push_str(&format!(", {detail_text}"));
        }
        entries.push(Entry {
            at_ms: event.at_ms,
            kind: "event",
            title: format!("event {}", event.kind),
            detail_html: text(&detail).into_owned(),
        });
    }
    for call in admin.checkout.antom_calls(id) {
        let mut detail = format!("{}, {} ms", call.result, call.duration_ms);
        if let Some(more) = &call.detail {
            detail.push_str(&format!(", {more}"));
        }
        entries.push(Entry {
            at_ms: call.at_ms,
            kind: "call",
            title: format!("Antom {}", call.api),
            detail_html: text(&detail).into_owned(),
        });
    }
    entries.sort_by_key(|entry| entry.at_ms);
    Ok(entries)
}

fn summary(order: &Order) -> String {
    let row = |id: &str, label: &str, value: &str| format!("<dt>{label}</dt><dd id=\"{id}\">{}</dd>", text(value));
    let mut dl = String::from("<dl id=\"order-summary\">");
    dl.push_str(&row("order-status", "Status", order.status.as_str()));
    dl.push_str(&row("order-amount", "Amount", &order.amount.to_string()));
    dl.push_str(&row("order-refunded", "Refunded", &order.refunded_amount().to_string()));
    dl.push_str(&row("order-description", "Description", &order.description));
    dl.push_str(&row("order-method", "Payment method", &order.payment_method_type));
    dl.push_str(&row(
        "order-payment-request-id",
        "paymentRequestId",
        &order.payment_request_id,
    ));
    dl.push_str(&row(
        "order-payment-id",
        "paymentId",
        order.payment_id.as_deref().unwrap_or("-"),
    ));
    dl.push_str(&row("order-created", "Created", &page::time(order.created_at_ms)));
    dl.push_str("</dl>");
    dl
}

fn refund_form(base: &str, order: &Order) -> String {
    let left = order
        .amount
        .checked_sub(order.refunded_amount())
        .map_or_else(String::new, |left| left.to_string());
    format!(
        "<h2>Refund</h2><form id=\"refund-form\" class=\"refund\" method=\"post\" action=\"{action}\">\
         <label>Amount ({currency}, up to {left})<input id=\"refund-amount\" name=\"amount\" inputmode=\"decimal\" \
         required autocomplete=\"off\"></label>\
         <label>Reason<input id=\"refund-reason\" name=\"reason\" maxlength=\"{MAX_REASON_LEN}\"></label>\
         <button id=\"refund-submit\" type=\"submit\">Refund</button></form>",
        action = attr(&format!("{base}/orders/{}/refunds", url_part(&order.order_id))),
        currency = text(order.amount.currency().as_str()),
        left = text(&left),
    )
}

/// The result of the refund the form just started, or why it was refused.
async fn refund_banner(admin: &Admin, order: &Order, shown: &Shown) -> String {
    if let Some(code) = &shown.refund_error {
        return format!(
            "<p id=\"refund-error\" class=\"message result-failed\" data-code=\"{}\">{}</p>",
            attr(code),
            text(refund_error_message(code))
        );
    }
    let Some(refund_request_id) = &shown.refund else {
        return String::new();
    };
    match admin.checkout.inner.store.refund(refund_request_id).await {
        Ok(Some(record)) if record.order_id == order.order_id => {
            let failure = record
                .failure_code
                .as_deref()
                .map_or_else(String::new, |code| format!(" ({code})"));
            format!(
                "<p id=\"refund-result\" class=\"message result-{state}\" data-state=\"{state}\" \
                 data-refund-request-id=\"{id_attr}\">Refund {id} of {amount}: {state}{failure}</p>",
                state = record.state.as_str(),
                id_attr = attr(&record.refund_request_id),
                id = text(&record.refund_request_id),
                amount = text(&record.amount.to_string()),
                failure = text(&failure),
            )
        }
        _ => String::new(),
    }
}

fn refund_error_code(e: &RefundError) -> &'static str {
    match e {
        RefundError::Store(StoreError::RefundExceedsOrder { .. }) => "refund_exceeds_order",
        RefundError::Store(StoreError::NotRefundable { .. }) => "not_refundable",
        RefundError::Store(StoreError::NotFound { .. }) => "unknown_order",
        RefundError::Store(StoreError::InvalidInput(_) | StoreError::AmountMismatch { .. }) => "invalid_amount",
        RefundError::Store(e) if e.is_transient() => "store_unavailable",
        RefundError::Store(_) => "store_refused",
        RefundError::NoPaymentId(_) => "no_payment_id",
        _ => "antom_error",
    }
}

/// A fixed message per code: the page never shows text taken from the URL.
fn refund_error_message(code: &str) -> &'static str {
    match code {
        "invalid_amount" => {
            "Refund not started: the amount is not a positive amount in the order's currency \
                             (at most as many decimals as the currency has)."
        }
        "reason_too_long" => "Refund not started: the reason is longer than 256 characters.",
        "refund_exceeds_order" => {
            "Refund not started: it is more than what is left to refund \
                                   (pending refunds count)."
        }
        "not_refundable" => "Refund not started: the order is not paid.",
        "unknown_order" => "Refund not started: unknown order.",
        "no_payment_id" => "Refund not started: no Antom paymentId is recorded; refund it from Antom's Dashboard.",
        "store_unavailable" => "Refund not started: the order store is unavailable; try again.",
        "antom_error" => "Antom could not be asked; the refund stays pending and reconciliation settles it.",
        _ => "Refund not started.",
    }
}
