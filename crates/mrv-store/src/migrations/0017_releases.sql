-- 0017: releases (SOP-002). Weekday 14:00 UTC slots and hotfixes, tagged vYYYY.MM.DD.N; the
-- weekly captain rota by ISO week; each release's steps (soak, promotion, watch, close or
-- rollback) with their times; every synthetic-monitor run against the audit log.
CREATE TABLE release_rota (
    week        TEXT PRIMARY KEY CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
    captain_id  INTEGER NOT NULL REFERENCES app_user(id),
    set_by      INTEGER NOT NULL REFERENCES app_user(id),
    set_at      TEXT NOT NULL
);

CREATE TABLE release (
    id               INTEGER PRIMARY KEY,
    tag              TEXT NOT NULL UNIQUE CHECK (tag GLOB 'v[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9].[1-9]*'),
    kind             TEXT NOT NULL CHECK (kind IN ('scheduled', 'hotfix')),
    -- The slot (a weekday at 14:00 UTC; a hotfix: when it was planned), and its ISO week.
    slot_at          TEXT NOT NULL,
    week             TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
    notes            TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('planned', 'soaking', 'watching', 'watched', 'closed', 'rolled_back')),
    planned_by       INTEGER NOT NULL REFERENCES app_user(id),
    planned_at       TEXT NOT NULL,
    soak_started_at  TEXT,
    promoted_at      TEXT,
    watch_ended_at   TEXT,
    closed_at        TEXT,
    rolled_back_at   TEXT,
    rolled_back_by   INTEGER REFERENCES app_user(id),
    rollback_reason  TEXT,
    CHECK ((state = 'planned') = (soak_started_at IS NULL)),
    CHECK ((promoted_at IS NULL) OR soak_started_at IS NOT NULL),
    CHECK ((state IN ('watching', 'watched', 'closed')) <= (promoted_at IS NOT NULL)),
    CHECK ((state IN ('watched', 'closed')) = (watch_ended_at IS NOT NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    CHECK ((state = 'rolled_back') = (rolled_back_at IS NOT NULL AND rolled_back_by IS NOT NULL AND length(trim(rollback_reason)) > 0))
);
CREATE INDEX release_slot ON release(slot_at);

CREATE TABLE release_monitor_run (
    id               INTEGER PRIMARY KEY,
    release_id       INTEGER NOT NULL REFERENCES release(id),
    started_at       TEXT NOT NULL,
    finished_at      TEXT NOT NULL,
    duration_ms      INTEGER NOT NULL CHECK (duration_ms >= 0),
    green            INTEGER NOT NULL CHECK (green IN (0, 1)),
    log_url          TEXT NOT NULL,
    checkpoint_size  INTEGER CHECK (checkpoint_size >= 0),
    failure          TEXT,
    run_by           INTEGER NOT NULL REFERENCES app_user(id),
    CHECK ((green = 1) = (failure IS NULL)),
    CHECK (green = 0 OR checkpoint_size IS NOT NULL)
);
CREATE INDEX release_monitor_run_release ON release_monitor_run(release_id);
