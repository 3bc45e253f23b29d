-- API keys: a job belongs to the key that created it. Only a SHA-256 of each token is kept; the
-- token itself is shown once, at creation. A key is revoked, never deleted, so that its jobs keep
-- an owner. `webhook_secret` signs the webhooks of the key's jobs (it must be readable to sign).
CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,            -- UUIDv7
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,               -- the token's first characters, to recognise it
    hash           TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the token
    admin          INTEGER NOT NULL DEFAULT 0,  -- sees and deletes every job
    webhook_secret TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);

-- The key that created the job; NULL when the server ran without keys.
ALTER TABLE jobs ADD COLUMN owner TEXT;
CREATE INDEX jobs_owner_id ON jobs (owner, id);

-- A retried request with the same `Idempotency-Key` gets the first one's answer. `fingerprint`
-- and `resource_id` are NULL while the first request is still being handled.
CREATE TABLE idempotency_keys (
    owner       TEXT NOT NULL,                  -- API key id, or '' without keys
    scope       TEXT NOT NULL,                  -- `job`, or `report:{job id}`
    key         TEXT NOT NULL,
    fingerprint TEXT,                           -- hex SHA-256 of what the request asked for
    resource_id TEXT,
    status      INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (owner, scope, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
