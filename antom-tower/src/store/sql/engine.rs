//! The SQL stores' operations, written once for SQLite and PostgreSQL.
//!
//! [`sql_order_store!`] implements [`OrderStore`](crate::store::OrderStore)
//! for a store type with a `pool` field, from the statements below. The
//! statements are the same text in both dialects (`$N` placeholders work in
//! both, numbered in order of first use, which SQLite needs); the dialect
//! differences are the macro's arguments:
//!
//! * `begin`: how a write transaction starts (`BEGIN IMMEDIATE` takes
//!   SQLite's write lock at once; PostgreSQL runs `READ COMMITTED`);
//! * `lock`: appended to the read of the order a write decides on
//!   (` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose writers are
//!   already serialized);
//! * `skip_locked`: appended to the claims of inquiries and outbox events
//!   (` FOR UPDATE SKIP LOCKED` on PostgreSQL), so that several instances
//!   claim different rows instead of waiting on each other.
//!
//! Every write decides through [`effects::plan`](crate::store::effects::plan)
//! (the same decisions as the memory store) and writes with compare-and-set
//! on the order's version, retried on a lost race.

/// Reads an order by `key` (`$1`), with `lock` appended.
pub(crate) fn order_by_key_sql(key: &crate::store::effects::OrderKey<'_>, lock: &str) -> String {
    use crate::store::effects::OrderKey;
    use crate::store::sql::ORDER_COLUMNS;
    let filter = match key {
        OrderKey::OrderId(_) => "order_id = $1",
        OrderKey::PaymentRequestId(_) => "payment_request_id = $1",
        OrderKey::PaymentId(_) => "payment_id = $1",
        OrderKey::RefundRequestId(_) => "order_id = (SELECT order_id FROM antom_refunds WHERE refund_request_id = $1)",
    };
    format!("SELECT {ORDER_COLUMNS} FROM antom_orders WHERE {filter}{lock}")
}

/// The statements of the macro below.
pub(crate) mod stmt {
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
    pub(crate) const REFUND_CANDIDATES: &str = "WHERE status IN ('succeeded', 'partially_refunded') \
         AND currency = $1 AND amount_minor >= $2 AND created_at_ms >= $3 ORDER BY created_at_ms DESC, seq DESC LIMIT $4";

    /// Events past a consumer's cursor it may claim now.
    pub(crate) fn claimable_events(skip_locked: &str) -> String {
        let lock = if skip_locked.is_empty() {
            String::new()
        } else {
            format!(" FOR UPDATE OF e{}", skip_locked.trim_start_matches(" FOR UPDATE"))
        };
        format!(
            "SELECT {} FROM antom_order_events e WHERE e.seq > $1 AND NOT EXISTS (SELECT 1 FROM \
             antom_event_deliveries d WHERE d.consumer = $2 AND d.seq = e.seq AND (d.acked_at_ms IS NOT NULL \
             OR d.lease_until_ms > $3)) ORDER BY e.seq LIMIT $4{lock}",
            EVENT_COLUMNS
                .split(", ")
                .map(|c| format!("e.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Reads a column, mapping the error (any backend).
macro_rules! col {
    ($row:expr, $name:literal) => {
        sqlx::Row::try_get($row, $name).map_err($crate::store::sql::db_err)?
    };
}
pub(crate) use col;

/// Implements `OrderStore` for a SQL store; see the [module documentation](self).
macro_rules! sql_order_store {
    ($store:ty, $db:ty, begin: $begin:expr, lock: $lock:expr, skip_locked: $skip_locked:expr) => {
        impl $store {
            async fn begin_write(&self) -> Result<$crate::store::sql::WriteTx<$db>, $crate::store::StoreError> {
                $crate::store::sql::WriteTx::begin(&self.pool, $begin).await
            }

            async fn fetch_order(
                conn: &mut <$db as sqlx::Database>::Connection,
                key: $crate::store::effects::OrderKey<'_>,
                lock: bool,
            ) -> Result<Option<$crate::store::Order>, $crate::store::StoreError> {
                let sql = $crate::store::sql::engine::order_by_key_sql(&key, if lock { $lock } else { "" });
                let row = sqlx::query(&sql)
                    .bind(key.id())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                row.map(|row| $crate::store::sql::order_from_row!(&row)).transpose()
            }

            async fn read_snapshot(
                conn: &mut <$db as sqlx::Database>::Connection,
                order: $crate::store::Order,
                effect: &$crate::store::Effect,
            ) -> Result<$crate::store::effects::Snapshot, $crate::store::StoreError> {
                use $crate::store::sql::db_err;
                use $crate::store::sql::engine::stmt;
                let lookups = effect.lookups();
                let mut snapshot = $crate::store::effects::Snapshot::of(order);
                if let Some(refund_id) = lookups.counted_refund_id {
                    snapshot.counted_refund = sqlx::query_scalar::<_, Option<i64>>(stmt::COUNTED_REFUND)
                        .bind(&snapshot.order.order_id)
                        .bind(refund_id)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db_err)?
                        .flatten()
                        .map(|v| u64::try_from(v).unwrap_or(0));
                }
                if let Some(id) = lookups.refund_request_id {
                    snapshot.refund = Self::read_refund(&mut *conn, id).await?;
                }
                if let Some(id) = lookups.dispute_id {
                    let sql = format!("SELECT {} FROM antom_disputes WHERE dispute_id = $1", stmt::DISPUTE_COLUMNS);
                    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await.map_err(db_err)?;
                    snapshot.dispute = row.map(|row| Self::dispute_from_row(&row)).transpose()?;
                }
                if let Some(id) = lookups.capture_id {
                    let sql = format!("SELECT {} FROM antom_captures WHERE capture_id = $1", stmt::CAPTURE_COLUMNS);
                    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await.map_err(db_err)?;
                    snapshot.capture = row.map(|row| Self::capture_from_row(&row)).transpose()?;
                }
                if let Some(key) = &lookups.event_key {
                    snapshot.event_recorded = sqlx::query_scalar::<_, i64>(stmt::EVENT_RECORDED)
                        .bind(&snapshot.order.order_id)
                        .bind(key)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db_err)?
                        .is_some();
                }
                Ok(snapshot)
            }

            /// Writes a plan. `Ok(false)` when another writer changed the
            /// order first (the caller rolls back and decides again).
            async fn write_plan(
                conn: &mut <$db as sqlx::Database>::Connection,
                order: &$crate::store::Order,
                writes: &$crate::store::effects::Writes,
                now: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, is_unique_violation, signed};
                use $crate::store::sql::engine::stmt;
                if let Some(change) = &writes.change {
                    let updated = sqlx::query(stmt::UPDATE_ORDER)
                        .bind(change.to.as_str())
                        .bind(change.payment_id.as_deref())
                        .bind(signed(change.refunded)?)
                        .bind(now)
                        .bind(&order.order_id)
                        .bind(signed(order.version)?)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                    if updated.rows_affected() != 1 {
                        return Ok(false);
                    }
                    let inserted = sqlx::query(stmt::INSERT_CHANGE)
                        .bind(&order.order_id)
                        .bind(signed(order.version + 1)?)
                        .bind(change.from.as_str())
                        .bind(change.to.as_str())
                        .bind(change.source.as_str())
                        .bind(&change.change_key)
                        .bind(change.refund_id.as_deref())
                        .bind(change.refund_amount.map(signed).transpose()?)
                        .bind(change.result_code.as_deref())
                        .bind(now)
                        .execute(&mut *conn)
                        .await;
                    match inserted {
                        Ok(_) => {}
                        Err(e) if is_unique_violation(&e) => return Ok(false),
                        Err(e) => return Err(db_err(e)),
                    }
                    if let Some(refund_id) = &change.refund_id {
                        sqlx::query(stmt::SETTLE_UNMATCHED)
                            .bind(&order.order_id)
                            .bind(now)
                            .bind(format!("REFUND_RESULT:{refund_id}"))
                            .execute(&mut *conn)
                            .await
                            .map_err(db_err)?;
                    }
                }
                if let Some(refund) = &writes.refund {
                    Self::upsert_refund(&mut *conn, refund).await?;
                }
                if let Some(d) = &writes.dispute {
                    sqlx::query(stmt::UPSERT_DISPUTE)
                        .bind(&d.dispute_id)
                        .bind(&d.order_id)
                        .bind(&d.state)
                        .bind(d.amount.map(|a| signed(a.value())).transpose()?)
                        .bind(d.amount.or(d.judged_amount).map(|a| a.currency().as_str().to_owned()))
                        .bind(d.reason_code.as_deref())
                        .bind(d.reason_message.as_deref())
                        .bind(d.dispute_time.as_deref())
                        .bind(d.defense_due_time.as_deref())
                        .bind(d.judged_result.as_deref())
                        .bind(d.judged_amount.map(|a| signed(a.value())).transpose()?)
                        .bind(d.created_at_ms)
                        .bind(d.updated_at_ms)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                }
                if let Some(c) = &writes.capture {
                    sqlx::query(stmt::INSERT_CAPTURE)
                        .bind(&c.capture_id)
                        .bind(&c.order_id)
                        .bind(c.capture_request_id.as_deref())
                        .bind(signed(c.amount.value())?)
                        .bind(c.amount.currency().as_str())
                        .bind(i64::from(c.succeeded))
                        .bind(c.capture_time.as_deref())
                        .bind(c.result_code.as_deref())
                        .bind(c.at_ms)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                }
                if let Some(event) = &writes.event {
                    sqlx::query(stmt::INSERT_EVENT)
                        .bind(&order.order_id)
                        .bind(&event.key)
                        .bind(event.kind.as_str())
                        .bind(event.amount.map(|a| signed(a.value())).transpose()?)
                        .bind(event.amount.map(|a| a.currency().as_str().to_owned()))
                        .bind(event.reference.as_deref())
                        .bind(event.detail.as_deref())
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                }
                Ok(true)
            }

            /// Finds, decides and writes `effect` in `tx`, retrying lost
            /// races; the transaction is left open for the caller to end.
            /// The outer `Err` is a store failure; the inner result a
            /// decision (including refusals, which wrote nothing).
            async fn apply_in(
                &self,
                effect: &$crate::store::Effect,
            ) -> Result<
                (
                    $crate::store::sql::WriteTx<$db>,
                    Option<String>,
                    Result<$crate::store::ApplyOutcome, $crate::store::StoreError>,
                ),
                $crate::store::StoreError,
            > {
                for _ in 0..$crate::store::MAX_CAS_ATTEMPTS {
                    let mut tx = self.begin_write().await?;
                    let Some(key) = effect.order_key() else {
                        return Ok((tx, None, effect.unkeyed_result()));
                    };
                    let Some(order) = Self::fetch_order(tx.conn(), key, true).await? else {
                        return Ok((tx, None, Err(key.not_found())));
                    };
                    let order_id = order.order_id.clone();
                    let now = $crate::store::now_ms();
                    let snapshot = Self::read_snapshot(tx.conn(), order, effect).await?;
                    let writes = match $crate::store::effects::plan(&snapshot, effect, now) {
                        Ok(writes) => writes,
                        Err(refused) => return Ok((tx, Some(order_id), Err(refused))),
                    };
                    if Self::write_plan(tx.conn(), &snapshot.order, &writes, now).await? {
                        return Ok((tx, Some(order_id), Ok(writes.outcome)));
                    }
                    tx.rollback().await?;
                }
                Err($crate::store::StoreError::unavailable(format!(
                    "order changed concurrently {} times in a row; retry later",
                    $crate::store::MAX_CAS_ATTEMPTS
                )))
            }

            async fn sql_apply_effect(
                &self,
                effect: &$crate::store::Effect,
            ) -> Result<$crate::store::ApplyOutcome, $crate::store::StoreError> {
                let (tx, _, result) = self.apply_in(effect).await?;
                // Refusals wrote nothing: end cleanly either way.
                if result.is_ok() {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                result
            }

            async fn sql_mark_pending(
                &self,
                order_id: &str,
            ) -> Result<$crate::store::ApplyOutcome, $crate::store::StoreError> {
                use $crate::store::effects::{OrderKey, Writes};
                for _ in 0..$crate::store::MAX_CAS_ATTEMPTS {
                    let mut tx = self.begin_write().await?;
                    let Some(order) = Self::fetch_order(tx.conn(), OrderKey::OrderId(order_id), true).await? else {
                        tx.rollback().await?;
                        return Err(OrderKey::OrderId(order_id).not_found());
                    };
                    let writes = Writes::from_plan(&order, $crate::store::state::plan_mark_pending(&order));
                    if Self::write_plan(tx.conn(), &order, &writes, $crate::store::now_ms()).await? {
                        tx.commit().await?;
                        return Ok(writes.outcome);
                    }
                    tx.rollback().await?;
                }
                Err($crate::store::StoreError::unavailable("order changed concurrently; retry later"))
            }

            async fn sql_record_notification(
                &self,
                n: &$crate::store::InboundNotification,
                effect: &$crate::store::Effect,
            ) -> Result<$crate::store::Recorded, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::col, engine::stmt};
                use $crate::store::InboxOutcome;
                let (mut tx, order_id, result) = self.apply_in(effect).await?;
                let (outcome, reason) = $crate::store::inbox::classify(effect, &result);
                let headers = serde_json::to_string(&n.headers).map_err($crate::store::StoreError::unavailable)?;
                let existing = sqlx::query(stmt::INBOX_BY_KEY)
                    .bind(&n.key)
                    .fetch_optional(tx.conn())
                    .await
                    .map_err(db_err)?;
                let inbox_id: i64 = match existing {
                    Some(row) => {
                        let id: i64 = col!(&row, "id");
                        let old: String = col!(&row, "outcome");
                        let old_reason: Option<String> = col!(&row, "reason");
                        let old_order: Option<String> = col!(&row, "order_id");
                        let old = old.parse::<InboxOutcome>().map_err($crate::store::StoreError::Corrupt)?;
                        let merged = old.merge(outcome);
                        sqlx::query(stmt::UPDATE_INBOX)
                            .bind(merged.as_str())
                            .bind(if merged == outcome { reason } else { old_reason })
                            .bind(order_id.or(old_order))
                            .bind(&headers)
                            .bind(&n.body)
                            .bind(n.received_at_ms)
                            .bind(id)
                            .execute(tx.conn())
                            .await
                            .map_err(db_err)?;
                        id
                    }
                    None => sqlx::query_scalar(stmt::INSERT_INBOX)
                        .bind(&n.key)
                        .bind(&n.notify_type)
                        .bind(n.payment_request_id.as_deref())
                        .bind(order_id.as_deref())
                        .bind(outcome.as_str())
                        .bind(reason.as_deref())
                        .bind(&n.method)
                        .bind(&n.path)
                        .bind(&headers)
                        .bind(&n.body)
                        .bind(n.received_at_ms)
                        .fetch_one(tx.conn())
                        .await
                        .map_err(db_err)?,
                };
                tx.commit().await?;
                Ok($crate::store::Recorded {
                    inbox_id: u64::try_from(inbox_id).unwrap_or(0),
                    outcome,
                    result,
                })
            }

            async fn read_refund(
                conn: &mut <$db as sqlx::Database>::Connection,
                refund_request_id: &str,
            ) -> Result<Option<$crate::store::RefundRecord>, $crate::store::StoreError> {
                use $crate::store::sql::engine::stmt;
                let sql = format!("SELECT {} FROM antom_refunds WHERE refund_request_id = $1", stmt::REFUND_COLUMNS);
                let row = sqlx::query(&sql)
                    .bind(refund_request_id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                row.map(|row| Self::refund_from_row(&row)).transpose()
            }

            async fn upsert_refund(
                conn: &mut <$db as sqlx::Database>::Connection,
                r: &$crate::store::RefundRecord,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::signed;
                sqlx::query($crate::store::sql::engine::stmt::UPSERT_REFUND)
                    .bind(&r.refund_request_id)
                    .bind(&r.order_id)
                    .bind(signed(r.amount.value())?)
                    .bind(r.amount.currency().as_str())
                    .bind(r.reason.as_deref())
                    .bind(r.state.as_str())
                    .bind(r.refund_id.as_deref())
                    .bind(r.failure_code.as_deref())
                    .bind(r.created_at_ms)
                    .bind(r.updated_at_ms)
                    .execute(&mut *conn)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                Ok(())
            }

            fn refund_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::RefundRecord, $crate::store::StoreError> {
                use $crate::store::sql::{amount_from_columns, engine::col};
                let order_id: String = col!(row, "order_id");
                let state: String = col!(row, "state");
                Ok($crate::store::RefundRecord {
                    refund_request_id: col!(row, "refund_request_id"),
                    amount: amount_from_columns(&order_id, col!(row, "amount_minor"), col!(row, "currency"))?,
                    reason: col!(row, "reason"),
                    state: state.parse().map_err($crate::store::StoreError::Corrupt)?,
                    refund_id: col!(row, "refund_id"),
                    failure_code: col!(row, "failure_code"),
                    created_at_ms: col!(row, "created_at_ms"),
                    updated_at_ms: col!(row, "updated_at_ms"),
                    order_id,
                })
            }

            fn dispute_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::DisputeRecord, $crate::store::StoreError> {
                use $crate::store::sql::{amount_from_columns, engine::col};
                let order_id: String = col!(row, "order_id");
                let currency: Option<String> = col!(row, "currency");
                let amount = |minor: Option<i64>| -> Result<Option<antom_types::Amount>, $crate::store::StoreError> {
                    match (minor, &currency) {
                        (Some(minor), Some(currency)) => Ok(Some(amount_from_columns(&order_id, minor, currency.clone())?)),
                        _ => Ok(None),
                    }
                };
                Ok($crate::store::DisputeRecord {
                    dispute_id: col!(row, "dispute_id"),
                    state: col!(row, "state"),
                    amount: amount(col!(row, "amount_minor"))?,
                    reason_code: col!(row, "reason_code"),
                    reason_message: col!(row, "reason_message"),
                    dispute_time: col!(row, "dispute_time"),
                    defense_due_time: col!(row, "defense_due_time"),
                    judged_result: col!(row, "judged_result"),
                    judged_amount: amount(col!(row, "judged_amount_minor"))?,
                    created_at_ms: col!(row, "created_at_ms"),
                    updated_at_ms: col!(row, "updated_at_ms"),
                    order_id: order_id.clone(),
                })
            }

            fn capture_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::CaptureRecord, $crate::store::StoreError> {
                use $crate::store::sql::{amount_from_columns, engine::col};
                let order_id: String = col!(row, "order_id");
                let succeeded: i64 = col!(row, "succeeded");
                Ok($crate::store::CaptureRecord {
                    capture_id: col!(row, "capture_id"),
                    capture_request_id: col!(row, "capture_request_id"),
                    amount: amount_from_columns(&order_id, col!(row, "amount_minor"), col!(row, "currency"))?,
                    succeeded: succeeded != 0,
                    capture_time: col!(row, "capture_time"),
                    result_code: col!(row, "result_code"),
                    at_ms: col!(row, "at_ms"),
                    order_id,
                })
            }

            fn event_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::OrderEvent, $crate::store::StoreError> {
                use $crate::store::sql::{amount_from_columns, engine::col};
                let order_id: String = col!(row, "order_id");
                let kind: String = col!(row, "kind");
                let seq: i64 = col!(row, "seq");
                let minor: Option<i64> = col!(row, "amount_minor");
                let currency: Option<String> = col!(row, "currency");
                Ok($crate::store::OrderEvent {
                    seq: u64::try_from(seq).map_err(|_| $crate::store::StoreError::Corrupt(format!("event seq {seq}")))?,
                    kind: kind.parse().map_err($crate::store::StoreError::Corrupt)?,
                    key: col!(row, "event_key"),
                    amount: match (minor, currency) {
                        (Some(minor), Some(currency)) => Some(amount_from_columns(&order_id, minor, currency)?),
                        _ => None,
                    },
                    reference: col!(row, "reference"),
                    detail: col!(row, "detail"),
                    at_ms: col!(row, "at_ms"),
                    order_id,
                })
            }

            fn inbox_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::InboxEntry, $crate::store::StoreError> {
                use $crate::store::sql::engine::col;
                use $crate::store::StoreError;
                let id: i64 = col!(row, "id");
                let outcome: String = col!(row, "outcome");
                let headers: String = col!(row, "headers");
                let deliveries: i64 = col!(row, "deliveries");
                Ok($crate::store::InboxEntry {
                    id: u64::try_from(id).map_err(|_| StoreError::Corrupt(format!("inbox id {id}")))?,
                    key: col!(row, "notification_key"),
                    notify_type: col!(row, "notify_type"),
                    payment_request_id: col!(row, "payment_request_id"),
                    order_id: col!(row, "order_id"),
                    outcome: outcome.parse().map_err(StoreError::Corrupt)?,
                    reason: col!(row, "reason"),
                    method: col!(row, "method"),
                    path: col!(row, "path"),
                    headers: serde_json::from_str(&headers)
                        .map_err(|e| StoreError::Corrupt(format!("inbox entry {id}: headers: {e}")))?,
                    body: col!(row, "body"),
                    deliveries: u32::try_from(deliveries).unwrap_or(u32::MAX),
                    first_received_at_ms: col!(row, "first_received_at_ms"),
                    last_received_at_ms: col!(row, "last_received_at_ms"),
                })
            }

            /// Moves the consumer's cursor over the acknowledged prefix of
            /// events older than the horizon, and forgets their deliveries.
            async fn compact_cursor(
                conn: &mut <$db as sqlx::Database>::Connection,
                consumer: &str,
                now: i64,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt};
                let cursor = sqlx::query_scalar::<_, i64>(stmt::CONSUMER_CURSOR)
                    .bind(consumer)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_err)?
                    .unwrap_or(0);
                let stop = sqlx::query_scalar::<_, i64>(stmt::CURSOR_STOP)
                    .bind(cursor)
                    .bind(now - $crate::store::events::EVENT_CURSOR_HORIZON_MS)
                    .bind(consumer)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_err)?
                    .unwrap_or(i64::MAX);
                let new_cursor = sqlx::query_scalar::<_, i64>(stmt::CURSOR_MAX_BEFORE)
                    .bind(cursor)
                    .bind(stop)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db_err)?;
                if new_cursor > cursor {
                    sqlx::query(stmt::UPSERT_CURSOR)
                        .bind(consumer)
                        .bind(new_cursor)
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                    sqlx::query(stmt::COMPACT_DELIVERIES)
                        .bind(consumer)
                        .bind(new_cursor)
                        .execute(&mut *conn)
                        .await
                        .map_err(db_err)?;
                }
                Ok(())
            }

            async fn list<T: Send>(
                &self,
                sql: &str,
                bind: &str,
                read: fn(&<$db as sqlx::Database>::Row) -> Result<T, $crate::store::StoreError>,
            ) -> Result<Vec<T>, $crate::store::StoreError> {
                let rows = sqlx::query(sql)
                    .bind(bind)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                rows.iter().map(read).collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::OrderStore for $store {
            async fn create_order(
                &self,
                new: $crate::store::NewOrder,
            ) -> Result<$crate::store::Order, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, is_unique_violation, signed};
                let order = $crate::store::Order::from_new(new, $crate::store::now_ms());
                let result = sqlx::query(
                    "INSERT INTO antom_orders (order_id, payment_request_id, amount_minor, currency, description, \
                     payment_method_type, buyer_id, status, payment_id, refunded_minor, created_at_ms, updated_at_ms, \
                     version, session_expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 0, $9, $10, 1, $11)",
                )
                .bind(&order.order_id)
                .bind(&order.payment_request_id)
                .bind(signed(order.amount.value())?)
                .bind(order.amount.currency().as_str())
                .bind(&order.description)
                .bind(&order.payment_method_type)
                .bind(order.buyer_id.as_deref())
                .bind(order.status.as_str())
                .bind(order.created_at_ms)
                .bind(order.updated_at_ms)
                .bind(order.session_expires_at_ms)
                .execute(&self.pool)
                .await;
                match result {
                    Ok(_) => Ok(order),
                    Err(e) if is_unique_violation(&e) => Err($crate::store::StoreError::DuplicateOrder {
                        order_id: order.order_id,
                        payment_request_id: order.payment_request_id,
                    }),
                    Err(e) => Err(db_err(e)),
                }
            }

            async fn get_order(
                &self,
                order_id: &str,
            ) -> Result<Option<$crate::store::Order>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await.map_err($crate::store::sql::db_err)?;
                Self::fetch_order(&mut conn, $crate::store::effects::OrderKey::OrderId(order_id), false).await
            }

            async fn get_by_payment_request_id(
                &self,
                payment_request_id: &str,
            ) -> Result<Option<$crate::store::Order>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await.map_err($crate::store::sql::db_err)?;
                let key = $crate::store::effects::OrderKey::PaymentRequestId(payment_request_id);
                Self::fetch_order(&mut conn, key, false).await
            }

            async fn mark_pending(
                &self,
                order_id: &str,
            ) -> Result<$crate::store::ApplyOutcome, $crate::store::StoreError> {
                self.sql_mark_pending(order_id).await
            }

            async fn apply_effect(
                &self,
                effect: &$crate::store::Effect,
            ) -> Result<$crate::store::ApplyOutcome, $crate::store::StoreError> {
                self.sql_apply_effect(effect).await
            }

            async fn record_notification(
                &self,
                notification: &$crate::store::InboundNotification,
                effect: &$crate::store::Effect,
            ) -> Result<$crate::store::Recorded, $crate::store::StoreError> {
                self.sql_record_notification(notification, effect).await
            }

            async fn inbox_entry(
                &self,
                id: u64,
            ) -> Result<Option<$crate::store::InboxEntry>, $crate::store::StoreError> {
                use $crate::store::sql::{engine::stmt, signed};
                let sql = format!("SELECT {} FROM antom_notifications WHERE id = $1", stmt::INBOX_COLUMNS);
                let row = sqlx::query(&sql)
                    .bind(signed(id)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                row.map(|row| Self::inbox_from_row(&row)).transpose()
            }

            async fn inbox_entries(
                &self,
                query: &$crate::store::InboxQuery,
            ) -> Result<Vec<$crate::store::InboxEntry>, $crate::store::StoreError> {
                use $crate::store::sql::{engine::stmt, signed};
                let sql = format!(
                    "SELECT {} FROM antom_notifications WHERE ($1 IS NULL OR outcome = $1) \
                     AND ($2 IS NULL OR order_id = $2) AND id < $3 ORDER BY id DESC LIMIT $4",
                    stmt::INBOX_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(query.outcome.map(|o| o.as_str()))
                    .bind(query.order_id.as_deref())
                    .bind(query.before_id.map(signed).transpose()?.unwrap_or(i64::MAX))
                    .bind(signed(query.effective_limit() as u64)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                rows.iter().map(Self::inbox_from_row).collect()
            }

            async fn purge_inbox(
                &self,
                retention: &$crate::store::InboxRetention,
            ) -> Result<u64, $crate::store::StoreError> {
                let deleted = sqlx::query($crate::store::sql::engine::stmt::PURGE_INBOX)
                    .bind(retention.received_before_ms)
                    .bind(retention.include_unsettled)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                Ok(deleted.rows_affected())
            }

            async fn create_refund(
                &self,
                refund: &$crate::store::NewRefund,
            ) -> Result<$crate::store::RefundClaim, $crate::store::StoreError> {
                use $crate::store::effects::OrderKey;
                use $crate::store::sql::{db_err, engine::stmt};
                let mut tx = self.begin_write().await?;
                let key = OrderKey::OrderId(&refund.order_id);
                let Some(order) = Self::fetch_order(tx.conn(), key, true).await? else {
                    tx.rollback().await?;
                    return Err(key.not_found());
                };
                let existing = Self::read_refund(tx.conn(), &refund.refund_request_id).await?;
                let pending: i64 = sqlx::query_scalar(stmt::PENDING_REFUNDED)
                    .bind(&order.order_id)
                    .fetch_one(tx.conn())
                    .await
                    .map_err(db_err)?;
                let planned = $crate::store::effects::plan_new_refund(
                    &order,
                    refund,
                    existing.as_ref(),
                    u64::try_from(pending).unwrap_or(0),
                    $crate::store::now_ms(),
                );
                match planned {
                    Ok(claim) => {
                        if let $crate::store::RefundClaim::Created(record) = &claim {
                            Self::upsert_refund(tx.conn(), record).await?;
                        }
                        tx.commit().await?;
                        Ok(claim)
                    }
                    Err(refused) => {
                        tx.rollback().await?;
                        Err(refused)
                    }
                }
            }

            async fn refund(
                &self,
                refund_request_id: &str,
            ) -> Result<Option<$crate::store::RefundRecord>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await.map_err($crate::store::sql::db_err)?;
                Self::read_refund(&mut conn, refund_request_id).await
            }

            async fn refunds(
                &self,
                order_id: &str,
            ) -> Result<Vec<$crate::store::RefundRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM antom_refunds WHERE order_id = $1 ORDER BY created_at_ms, refund_request_id",
                    $crate::store::sql::engine::stmt::REFUND_COLUMNS
                );
                self.list(&sql, order_id, Self::refund_from_row).await
            }

            async fn pending_refunds(
                &self,
                limit: usize,
            ) -> Result<Vec<$crate::store::RefundRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM antom_refunds WHERE state = $1 ORDER BY created_at_ms, refund_request_id LIMIT {}",
                    $crate::store::sql::engine::stmt::REFUND_COLUMNS,
                    limit.min(100_000)
                );
                self.list(&sql, "pending", Self::refund_from_row).await
            }

            async fn refund_candidates(
                &self,
                currency: &str,
                min_amount: u64,
                created_since_ms: i64,
                limit: usize,
            ) -> Result<Vec<$crate::store::Order>, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt, signed, ORDER_COLUMNS};
                let sql = format!("SELECT {ORDER_COLUMNS} FROM antom_orders {}", stmt::REFUND_CANDIDATES);
                let rows = sqlx::query(&sql)
                    .bind(currency)
                    .bind(signed(min_amount)?)
                    .bind(created_since_ms)
                    .bind(signed(limit as u64)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                rows.iter().map(|row| $crate::store::sql::order_from_row!(row)).collect()
            }

            async fn disputes(
                &self,
                order_id: &str,
            ) -> Result<Vec<$crate::store::DisputeRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM antom_disputes WHERE order_id = $1 ORDER BY created_at_ms, dispute_id",
                    $crate::store::sql::engine::stmt::DISPUTE_COLUMNS
                );
                self.list(&sql, order_id, Self::dispute_from_row).await
            }

            async fn captures(
                &self,
                order_id: &str,
            ) -> Result<Vec<$crate::store::CaptureRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM antom_captures WHERE order_id = $1 ORDER BY at_ms, capture_id",
                    $crate::store::sql::engine::stmt::CAPTURE_COLUMNS
                );
                self.list(&sql, order_id, Self::capture_from_row).await
            }

            async fn order_events(
                &self,
                order_id: &str,
            ) -> Result<Vec<$crate::store::OrderEvent>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM antom_order_events WHERE order_id = $1 ORDER BY seq",
                    $crate::store::sql::engine::stmt::EVENT_COLUMNS
                );
                self.list(&sql, order_id, Self::event_from_row).await
            }

            async fn claim_events(
                &self,
                claim: &$crate::store::EventClaim,
            ) -> Result<Vec<$crate::store::OrderEvent>, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt, signed};
                $crate::store::events::check_consumer(&claim.consumer)?;
                let mut tx = self.begin_write().await?;
                let cursor = sqlx::query_scalar::<_, i64>(stmt::CONSUMER_CURSOR)
                    .bind(&claim.consumer)
                    .fetch_optional(tx.conn())
                    .await
                    .map_err(db_err)?
                    .unwrap_or(0);
                let rows = sqlx::query(&stmt::claimable_events($skip_locked))
                    .bind(cursor)
                    .bind(&claim.consumer)
                    .bind(claim.now_ms)
                    .bind(signed(claim.limit as u64)?)
                    .fetch_all(tx.conn())
                    .await
                    .map_err(db_err)?;
                let mut claimed = Vec::with_capacity(rows.len());
                for row in &rows {
                    let event = Self::event_from_row(row)?;
                    let leased = sqlx::query_scalar::<_, i64>(stmt::CLAIM_LEASE)
                        .bind(&claim.consumer)
                        .bind(signed(event.seq)?)
                        .bind(claim.lease_until_ms)
                        .bind(claim.now_ms)
                        .fetch_optional(tx.conn())
                        .await
                        .map_err(db_err)?;
                    if leased.is_some() {
                        claimed.push(event);
                    }
                }
                tx.commit().await?;
                Ok(claimed)
            }

            async fn ack_events(&self, consumer: &str, seqs: &[u64]) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt, signed};
                $crate::store::events::check_consumer(consumer)?;
                if seqs.is_empty() {
                    return Ok(());
                }
                let now = $crate::store::now_ms();
                let mut tx = self.begin_write().await?;
                for &seq in seqs {
                    sqlx::query(stmt::ACK)
                        .bind(consumer)
                        .bind(signed(seq)?)
                        .bind(now)
                        .execute(tx.conn())
                        .await
                        .map_err(db_err)?;
                }
                Self::compact_cursor(tx.conn(), consumer, now).await?;
                tx.commit().await
            }

            async fn retry_events(
                &self,
                consumer: &str,
                seqs: &[u64],
                retry_at_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt, signed};
                $crate::store::events::check_consumer(consumer)?;
                let mut tx = self.begin_write().await?;
                for &seq in seqs {
                    sqlx::query(stmt::RETRY)
                        .bind(retry_at_ms)
                        .bind(consumer)
                        .bind(signed(seq)?)
                        .execute(tx.conn())
                        .await
                        .map_err(db_err)?;
                }
                tx.commit().await
            }

            async fn list_pending(
                &self,
                limit: usize,
            ) -> Result<Vec<$crate::store::Order>, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, ORDER_COLUMNS};
                let sql = format!(
                    "SELECT {ORDER_COLUMNS} FROM antom_orders WHERE status IN ('created', 'pending') \
                     ORDER BY created_at_ms, seq LIMIT $1"
                );
                let rows = sqlx::query(&sql)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                rows.iter().map(|row| $crate::store::sql::order_from_row!(row)).collect()
            }

            async fn claim_for_inquiry(
                &self,
                claim: &$crate::store::InquiryClaim,
            ) -> Result<Vec<$crate::store::Order>, $crate::store::StoreError> {
                use $crate::store::sql::{claim_sql, db_err, sort_claimed};
                // One statement, so atomic; the lock lets PostgreSQL instances skip each other's rows.
                let rows = sqlx::query(&claim_sql($skip_locked))
                    .bind(claim.now_ms)
                    .bind(claim.lease_until_ms)
                    .bind(claim.created_before_ms)
                    .bind(claim.inquired_before_ms)
                    .bind(i64::try_from(claim.limit).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                let mut orders = rows
                    .iter()
                    .map(|row| $crate::store::sql::order_from_row!(row))
                    .collect::<Result<Vec<_>, _>>()?;
                sort_claimed(&mut orders);
                Ok(orders)
            }

            async fn release_inquiry_claims(
                &self,
                order_ids: &[String],
                lease_until_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                if order_ids.is_empty() {
                    return Ok(());
                }
                let sql = $crate::store::sql::release_sql(order_ids.len());
                let mut query = sqlx::query(&sql).bind(lease_until_ms);
                for id in order_ids {
                    query = query.bind(id);
                }
                query.execute(&self.pool).await.map_err($crate::store::sql::db_err)?;
                Ok(())
            }

            async fn check_writable(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query($crate::store::sql::HEALTH_SQL)
                    .bind($crate::store::now_ms())
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                Ok(())
            }

            async fn state_changes(
                &self,
                order_id: &str,
            ) -> Result<Vec<$crate::store::StateChange>, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, CHANGE_COLUMNS};
                let sql =
                    format!("SELECT {CHANGE_COLUMNS} FROM antom_order_state_changes WHERE order_id = $1 ORDER BY version");
                let rows = sqlx::query(&sql)
                    .bind(order_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                rows.iter().map(|row| $crate::store::sql::change_from_row!(row)).collect()
            }

            async fn claim_idempotency_key(
                &self,
                new: &$crate::store::NewIdempotencyKey,
            ) -> Result<$crate::store::IdempotencyClaim, $crate::store::StoreError> {
                self.sql_claim_idempotency_key(new).await
            }

            async fn idempotency_record(
                &self,
                key: &str,
            ) -> Result<Option<$crate::store::IdempotencyRecord>, $crate::store::StoreError> {
                self.sql_idempotency_record(key).await
            }

            async fn record_idempotent_response(
                &self,
                key: &str,
                response: &$crate::store::IdempotentResponse,
            ) -> Result<(), $crate::store::StoreError> {
                self.sql_record_idempotent_response(key, response).await
            }

            async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), $crate::store::StoreError> {
                self.sql_release_idempotency_key(key, order_id).await
            }

            async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, $crate::store::StoreError> {
                self.sql_purge_idempotency_keys(created_before_ms).await
            }
        }

        $crate::store::idempotency::sql::sql_idempotency_methods!($store);
    };
}
pub(crate) use sql_order_store;
