-- Restarts that a job did not cause cost it nothing: `crashes` counts only the consecutive
-- losses of its worker at the same point (`crash_progress`, the frames done when it was lost),
-- which is what a job that kills its worker (a poison job) looks like.
ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN crash_progress INTEGER NOT NULL DEFAULT -1;

-- One report per (job, language, provider, model): keep the newest of any duplicates, then let
-- the database refuse a second one, so that two identical requests cannot both be stored.
DELETE FROM reports WHERE EXISTS (
    SELECT 1 FROM reports newer
    WHERE newer.job_id = reports.job_id AND newer.language = reports.language
      AND newer.provider = reports.provider AND newer.model = reports.model
      AND newer.id > reports.id
);
CREATE UNIQUE INDEX reports_key ON reports (job_id, language, provider, model);
