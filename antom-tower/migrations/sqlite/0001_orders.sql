-- antom-tower order store, SQLite schema version 1.
-- Money: integer minor units plus an ISO 4217 code; never floats.

CREATE TABLE IF NOT EXISTS antom_orders (
    -- Insertion order, to break ties between orders created in the same millisecond.
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id            TEXT    NOT NULL UNIQUE,
    payment_request_id  TEXT    NOT NULL UNIQUE,
    amount_minor        INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency            TEXT    NOT NULL CHECK (length(currency) = 3),
    description         TEXT    NOT NULL,
    payment_method_type TEXT    NOT NULL,
    buyer_id            TEXT,
    status              TEXT    NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'failed',
                                    'cancelled', 'expired', 'partially_refunded', 'refunded')),
    payment_id          TEXT,
    refunded_minor      INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL,
    version             INTEGER NOT NULL CHECK (version >= 1)
);

CREATE INDEX IF NOT EXISTS antom_orders_pending
    ON antom_orders (created_at_ms, seq) WHERE status IN ('created', 'pending');

-- Every applied transition, once: the unique keys make a double record impossible.
CREATE TABLE IF NOT EXISTS antom_order_state_changes (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id            TEXT    NOT NULL REFERENCES antom_orders (order_id),
    version             INTEGER NOT NULL,
    from_status         TEXT    NOT NULL,
    to_status           TEXT    NOT NULL,
    source              TEXT    NOT NULL,
    -- The target status for a payment transition, 'refund:<refundId>' for a refund.
    change_key          TEXT    NOT NULL,
    refund_id           TEXT,
    refund_amount_minor INTEGER CHECK (refund_amount_minor IS NULL OR refund_amount_minor >= 0),
    result_code         TEXT,
    at_ms               INTEGER NOT NULL,
    UNIQUE (order_id, version),
    UNIQUE (order_id, change_key)
);
