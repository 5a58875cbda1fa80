-- antom-tower order store, PostgreSQL schema version 1.
-- Tables are created in the first schema of the connection's search_path.
-- Money: integer minor units plus an ISO 4217 code; never floats.

CREATE TABLE IF NOT EXISTS antom_orders (
    -- Insertion order, to break ties between orders created in the same millisecond.
    seq                 BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            TEXT    NOT NULL UNIQUE,
    payment_request_id  TEXT    NOT NULL UNIQUE,
    amount_minor        BIGINT  NOT NULL CHECK (amount_minor >= 0),
    currency            TEXT    NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    description         TEXT    NOT NULL,
    payment_method_type TEXT    NOT NULL,
    buyer_id            TEXT,
    status              TEXT    NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'failed',
                                    'cancelled', 'expired', 'partially_refunded', 'refunded')),
    payment_id          TEXT,
    refunded_minor      BIGINT  NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
    created_at_ms       BIGINT  NOT NULL,
    updated_at_ms       BIGINT  NOT NULL,
    version             BIGINT  NOT NULL CHECK (version >= 1)
);

CREATE INDEX IF NOT EXISTS antom_orders_pending
    ON antom_orders (created_at_ms, seq) WHERE status IN ('created', 'pending');

-- Every applied transition, once: the unique keys make a double record impossible.
CREATE TABLE IF NOT EXISTS antom_order_state_changes (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            TEXT    NOT NULL REFERENCES antom_orders (order_id),
    version             BIGINT  NOT NULL,
    from_status         TEXT    NOT NULL,
    to_status           TEXT    NOT NULL,
    source              TEXT    NOT NULL,
    -- The target status for a payment transition, 'refund:<refundId>' for a refund.
    change_key          TEXT    NOT NULL,
    refund_id           TEXT,
    refund_amount_minor BIGINT  CHECK (refund_amount_minor IS NULL OR refund_amount_minor >= 0),
    result_code         TEXT,
    at_ms               BIGINT  NOT NULL,
    UNIQUE (order_id, version),
    UNIQUE (order_id, change_key)
);
