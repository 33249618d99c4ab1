-- 0007: local users and sessions, review decisions with their justifications, evidence
-- attachments, stamps, and the local journal (a hash chain of every state change).
CREATE TABLE app_user (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    roles_json     TEXT NOT NULL,               -- JSON array of role names
    password_hash  TEXT NOT NULL,               -- Argon2id PHC string
    public_key     TEXT NOT NULL,               -- ed25519:<hex>
    sealed_key     TEXT NOT NULL,               -- the signing key sealed under the password
    created_at     TEXT NOT NULL,
    offboarded_at  TEXT                          -- set once; the user can do nothing after it
);

CREATE TABLE session (
    token_sha256  TEXT PRIMARY KEY,              -- the token itself is never stored
    user_id       INTEGER NOT NULL REFERENCES app_user(id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT                           -- signed out, or ended by offboarding
) WITHOUT ROWID;

ALTER TABLE batch ADD COLUMN imported_by INTEGER REFERENCES app_user(id);

CREATE TABLE review_event (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batch(id),
    action       TEXT NOT NULL,                  -- start_review, approve, reject, stamp
    from_state   TEXT NOT NULL,
    to_state     TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    at           TEXT NOT NULL,
    reason_code  TEXT,                           -- rejections: CAR, CL, FAR[/sub-code]
    reason_text  TEXT
);
CREATE INDEX review_event_batch ON review_event(batch_id, id);

CREATE TABLE justification (
    review_event_id  INTEGER NOT NULL REFERENCES review_event(id),
    flag_id          INTEGER NOT NULL REFERENCES flag(id),
    text             TEXT NOT NULL,
    PRIMARY KEY (review_event_id, flag_id)
) WITHOUT ROWID;

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batch(id),
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES stored_file(sha256),
    size_bytes   INTEGER NOT NULL,
    attached_by  INTEGER NOT NULL REFERENCES app_user(id),
    attached_at  TEXT NOT NULL,
    UNIQUE (batch_id, sha256)
);

CREATE TABLE stamp (
    batch_id    INTEGER PRIMARY KEY REFERENCES batch(id),
    document    BLOB NOT NULL,                   -- canonical bytes (spec mrv-stamp/v1)
    stamp_hash  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    signer_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE journal (
    seq             INTEGER PRIMARY KEY,         -- 1, 2, 3, … without gaps
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    payload_sha256  TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
