//! `GET {prefix}/admin/notifications`: refused and unmatched notifications
//! from the inbox, newest first, with their reason and a replay button; and
//! `POST {prefix}/admin/notifications/{id}/replay` ([`Checkout::replay`](crate::checkout::Checkout::replay)),
//! which answers `303` back to the list with `?replayed=<id>`: the page then
//! shows that entry's outcome after the replay.
//!
//! Query parameters: `outcome` (an [`InboxOutcome`] name; default refused
//! and unmatched together), `before` (an inbox id: the next page).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;

use super::page::{self, attr, text, url_part};
use super::Admin;
use crate::checkout::ReplayError;
use crate::store::{InboxEntry, InboxOutcome, InboxQuery, StoreError};

/// Entries per page.
const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    outcome: String,
    before: Option<u64>,
    replayed: Option<u64>,
    replay_error: Option<String>,
}

pub(crate) async fn page(State(admin): State<Admin>, params: Result<Query<Params>, QueryRejection>) -> Response {
    let base = admin.base.path();
    let Ok(Query(params)) = params else {
        return page::message(
            StatusCode::BAD_REQUEST,
            base,
            "Notifications",
            "The query could not be read.",
        );
    };
    let outcomes = match params.outcome.trim() {
        "" => vec![InboxOutcome::Refused, InboxOutcome::Unmatched],
        name => match name.parse::<InboxOutcome>() {
            Ok(outcome) => vec![outcome],
            Err(problem) => return page::message(StatusCode::BAD_REQUEST, base, "Notifications", &problem),
        },
    };
    let mut entries = Vec::new();
    for outcome in outcomes {
        let query = InboxQuery {
            outcome: Some(outcome),
            before_id: params.before,
            limit: PAGE_SIZE + 1,
            ..InboxQuery::default()
        };
        match admin.checkout.inner.store.inbox_entries(&query).await {
            Ok(found) => entries.extend(found),
            Err(e) => return page::store_failure(base, &e),
        }
    }
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.id));
    let more = entries.len() > PAGE_SIZE;
    entries.truncate(PAGE_SIZE);

    let mut body = match replay_banner(&admin, &params).await {
        Ok(banner) => banner,
        Err(e) => return page::store_failure(base, &e),
    };
    body.push_str(&outcome_links(base));
    body.push_str(&entries_table(base, &entries));
    if let (true, Some(last)) = (more, entries.last()) {
        body.push_str(&format!(
            "<p><a id=\"next-page\" href=\"{}\">Older →</a></p>",
            attr(&format!(
                "{base}/notifications?outcome={}&before={}",
                url_part(params.outcome.trim()),
                last.id
            ))
        ));
    }
    let title = match params.outcome.trim() {
        "" => "Refused notifications".to_owned(),
        outcome => format!("Notifications: {outcome}"),
    };
    page::html(StatusCode::OK, base, &title, true, &body)
}

pub(crate) async fn replay(State(admin): State<Admin>, Path(id): Path<u64>, uri: Uri, headers: HeaderMap) -> Response {
    let base = admin.base.path();
    if !page::same_origin(&headers, &uri) {
        return page::cross_site(base);
    }
    let code = match admin.checkout.replay(id).await {
        Ok(_) => return page::see_other(&format!("{base}/notifications?replayed={id}")),
        Err(ReplayError::NotFound(_)) => "not_found",
        Err(ReplayError::Rejected(_)) => "rejected",
        Err(e) => {
            tracing::error!(inbox_id = id, error = %e, "admin replay failed");
            "store_unavailable"
        }
    };
    page::see_other(&format!("{base}/notifications?replayed={id}&replay_error={code}"))
}

/// The replay button of inbox entry `id`.
pub(crate) fn replay_form(base: &str, id: u64) -> String {
    format!(
        "<form class=\"replay-form\" method=\"post\" action=\"{}/notifications/{id}/replay\">\
         <button class=\"replay-button\" type=\"submit\" data-inbox-id=\"{id}\">Replay</button></form>",
        attr(base)
    )
}

/// What the replay just done did: the entry as it is now.
async fn replay_banner(admin: &Admin, params: &Params) -> Result<String, StoreError> {
    let Some(id) = params.replayed else {
        return Ok(String::new());
    };
    if let Some(code) = &params.replay_error {
        let message = match code.as_str() {
            "not_found" => "Not replayed: there is no such inbox entry.",
            "rejected" => "Not replayed: the stored notification no longer verifies with the current keys.",
            _ => "Not replayed: the order store failed; try again.",
        };
        return Ok(format!(
            "<p id=\"replay-result\" class=\"message result-failed\" data-inbox-id=\"{id}\" data-error=\"{}\">\
             {}</p>",
            attr(code),
            text(message)
        ));
    }
    let Some(entry) = admin.checkout.inner.store.inbox_entry(id).await? else {
        return Ok(String::new());
    };
    let reason = entry
        .reason
        .as_deref()
        .map_or_else(String::new, |reason| format!(": {reason}"));
    Ok(format!(
        "<p id=\"replay-result\" class=\"message outcome-{outcome}\" data-inbox-id=\"{id}\" \
         data-outcome=\"{outcome}\">Notification #{id} replayed: {outcome}{reason}{order}</p>",
        outcome = entry.outcome.as_str(),
        reason = text(&reason),
        order = order_link(&admin.base, &entry),
    ))
}

fn order_link(base: &super::AdminBase, entry: &InboxEntry) -> String {
    entry.order_id.as_ref().map_or_else(String::new, |order_id| {
        format!(
            " (order <a class=\"order-link\" href=\"{}\">{}</a>)",
            attr(&format!("{}/orders/{}", base.path(), url_part(order_id))),
            text(order_id)
        )
    })
}

fn outcome_links(base: &str) -> String {
    let mut links = format!(
        "<p id=\"outcome-filter\">Show: <a href=\"{}/notifications\">refused and unmatched</a>",
        attr(base)
    );
    for outcome in InboxOutcome::ALL {
        links.push_str(&format!(
            " · <a href=\"{}/notifications?outcome={o}\">{o}</a>",
            attr(base),
            o = outcome.as_str()
        ));
    }
    links.push_str("</p>");
    links
}

fn entries_table(base: &str, entries: &[InboxEntry]) -> String {
    if entries.is_empty() {
        return "<p id=\"no-notifications\">No notifications to show.</p>".to_owned();
    }
    let mut table = String::from(
        "<table id=\"notifications\"><thead><tr><th>#</th><th>First received</th><th>Deliveries</th>\
         <th>Type</th><th>paymentRequestId</th><th>Order</th><th>Outcome</th><th>Reason</th><th></th>\
         </tr></thead><tbody>",
    );
    for entry in entries {
        let order = entry.order_id.as_ref().map_or_else(String::new, |order_id| {
            format!(
                "<a class=\"order-link\" href=\"{}\">{}</a>",
                attr(&format!("{base}/orders/{}", url_part(order_id))),
                text(order_id)
            )
        });
        table.push_str(&format!(
            "<tr class=\"notification\" data-inbox-id=\"{id}\" data-outcome=\"{outcome}\">\
             <td class=\"number\">{id}</td><td>{received}</td><td class=\"number\">{deliveries}</td>\
             <td class=\"notification-type\">{kind}</td><td>{prid}</td><td>{order}</td>\
             <td class=\"notification-outcome outcome-{outcome}\">{outcome}</td>\
             <td class=\"notification-reason\">{reason}</td><td>{replay}</td></tr>",
            id = entry.id,
            received = page::time(entry.first_received_at_ms),
            deliveries = entry.deliveries,
            kind = text(&entry.notify_type),
            prid = text(entry.payment_request_id.as_deref().unwrap_or("")),
            outcome = entry.outcome.as_str(),
            reason = text(entry.reason.as_deref().unwrap_or("")),
            replay = replay_form(base, entry.id),
        ));
    }
    table.push_str("</tbody></table>");
    table
}
