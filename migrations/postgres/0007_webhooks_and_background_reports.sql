-- The PostgreSQL twin of migrations/sqlite/0007_webhooks_and_background_reports.sql.
ALTER TABLE jobs ADD COLUMN callback_url TEXT;

ALTER TABLE reports ALTER COLUMN text DROP NOT NULL;
ALTER TABLE reports ALTER COLUMN inputs DROP NOT NULL;
ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded';
ALTER TABLE reports ADD COLUMN finished_at BIGINT;
ALTER TABLE reports ADD COLUMN error_code TEXT;
ALTER TABLE reports ADD COLUMN error_message TEXT;
ALTER TABLE reports ADD COLUMN worker_id TEXT;
ALTER TABLE reports ADD COLUMN heartbeat_at BIGINT;
ALTER TABLE reports ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
UPDATE reports SET finished_at = created_at;
CREATE INDEX reports_queue ON reports (status, id);

CREATE TABLE deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY,
    job_id          TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    report_id       TEXT COLLATE "C",
    event           TEXT NOT NULL,
    url             TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    worker_id       TEXT,
    claimed_at      BIGINT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    last_error      TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_job ON deliveries (job_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id TEXT COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE FUNCTION emoscope_job_webhook() RETURNS trigger AS $$
BEGIN
    IF NEW.callback_url IS NOT NULL AND NEW.status IN ('succeeded', 'failed', 'canceled')
       AND NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO deliveries (id, job_id, event, url, next_attempt_at, created_at)
        VALUES (NEW.id || '.job.' || NEW.status, NEW.id, 'job.' || NEW.status, NEW.callback_url,
                NEW.updated_at, NEW.updated_at)
        ON CONFLICT (id) DO NOTHING;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER jobs_webhook AFTER UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION emoscope_job_webhook();

CREATE FUNCTION emoscope_report_webhook() RETURNS trigger AS $$
BEGIN
    IF NEW.status IN ('succeeded', 'failed') AND NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO deliveries (id, job_id, report_id, event, url, next_attempt_at, created_at)
        SELECT NEW.id || '.report.' || NEW.status || '.' || NEW.finished_at, NEW.job_id, NEW.id, 'report.' || NEW.status,
               callback_url, NEW.finished_at, NEW.finished_at
        FROM jobs WHERE id = NEW.job_id AND callback_url IS NOT NULL
        ON CONFLICT (id) DO NOTHING;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_webhook AFTER UPDATE OF status ON reports
    FOR EACH ROW EXECUTE FUNCTION emoscope_report_webhook();
