-- 0011: the registry this workspace pushes exports to (a CADT v1 API): its base URL and the
-- API key sent as `x-api-key`, who connected it and when. One row at most.
CREATE TABLE registry (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    url           TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    api_key       TEXT NOT NULL CHECK (length(api_key) > 0),
    connected_by  TEXT NOT NULL,
    connected_at  TEXT NOT NULL
);
