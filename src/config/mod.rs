//! Typed configuration: built-in defaults, then an optional TOML file, then `EMOSCOPE_*`
//! environment variables, then command-line flags (applied by the binary).

mod check;
mod defaults;
mod downloads;
mod env;
mod http;
mod limits;
mod queue;
mod report;
mod secret;
mod storage;
mod tracking;
mod values;
mod webhooks;

pub use defaults::JobDefaults;
pub use downloads::DownloadConfig;
pub use http::{AuthConfig, HttpConfig, RateLimitConfig};
pub use limits::Limits;
pub use queue::QueueConfig;
pub use report::{ProviderChoice, ReportConfig};
pub use secret::{DatabaseUrl, Secret, WebhookSecret, redact_url, webhook_key};
pub use storage::{StorageBackend, StorageConfig};
pub use tracking::TrackingConfig;
pub use values::{List, Network, Origin, canonical};
pub use webhooks::WebhookConfig;

use std::path::PathBuf;

use serde::Deserialize;

use crate::runtime::ExecutionProvider;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// Holds the SQLite database and the uploads.
    pub data_dir: PathBuf,
    /// Database URL; empty means `sqlite://{data_dir}/emoscope.db`. Its password never shows.
    pub database_url: DatabaseUrl,
    /// Folder with the emotion models (`*.onnx`).
    pub models_dir: PathBuf,
    /// Emotion model used when a job names none (file stem in `models_dir`).
    pub default_model: String,
    /// Emotion model a live session uses when it names none: live frames come as fast as the
    /// client sends them, so the fast model; `default_model` when this one is not there.
    pub live_model: String,
    /// YuNet face detector (ONNX).
    pub yunet_model: PathBuf,
    /// MobileFaceNet face embedding (ONNX), to tell people apart within one video
    /// (`tracking.identity`).
    pub identity_model: PathBuf,
    /// Haar cascade, the fallback detector.
    pub haar_cascade: PathBuf,
    /// `libonnxruntime.so`, loaded at run time.
    pub onnxruntime_lib: PathBuf,
    /// `cpu` or `cuda`; `cuda` falls back to the CPU with a warning when it cannot be used.
    pub execution_provider: ExecutionProvider,
    /// Threads per ONNX Runtime session; 0 picks cores / workers.
    pub inference_threads: usize,
    /// Jobs processed at once by this process; 0 means one per core.
    pub workers: usize,
    pub limits: Limits,
    pub defaults: JobDefaults,
    pub queue: QueueConfig,
    pub tracking: TrackingConfig,
    /// Keep uploaded videos after analysis (they are deleted by default).
    pub keep_videos: bool,
    pub report: ReportConfig,
    /// When set, `GET /metrics` asks for `Authorization: Bearer {metrics_token}`.
    pub metrics_token: Secret,
    pub auth: AuthConfig,
    pub http: HttpConfig,
    pub rate_limits: RateLimitConfig,
    pub webhooks: WebhookConfig,
    pub storage: StorageConfig,
    pub downloads: DownloadConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: "data".into(),
            database_url: DatabaseUrl::default(),
            models_dir: "models".into(),
            default_model: "emonet_ferplus_flip_int8".into(),
            live_model: "emonet_ferplus_flip_int8".into(),
            yunet_model: "third_party/face_detection_yunet_2023mar.onnx".into(),
            identity_model: "third_party/mobilefacenet.onnx".into(),
            haar_cascade: "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
                .into(),
            onnxruntime_lib: "third_party/onnxruntime/libonnxruntime.so.1.31.1".into(),
            execution_provider: ExecutionProvider::Cpu,
            inference_threads: 0,
            workers: 0,
            limits: Limits::default(),
            defaults: JobDefaults::default(),
            queue: QueueConfig::default(),
            tracking: TrackingConfig::default(),
            keep_videos: false,
            report: ReportConfig::default(),
            metrics_token: Secret::default(),
            auth: AuthConfig::default(),
            http: HttpConfig::default(),
            rate_limits: RateLimitConfig::default(),
            webhooks: WebhookConfig::default(),
            storage: StorageConfig::default(),
            downloads: DownloadConfig::default(),
        }
    }
}

impl Config {
    pub fn database_url(&self) -> DatabaseUrl {
        if self.database_url.is_empty() {
            DatabaseUrl::new(format!(
                "sqlite://{}",
                self.data_dir.join("emoscope.db").display()
            ))
        } else {
            self.database_url.clone()
        }
    }

    /// FFmpeg probes of uploads that may run at once.
    pub fn probe_slots(&self) -> usize {
        if self.limits.max_concurrent_probes > 0 {
            self.limits.max_concurrent_probes
        } else {
            cores()
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
    use std::path::Path;

    use anyhow::Result;

    use super::*;
    use crate::vocabulary::DetectorKind;

    fn env(pairs: &[(&str, &str)]) -> Result<Config> {
        let vars = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::layered(None, vars)
    }

    #[test]
    fn environment_overrides_the_file_and_the_defaults_and_is_checked() {
        let file = "[limits]\nmax_upload_bytes = 5000\nmax_field_bytes = 100\n";
        let vars = [
            ("EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES", "1000"),
            ("EMOSCOPE_DEFAULTS__DETECTOR", "haar"),
            ("EMOSCOPE_KEEP_VIDEOS", "true"),
            (
                "EMOSCOPE_HTTP__CORS_ORIGINS",
                "https://a.example, https://b.example",
            ),
            // Not settings: left to whoever reads them.
            ("EMOSCOPE_CONFIG", "elsewhere.toml"),
            ("EMOSCOPE_LOG_FORMAT", "json"),
            ("OTHER", "x"),
        ];
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let config =
            Config::layered(Some((Path::new("emoscope.toml"), file)), vars).expect("valid");
        assert_eq!(config.limits.max_upload_bytes, 1000);
        assert_eq!(config.limits.max_field_bytes, 100);
        assert_eq!(
            config.limits.max_queued_jobs,
            Limits::default().max_queued_jobs
        );
        assert_eq!(config.defaults.detector, DetectorKind::Haar);
        assert!(config.keep_videos);
        assert_eq!(config.http.cors_origins.0.len(), 2);

        let err = env(&[("EMOSCOPE_WORKERS", "many")]).expect_err("not a number");
        assert!(err.to_string().contains("EMOSCOPE_WORKERS"), "{err}");
        let err = env(&[("EMOSCOPE_LIMITS__MAX_UPLOADBYTES", "1")]).expect_err("misspelt");
        assert!(err.to_string().contains("max_uploadbytes"), "{err}");
    }

    #[test]
    fn text_settings_take_any_text_numbers_too() {
        let config = env(&[
            ("EMOSCOPE_REPORT__API_KEY", "12345"),
            ("EMOSCOPE_DEFAULT_MODEL", "2026"),
        ])
        .expect("valid");
        assert_eq!(config.report.api_key.expose(), Some("12345"));
        assert_eq!(config.default_model, "2026");
    }

    #[test]
    fn the_api_key_never_shows_in_debug_output() {
        let config = env(&[("EMOSCOPE_REPORT__API_KEY", "sk-very-secret")]).expect("valid");
        assert_eq!(config.report.api_key.expose(), Some("sk-very-secret"));
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("***"));
        let err = env(&[("EMOSCOPE_WEBHOOKS__SECRET", "whsec_not base64 hunter2")])
            .expect_err("malformed");
        assert!(
            err.to_string().contains("EMOSCOPE_WEBHOOKS__SECRET"),
            "{err}"
        );
        assert!(!format!("{err:#}").contains("hunter2"), "{err:#}");
    }

    #[test]
    fn database_passwords_never_show() {
        for (url, secret) in [
            ("postgres://emoscope:hunter2@db:5432/emoscope", "hunter2"),
            (
                "postgres://db/emoscope?user=emoscope&password=hunter2",
                "hunter2",
            ),
            (
                "postgresql://u:p%40ss@db/x?sslmode=disable&PASSWORD=hunter2",
                "hunter2",
            ),
            ("mysql://root:hunter2@db/x", "hunter2"),
        ] {
            let shown = match env(&[("EMOSCOPE_DATABASE_URL", url)]) {
                Ok(config) => format!(
                    "{config:?} {} {:?}",
                    config.database_url(),
                    config.database_url()
                ),
                Err(e) => format!("{e:#}"),
            };
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains("p%40ss"), "{shown}");
        }
        assert_eq!(
            redact_url("postgres://emoscope:hunter2@db/emoscope?password=x&sslmode=off"),
            "postgres://emoscope:***@db/emoscope?password=***&sslmode=off"
        );
    }

    #[test]
    fn bad_defaults_stop_the_start_with_a_clear_message() {
        let err = env(&[("EMOSCOPE_DEFAULTS__DETECTOR", "retina")]).expect_err("unknown detector");
        let text = err.to_string();
        assert!(text.contains("EMOSCOPE_DEFAULTS__DETECTOR"), "{text}");
        assert!(text.contains("yunet") && text.contains("haar"), "{text}");
        let err = env(&[("EMOSCOPE_DEFAULTS__SAMPLE_FPS", "500")]).expect_err("above the limit");
        assert!(err.to_string().contains("defaults.sample_fps"), "{err}");
        let file = Some((Path::new("e.toml"), "[defaults]\ndetector = \"retina\""));
        let err = Config::layered(file, []).expect_err("file");
        assert!(format!("{err:#}").contains("retina"), "{err:#}");
    }

    #[test]
    fn file_fields_are_checked() {
        let file = |text| Config::layered(Some((Path::new("e.toml"), text)), []);
        let err = file("listen = 1").expect_err("wrong type");
        assert!(format!("{err:#}").contains("listen"), "{err:#}");
        let err = file("no_such_key = 1").expect_err("unknown key");
        assert!(format!("{err:#}").contains("no_such_key"), "{err:#}");
    }
}
