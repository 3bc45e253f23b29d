-- Narrative reports: the PostgreSQL twin of migrations/sqlite/0002_reports.sql.
CREATE TABLE reports (
    id         TEXT COLLATE "C" PRIMARY KEY,
    job_id     TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    model      TEXT NOT NULL,
    language   TEXT NOT NULL,
    text       TEXT NOT NULL,
    inputs     TEXT NOT NULL,
    usage      TEXT,
    created_at BIGINT NOT NULL
);

CREATE INDEX reports_job ON reports (job_id, id);
