-- Where to tell the caller that a job (or one of its reports) has ended; NULL: nobody.
ALTER TABLE jobs ADD COLUMN callback_url TEXT;

-- Reports are written in the background: a row exists from the request on, `queued`, then
-- `running` (held by `worker_id`, proved alive by `heartbeat_at`), then `succeeded` with its text
-- or `failed` with its error. The unique key (job, language, provider, model) makes a second
-- identical request join the first. SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE reports_v2 (
    id            TEXT PRIMARY KEY,            -- UUIDv7
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,               -- openai | template
    model         TEXT NOT NULL,
    language      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'succeeded', -- queued | running | succeeded | failed
    text          TEXT,                        -- set once succeeded
    inputs        TEXT,                        -- JSON ReportInputs, set once succeeded
    usage         TEXT,
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    error_code    TEXT,
    error_message TEXT,
    worker_id     TEXT,
    heartbeat_at  INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO reports_v2 (id, job_id, provider, model, language, status, text, inputs, usage,
                        created_at, finished_at)
    SELECT id, job_id, provider, model, language, 'succeeded', text, inputs, usage,
           created_at, created_at
    FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v2 RENAME TO reports;
CREATE INDEX reports_job ON reports (job_id, id);
CREATE UNIQUE INDEX reports_key ON reports (job_id, language, provider, model);
CREATE INDEX reports_queue ON reports (status, id);

-- Webhooks, stored before they are sent so that none is lost to a crash: one row per event,
-- whose id is the `webhook-id` the receiver sees on every attempt. Claimed like jobs.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,          -- `{job id}.{event}`, `{report id}.{event}.{finished_at}`
    job_id          TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    report_id       TEXT,                      -- for report.* events
    event           TEXT NOT NULL,             -- job.succeeded | job.failed | job.canceled | report.succeeded | report.failed
    url             TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending', -- pending | sending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    worker_id       TEXT,
    claimed_at      INTEGER,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    last_error      TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_job ON deliveries (job_id, created_at);

-- Every try of a delivery, for `GET /v1/jobs/{id}/deliveries`.
CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,                       -- the receiver's HTTP status, if it answered
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- The events are written by the database in the transaction that ends the job or report, so a
-- crash cannot end one without its webhook, whichever code path ended it.
CREATE TRIGGER jobs_webhook AFTER UPDATE OF status ON jobs
WHEN NEW.callback_url IS NOT NULL AND NEW.status IN ('succeeded', 'failed', 'canceled')
     AND NEW.status <> OLD.status
BEGIN
    INSERT OR IGNORE INTO deliveries (id, job_id, event, url, next_attempt_at, created_at)
    VALUES (NEW.id || '.job.' || NEW.status, NEW.id, 'job.' || NEW.status, NEW.callback_url,
            NEW.updated_at, NEW.updated_at);
END;

CREATE TRIGGER reports_webhook AFTER UPDATE OF status ON reports
WHEN NEW.status IN ('succeeded', 'failed') AND NEW.status <> OLD.status
BEGIN
    INSERT OR IGNORE INTO deliveries (id, job_id, report_id, event, url, next_attempt_at, created_at)
    SELECT NEW.id || '.report.' || NEW.status || '.' || NEW.finished_at, NEW.job_id, NEW.id, 'report.' || NEW.status,
           callback_url, NEW.finished_at, NEW.finished_at
    FROM jobs WHERE id = NEW.job_id AND callback_url IS NOT NULL;
END;
