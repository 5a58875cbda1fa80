//! Idempotency keys: what a store keeps so that a repeated `POST {prefix}/sessions`
//! with the same `Idempotency-Key` answers the first request's order and session.
//!
//! The store keeps one [`IdempotencyRecord`] per key. The checkout routes
//! [claim](super::OrderStore::claim_idempotency_key) a key before they store
//! the order: exactly one of any number of concurrent claims wins, so one key
//! creates at most one order and one createPaymentSession call. The winner
//! records the answer it sent
//! ([`record_idempotent_response`](super::OrderStore::record_idempotent_response));
//! every later request with the same key and the same body gets that answer
//! again. The rule that compares request bodies (the [`fingerprint`](IdempotencyRecord::fingerprint))
//! lives in the checkout routes, not in the stores.
//!
//! Records are kept at least [`MIN_IDEMPOTENCY_RETENTION`] (24 hours) and
//! then removed by [`purge_idempotency_keys`](super::OrderStore::purge_idempotency_keys).

use std::time::Duration;

/// The least time a key is kept: 24 hours, as Stripe keeps its keys.
pub const MIN_IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest accepted key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A key to claim: the key, what identifies the request, and the order it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdempotencyKey {
    /// The client's `Idempotency-Key` (1 to [`MAX_IDEMPOTENCY_KEY_LEN`] visible ASCII characters).
    pub key: String,
    /// A digest of the request body (the checkout routes use SHA-256 of the canonical JSON, in hex).
    pub fingerprint: String,
    /// The order id the request is about to store under this key.
    pub order_id: String,
}

/// The answer recorded for a key, sent again for every repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    /// The HTTP status of the first answer.
    pub status: u16,
    /// The JSON body of the first answer.
    pub body: String,
}

/// What the store keeps for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The key.
    pub key: String,
    /// The first request's fingerprint.
    pub fingerprint: String,
    /// The order the first request created (it may still be being stored).
    pub order_id: String,
    /// The first request's answer, once it was sent; `None` while it runs.
    pub response: Option<IdempotentResponse>,
    /// When the key was claimed, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

impl IdempotencyRecord {
    /// The record a successful claim of `new` at `now_ms` stores.
    pub fn from_new(new: &NewIdempotencyKey, now_ms: i64) -> IdempotencyRecord {
        IdempotencyRecord {
            key: new.key.clone(),
            fingerprint: new.fingerprint.clone(),
            order_id: new.order_id.clone(),
            response: None,
            created_at_ms: now_ms,
        }
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key was free and is now this request's.
    Claimed,
    /// Another request claimed the key first: its record (compare the
    /// fingerprint; replay the response once it is there).
    Existing(IdempotencyRecord),
}

/// The SQL both SQL stores run, written once: `$N` placeholders work on
/// PostgreSQL and SQLite alike.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql {
    /// Claims a key; inserts nothing when it exists.
    pub(crate) const CLAIM: &str = "INSERT INTO antom_idempotency_keys \
         (idempotency_key, fingerprint, order_id, created_at_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (idempotency_key) DO NOTHING";

    /// Reads a record.
    pub(crate) const SELECT: &str = "SELECT idempotency_key, fingerprint, order_id, response_status, \
         response_body, created_at_ms FROM antom_idempotency_keys WHERE idempotency_key = $1";

    /// Records the first answer; a later one changes nothing.
    pub(crate) const RECORD_RESPONSE: &str = "UPDATE antom_idempotency_keys SET response_status = $1, \
         response_body = $2 WHERE idempotency_key = $3 AND response_status IS NULL";

    /// Gives a key back when its order could not be stored.
    pub(crate) const RELEASE: &str = "DELETE FROM antom_idempotency_keys \
         WHERE idempotency_key = $1 AND order_id = $2 AND response_status IS NULL";

    /// Forgets keys claimed before a time.
    pub(crate) const PURGE: &str = "DELETE FROM antom_idempotency_keys WHERE created_at_ms < $1";

    /// Reads an [`IdempotencyRecord`](super::IdempotencyRecord) from a row of [`SELECT`] (any backend).
    macro_rules! idempotency_from_row {
        ($row:expr) => {{
            use sqlx::Row as _;
            let row = $row;
            let read = || -> Result<$crate::store::IdempotencyRecord, sqlx::Error> {
                let status: Option<i64> = row.try_get("response_status")?;
                let body: Option<String> = row.try_get("response_body")?;
                Ok($crate::store::IdempotencyRecord {
                    key: row.try_get("idempotency_key")?,
                    fingerprint: row.try_get("fingerprint")?,
                    order_id: row.try_get("order_id")?,
                    response: match (status, body) {
                        (Some(status), Some(body)) => Some($crate::store::IdempotentResponse {
                            status: u16::try_from(status).unwrap_or(500),
                            body,
                        }),
                        _ => None,
                    },
                    created_at_ms: row.try_get("created_at_ms")?,
                })
            };
            read().map_err($crate::store::sql::db_err)
        }};
    }
    pub(crate) use idempotency_from_row;

    /// Implements the five idempotency operations (as inherent `sql_*`
    /// methods the `OrderStore` impl forwards to) for a SQL store with a
    /// `pool` field, from the statements above: the one place the SQL
    /// stores' idempotency logic is written.
    macro_rules! sql_idempotency_methods {
        ($store:ty) => {
            impl $store {
                async fn sql_claim_idempotency_key(
                    &self,
                    new: &$crate::store::NewIdempotencyKey,
                ) -> Result<$crate::store::IdempotencyClaim, $crate::store::StoreError> {
                    use $crate::store::idempotency::sql;
                    use $crate::store::sql::db_err;
                    let inserted = sqlx::query(sql::CLAIM)
                        .bind(&new.key)
                        .bind(&new.fingerprint)
                        .bind(&new.order_id)
                        .bind($crate::store::now_ms())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if inserted.rows_affected() == 1 {
                        return Ok($crate::store::IdempotencyClaim::Claimed);
                    }
                    match self.sql_idempotency_record(&new.key).await? {
                        Some(record) => Ok($crate::store::IdempotencyClaim::Existing(record)),
                        // Purged between the two statements: a rare race; the caller retries.
                        None => Err($crate::store::StoreError::unavailable(
                            "idempotency key removed while being claimed; retry",
                        )),
                    }
                }

                async fn sql_idempotency_record(
                    &self,
                    key: &str,
                ) -> Result<Option<$crate::store::IdempotencyRecord>, $crate::store::StoreError> {
                    use $crate::store::idempotency::sql;
                    let row = sqlx::query(sql::SELECT)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err($crate::store::sql::db_err)?;
                    match row {
                        Some(row) => Ok(Some(sql::idempotency_from_row!(&row)?)),
                        None => Ok(None),
                    }
                }

                async fn sql_record_idempotent_response(
                    &self,
                    key: &str,
                    response: &$crate::store::IdempotentResponse,
                ) -> Result<(), $crate::store::StoreError> {
                    use $crate::store::idempotency::sql;
                    let updated = sqlx::query(sql::RECORD_RESPONSE)
                        .bind(i64::from(response.status))
                        .bind(&response.body)
                        .bind(key)
                        .execute(&self.pool)
                        .await
                        .map_err($crate::store::sql::db_err)?;
                    if updated.rows_affected() == 0 && self.sql_idempotency_record(key).await?.is_none() {
                        return Err($crate::store::StoreError::NotFound { id: key.to_owned() });
                    }
                    Ok(())
                }

                async fn sql_release_idempotency_key(
                    &self,
                    key: &str,
                    order_id: &str,
                ) -> Result<(), $crate::store::StoreError> {
                    sqlx::query($crate::store::idempotency::sql::RELEASE)
                        .bind(key)
                        .bind(order_id)
                        .execute(&self.pool)
                        .await
                        .map_err($crate::store::sql::db_err)?;
                    Ok(())
                }

                async fn sql_purge_idempotency_keys(
                    &self,
                    created_before_ms: i64,
                ) -> Result<u64, $crate::store::StoreError> {
                    let deleted = sqlx::query($crate::store::idempotency::sql::PURGE)
                        .bind(created_before_ms)
                        .execute(&self.pool)
                        .await
                        .map_err($crate::store::sql::db_err)?;
                    Ok(deleted.rows_affected())
                }
            }
        };
    }
    pub(crate) use sql_idempotency_methods;
}
