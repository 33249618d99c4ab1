-- 0004: zonal statistics of each layer over plot polygons (rows imported with a geometry).
CREATE TABLE zonal_stat (
    layer_id     INTEGER NOT NULL REFERENCES layer(id),
    row_id       INTEGER NOT NULL REFERENCES measurement(row_id),
    pixel_count  INTEGER NOT NULL,
    mean         REAL,
    min          REAL,
    max          REAL,
    PRIMARY KEY (layer_id, row_id)
) WITHOUT ROWID;
