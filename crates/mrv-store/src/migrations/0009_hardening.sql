-- 0009: failed sign-ins per user name (a lockout after repeated failures), and the audit-log
-- writer token sealed per user who may anchor (instead of the clear `auditlog.token`, which
-- the app seals on open and then empties).
CREATE TABLE sign_in_failure (
    name          TEXT PRIMARY KEY,              -- as typed (trimmed), known user or not
    failures      INTEGER NOT NULL,              -- failed sign-ins in a row
    locked_until  INTEGER                        -- Unix seconds; none before the lockout starts
) WITHOUT ROWID;

CREATE TABLE auditlog_token_box (
    user_id  INTEGER PRIMARY KEY REFERENCES app_user(id),
    sealed   TEXT NOT NULL                       -- mrv-tokenbox-v1: sealed to the user's key
);
