-- The PostgreSQL twin of migrations/sqlite/0003_restarts_and_report_keys.sql.
ALTER TABLE jobs ADD COLUMN crashes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN crash_progress BIGINT NOT NULL DEFAULT -1;

DELETE FROM reports WHERE EXISTS (
    SELECT 1 FROM reports newer
    WHERE newer.job_id = reports.job_id AND newer.language = reports.language
      AND newer.provider = reports.provider AND newer.model = reports.model
      AND newer.id > reports.id
);
CREATE UNIQUE INDEX reports_key ON reports (job_id, language, provider, model);
