-- antom-tower order store, schema version 4 (both dialects): the notification
-- inbox, refunds, disputes, captures and the transactional outbox (order events).
-- Written in PostgreSQL's types; the SQLite store maps `BIGINT GENERATED ALWAYS AS
-- IDENTITY PRIMARY KEY` to `INTEGER PRIMARY KEY AUTOINCREMENT` and BYTEA to BLOB.

CREATE INDEX IF NOT EXISTS antom_orders_payment_id ON antom_orders (payment_id);

-- Every verified notification, with the headers and body as signed.
CREATE TABLE IF NOT EXISTS antom_notifications (
    id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_key     TEXT    NOT NULL UNIQUE,
    notify_type          TEXT    NOT NULL,
    payment_request_id   TEXT,
    order_id             TEXT,
    outcome              TEXT    NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'ignored', 'refused',
                                     'not_handled', 'unmatched')),
    reason               TEXT,
    method               TEXT    NOT NULL,
    path                 TEXT    NOT NULL,
    headers              TEXT    NOT NULL,
    body                 BYTEA   NOT NULL,
    deliveries           BIGINT  NOT NULL CHECK (deliveries >= 1),
    first_received_at_ms BIGINT  NOT NULL,
    last_received_at_ms  BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS antom_notifications_outcome ON antom_notifications (outcome, id);
CREATE INDEX IF NOT EXISTS antom_notifications_order ON antom_notifications (order_id, id);
CREATE INDEX IF NOT EXISTS antom_notifications_received ON antom_notifications (last_received_at_ms);

-- Refunds started by the merchant (pending until Antom's result) or learned from Antom.
CREATE TABLE IF NOT EXISTS antom_refunds (
    refund_request_id    TEXT    PRIMARY KEY,
    order_id             TEXT    NOT NULL REFERENCES antom_orders (order_id),
    amount_minor         BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency             TEXT    NOT NULL CHECK (length(currency) = 3),
    reason               TEXT,
    state                TEXT    NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    refund_id            TEXT,
    failure_code         TEXT,
    created_at_ms        BIGINT  NOT NULL,
    updated_at_ms        BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS antom_refunds_order ON antom_refunds (order_id, created_at_ms);
CREATE INDEX IF NOT EXISTS antom_refunds_pending ON antom_refunds (created_at_ms) WHERE state = 'pending';

CREATE TABLE IF NOT EXISTS antom_disputes (
    dispute_id           TEXT    PRIMARY KEY,
    order_id             TEXT    NOT NULL REFERENCES antom_orders (order_id),
    state                TEXT    NOT NULL,
    amount_minor         BIGINT,
    currency             TEXT,
    reason_code          TEXT,
    reason_message       TEXT,
    dispute_time         TEXT,
    defense_due_time     TEXT,
    judged_result        TEXT,
    judged_amount_minor  BIGINT,
    created_at_ms        BIGINT  NOT NULL,
    updated_at_ms        BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS antom_disputes_order ON antom_disputes (order_id);

CREATE TABLE IF NOT EXISTS antom_captures (
    capture_id           TEXT    PRIMARY KEY,
    order_id             TEXT    NOT NULL REFERENCES antom_orders (order_id),
    capture_request_id   TEXT,
    amount_minor         BIGINT  NOT NULL CHECK (amount_minor >= 0),
    currency             TEXT    NOT NULL,
    succeeded            BIGINT  NOT NULL CHECK (succeeded IN (0, 1)),
    capture_time         TEXT,
    result_code          TEXT,
    at_ms                BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS antom_captures_order ON antom_captures (order_id);

-- The outbox: one event per state change, written with the change.
CREATE TABLE IF NOT EXISTS antom_order_events (
    seq                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             TEXT    NOT NULL REFERENCES antom_orders (order_id),
    event_key            TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,
    amount_minor         BIGINT,
    currency             TEXT,
    reference            TEXT,
    detail               TEXT,
    at_ms                BIGINT  NOT NULL,
    UNIQUE (order_id, event_key)
);

-- Per consumer: leases and acknowledgements of the events past its cursor.
CREATE TABLE IF NOT EXISTS antom_event_deliveries (
    consumer             TEXT    NOT NULL,
    seq                  BIGINT  NOT NULL,
    lease_until_ms       BIGINT  NOT NULL,
    acked_at_ms          BIGINT,
    PRIMARY KEY (consumer, seq)
);

-- Per consumer: every event at or below cursor_seq is acknowledged.
CREATE TABLE IF NOT EXISTS antom_event_consumers (
    consumer             TEXT    PRIMARY KEY,
    cursor_seq           BIGINT  NOT NULL,
    updated_at_ms        BIGINT  NOT NULL
);
