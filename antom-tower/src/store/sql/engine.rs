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
//! * `lock`: appended to the read of the order a write decides on, and of
//!   the outbox consumer's row a claim or acknowledgement starts with
//!   (` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose writers are
//!   already serialized);
//! * `skip_locked`: appended to the claims of inquiries
//!   (` FOR UPDATE SKIP LOCKED` on PostgreSQL), so that several instances
//!   claim different rows instead of waiting on each other.
//!
//! Outbox claims do not lock event rows: each consumer name sees every
//! event, so a lock on an event taken by one name's claim would make a
//! concurrent claim of another name skip it (a short or empty batch, later
//! events before earlier ones). Instead a claim locks its consumer's row
//! (`antom_event_consumers`): instances sharing a name claim one after the
//! other, each leasing what the previous left, and names never wait on each
//! other. Acknowledgements take the same lock first, so the two never
//! deadlock over the consumer's row and its deliveries.
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
pub(crate) use super::statements as stmt;

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
        $crate::store::sql::engine_helpers::sql_store_helpers!($store, $db, begin: $begin, lock: $lock);

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
                use $crate::store::sql::engine::stmt;
                // An id past a BIGINT names no entry.
                let Ok(id) = i64::try_from(id) else { return Ok(None) };
                let sql = format!("SELECT {} FROM antom_notifications WHERE id = $1", stmt::INBOX_COLUMNS);
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::sql::db_err)?;
                row.map(|row| Self::inbox_from_row(&row)).transpose()
            }

            async fn inbox_entries(
                &self,
                query: &$crate::store::InboxQuery,
            ) -> Result<Vec<$crate::store::InboxEntry>, $crate::store::StoreError> {
                use $crate::store::sql::{engine::stmt, saturating_signed};
                let sql = format!(
                    "SELECT {} FROM antom_notifications WHERE ($1 IS NULL OR outcome = $1) \
                     AND ($2 IS NULL OR order_id = $2) AND id < $3 ORDER BY id DESC LIMIT $4",
                    stmt::INBOX_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(query.outcome.map(|o| o.as_str()))
                    .bind(query.order_id.as_deref())
                    .bind(query.before_id.map_or(i64::MAX, saturating_signed))
                    .bind(saturating_signed(query.effective_limit() as u64))
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
                use $crate::store::sql::{db_err, engine::stmt, saturating_signed, signed, ORDER_COLUMNS};
                let sql = format!("SELECT {ORDER_COLUMNS} FROM antom_orders {}", stmt::REFUND_CANDIDATES);
                let rows = sqlx::query(&sql)
                    .bind(currency)
                    .bind(signed(min_amount)?)
                    .bind(created_since_ms)
                    .bind(saturating_signed(limit as u64))
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
                use $crate::store::sql::{db_err, engine::stmt, saturating_signed, signed};
                $crate::store::events::check_consumer(&claim.consumer)?;
                let mut tx = self.begin_write().await?;
                let cursor = Self::lock_consumer(tx.conn(), &claim.consumer).await?;
                let rows = sqlx::query(&stmt::claimable_events())
                    .bind(cursor)
                    .bind(&claim.consumer)
                    .bind(claim.now_ms)
                    .bind(saturating_signed(claim.limit as u64))
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
                Self::lock_consumer(tx.conn(), consumer).await?;
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

            async fn list_orders(
                &self,
                query: &$crate::store::OrderQuery,
            ) -> Result<Vec<$crate::store::Order>, $crate::store::StoreError> {
                use $crate::store::sql::{db_err, engine::stmt, signed, ORDER_COLUMNS};
                let sql = format!("SELECT {ORDER_COLUMNS} FROM antom_orders {}", stmt::LIST_ORDERS);
                // No cursor: every order lies before (i64::MAX, "").
                let (after_ms, after_id) = query
                    .after
                    .as_ref()
                    .map_or((i64::MAX, ""), |cursor| (cursor.created_at_ms, cursor.order_id.as_str()));
                let rows = sqlx::query(&sql)
                    .bind(query.status.map(|status| status.as_str()))
                    .bind(query.payment_method_type.as_deref())
                    .bind(query.created_since_ms.unwrap_or(i64::MIN))
                    .bind(query.created_before_ms.unwrap_or(i64::MAX))
                    .bind(after_ms)
                    .bind(after_id)
                    .bind(signed(query.effective_limit() as u64)?)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                rows.iter().map(|row| $crate::store::sql::order_from_row!(row)).collect()
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
