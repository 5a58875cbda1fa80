//! `GET {prefix}/admin/chart`: orders created per hour over the last 24
//! hours by outcome (paid, failed, still pending), drawn on the server as
//! inline SVG: no script, nothing fetched from elsewhere.
//!
//! The counts come from [`OrderStore::list_orders`](crate::store::OrderStore::list_orders)
//! with a created-since filter, read a page at a time up to
//! [`MAX_CHART_ORDERS`]; past that the page says the chart is partial.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{self, text};
use super::Admin;
use crate::store::{Order, OrderCursor, OrderQuery, OrderStatus, MAX_ORDER_PAGE};

/// The most orders the chart reads.
pub(crate) const MAX_CHART_ORDERS: usize = 20 * MAX_ORDER_PAGE;

const HOUR_MS: i64 = 60 * 60 * 1000;
const HOURS: usize = 24;

/// The outcomes, in drawing order (bottom to top).
const OUTCOMES: [&str; 3] = ["paid", "failed", "pending"];

pub(crate) async fn page(State(admin): State<Admin>) -> Response {
    let base = admin.base.path();
    // The window ends with the current hour, so the last bar is the hour in progress.
    let end = (crate::store::now_ms() / HOUR_MS + 1) * HOUR_MS;
    let start = end - HOURS as i64 * HOUR_MS;
    let mut query = OrderQuery {
        created_since_ms: Some(start),
        limit: MAX_ORDER_PAGE,
        ..OrderQuery::default()
    };
    let mut orders: Vec<Order> = Vec::new();
    let mut partial = false;
    loop {
        let page = match admin.checkout.inner.store.list_orders(&query).await {
            Ok(page) => page,
            Err(e) => return page::store_failure(base, &e),
        };
        let full = page.len() == MAX_ORDER_PAGE;
        query.after = page.last().map(OrderCursor::after);
        orders.extend(page);
        if !full {
            break;
        }
        if orders.len() >= MAX_CHART_ORDERS {
            partial = true;
            break;
        }
    }
    let buckets = count(&orders, start);
    let mut body = svg(&buckets, start);
    body.push_str(&totals(&buckets));
    if partial {
        body.push_str(&format!(
            "<p id=\"chart-partial\" class=\"message\">Only the newest {MAX_CHART_ORDERS} orders are counted.</p>"
        ));
    }
    page::html(StatusCode::OK, base, "Payments per hour", true, &body)
}

/// Orders per hour from `start` by outcome (indexes of [`OUTCOMES`]).
fn count(orders: &[Order], start: i64) -> Vec<[u64; 3]> {
    let mut buckets = vec![[0u64; 3]; HOURS];
    for order in orders {
        let Ok(hour) = usize::try_from((order.created_at_ms - start).div_euclid(HOUR_MS)) else {
            continue;
        };
        let outcome = match order.status {
            status if status.is_paid() => 0,
            OrderStatus::Failed | OrderStatus::Cancelled | OrderStatus::Expired => 1,
            _ => 2,
        };
        if let Some(bucket) = buckets.get_mut(hour) {
            bucket[outcome] += 1;
        }
    }
    buckets
}

/// Stacked bars, one per hour, with the hour under every third one.
fn svg(buckets: &[[u64; 3]], start: i64) -> String {
    const BAR: i64 = 24;
    const GAP: i64 = 6;
    const HEIGHT: i64 = 160;
    const TOP: i64 = 10;
    const AXIS: i64 = TOP + HEIGHT;
    let width = buckets.len() as i64 * (BAR + GAP) + GAP;
    let max = buckets.iter().map(|b| b.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg id=\"payments-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {}\" \
         width=\"{width}\" height=\"{}\" role=\"img\" aria-labelledby=\"payments-chart-title\">\
         <title id=\"payments-chart-title\">Orders per hour by outcome, last 24 hours (at most {max} in an hour)</title>\
         <line class=\"axis\" x1=\"0\" y1=\"{AXIS}\" x2=\"{width}\" y2=\"{AXIS}\"/>",
        AXIS + 20,
        AXIS + 20,
    );
    for (i, bucket) in buckets.iter().enumerate() {
        let hour_start = start + i as i64 * HOUR_MS;
        let label = chrono::DateTime::from_timestamp_millis(hour_start)
            .map(|t| t.format("%H:00").to_string())
            .unwrap_or_default();
        let x = GAP + i as i64 * (BAR + GAP);
        svg.push_str(&format!(
            "<g class=\"hour\" data-hour-start-ms=\"{hour_start}\" data-hour=\"{label}\">"
        ));
        let mut y = AXIS;
        for (outcome, &n) in OUTCOMES.iter().zip(bucket) {
            if n == 0 {
                continue;
            }
            let h = (i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(HEIGHT) / max as i64).max(1);
            y -= h;
            svg.push_str(&format!(
                "<rect class=\"bar outcome-{outcome}\" data-outcome=\"{outcome}\" data-count=\"{n}\" \
                 x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\"><title>{label} UTC: {n} {outcome}</title></rect>"
            ));
        }
        if i % 3 == 0 {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                x + BAR / 2,
                AXIS + 14
            ));
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// The totals beside the chart (also its legend).
fn totals(buckets: &[[u64; 3]]) -> String {
    let mut sums = [0u64; 3];
    for bucket in buckets {
        for (sum, n) in sums.iter_mut().zip(bucket) {
            *sum += n;
        }
    }
    let mut dl = format!(
        "<dl id=\"chart-totals\" class=\"legend\" data-paid=\"{}\" data-failed=\"{}\" data-pending=\"{}\">",
        sums[0], sums[1], sums[2]
    );
    for (outcome, sum) in OUTCOMES.iter().zip(sums) {
        dl.push_str(&format!(
            "<dt class=\"outcome-{outcome}\">■ {}</dt><dd id=\"total-{outcome}\">{sum}</dd>",
            text(outcome)
        ));
    }
    dl.push_str("</dl>");
    dl
}

#[cfg(test)]
mod tests {
    use super::*;
    use antom_types::Amount;

    fn order(created_at_ms: i64, status: OrderStatus) -> Order {
        let mut order = Order::from_new(
            crate::store::NewOrder {
                order_id: format!("o-{created_at_ms}-{status}"),
                payment_request_id: format!("p-{created_at_ms}-{status}"),
                amount: Amount::from_minor_units(100, "SGD").unwrap(),
                description: String::new(),
                payment_method_type: "ALIPAY_CN".into(),
                buyer_id: None,
                session_expires_at_ms: None,
            },
            created_at_ms,
        );
        order.status = status;
        order
    }

    #[test]
    fn orders_fall_in_their_hour_by_outcome_and_outside_ones_are_left_out() {
        let start = 1_000 * HOUR_MS;
        let orders = [
            order(start, OrderStatus::Succeeded),
            order(start + HOUR_MS - 1, OrderStatus::Refunded),
            order(start + HOUR_MS, OrderStatus::Expired),
            order(start + 23 * HOUR_MS + 5, OrderStatus::Pending),
            order(start - 1, OrderStatus::Succeeded),
            order(start + 24 * HOUR_MS, OrderStatus::Succeeded),
        ];
        let buckets = count(&orders, start);
        assert_eq!(buckets[0], [2, 0, 0]);
        assert_eq!(buckets[1], [0, 1, 0]);
        assert_eq!(buckets[23], [0, 0, 1]);
        assert_eq!(buckets.iter().flatten().sum::<u64>(), 4);
        let drawn = svg(&buckets, start);
        assert_eq!(drawn.matches("<rect ").count(), 3);
        assert!(drawn.contains("data-outcome=\"paid\" data-count=\"2\""));
        assert!(
            drawn.contains("height=\"160\""),
            "the fullest hour fills the chart: {drawn}"
        );
        assert!(totals(&buckets).contains("data-paid=\"2\" data-failed=\"1\" data-pending=\"1\""));
    }
}
