-- Jobs and their per-frame results: the PostgreSQL twin of migrations/sqlite/0001_jobs.sql.
-- Times are milliseconds since the Unix epoch (UTC). Ids compare byte-wise (COLLATE "C"), so that
-- UUIDv7 order is creation order as in SQLite.
CREATE TABLE jobs (
    id               TEXT COLLATE "C" PRIMARY KEY,
    status           TEXT NOT NULL,
    options          TEXT NOT NULL,
    video_name       TEXT,
    video_path       TEXT,
    video_bytes      BIGINT NOT NULL,
    keep_video       BOOLEAN NOT NULL DEFAULT FALSE,
    video            TEXT NOT NULL,
    progress_done    BIGINT NOT NULL DEFAULT 0,
    progress_total   BIGINT NOT NULL DEFAULT 0,
    summary          TEXT,
    warnings         TEXT NOT NULL DEFAULT '[]',
    error_code       TEXT,
    error_message    TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    worker_id        TEXT,
    heartbeat_at     BIGINT,
    run_after        BIGINT NOT NULL,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX jobs_claim ON jobs (status, run_after);
CREATE INDEX jobs_status_id ON jobs (status, id);

CREATE TABLE frames (
    job_id  TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    frame   BIGINT NOT NULL,
    time_ms BIGINT NOT NULL,
    faces   TEXT NOT NULL,
    PRIMARY KEY (job_id, frame)
);
