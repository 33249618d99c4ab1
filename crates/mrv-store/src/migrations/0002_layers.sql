-- 0002: raster layers of a project and the values sampled from them at every measurement.
CREATE TABLE layer (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES project(id),
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('ndvi', 'land_cover', 'forest_loss_year', 'canopy_height', 'elevation', 'other')),
    band           INTEGER NOT NULL,
    acquired_on    TEXT,
    file_sha256    TEXT NOT NULL REFERENCES stored_file(sha256),
    source_name    TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    data_type      TEXT NOT NULL,
    nodata         REAL,
    crs_name       TEXT NOT NULL,
    registered_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE sample (
    layer_id  INTEGER NOT NULL REFERENCES layer(id),
    row_id    INTEGER NOT NULL REFERENCES measurement(row_id),
    status    TEXT NOT NULL CHECK (status IN ('value', 'nodata', 'outside')),
    value     REAL,                       -- the pixel value when status = 'value'
    PRIMARY KEY (layer_id, row_id)
) WITHOUT ROWID;
