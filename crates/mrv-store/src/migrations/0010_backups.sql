-- 0010: backups (SOP-007). The folder snapshots go to, every backup run (its snapshot, size and
-- outcome) and every restore drill (pass/fail, duration, what it found).
CREATE TABLE backup_target (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    path    TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    set_at  TEXT NOT NULL
);

CREATE TABLE backup_run (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    run_by        TEXT NOT NULL,
    snapshot      TEXT,                  -- the snapshot's id (its folder name), when one was made
    ok            INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,      -- database copy + every file the snapshot references
    files_copied  INTEGER NOT NULL,
    message       TEXT NOT NULL
);

CREATE TABLE backup_drill (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    run_by       TEXT NOT NULL,
    snapshot     TEXT NOT NULL,
    ok           INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    report_json  TEXT NOT NULL           -- every check run and every problem found
);
