-- A job's kind, stated instead of inferred from which of video_path, source_url and worker_id
-- are set: `upload`, `url` (a video fetched from a URL), `stream` (read as it plays) or `live`
-- (a kept live session). Earlier jobs are named by what they left: a stream's or a live
-- session's video facts carry the codec `stream` or `live` (FFmpeg never names a codec so),
-- a stream has a URL and a live session none; the rest with a URL were fetched.
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'upload';
UPDATE jobs SET kind = CASE
    WHEN video ->> 'codec' IN ('stream', 'live') AND source_url IS NOT NULL THEN 'stream'
    WHEN video ->> 'codec' = 'live' THEN 'live'
    WHEN source_url IS NOT NULL THEN 'url'
    ELSE 'upload'
END;
