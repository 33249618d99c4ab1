-- 0005: a layer's samples over a batch are stored as one record holding two columns in row
-- order, instead of one SQL row per sample: enriching a million-row batch writes 9 MB in one
-- statement instead of a million rows, and a page of samples is a slice of each column.
-- Per-row samples of earlier versions are dropped; the batches they enriched go back to
-- `imported` (flags removed) so that the next enrichment re-samples them whole.
DROP TABLE sample;
CREATE TABLE sample_set (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES batch(id),
    layer_id  INTEGER NOT NULL REFERENCES layer(id),
    status    BLOB NOT NULL,   -- one byte per row: 0 value, 1 nodata, 2 outside the raster
    value     BLOB NOT NULL,   -- eight bytes per row: the pixel value, little-endian binary64 (0 unless status is 0)
    UNIQUE (batch_id, layer_id)
);
DELETE FROM flag WHERE batch_id IN (SELECT id FROM batch WHERE state = 'enriched');
UPDATE batch SET state = 'imported' WHERE state = 'enriched';
