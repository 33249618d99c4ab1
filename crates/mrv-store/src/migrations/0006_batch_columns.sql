-- 0006: each batch's positions and claimed values also kept as columns (written with the
-- batch, in row order), so that enrichment and the map read 24 bytes a row in one record
-- instead of walking every measurement row. Batches imported before this have none; readers
-- fall back to the measurement rows.
CREATE TABLE batch_columns (
    batch_id       INTEGER PRIMARY KEY REFERENCES batch(id),
    lon            BLOB NOT NULL,      -- eight bytes per row, little-endian binary64
    lat            BLOB NOT NULL,      -- idem
    claimed_tco2e  BLOB NOT NULL,      -- idem
    has_plots      INTEGER NOT NULL    -- 1 when any row carries a plot polygon
);
