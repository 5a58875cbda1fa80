//! [`OrderQuery`]: which orders [`OrderStore::list_orders`](super::OrderStore::list_orders)
//! answers, newest first, a page at a time.
//!
//! Paging is by position, not by offset: pass the last order of a page as
//! [`OrderQuery::after`] to get the next one. Orders created meanwhile do not
//! shift the pages, and every store answers a page with one indexed range
//! read however deep it is.

use super::{Order, OrderStatus};

/// The most orders one [`OrderStore::list_orders`](super::OrderStore::list_orders) call answers.
pub const MAX_ORDER_PAGE: usize = 1000;

/// Which orders to list, newest first (by `created_at_ms`, then by order id,
/// both descending; order ids compare as the store compares text, bytewise
/// in memory and SQLite, by the column's collation in PostgreSQL, the same
/// way in the ordering and in [`OrderQuery::after`]).
///
/// ```
/// use antom_tower::store::{OrderQuery, OrderStatus};
///
/// let paid_today = OrderQuery {
///     status: Some(OrderStatus::Succeeded),
///     created_since_ms: Some(1_764_633_600_000), // 2025-12-02T00:00:00Z
///     limit: 50,
///     ..OrderQuery::default()
/// };
/// assert_eq!(paid_today.effective_limit(), 50);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders with this `paymentMethodType` (exact match).
    pub payment_method_type: Option<String>,
    /// Only orders created at or after this time, in milliseconds since the Unix epoch.
    pub created_since_ms: Option<i64>,
    /// Only orders created before this time (exclusive).
    pub created_before_ms: Option<i64>,
    /// Only orders that come after this one in the listing: the next page.
    pub after: Option<OrderCursor>,
    /// At most this many (0 means 100; at most [`MAX_ORDER_PAGE`]).
    pub limit: usize,
}

/// A position in an order listing: the last order of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCursor {
    /// That order's `created_at_ms`.
    pub created_at_ms: i64,
    /// That order's id.
    pub order_id: String,
}

impl OrderCursor {
    /// The position just after `order`.
    pub fn after(order: &Order) -> OrderCursor {
        OrderCursor {
            created_at_ms: order.created_at_ms,
            order_id: order.order_id.clone(),
        }
    }
}

impl OrderQuery {
    /// The limit a store applies: 100 for 0, never more than [`MAX_ORDER_PAGE`].
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            0 => 100,
            limit => limit.min(MAX_ORDER_PAGE),
        }
    }

    /// Whether `order` passes the filters and lies after the cursor (for
    /// stores that filter in memory).
    pub fn matches(&self, order: &Order) -> bool {
        self.status.is_none_or(|status| order.status == status)
            && self
                .payment_method_type
                .as_ref()
                .is_none_or(|method| &order.payment_method_type == method)
            && self.created_since_ms.is_none_or(|since| order.created_at_ms >= since)
            && self.created_before_ms.is_none_or(|before| order.created_at_ms < before)
            && self.after.as_ref().is_none_or(|cursor| {
                order.created_at_ms < cursor.created_at_ms
                    || (order.created_at_ms == cursor.created_at_ms && order.order_id < cursor.order_id)
            })
    }
}
