-- 0018: reviewed data changes (SOP-004). A ticket carries the SQL, its rollback SQL and a
-- reason; the last dry run (counts before/after and the diff, as JSON), the review by a second
-- person, and the applied and rolled-back diffs.
CREATE TABLE data_change (
    id               INTEGER PRIMARY KEY,
    sql_text         TEXT NOT NULL CHECK (length(trim(sql_text)) > 0),
    rollback_sql     TEXT NOT NULL CHECK (length(trim(rollback_sql)) > 0),
    reason           TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    state            TEXT NOT NULL CHECK (state IN ('open', 'dry_run_ok', 'dry_run_refused', 'approved', 'rejected', 'applied', 'rolled_back')),
    author_id        INTEGER NOT NULL REFERENCES app_user(id),
    opened_at        TEXT NOT NULL,
    dry_run_by       INTEGER REFERENCES app_user(id),
    dry_run_at       TEXT,
    dry_run_json     TEXT,
    reviewer_id      INTEGER REFERENCES app_user(id),
    reviewed_at      TEXT,
    review_reason    TEXT,
    applied_by       INTEGER REFERENCES app_user(id),
    applied_at       TEXT,
    applied_json     TEXT,
    rolled_back_by   INTEGER REFERENCES app_user(id),
    rolled_back_at   TEXT,
    rollback_json    TEXT,
    CHECK ((state = 'open') = (dry_run_at IS NULL)),
    CHECK ((state IN ('approved', 'rejected', 'applied', 'rolled_back')) = (reviewer_id IS NOT NULL)),
    CHECK (reviewer_id IS NULL OR reviewer_id <> author_id),
    CHECK ((state = 'rejected') <= (length(trim(review_reason)) > 0)),
    CHECK ((state IN ('applied', 'rolled_back')) = (applied_at IS NOT NULL)),
    CHECK ((state = 'rolled_back') = (rolled_back_at IS NOT NULL))
);
CREATE INDEX data_change_state ON data_change(state);
