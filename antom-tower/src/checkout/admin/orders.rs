//! `GET {prefix}/admin/orders`: orders, newest first, with filters and paging.
//!
//! Query parameters (all optional, empty means unset): `status` (an
//! [`OrderStatus`] name), `method` (a `paymentMethodType`), `from` and `to`
//! (`YYYY-MM-DD`, UTC, both days included), and `after_ms` with `after_id`
//! (the last order of the previous page). Bad values answer 400 with the
//! form and the reason.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::page::{self, attr, text, url_part};
use super::Admin;
use crate::store::{Order, OrderCursor, OrderQuery, OrderStatus};

/// Orders per page.
pub(crate) const PAGE_SIZE: usize = 50;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The query string, as the filter form sends it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after_ms: String,
    #[serde(default)]
    after_id: String,
}

pub(crate) async fn page(
    State(admin): State<Admin>,
    filters: Result<Query<Filters>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let base = admin.base.path();
    let Ok(Query(filters)) = filters else {
        return page::message(
            StatusCode::BAD_REQUEST,
            base,
            "Orders",
            "The filters could not be read.",
        );
    };
    let mut query = match filters.to_query() {
        Ok(query) => query,
        Err(problem) => {
            let body = format!(
                "{}<p id=\"filter-error\" class=\"message\">{}</p>",
                filter_form(base, &filters),
                text(&problem)
            );
            return page::html(StatusCode::BAD_REQUEST, base, "Orders", true, &body);
        }
    };
    // One more than a page: whether there is a next one.
    query.limit = PAGE_SIZE + 1;
    let mut orders = match admin.checkout.inner.store.list_orders(&query).await {
        Ok(orders) => orders,
        Err(e) => return page::store_failure(base, &e),
    };
    let more = orders.len() > PAGE_SIZE;
    orders.truncate(PAGE_SIZE);
    let mut body = filter_form(base, &filters);
    body.push_str(&orders_table(base, &orders));
    if more {
        if let Some(last) = orders.last() {
            body.push_str(&format!(
                "<p><a id=\"next-page\" href=\"{}\">Older orders →</a></p>",
                attr(&filters.next_page(base, last))
            ));
        }
    }
    page::html(StatusCode::OK, base, "Orders", true, &body)
}

impl Filters {
    fn to_query(&self) -> Result<OrderQuery, String> {
        let status = match self.status.trim() {
            "" => None,
            s => Some(s.parse::<OrderStatus>().map_err(|e| e.to_string())?),
        };
        let method = self.method.trim();
        if method.len() > 64 {
            return Err("payment method: at most 64 characters".into());
        }
        let created_since_ms = day_start("from", &self.from)?;
        let created_before_ms = day_start("to", &self.to)?.map(|start| start.saturating_add(DAY_MS));
        let after = match (self.after_ms.trim(), self.after_id.as_str()) {
            ("", _) => None,
            (ms, id) => Some(OrderCursor {
                created_at_ms: ms.parse().map_err(|_| "after_ms: not a number".to_owned())?,
                order_id: id.to_owned(),
            }),
        };
        Ok(OrderQuery {
            status,
            payment_method_type: (!method.is_empty()).then(|| method.to_owned()),
            created_since_ms,
            created_before_ms,
            after,
            limit: PAGE_SIZE,
        })
    }

    /// The link to the page after `last`, with the same filters.
    fn next_page(&self, base: &str, last: &Order) -> String {
        format!(
            "{base}/orders?status={}&method={}&from={}&to={}&after_ms={}&after_id={}",
            url_part(self.status.trim()),
            url_part(self.method.trim()),
            url_part(self.from.trim()),
            url_part(self.to.trim()),
            last.created_at_ms,
            url_part(&last.order_id)
        )
    }
}

/// The start of a `YYYY-MM-DD` day (UTC) in milliseconds since the Unix epoch.
fn day_start(field: &str, value: &str) -> Result<Option<i64>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{field}: expected a date as YYYY-MM-DD"))?;
    Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()))
}

fn filter_form(base: &str, filters: &Filters) -> String {
    let mut statuses = String::from("<option value=\"\">any</option>");
    for status in OrderStatus::ALL {
        let selected = if filters.status.trim() == status.as_str() {
            " selected"
        } else {
            ""
        };
        statuses.push_str(&format!(
            "<option value=\"{0}\"{selected}>{0}</option>",
            status.as_str()
        ));
    }
    format!(
        "<form id=\"order-filters\" class=\"filters\" method=\"get\" action=\"{}/orders\">\
         <label>Status<select id=\"filter-status\" name=\"status\">{statuses}</select></label>\
         <label>Payment method<input id=\"filter-method\" name=\"method\" value=\"{}\" maxlength=\"64\"></label>\
         <label>Created from<input id=\"filter-from\" type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>Created to<input id=\"filter-to\" type=\"date\" name=\"to\" value=\"{}\"></label>\
         <button id=\"filter-submit\" type=\"submit\">Filter</button></form>",
        attr(base),
        attr(&filters.method),
        attr(&filters.from),
        attr(&filters.to),
    )
}

fn orders_table(base: &str, orders: &[Order]) -> String {
    if orders.is_empty() {
        return "<p id=\"no-orders\">No orders match.</p>".to_owned();
    }
    let mut table = String::from(
        "<table id=\"orders\"><thead><tr><th>Created</th><th>Order</th><th>Description</th>\
         <th>Method</th><th>Amount</th><th>Refunded</th><th>Status</th></tr></thead><tbody>",
    );
    for order in orders {
        table.push_str(&format!(
            "<tr class=\"order\" data-order-id=\"{id}\" data-status=\"{status}\">\
             <td class=\"order-created\">{created}</td>\
             <td><a class=\"order-link\" href=\"{href}\">{id_text}</a></td>\
             <td class=\"order-description\">{description}</td>\
             <td class=\"order-method\">{method}</td>\
             <td class=\"amount order-amount\">{amount}</td>\
             <td class=\"amount order-refunded\">{refunded}</td>\
             <td class=\"order-status status-{status}\">{status}</td></tr>",
            id = attr(&order.order_id),
            id_text = text(&order.order_id),
            href = attr(&format!("{base}/orders/{}", url_part(&order.order_id))),
            created = page::time(order.created_at_ms),
            description = text(&order.description),
            method = text(&order.payment_method_type),
            amount = text(&order.amount.to_string()),
            refunded = text(&order.refunded_amount().to_string()),
            status = order.status.as_str(),
        ));
    }
    table.push_str("</tbody></table>");
    table
}
