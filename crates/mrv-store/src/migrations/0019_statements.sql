-- 0019: verification statements (docs/statement.md). One row per PDF statement produced for an
-- approved batch: which batch version and stamp it states, the PDF's SHA-256 (what is
-- journaled and anchored as kind `statement`, id `statement-<id>`), its size and pages, the
-- file name it was written under, who made it and when. Rows are never updated.
CREATE TABLE statement (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batch(id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    stamp_hash  TEXT NOT NULL CHECK (length(stamp_hash) = 64),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    size_bytes  INTEGER NOT NULL CHECK (size_bytes > 0),
    pages       INTEGER NOT NULL CHECK (pages >= 1),
    file_name   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX statement_batch ON statement(batch_id);
CREATE INDEX statement_sha256 ON statement(sha256);

CREATE TRIGGER statement_no_update BEFORE UPDATE ON statement
BEGIN
    SELECT RAISE(ABORT, 'statements are never changed');
END;
