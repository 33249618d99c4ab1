-- Access management (SOP-006, docs/access.md): managers linked to their reports, access
-- requests (requested → approved | declined, approved → granted) and the quarterly access
-- review with its per-grant decisions.

ALTER TABLE app_user ADD COLUMN manager_id INTEGER REFERENCES app_user(id);

CREATE TABLE access_request (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES app_user(id),
    role             TEXT NOT NULL CHECK (role IN ('analyst', 'verifier', 'methodology_owner',
                                                   'ops_admin', 'tenant_admin', 'manager')),
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'requested'
                     CHECK (state IN ('requested', 'approved', 'declined', 'granted')),
    requested_at     TEXT NOT NULL,
    decided_by       INTEGER REFERENCES app_user(id),   -- the manager who approved or declined
    decided_at       TEXT,
    decision_reason  TEXT,                              -- a decline's reason
    granted_by       INTEGER REFERENCES app_user(id),   -- the tenant admin who granted
    granted_at       TEXT
);
CREATE INDEX access_request_user ON access_request(user_id, id);

CREATE TABLE access_review (
    id           INTEGER PRIMARY KEY,
    started_by   INTEGER NOT NULL REFERENCES app_user(id),
    started_at   TEXT NOT NULL,
    finished_at  TEXT                                   -- when its last item was decided
);

CREATE TABLE access_review_item (
    id             INTEGER PRIMARY KEY,
    review_id      INTEGER NOT NULL REFERENCES access_review(id),
    user_id        INTEGER NOT NULL REFERENCES app_user(id),
    role           TEXT NOT NULL,
    last_used_at   TEXT,                                -- when the review started: see docs/access.md
    last_used_from TEXT CHECK (last_used_from IN ('journal', 'sign_in')),
    decision       TEXT NOT NULL DEFAULT 'pending'
                   CHECK (decision IN ('pending', 'certified', 'revoked', 'applied')),
    decided_by     INTEGER REFERENCES app_user(id),
    decided_at     TEXT,
    applied_by     INTEGER REFERENCES app_user(id),
    applied_at     TEXT,
    UNIQUE (review_id, user_id, role)
);
