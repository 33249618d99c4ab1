-- 0020: numbered review findings (docs/review-findings.md). A rejection holds one or more
-- findings, each numbered within its kind over a batch's versions (CAR 1, CAR 2, CL 1 …; the
-- chain is named by its first version, `root_batch_id`), with its reason code, text, the record
-- ids of the rows it concerns and its own state. A finding raised on one version is closed one
-- by one in the review of a later version, with a note, who and when. What a finding says is
-- never changed; a closed finding is never changed again.
CREATE TABLE finding (
    id                  INTEGER PRIMARY KEY,
    batch_id            INTEGER NOT NULL REFERENCES batch(id),
    root_batch_id       INTEGER NOT NULL REFERENCES batch(id),
    review_event_id     INTEGER NOT NULL REFERENCES review_event(id),
    kind                TEXT NOT NULL CHECK (kind IN ('CAR', 'CL', 'FAR')),
    number              INTEGER NOT NULL CHECK (number >= 1),
    sub_code            TEXT CHECK (sub_code IS NULL OR length(sub_code) > 0),
    text                TEXT NOT NULL CHECK (length(trim(text)) > 0),
    record_ids_json     TEXT NOT NULL DEFAULT '[]'
                        CHECK (json_valid(record_ids_json) AND json_type(record_ids_json) = 'array'),
    state               TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    raised_by           INTEGER NOT NULL REFERENCES app_user(id),
    raised_at           TEXT NOT NULL,
    closed_by           INTEGER REFERENCES app_user(id),
    closed_at           TEXT,
    closed_in_batch_id  INTEGER REFERENCES batch(id),
    close_note          TEXT,
    UNIQUE (root_batch_id, kind, number),
    CHECK (
        (state = 'open' AND closed_by IS NULL AND closed_at IS NULL
            AND closed_in_batch_id IS NULL AND close_note IS NULL)
        OR (state = 'closed' AND closed_by IS NOT NULL AND closed_at IS NOT NULL
            AND closed_in_batch_id IS NOT NULL AND length(trim(close_note)) > 0)
    )
);
CREATE INDEX finding_root ON finding(root_batch_id, state, kind, number);
CREATE INDEX finding_event ON finding(review_event_id);

CREATE TRIGGER finding_closed_stays_closed BEFORE UPDATE ON finding WHEN OLD.state = 'closed'
BEGIN
    SELECT RAISE(ABORT, 'a closed finding is never changed');
END;

CREATE TRIGGER finding_says_what_it_said BEFORE UPDATE OF
    batch_id, root_batch_id, review_event_id, kind, number, sub_code, text, record_ids_json,
    raised_by, raised_at ON finding
BEGIN
    SELECT RAISE(ABORT, 'what a finding says is never changed; close it and raise another');
END;
