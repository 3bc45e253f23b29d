//! `EMOSCOPE_<FIELD>` and `EMOSCOPE_<SECTION>__<FIELD>` environment variables over the file's
//! values, one section at a time. A value that does not parse stops the start and names the
//! variable, never the value (it may be a secret).

use std::fmt::Display;
use std::str::FromStr;

use anyhow::Result;

use super::Config;

/// Looks a variable up (the process's environment, or a map in tests).
type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

fn set<T: FromStr<Err: Display>>(target: &mut T, get: Get<'_>, key: &str) -> Result<()> {
    if let Some(v) = get(key) {
        *target = v
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid value for {key}: {e}"))?;
    }
    Ok(())
}

macro_rules! env {
    ($get:expr; $($key:literal => $field:expr),* $(,)?) => {
        $( set(&mut $field, $get, $key)?; )*
    };
}

impl Config {
    /// Reads `EMOSCOPE_<FIELD>` and `EMOSCOPE_<SECTION>__<FIELD>` variables, then checks the
    /// whole.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        let get: Get<'_> = &get;
        self.env_top(get)?;
        self.env_limits(get)?;
        self.env_analysis(get)?;
        self.env_queue(get)?;
        self.env_report(get)?;
        self.env_access(get)?;
        self.env_webhooks(get)?;
        self.env_storage(get)?;
        self.validate()
    }

    /// The top-level settings.
    fn env_top(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_LISTEN" => self.listen,
            "EMOSCOPE_DATA_DIR" => self.data_dir,
            "EMOSCOPE_DATABASE_URL" => self.database_url,
            "EMOSCOPE_MODELS_DIR" => self.models_dir,
            "EMOSCOPE_DEFAULT_MODEL" => self.default_model,
            "EMOSCOPE_YUNET_MODEL" => self.yunet_model,
            "EMOSCOPE_HAAR_CASCADE" => self.haar_cascade,
            "EMOSCOPE_ONNXRUNTIME_LIB" => self.onnxruntime_lib,
            "EMOSCOPE_EXECUTION_PROVIDER" => self.execution_provider,
            "EMOSCOPE_INFERENCE_THREADS" => self.inference_threads,
            "EMOSCOPE_WORKERS" => self.workers,
            "EMOSCOPE_KEEP_VIDEOS" => self.keep_videos,
            "EMOSCOPE_METRICS_TOKEN" => self.metrics_token,
        );
        Ok(())
    }

    /// `limits.*`.
    fn env_limits(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES" => self.limits.max_upload_bytes,
            "EMOSCOPE_LIMITS__MAX_DURATION_SECS" => self.limits.max_duration_secs,
            "EMOSCOPE_LIMITS__MAX_FRAME_SIDE" => self.limits.max_frame_side,
            "EMOSCOPE_LIMITS__MAX_SAMPLE_FPS" => self.limits.max_sample_fps,
            "EMOSCOPE_LIMITS__DETECT_MAX_SIDE" => self.limits.detect_max_side,
            "EMOSCOPE_LIMITS__CLASSIFY_BATCH" => self.limits.classify_batch,
            "EMOSCOPE_LIMITS__MAX_PAGE_SIZE" => self.limits.max_page_size,
            "EMOSCOPE_LIMITS__MAX_QUEUED_JOBS" => self.limits.max_queued_jobs,
            "EMOSCOPE_LIMITS__MAX_FIELD_BYTES" => self.limits.max_field_bytes,
            "EMOSCOPE_LIMITS__UPLOAD_IDLE_SECS" => self.limits.upload_idle_secs,
            "EMOSCOPE_LIMITS__REQUEST_TIMEOUT_SECS" => self.limits.request_timeout_secs,
            "EMOSCOPE_LIMITS__MAX_CONCURRENT_PROBES" => self.limits.max_concurrent_probes,
            "EMOSCOPE_LIMITS__IDEMPOTENCY_TTL_SECS" => self.limits.idempotency_ttl_secs,
            "EMOSCOPE_LIMITS__MAX_EVENT_STREAMS" => self.limits.max_event_streams,
            "EMOSCOPE_LIMITS__REFUSED_BODY_DRAIN_BYTES" => self.limits.refused_body_drain_bytes,
        );
        Ok(())
    }

    /// `defaults.*` and `tracking.*`.
    fn env_analysis(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_DEFAULTS__SAMPLE_FPS" => self.defaults.sample_fps,
            "EMOSCOPE_DEFAULTS__DETECTOR" => self.defaults.detector,
            "EMOSCOPE_DEFAULTS__MIN_FACE_PX" => self.defaults.min_face_px,
            "EMOSCOPE_DEFAULTS__MIN_SCORE" => self.defaults.min_score,
            "EMOSCOPE_DEFAULTS__FACE_MARGIN" => self.defaults.face_margin,
            "EMOSCOPE_DEFAULTS__ALIGN_FACES" => self.defaults.align_faces,
            "EMOSCOPE_DEFAULTS__TRACKING" => self.defaults.tracking,
            "EMOSCOPE_DEFAULTS__MIN_TRACK_MS" => self.defaults.min_track_ms,
            "EMOSCOPE_DEFAULTS__FOCUS" => self.defaults.focus,
            "EMOSCOPE_TRACKING__MAX_LOST_MS" => self.tracking.max_lost_ms,
            "EMOSCOPE_TRACKING__MAX_LIVE_TRACKS" => self.tracking.max_live_tracks,
            "EMOSCOPE_TRACKING__MAX_PEOPLE" => self.tracking.max_people,
        );
        Ok(())
    }

    /// `queue.*`.
    fn env_queue(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_QUEUE__HEARTBEAT_SECS" => self.queue.heartbeat_secs,
            "EMOSCOPE_QUEUE__STALE_AFTER_SECS" => self.queue.stale_after_secs,
            "EMOSCOPE_QUEUE__POLL_MS" => self.queue.poll_ms,
            "EMOSCOPE_QUEUE__MAX_ATTEMPTS" => self.queue.max_attempts,
            "EMOSCOPE_QUEUE__MAX_CRASHES" => self.queue.max_crashes,
            "EMOSCOPE_QUEUE__SWEEP_SECS" => self.queue.sweep_secs,
            "EMOSCOPE_QUEUE__ORPHAN_GRACE_SECS" => self.queue.orphan_grace_secs,
        );
        Ok(())
    }

    /// `report.*`.
    fn env_report(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_REPORT__PROVIDER" => self.report.provider,
            "EMOSCOPE_REPORT__BASE_URL" => self.report.base_url,
            "EMOSCOPE_REPORT__API_KEY" => self.report.api_key,
            "EMOSCOPE_REPORT__MODEL" => self.report.model,
            "EMOSCOPE_REPORT__TIMEOUT_SECS" => self.report.timeout_secs,
            "EMOSCOPE_REPORT__RETRIES" => self.report.retries,
            "EMOSCOPE_REPORT__BACKOFF_MS" => self.report.backoff_ms,
            "EMOSCOPE_REPORT__MAX_BACKOFF_SECS" => self.report.max_backoff_secs,
            "EMOSCOPE_REPORT__TEMPERATURE" => self.report.temperature,
            "EMOSCOPE_REPORT__WORKERS" => self.report.workers,
            "EMOSCOPE_REPORT__MAX_ATTEMPTS" => self.report.max_attempts,
        );
        Ok(())
    }

    /// Who may call: `auth.*`, `http.*`, `rate_limits.*`.
    fn env_access(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_AUTH__REQUIRE_KEYS" => self.auth.require_keys,
            "EMOSCOPE_AUTH__ALLOW_ANONYMOUS" => self.auth.allow_anonymous,
            "EMOSCOPE_HTTP__ALLOWED_HOSTS" => self.http.allowed_hosts,
            "EMOSCOPE_HTTP__CORS_ORIGINS" => self.http.cors_origins,
            "EMOSCOPE_RATE_LIMITS__UPLOADS_PER_MINUTE" => self.rate_limits.uploads_per_minute,
            "EMOSCOPE_RATE_LIMITS__REPORTS_PER_MINUTE" => self.rate_limits.reports_per_minute,
        );
        Ok(())
    }

    /// `webhooks.*`.
    fn env_webhooks(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_WEBHOOKS__DEFAULT_CALLBACK_URL" => self.webhooks.default_callback_url,
            "EMOSCOPE_WEBHOOKS__SECRET" => self.webhooks.secret,
            "EMOSCOPE_WEBHOOKS__ALLOW_HTTP" => self.webhooks.allow_http,
            "EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS" => self.webhooks.allowed_networks,
            "EMOSCOPE_WEBHOOKS__TIMEOUT_SECS" => self.webhooks.timeout_secs,
            "EMOSCOPE_WEBHOOKS__RETRY_BASE_MS" => self.webhooks.retry_base_ms,
            "EMOSCOPE_WEBHOOKS__MAX_BACKOFF_SECS" => self.webhooks.max_backoff_secs,
            "EMOSCOPE_WEBHOOKS__GIVE_UP_AFTER_SECS" => self.webhooks.give_up_after_secs,
            "EMOSCOPE_WEBHOOKS__CONCURRENCY" => self.webhooks.concurrency,
        );
        Ok(())
    }

    /// `storage.*`.
    fn env_storage(&mut self, get: Get<'_>) -> Result<()> {
        env!(get;
            "EMOSCOPE_STORAGE__BACKEND" => self.storage.backend,
            "EMOSCOPE_STORAGE__BUCKET" => self.storage.bucket,
            "EMOSCOPE_STORAGE__PREFIX" => self.storage.prefix,
            "EMOSCOPE_STORAGE__ENDPOINT" => self.storage.endpoint,
            "EMOSCOPE_STORAGE__REGION" => self.storage.region,
            "EMOSCOPE_STORAGE__PATH_STYLE" => self.storage.path_style,
            "EMOSCOPE_STORAGE__ACCESS_KEY_ID" => self.storage.access_key_id,
            "EMOSCOPE_STORAGE__SECRET_ACCESS_KEY" => self.storage.secret_access_key,
            "EMOSCOPE_STORAGE__TIMEOUT_SECS" => self.storage.timeout_secs,
        );
        Ok(())
    }
}
