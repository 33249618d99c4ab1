-- 0015: incidents (SOP-003, docs/incidents.md). An incident is declared with a severity and a
-- title; an ops admin assigns its commander and communications lead, resolves it, attaches the
-- postmortem (its Markdown text and SHA-256) and closes it once every action item is done.
-- Updates (internal notes and customer updates) form its timeline. Times are RFC 3339 UTC.
CREATE TABLE incident (
    id                    INTEGER PRIMARY KEY,
    severity              TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3')),
    title                 TEXT NOT NULL CHECK (length(title) > 0),
    state                 TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'closed')),
    declared_by           INTEGER NOT NULL REFERENCES app_user(id),
    declared_at           TEXT NOT NULL,
    commander_id          INTEGER REFERENCES app_user(id),
    -- The first assignment of a commander: what the 5-minute clock waits for.
    commander_assigned_at TEXT,
    comms_id              INTEGER REFERENCES app_user(id),
    comms_assigned_at     TEXT,
    resolved_by           INTEGER REFERENCES app_user(id),
    resolved_at           TEXT,
    closed_by             INTEGER REFERENCES app_user(id),
    closed_at             TEXT,
    postmortem_text       TEXT,
    postmortem_sha256     TEXT CHECK (postmortem_sha256 IS NULL OR length(postmortem_sha256) = 64),
    postmortem_file_name  TEXT,
    postmortem_by         INTEGER REFERENCES app_user(id),
    -- The first attachment (what the postmortem clock waits for) and the latest one.
    postmortem_first_at   TEXT,
    postmortem_at         TEXT,
    CHECK ((commander_id IS NULL) = (commander_assigned_at IS NULL)),
    CHECK ((comms_id IS NULL) = (comms_assigned_at IS NULL)),
    CHECK ((state = 'open') = (resolved_at IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((postmortem_text IS NULL) = (postmortem_sha256 IS NULL)),
    CHECK ((postmortem_text IS NULL) = (postmortem_at IS NULL)),
    CHECK (state <> 'closed' OR postmortem_text IS NOT NULL)
);

CREATE TABLE incident_update (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incident(id),
    kind        TEXT NOT NULL CHECK (kind IN ('note', 'customer')),
    text        TEXT NOT NULL CHECK (length(text) > 0),
    user_id     INTEGER NOT NULL REFERENCES app_user(id),
    at          TEXT NOT NULL
);
CREATE INDEX incident_update_incident ON incident_update(incident_id);

-- Action items, numbered 1, 2, … per incident.
CREATE TABLE incident_action (
    incident_id INTEGER NOT NULL REFERENCES incident(id),
    number      INTEGER NOT NULL CHECK (number >= 1),
    text        TEXT NOT NULL CHECK (length(text) > 0),
    owner_id    INTEGER NOT NULL REFERENCES app_user(id),
    -- A real date: SQLite's date() alone keeps 2026-02-30, a modifier normalises it.
    due_date    TEXT NOT NULL CHECK (length(due_date) = 10 AND date(due_date, '+0 days') = due_date),
    added_by    INTEGER NOT NULL REFERENCES app_user(id),
    added_at    TEXT NOT NULL,
    done_by     INTEGER REFERENCES app_user(id),
    done_at     TEXT,
    CHECK ((done_by IS NULL) = (done_at IS NULL)),
    PRIMARY KEY (incident_id, number)
);
