-- 0008: the audit-log client. The log this workspace anchors to (URL, pinned origin and
-- verifier key, writer token), the anchor queue, every log checkpoint we verified (each
-- consistent with the one before), alarms with both conflicting signed checkpoints as evidence,
-- and when the log was last checked.
CREATE TABLE auditlog (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    url           TEXT NOT NULL,
    origin        TEXT NOT NULL,
    vkey          TEXT NOT NULL,                 -- C2SP signed-note verifier key, pinned
    token         TEXT NOT NULL,                 -- writer bearer token
    connected_by  TEXT NOT NULL,
    connected_at  TEXT NOT NULL
);

CREATE TABLE anchor (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,              -- stamp, signoff, journal
    record_id        TEXT NOT NULL,              -- e.g. batch-12-v2, journal-1040
    batch_id         INTEGER REFERENCES batch(id),
    entry            BLOB NOT NULL,              -- the mrv-anchor/v1 bytes; the leaf is hashed from these
    state            TEXT NOT NULL,              -- queued, failed (retrying), anchored
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    origin           TEXT,                       -- the log it was anchored in
    log_index        INTEGER,
    checkpoint_size  INTEGER,
    receipt          TEXT,                       -- C2SP tlog-proof
    created_at       TEXT NOT NULL,
    anchored_at      TEXT,
    UNIQUE (kind, record_id)
);
CREATE INDEX anchor_due ON anchor(state, next_attempt_at);

-- The tables below are keyed by the log's pinned verifier key: a log with a new key is another
-- log, and trust in it starts afresh.
CREATE TABLE log_checkpoint (
    log_vkey  TEXT NOT NULL,
    size      INTEGER NOT NULL,
    root      BLOB NOT NULL,
    note      TEXT NOT NULL,                     -- the signed checkpoint, verbatim
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (log_vkey, size)
) WITHOUT ROWID;

CREATE TABLE log_alarm (
    id              INTEGER PRIMARY KEY,
    log_vkey        TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- fork, rollback
    stored_note     TEXT NOT NULL,               -- our checkpoint
    presented_note  TEXT NOT NULL,               -- the conflicting one the log signed
    detail          TEXT NOT NULL,
    detected_at     TEXT NOT NULL
);

CREATE TABLE log_health (
    log_vkey             TEXT PRIMARY KEY,
    last_checked_at      TEXT,
    last_consistent_at   TEXT,
    last_error           TEXT
) WITHOUT ROWID;
