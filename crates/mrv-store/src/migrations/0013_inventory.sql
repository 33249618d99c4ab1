-- 0013: pushes and the inventory (issue 11). A push is recorded before anything is sent, with
-- its idempotency key; only a push the registry confirmed (read back and matching) enters the
-- inventory, one row per unit block. No serial number may be issued twice: a block is unique
-- per prefix and first serial, and a trigger refuses any block overlapping one already held.
CREATE TABLE export_push (
    export_id            INTEGER PRIMARY KEY REFERENCES export(id),
    -- What makes a retried or resumed push the same push: the export, CADT's natural keys
    -- (projectId, issuance dates, first serial) and the SHA-256 of the payload sent.
    idempotency_key      TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
    payload_sha256       TEXT NOT NULL CHECK (length(payload_sha256) = 64),
    registry_url         TEXT NOT NULL,
    started_by           INTEGER NOT NULL REFERENCES app_user(id),
    started_at           TEXT NOT NULL,
    attempts             INTEGER NOT NULL CHECK (attempts >= 1),
    last_attempt_at      TEXT NOT NULL,
    -- How the last attempt ended: still waiting (an error or a kill), confirmed or rejected.
    outcome              TEXT NOT NULL CHECK (outcome IN ('sending', 'failed', 'confirmed', 'rejected')),
    last_error           TEXT,
    warehouse_project_id TEXT,
    issuance_id          TEXT,
    finished_at          TEXT,
    CHECK ((outcome = 'confirmed') = (warehouse_project_id IS NOT NULL AND issuance_id IS NOT NULL))
);

CREATE TABLE inventory_block (
    id                   INTEGER PRIMARY KEY,
    export_id            INTEGER NOT NULL REFERENCES export(id),
    serial_prefix        TEXT NOT NULL CHECK (length(serial_prefix) > 0),
    serial_first         INTEGER NOT NULL CHECK (serial_first >= 1),
    serial_last          INTEGER NOT NULL CHECK (serial_last >= serial_first),
    unit_block_start     TEXT NOT NULL,
    unit_block_end       TEXT NOT NULL,
    unit_count           INTEGER NOT NULL CHECK (unit_count = serial_last - serial_first + 1),
    vintage              INTEGER NOT NULL CHECK (vintage BETWEEN 1900 AND 9999),
    unit_status          TEXT NOT NULL CHECK (unit_status IN ('Held', 'Buffer')),
    warehouse_project_id TEXT NOT NULL CHECK (length(warehouse_project_id) > 0),
    issuance_id          TEXT NOT NULL CHECK (length(issuance_id) > 0),
    warehouse_unit_id    TEXT NOT NULL UNIQUE CHECK (length(warehouse_unit_id) > 0),
    serial_number_block  TEXT,
    recorded_by          INTEGER NOT NULL REFERENCES app_user(id),
    recorded_at          TEXT NOT NULL,
    UNIQUE (serial_prefix, serial_first),
    UNIQUE (unit_block_start)
);
CREATE INDEX inventory_block_export ON inventory_block(export_id);

CREATE TRIGGER inventory_block_no_overlap BEFORE INSERT ON inventory_block
WHEN EXISTS (
    SELECT 1 FROM inventory_block
    WHERE serial_prefix = NEW.serial_prefix
      AND serial_first <= NEW.serial_last AND NEW.serial_first <= serial_last
)
BEGIN
    SELECT RAISE(ABORT, 'inventory: the serial block overlaps a block already issued');
END;

CREATE TRIGGER inventory_block_immutable BEFORE UPDATE ON inventory_block
BEGIN
    SELECT RAISE(ABORT, 'inventory: issued blocks are never changed');
END;

-- Every reconciliation run: when, by whom, against which registry, what it found (JSON list).
CREATE TABLE reconciliation_run (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES app_user(id),
    registry_url   TEXT NOT NULL,
    blocks_ours    INTEGER NOT NULL CHECK (blocks_ours >= 0),
    units_registry INTEGER NOT NULL CHECK (units_registry >= 0),
    finding_count  INTEGER NOT NULL CHECK (finding_count >= 0),
    findings_json  TEXT NOT NULL CHECK (json_valid(findings_json) AND json_type(findings_json) = 'array')
);
