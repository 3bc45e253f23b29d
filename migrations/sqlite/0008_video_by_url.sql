-- Jobs made from a URL: the URL as shown (its query, user and fragment removed: they may hold
-- credentials; the full URL is kept only in the memory of the process downloading it). Such a
-- job is `downloading` until its video is in the media store, held by that process through
-- `worker_id` and `heartbeat_at` like a running job.
ALTER TABLE jobs ADD COLUMN source_url TEXT;
