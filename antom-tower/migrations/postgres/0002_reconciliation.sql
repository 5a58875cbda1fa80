-- antom-tower order store, PostgreSQL schema version 2: reconciliation paging, leases, session
-- expiry, and the readiness probe's row.

ALTER TABLE antom_orders ADD COLUMN IF NOT EXISTS session_expires_at_ms BIGINT;
ALTER TABLE antom_orders ADD COLUMN IF NOT EXISTS last_inquiry_at_ms BIGINT;
-- Until then the order belongs to the sweep that claimed it (several instances on one database).
ALTER TABLE antom_orders ADD COLUMN IF NOT EXISTS inquiry_lease_until_ms BIGINT;

-- Least recently inquired first, never inquired before all.
CREATE INDEX IF NOT EXISTS antom_orders_inquiry
    ON antom_orders (last_inquiry_at_ms NULLS FIRST, seq) WHERE status IN ('created', 'pending');

CREATE TABLE IF NOT EXISTS antom_store_health (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at_ms BIGINT  NOT NULL
);
