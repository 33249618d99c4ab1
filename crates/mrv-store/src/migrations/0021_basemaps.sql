-- 0021: basemaps a user registers (docs/workbench-map.md): imagery drawn under the evidence,
-- for the whole workspace. The file is stored content-addressed like a layer; a basemap is
-- never evidence (nothing is sampled from it), so removing one deletes its row only.
CREATE TABLE basemap (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    kind           TEXT NOT NULL CHECK (kind IN ('geotiff', 'mbtiles')),
    file_sha256    TEXT NOT NULL REFERENCES stored_file(sha256),
    source_name    TEXT NOT NULL,
    description    TEXT NOT NULL,
    west           REAL NOT NULL CHECK (west >= -180 AND west <= 180),
    south          REAL NOT NULL CHECK (south >= -90 AND south <= 90),
    east           REAL NOT NULL CHECK (east >= -180 AND east <= 180),
    north          REAL NOT NULL CHECK (north >= -90 AND north <= 90),
    registered_by  TEXT NOT NULL,
    registered_at  TEXT NOT NULL,
    CHECK (west < east AND south < north)
);
