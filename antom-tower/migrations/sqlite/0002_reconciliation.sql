-- antom-tower order store, SQLite schema version 2: reconciliation paging, leases, session expiry,
-- and the readiness probe's row.

ALTER TABLE antom_orders ADD COLUMN session_expires_at_ms INTEGER;
ALTER TABLE antom_orders ADD COLUMN last_inquiry_at_ms INTEGER;
-- Until then the order belongs to the sweep that claimed it (several instances on one database).
ALTER TABLE antom_orders ADD COLUMN inquiry_lease_until_ms INTEGER;

-- Least recently inquired first (SQLite sorts NULL first).
CREATE INDEX IF NOT EXISTS antom_orders_inquiry
    ON antom_orders (last_inquiry_at_ms, seq) WHERE status IN ('created', 'pending');

CREATE TABLE IF NOT EXISTS antom_store_health (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at_ms INTEGER NOT NULL
);
