-- 0012: registry exports (issue 11). An export gathers anchored batches of one project and
-- monitoring period into an issuance; every transition is an export_event; serial numbers come
-- from one counter per workspace and are never reused (a returned export's block stays a gap).
-- (0011 is the registry connection of the same issue.)
CREATE TABLE serial_counter (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    next_serial INTEGER NOT NULL CHECK (next_serial >= 1)
);
INSERT INTO serial_counter (id, next_serial) VALUES (1, 1);

CREATE TABLE export (
    id                 INTEGER PRIMARY KEY,
    project_id         INTEGER NOT NULL REFERENCES project(id),
    period_start       TEXT NOT NULL,
    period_end         TEXT NOT NULL,
    vintage            INTEGER NOT NULL CHECK (vintage BETWEEN 1900 AND 9999),
    verification_body  TEXT,
    report_date        TEXT,
    state              TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'signed_off', 'returned',
                           'pushed', 'registry_confirmed', 'registry_rejected', 'issued')),
    -- The quantities fixed at creation (decimal text for tonnes, exact).
    gross_claimed      TEXT NOT NULL,
    buffer_percent     TEXT NOT NULL,
    issued_units       INTEGER NOT NULL CHECK (issued_units >= 0),
    buffer_units       INTEGER NOT NULL CHECK (buffer_units >= 0 AND buffer_units <= issued_units),
    -- The serial block allocated at creation: serial_start .. serial_end, both NULL for none.
    serial_start       INTEGER,
    serial_end         INTEGER,
    created_by         INTEGER NOT NULL REFERENCES app_user(id),
    created_at         TEXT NOT NULL,
    CHECK ((serial_start IS NULL) = (serial_end IS NULL)),
    CHECK (serial_start IS NULL OR (serial_start >= 1 AND serial_end - serial_start + 1 = issued_units))
);
CREATE INDEX export_project ON export(project_id, id);

CREATE TABLE export_batch (
    export_id      INTEGER NOT NULL REFERENCES export(id),
    batch_id       INTEGER NOT NULL REFERENCES batch(id),
    stamp_hash     TEXT NOT NULL,
    gross_claimed  TEXT NOT NULL,
    PRIMARY KEY (export_id, batch_id)
) WITHOUT ROWID;
CREATE INDEX export_batch_batch ON export_batch(batch_id);

CREATE TABLE export_event (
    id           INTEGER PRIMARY KEY,
    export_id    INTEGER NOT NULL REFERENCES export(id),
    action       TEXT NOT NULL CHECK (action IN ('create', 'submit', 'sign_off', 'return', 'push',
                     'confirm', 'registry_reject', 'issue')),
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    at           TEXT NOT NULL,
    reason_code  TEXT,                            -- returns: CAR, CL, FAR[/sub-code]
    reason_text  TEXT,
    CHECK ((action = 'return') = (reason_code IS NOT NULL))
);
CREATE INDEX export_event_export ON export_event(export_id, id);

CREATE TABLE export_signoff (
    export_id   INTEGER PRIMARY KEY REFERENCES export(id),
    manifest    BLOB NOT NULL,                    -- canonical bytes of the manifest as signed
    signature   TEXT NOT NULL,                    -- base64 Ed25519 over `manifest`
    signer_id   INTEGER NOT NULL REFERENCES app_user(id),
    signer_key  TEXT NOT NULL,                    -- ed25519:<hex>
    signed_at   TEXT NOT NULL
);
