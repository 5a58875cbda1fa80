//! The statements of the SQL stores, the same text in both dialects.

pub(crate) const UPDATE_ORDER: &str = "UPDATE antom_orders SET status = $1, payment_id = $2, refunded_minor = $3, \
     updated_at_ms = $4, version = version + 1 WHERE order_id = $5 AND version = $6";
pub(crate) const INSERT_CHANGE: &str = "INSERT INTO antom_order_state_changes (order_id, version, from_status, \
     to_status, source, change_key, refund_id, refund_amount_minor, result_code, at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const COUNTED_REFUND: &str =
    "SELECT refund_amount_minor FROM antom_order_state_changes WHERE order_id = $1 AND refund_id = $2";
pub(crate) const REFUND_COLUMNS: &str = "refund_request_id, order_id, amount_minor, currency, reason, state, \
     refund_id, failure_code, created_at_ms, updated_at_ms";
pub(crate) const UPSERT_REFUND: &str = "INSERT INTO antom_refunds (refund_request_id, order_id, amount_minor, \
     currency, reason, state, refund_id, failure_code, created_at_ms, updated_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (refund_request_id) DO UPDATE SET \
     state = excluded.state, refund_id = excluded.refund_id, failure_code = excluded.failure_code, \
     updated_at_ms = excluded.updated_at_ms";
pub(crate) const PENDING_REFUNDED: &str = "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) \
     FROM antom_refunds WHERE order_id = $1 AND state = 'pending'";
pub(crate) const DISPUTE_COLUMNS: &str = "dispute_id, order_id, state, amount_minor, currency, reason_code, \
     reason_message, dispute_time, defense_due_time, judged_result, judged_amount_minor, created_at_ms, \
     updated_at_ms";
pub(crate) const UPSERT_DISPUTE: &str = "INSERT INTO antom_disputes (dispute_id, order_id, state, amount_minor, \
     currency, reason_code, reason_message, dispute_time, defense_due_time, judged_result, judged_amount_minor, \
     created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT (dispute_id) DO UPDATE SET state = excluded.state, amount_minor = excluded.amount_minor, \
     currency = excluded.currency, reason_code = excluded.reason_code, reason_message = excluded.reason_message, \
     dispute_time = excluded.dispute_time, defense_due_time = excluded.defense_due_time, \
     judged_result = excluded.judged_result, judged_amount_minor = excluded.judged_amount_minor, \
     updated_at_ms = excluded.updated_at_ms";
pub(crate) const CAPTURE_COLUMNS: &str =
    "capture_id, order_id, capture_request_id, amount_minor, currency, succeeded, capture_time, result_code, at_ms";
pub(crate) const INSERT_CAPTURE: &str = "INSERT INTO antom_captures (capture_id, order_id, capture_request_id, \
     amount_minor, currency, succeeded, capture_time, result_code, at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (capture_id) DO NOTHING";
pub(crate) const EVENT_COLUMNS: &str =
    "seq, order_id, event_key, kind, amount_minor, currency, reference, detail, at_ms";
pub(crate) const INSERT_EVENT: &str = "INSERT INTO antom_order_events (order_id, event_key, kind, amount_minor, \
     currency, reference, detail, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (order_id, event_key) DO NOTHING";
pub(crate) const EVENT_RECORDED: &str = "SELECT seq FROM antom_order_events WHERE order_id = $1 AND event_key = $2";
pub(crate) const INBOX_COLUMNS: &str = "id, notification_key, notify_type, payment_request_id, order_id, outcome, \
     reason, method, path, headers, body, deliveries, first_received_at_ms, last_received_at_ms";
pub(crate) const INBOX_BY_KEY: &str = "SELECT id, outcome, reason, order_id FROM antom_notifications \
     WHERE notification_key = $1";
pub(crate) const INSERT_INBOX: &str = "INSERT INTO antom_notifications (notification_key, notify_type, \
     payment_request_id, order_id, outcome, reason, method, path, headers, body, deliveries, \
     first_received_at_ms, last_received_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) \
     RETURNING id";
pub(crate) const UPDATE_INBOX: &str = "UPDATE antom_notifications SET outcome = $1, reason = $2, order_id = $3, \
     headers = $4, body = $5, deliveries = deliveries + 1, last_received_at_ms = $6 WHERE id = $7";
pub(crate) const SETTLE_UNMATCHED: &str = "UPDATE antom_notifications SET outcome = 'applied', reason = NULL, \
     order_id = $1, last_received_at_ms = $2 WHERE notification_key = $3 AND outcome = 'unmatched'";
pub(crate) const PURGE_INBOX: &str = "DELETE FROM antom_notifications WHERE last_received_at_ms < $1 \
     AND ($2 OR outcome NOT IN ('refused', 'unmatched'))";
pub(crate) const CONSUMER_CURSOR: &str = "SELECT cursor_seq FROM antom_event_consumers WHERE consumer = $1";
/// Makes sure the consumer has a row to lock (cursor 0: nothing passed yet).
pub(crate) const REGISTER_CONSUMER: &str = "INSERT INTO antom_event_consumers (consumer, cursor_seq, \
     updated_at_ms) VALUES ($1, 0, $2) ON CONFLICT (consumer) DO NOTHING";
pub(crate) const CLAIM_LEASE: &str = "INSERT INTO antom_event_deliveries (consumer, seq, lease_until_ms) \
     VALUES ($1, $2, $3) ON CONFLICT (consumer, seq) DO UPDATE SET lease_until_ms = excluded.lease_until_ms \
     WHERE antom_event_deliveries.acked_at_ms IS NULL AND antom_event_deliveries.lease_until_ms <= $4 \
     RETURNING seq";
pub(crate) const ACK: &str = "INSERT INTO antom_event_deliveries (consumer, seq, lease_until_ms, acked_at_ms) \
     VALUES ($1, $2, $3, $3) ON CONFLICT (consumer, seq) DO UPDATE SET \
     acked_at_ms = COALESCE(antom_event_deliveries.acked_at_ms, excluded.acked_at_ms)";
pub(crate) const RETRY: &str = "UPDATE antom_event_deliveries SET lease_until_ms = $1 \
     WHERE consumer = $2 AND seq = $3 AND acked_at_ms IS NULL";
/// The first event past the cursor that the cursor may not pass: not
/// acknowledged, or too recent (see `EVENT_CURSOR_HORIZON_MS`).
pub(crate) const CURSOR_STOP: &str = "SELECT e.seq FROM antom_order_events e WHERE e.seq > $1 AND \
     (e.at_ms > $2 OR NOT EXISTS (SELECT 1 FROM antom_event_deliveries d WHERE d.consumer = $3 \
     AND d.seq = e.seq AND d.acked_at_ms IS NOT NULL)) ORDER BY e.seq LIMIT 1";
pub(crate) const CURSOR_MAX_BEFORE: &str = "SELECT CAST(COALESCE(MAX(seq), $1) AS BIGINT) \
     FROM antom_order_events WHERE seq > $1 AND seq < $2";
pub(crate) const UPSERT_CURSOR: &str = "INSERT INTO antom_event_consumers (consumer, cursor_seq, updated_at_ms) \
     VALUES ($1, $2, $3) ON CONFLICT (consumer) DO UPDATE SET cursor_seq = excluded.cursor_seq, \
     updated_at_ms = excluded.updated_at_ms WHERE antom_event_consumers.cursor_seq < excluded.cursor_seq";
pub(crate) const COMPACT_DELIVERIES: &str = "DELETE FROM antom_event_deliveries WHERE consumer = $1 AND seq <= $2";
/// `list_orders`: `$1` status or NULL, `$2` paymentMethodType or NULL,
/// `$3`..`$4` the created range, `$5`/`$6` the cursor, `$7` the limit.
pub(crate) const LIST_ORDERS: &str = "WHERE ($1 IS NULL OR status = $1) \
     AND ($2 IS NULL OR payment_method_type = $2) AND created_at_ms >= $3 AND created_at_ms < $4 \
     AND (created_at_ms < $5 OR (created_at_ms = $5 AND order_id < $6)) \
     ORDER BY created_at_ms DESC, order_id DESC LIMIT $7";
pub(crate) const REFUND_CANDIDATES: &str = "WHERE status IN ('succeeded', 'partially_refunded') \
     AND currency = $1 AND amount_minor >= $2 AND created_at_ms >= $3 ORDER BY created_at_ms DESC, seq DESC LIMIT $4";

/// Events past a consumer's cursor it may claim now.
pub(crate) fn claimable_events() -> String {
    format!(
        "SELECT {} FROM antom_order_events e WHERE e.seq > $1 AND NOT EXISTS (SELECT 1 FROM \
         antom_event_deliveries d WHERE d.consumer = $2 AND d.seq = e.seq AND (d.acked_at_ms IS NOT NULL \
         OR d.lease_until_ms > $3)) ORDER BY e.seq LIMIT $4",
        EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
