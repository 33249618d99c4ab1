-- 0001: projects, monitoring periods, stored files, batches, measurements.
CREATE TABLE project (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    country               TEXT,               -- as in the CADT countries picklist, when known
    baseline_date         TEXT,               -- forest-loss baseline; NULL until set
    methodology_id        TEXT NOT NULL,
    methodology_toml      TEXT NOT NULL,      -- snapshot of the profile in force for this project
    boundary_geojson      TEXT NOT NULL,      -- WGS84 (EPSG:4326, lon/lat order)
    boundary_file_sha256  TEXT NOT NULL REFERENCES stored_file(sha256),
    created_at            TEXT NOT NULL
);

CREATE TABLE monitoring_period (
    project_id  INTEGER NOT NULL REFERENCES project(id),
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    PRIMARY KEY (project_id, start_date, end_date)
) WITHOUT ROWID;

CREATE TABLE stored_file (
    sha256         TEXT PRIMARY KEY,
    original_name  TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    stored_at      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE batch (
    id                   INTEGER PRIMARY KEY,
    project_id           INTEGER NOT NULL REFERENCES project(id),
    version              INTEGER NOT NULL,
    supersedes_batch_id  INTEGER REFERENCES batch(id),
    period_start         TEXT NOT NULL,
    period_end           TEXT NOT NULL,
    -- Deferred: an import learns its file's hash while streaming it and fills this in at commit.
    source_sha256        TEXT NOT NULL REFERENCES stored_file(sha256) DEFERRABLE INITIALLY DEFERRED,
    source_name          TEXT NOT NULL,
    source_format        TEXT NOT NULL CHECK (source_format IN ('csv', 'geojson')),
    source_crs           TEXT NOT NULL,
    column_map_json      TEXT NOT NULL,
    columns_json         TEXT NOT NULL,      -- names of the values stored per row, in order
    state                TEXT NOT NULL,
    row_count            INTEGER NOT NULL,
    first_row_id         INTEGER NOT NULL,   -- rows are measurement.row_id first_row_id .. + row_count - 1
    claimed_tco2e_total  REAL NOT NULL,
    imported_at          TEXT NOT NULL,
    UNIQUE (project_id, period_start, period_end, source_sha256)
);

CREATE TABLE measurement (
    row_id          INTEGER PRIMARY KEY,
    batch_id        INTEGER NOT NULL REFERENCES batch(id),
    record_id       TEXT NOT NULL,
    lon             REAL NOT NULL,
    lat             REAL NOT NULL,
    obs_date        TEXT NOT NULL,
    claimed_tco2e   REAL NOT NULL,
    values_json     TEXT NOT NULL,          -- JSON array of strings aligned with batch.columns_json
    geometry_json   TEXT                     -- plot polygon (GeoJSON geometry, WGS84) when given
);
CREATE UNIQUE INDEX measurement_record ON measurement(batch_id, record_id);
