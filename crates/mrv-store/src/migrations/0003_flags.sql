-- 0003: flags raised by the checks on a batch's evidence, replaced at each enrichment.
CREATE TABLE flag (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batch(id),
    row_id       INTEGER NOT NULL REFERENCES measurement(row_id),
    check_name   TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    layer_id     INTEGER REFERENCES layer(id),
    explanation  TEXT NOT NULL
);
CREATE INDEX flag_batch ON flag(batch_id, row_id);
