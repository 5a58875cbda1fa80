-- antom-tower order store, SQLite schema version 3: idempotency keys.
-- One row per Idempotency-Key of POST {prefix}/sessions: the order it created and
-- the answer sent, replayed for repeats. Kept at least 24 hours, then purged.
-- No foreign key to antom_orders: a key is claimed before its order is stored.

CREATE TABLE IF NOT EXISTS antom_idempotency_keys (
    idempotency_key     TEXT    PRIMARY KEY,
    fingerprint         TEXT    NOT NULL,
    order_id            TEXT    NOT NULL,
    response_status     INTEGER,
    response_body       TEXT,
    created_at_ms       INTEGER NOT NULL,
    CHECK ((response_status IS NULL) = (response_body IS NULL))
);

CREATE INDEX IF NOT EXISTS antom_idempotency_keys_created ON antom_idempotency_keys (created_at_ms);
