-- 0014: the registry API key sealed per user who may use it (as the audit-log writer token is,
-- 0009), instead of the clear `registry.api_key` the app seals on open and then empties; and
-- each project's developer (CADT `projectDeveloper`), named when the project is added.
CREATE TABLE registry_key_box (
    user_id  INTEGER PRIMARY KEY REFERENCES app_user(id),
    sealed   TEXT NOT NULL                       -- mrv-tokenbox-v1: sealed to the user's key
);

-- The clear key may now be empty (sealed); the table is rebuilt to relax its check.
CREATE TABLE registry_0014 (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    url           TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    api_key       TEXT NOT NULL DEFAULT '',      -- '' once sealed in registry_key_box
    connected_by  TEXT NOT NULL,
    connected_at  TEXT NOT NULL
);
INSERT INTO registry_0014 (id, url, api_key, connected_by, connected_at)
    SELECT id, url, api_key, connected_by, connected_at FROM registry;
DROP TABLE registry;
ALTER TABLE registry_0014 RENAME TO registry;

ALTER TABLE project ADD COLUMN developer TEXT
    CHECK (developer IS NULL OR length(trim(developer)) BETWEEN 1 AND 200);
