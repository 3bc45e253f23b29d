-- Narrative reports written for succeeded jobs; removed with their job.
CREATE TABLE reports (
    id         TEXT PRIMARY KEY,            -- UUIDv7
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,               -- openai | template
    model      TEXT NOT NULL,               -- LLM model name, or `template-v1`
    language   TEXT NOT NULL,               -- BCP 47 tag as asked, e.g. en, ru
    text       TEXT NOT NULL,
    inputs     TEXT NOT NULL,               -- JSON ReportInputs the text was built from
    usage      TEXT,                        -- JSON token usage, when the provider gives it
    created_at INTEGER NOT NULL
);

CREATE INDEX reports_job ON reports (job_id, id);
