-- API keys and idempotency keys: the PostgreSQL twin of migrations/sqlite/0006.
CREATE TABLE api_keys (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    hash           TEXT NOT NULL UNIQUE,
    admin          BOOLEAN NOT NULL DEFAULT FALSE,
    webhook_secret TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);

ALTER TABLE jobs ADD COLUMN owner TEXT COLLATE "C";
CREATE INDEX jobs_owner_id ON jobs (owner, id);

CREATE TABLE idempotency_keys (
    owner       TEXT COLLATE "C" NOT NULL,
    scope       TEXT COLLATE "C" NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT,
    resource_id TEXT,
    status      BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (owner, scope, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
