//! Typed configuration: built-in defaults, then an optional TOML file, then `EMOSCOPE_*`
//! environment variables, then command-line flags (applied by the binary).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// Holds the SQLite database and the uploads.
    pub data_dir: PathBuf,
    /// Database URL; empty means `sqlite://{data_dir}/emoscope.db`.
    pub database_url: String,
    /// Folder with the emotion models (`*.onnx`).
    pub models_dir: PathBuf,
    /// Emotion model used when a job names none (file stem in `models_dir`).
    pub default_model: String,
    /// YuNet face detector (ONNX).
    pub yunet_model: PathBuf,
    /// Haar cascade, the fallback detector.
    pub haar_cascade: PathBuf,
    /// `libonnxruntime.so`, loaded at run time.
    pub onnxruntime_lib: PathBuf,
    /// `cpu` or `cuda`; `cuda` falls back to the CPU with a warning when it cannot be used.
    pub execution_provider: String,
    /// Threads per ONNX Runtime session; 0 picks cores / workers.
    pub inference_threads: usize,
    /// Jobs processed at once by this process; 0 means one per core.
    pub workers: usize,
    pub limits: Limits,
    pub defaults: JobDefaults,
    pub queue: QueueConfig,
    /// Keep uploaded videos after analysis (they are deleted by default).
    pub keep_videos: bool,
    pub report: ReportConfig,
}

/// The narrative report's language model. The key is a [`Secret`]: never printed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// `openai`, `template`, or `auto` (openai when an API key is set, else template).
    pub provider: String,
    /// OpenAI-compatible base URL, e.g. `http://localhost:11434/v1` for Ollama.
    pub base_url: String,
    pub api_key: Secret,
    /// Default chat model; any name the server accepts.
    pub model: String,
    pub timeout_secs: u64,
    /// Retries after the first try, for timeouts, connection errors, 429 and 5xx.
    pub retries: u32,
    pub backoff_ms: u64,
    pub max_backoff_secs: u64,
    pub temperature: f64,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            provider: "auto".into(),
            base_url: "https://api.openai.com/v1".into(),
            api_key: Secret::default(),
            model: "gpt-4o".into(),
            timeout_secs: 60,
            retries: 3,
            backoff_ms: 500,
            max_backoff_secs: 30,
            temperature: 0.7,
        }
    }
}

/// A secret string (an API key): its `Debug` shows `***`, and it has no `Serialize`.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value, only where it is sent; `None` when empty.
    pub fn expose(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "(unset)" } else { "***" })
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// Longest accepted video, in seconds.
    pub max_duration_secs: f64,
    /// Largest accepted frame side, in pixels.
    pub max_frame_side: u32,
    /// Highest `sample_fps` a job may ask for.
    pub max_sample_fps: f64,
    /// Longest side of the frame given to the face detector.
    pub detect_max_side: u32,
    /// Faces classified in one batch.
    pub classify_batch: usize,
    /// Most items on one page of a listing.
    pub max_page_size: u32,
    /// Uploads are refused with 429 while this many jobs wait in the queue.
    pub max_queued_jobs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobDefaults {
    pub sample_fps: f64,
    pub detector: String,
    pub min_face_px: u32,
    /// Minimum detector score for a face to count.
    pub min_score: f32,
    /// Extra border around a detected face before it is cropped, as a share of its size.
    pub face_margin: f32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// How often a running job's worker proves it is alive.
    pub heartbeat_secs: u64,
    /// A running job whose heartbeat is older than this is given to another worker.
    pub stale_after_secs: u64,
    /// How often an idle worker looks for work.
    pub poll_ms: u64,
    /// Tries per job before it fails for good.
    pub max_attempts: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: "data".into(),
            database_url: String::new(),
            models_dir: "models".into(),
            default_model: "emonet".into(),
            yunet_model: "third_party/face_detection_yunet_2023mar.onnx".into(),
            haar_cascade: "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
                .into(),
            onnxruntime_lib: "third_party/onnxruntime/libonnxruntime.so.1.31.1".into(),
            execution_provider: "cpu".into(),
            inference_threads: 0,
            workers: 0,
            limits: Limits::default(),
            defaults: JobDefaults::default(),
            queue: QueueConfig::default(),
            keep_videos: false,
            report: ReportConfig::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_upload_bytes: 1 << 30,
            max_duration_secs: 3.0 * 3600.0,
            max_frame_side: 4096,
            max_sample_fps: 60.0,
            detect_max_side: 640,
            classify_batch: 64,
            max_page_size: 1000,
            max_queued_jobs: 100,
        }
    }
}

impl Default for JobDefaults {
    fn default() -> Self {
        Self {
            sample_fps: 5.0,
            detector: "yunet".into(),
            min_face_px: 24,
            min_score: 0.6,
            face_margin: 0.1,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            heartbeat_secs: 5,
            stale_after_secs: 30,
            poll_ms: 500,
            max_attempts: 3,
        }
    }
}

impl Config {
    /// Defaults, overlaid by `file` when given, then by the environment.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        Ok(config)
    }

    /// Reads `EMOSCOPE_<FIELD>` and `EMOSCOPE_<SECTION>__<FIELD>` variables.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        fn set<T: std::str::FromStr>(target: &mut T, key: &str, value: Option<String>) -> Result<()>
        where
            T::Err: std::fmt::Display,
        {
            if let Some(v) = value {
                *target = v
                    .parse()
                    .map_err(|e| anyhow::anyhow!("invalid value {v:?} for {key}: {e}"))?;
            }
            Ok(())
        }
        macro_rules! env {
            ($($key:literal => $field:expr),* $(,)?) => {
                $( set(&mut $field, $key, get($key))?; )*
            };
        }
        env!(
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
            "EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES" => self.limits.max_upload_bytes,
            "EMOSCOPE_LIMITS__MAX_DURATION_SECS" => self.limits.max_duration_secs,
            "EMOSCOPE_LIMITS__MAX_FRAME_SIDE" => self.limits.max_frame_side,
            "EMOSCOPE_LIMITS__MAX_SAMPLE_FPS" => self.limits.max_sample_fps,
            "EMOSCOPE_LIMITS__DETECT_MAX_SIDE" => self.limits.detect_max_side,
            "EMOSCOPE_LIMITS__CLASSIFY_BATCH" => self.limits.classify_batch,
            "EMOSCOPE_LIMITS__MAX_PAGE_SIZE" => self.limits.max_page_size,
            "EMOSCOPE_LIMITS__MAX_QUEUED_JOBS" => self.limits.max_queued_jobs,
            "EMOSCOPE_DEFAULTS__SAMPLE_FPS" => self.defaults.sample_fps,
            "EMOSCOPE_DEFAULTS__DETECTOR" => self.defaults.detector,
            "EMOSCOPE_DEFAULTS__MIN_FACE_PX" => self.defaults.min_face_px,
            "EMOSCOPE_DEFAULTS__MIN_SCORE" => self.defaults.min_score,
            "EMOSCOPE_DEFAULTS__FACE_MARGIN" => self.defaults.face_margin,
            "EMOSCOPE_QUEUE__HEARTBEAT_SECS" => self.queue.heartbeat_secs,
            "EMOSCOPE_QUEUE__STALE_AFTER_SECS" => self.queue.stale_after_secs,
            "EMOSCOPE_QUEUE__POLL_MS" => self.queue.poll_ms,
            "EMOSCOPE_QUEUE__MAX_ATTEMPTS" => self.queue.max_attempts,
            "EMOSCOPE_REPORT__PROVIDER" => self.report.provider,
            "EMOSCOPE_REPORT__BASE_URL" => self.report.base_url,
            "EMOSCOPE_REPORT__API_KEY" => self.report.api_key,
            "EMOSCOPE_REPORT__MODEL" => self.report.model,
            "EMOSCOPE_REPORT__TIMEOUT_SECS" => self.report.timeout_secs,
            "EMOSCOPE_REPORT__RETRIES" => self.report.retries,
            "EMOSCOPE_REPORT__BACKOFF_MS" => self.report.backoff_ms,
            "EMOSCOPE_REPORT__MAX_BACKOFF_SECS" => self.report.max_backoff_secs,
            "EMOSCOPE_REPORT__TEMPERATURE" => self.report.temperature,
        );
        self.validate()
    }

    pub fn validate(&self) -> Result<()> {
        if self.limits.classify_batch == 0 {
            bail!("limits.classify_batch must be at least 1");
        }
        if self.limits.detect_max_side < 32 {
            bail!("limits.detect_max_side must be at least 32");
        }
        if self.limits.max_sample_fps.is_nan() || self.limits.max_sample_fps <= 0.0 {
            bail!("limits.max_sample_fps must be positive");
        }
        if self.queue.stale_after_secs <= self.queue.heartbeat_secs {
            bail!("queue.stale_after_secs must be longer than queue.heartbeat_secs");
        }
        if self.queue.max_attempts == 0 {
            bail!("queue.max_attempts must be at least 1");
        }
        if !matches!(
            self.report.provider.as_str(),
            "auto" | "openai" | "template"
        ) {
            bail!("report.provider must be auto, openai or template");
        }
        if !matches!(self.execution_provider.as_str(), "cpu" | "cuda") {
            bail!("execution_provider must be cpu or cuda");
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("emoscope.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            cores()
        }
    }

    /// Threads for each inference session, so that all workers together use the cores once.
    pub fn threads_per_session(&self, workers: usize) -> usize {
        if self.inference_threads > 0 {
            self.inference_threads
        } else {
            (cores() / workers.max(1)).max(1)
        }
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults_and_is_validated() {
        let mut config = Config::default();
        config
            .apply_env(|k| match k {
                "EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES" => Some("1000".into()),
                "EMOSCOPE_DEFAULTS__DETECTOR" => Some("haar".into()),
                _ => None,
            })
            .expect("valid");
        assert_eq!(config.limits.max_upload_bytes, 1000);
        assert_eq!(config.defaults.detector, "haar");

        let err = Config::default()
            .apply_env(|k| (k == "EMOSCOPE_WORKERS").then(|| "many".into()))
            .expect_err("not a number");
        assert!(err.to_string().contains("EMOSCOPE_WORKERS"), "{err}");
    }

    #[test]
    fn the_api_key_never_shows_in_debug_output() {
        let mut config = Config::default();
        config
            .apply_env(|k| (k == "EMOSCOPE_REPORT__API_KEY").then(|| "sk-very-secret".into()))
            .expect("valid");
        assert_eq!(config.report.api_key.expose(), Some("sk-very-secret"));
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn file_fields_are_checked() {
        let err = toml::from_str::<Config>("listen = 1").expect_err("wrong type");
        assert!(err.to_string().contains("listen"), "{err}");
        let err = toml::from_str::<Config>("no_such_key = 1").expect_err("unknown key");
        assert!(err.to_string().contains("no_such_key"), "{err}");
    }
}
