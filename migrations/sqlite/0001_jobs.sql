-- Jobs and their per-frame results. Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,          -- UUIDv7: sorts by creation time
    status           TEXT NOT NULL,             -- queued | running | succeeded | failed | canceled
    options          TEXT NOT NULL,             -- JSON AnalysisOptions
    video_name       TEXT,                      -- file name given by the client, if any
    video_path       TEXT,                      -- stored upload; NULL once deleted
    video_bytes      INTEGER NOT NULL,
    keep_video       INTEGER NOT NULL DEFAULT 0,
    video            TEXT NOT NULL,             -- JSON VideoInfo
    progress_done    INTEGER NOT NULL DEFAULT 0,
    progress_total   INTEGER NOT NULL DEFAULT 0,
    summary          TEXT,                      -- JSON EmotionSummary once succeeded
    warnings         TEXT NOT NULL DEFAULT '[]',-- JSON array of strings
    error_code       TEXT,
    error_message    TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    worker_id        TEXT,                      -- holder of a running job
    heartbeat_at     INTEGER,
    run_after        INTEGER NOT NULL,          -- not claimed before this time (retry backoff)
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX jobs_claim ON jobs (status, run_after);
CREATE INDEX jobs_status_id ON jobs (status, id);

-- One row per analysed frame; `faces` is a JSON array of FaceResult.
CREATE TABLE frames (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    frame   INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    faces   TEXT NOT NULL,
    PRIMARY KEY (job_id, frame)
);
