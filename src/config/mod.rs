//! Typed configuration: built-in defaults, then an optional TOML file, then `EMOSCOPE_*`
//! environment variables, then command-line flags (applied by the binary).

mod check;
mod env;
mod secret;
mod values;

pub use secret::{DatabaseUrl, Secret, WebhookSecret, redact_url, webhook_key};
pub use values::{List, Network, Origin, canonical};

use std::path::PathBuf;

use serde::Deserialize;

use crate::pipeline::detect::DetectorKind;
use crate::pipeline::people::Focus;
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

/// Videos fetched from a URL (`POST /v1/jobs` with `video_url`). The size, duration and idle
/// limits are an upload's (`limits.*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadConfig {
    /// Accept `http://` video URLs (otherwise only `https://`).
    pub allow_http: bool,
    /// Addresses or CIDR ranges a video URL (or a redirect) may reach although they are
    /// loopback, private, link-local or cloud metadata addresses (refused otherwise).
    pub allowed_networks: List<Network>,
    /// Buckets `s3://bucket/key` URLs may name; they are read with the `storage.*` endpoint,
    /// region and credentials. Empty: `s3://` URLs are refused.
    pub s3_buckets: List,
    /// Redirects followed, each checked like the first URL.
    pub max_redirects: u32,
    /// Tries of a download whose far side answered 5xx (or 408, 429) or timed out.
    pub attempts: u32,
    /// Wait before the second try; it doubles after each.
    pub retry_base_ms: u64,
    /// Connecting and waiting for the answer's headers, per try.
    pub connect_timeout_secs: u64,
    /// A whole download, all tries together.
    pub max_secs: u64,
    /// Downloads at once in this process; more wait their turn (still `downloading`).
    pub concurrency: usize,
    /// Largest HLS playlist a stream job reads (each reload of a live one too).
    pub max_playlist_bytes: u64,
}

impl Default for DownloadConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            allowed_networks: List::default(),
            s3_buckets: List::default(),
            max_redirects: 5,
            attempts: 3,
            retry_base_ms: 1000,
            connect_timeout_secs: 10,
            max_secs: 1800,
            concurrency: 4,
            max_playlist_bytes: 1 << 20,
        }
    }
}

/// Where uploads and annotated videos live between the API and the workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `local`: `{data_dir}/uploads` (one machine); `s3`: a bucket every process shares.
    pub backend: StorageBackend,
    /// S3 bucket; empty: `AWS_BUCKET_NAME`. Each S3 setting left empty here is read from the
    /// usual `AWS_*` variable (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...).
    pub bucket: String,
    /// Key prefix inside the bucket, so that one bucket can serve several deployments.
    pub prefix: String,
    /// Endpoint of a self-hosted store (MinIO, Ceph, Garage...); `http://` is allowed.
    pub endpoint: String,
    pub region: String,
    /// `{endpoint}/{bucket}/key` addressing, which self-hosted stores expect; false:
    /// `{bucket}.{endpoint}/key`.
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// One store request fails after this long (it is retried twice within it).
    pub timeout_secs: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            bucket: String::new(),
            prefix: "emoscope".into(),
            endpoint: String::new(),
            region: String::new(),
            path_style: true,
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
            timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}

/// Webhooks: where they may go, how they are signed, how long they are retried.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// `callback_url` of jobs uploaded without one; empty: none.
    pub default_callback_url: String,
    /// Signs the webhooks of jobs made without an API key (Standard Webhooks `whsec_…` form);
    /// jobs made with a key are signed with that key's own secret.
    pub secret: WebhookSecret,
    /// Accept `http://` callback URLs (otherwise only `https://`).
    pub allow_http: bool,
    /// Addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`) that callbacks may reach although
    /// they are loopback, private, link-local or cloud metadata addresses (refused otherwise).
    pub allowed_networks: List<Network>,
    /// How long one attempt may take.
    pub timeout_secs: u64,
    /// Wait before the first retry; it doubles after each failure, with jitter.
    pub retry_base_ms: u64,
    pub max_backoff_secs: u64,
    /// A delivery not done this long after its event is given up.
    pub give_up_after_secs: u64,
    /// Deliveries sent at once by this process.
    pub concurrency: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            default_callback_url: String::new(),
            secret: WebhookSecret::default(),
            allow_http: false,
            allowed_networks: List::default(),
            timeout_secs: 10,
            retry_base_ms: 5000,
            max_backoff_secs: 3600,
            give_up_after_secs: 86_400,
            concurrency: 4,
        }
    }
}

/// Who may call the API. Keys are made with `emoscope keys create`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Ask for a key on every `/v1` request even before one exists (otherwise keys are asked for
    /// as soon as the first one is made).
    pub require_keys: bool,
    /// Serve without keys on an address other than loopback (anyone who reaches the port can
    /// read and delete every job). Without it such a start is refused while no key exists.
    pub allow_anonymous: bool,
}

/// What browsers may do: the `Host` names served and the other sites allowed to call the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Host names (without port) requests may be addressed to; `*` allows any. Empty: on a
    /// loopback address only `localhost`, `127.0.0.1` and `[::1]`, elsewhere any.
    pub allowed_hosts: List,
    /// Origins (`https://app.example.com`) whose pages may call the API (CORS). Empty: only
    /// pages served by Emoscope itself.
    pub cors_origins: List<Origin>,
}

/// Per API key (or, without keys, for everyone together), in this process.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Uploads per minute, in bursts of up to as many; 0: no limit.
    pub uploads_per_minute: u32,
    /// Report requests per minute; 0: no limit.
    pub reports_per_minute: u32,
    /// Pictures (`POST /v1/images`) per minute; 0: no limit.
    pub images_per_minute: u32,
    /// Live tickets (`POST /v1/live/tickets`) per minute; 0: no limit.
    pub tickets_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            uploads_per_minute: 60,
            reports_per_minute: 30,
            images_per_minute: 120,
            tickets_per_minute: 60,
        }
    }
}

/// The narrative report's language model. The key is a [`Secret`]: never printed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// `openai`, `template`, or `auto` (openai when an API key is set, else template).
    pub provider: ProviderChoice,
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
    /// Reports written at once by this process, in the background.
    pub workers: usize,
    /// Tries of one report whose writer died before it is failed.
    pub max_attempts: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            provider: ProviderChoice::Auto,
            base_url: "https://api.openai.com/v1".into(),
            api_key: Secret::default(),
            model: "gpt-4o".into(),
            timeout_secs: 60,
            retries: 3,
            backoff_ms: 500,
            max_backoff_secs: 30,
            temperature: 0.7,
            workers: 4,
            max_attempts: 3,
        }
    }
}

/// Which narrative provider the server uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderChoice {
    /// `openai` when an API key is set, else `template`.
    Auto,
    Openai,
    Template,
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
    /// Longest value of a form field or query option other than the video, in bytes.
    pub max_field_bytes: usize,
    /// An upload whose body sends nothing for this long is dropped (`408`).
    pub upload_idle_secs: u64,
    /// Every request but an upload must be answered within this time (`408`/`503` past it).
    pub request_timeout_secs: u64,
    /// Uploads checked with FFmpeg at once; more wait their turn (0: one per core).
    pub max_concurrent_probes: usize,
    /// How long an `Idempotency-Key` is remembered, in seconds.
    pub idempotency_ttl_secs: u64,
    /// Job event streams (`/events`) open at once; more are refused with 429.
    pub max_event_streams: usize,
    /// An upload refused before its body is read (429, 413, …) has up to this many bytes of its
    /// body read and dropped first, so that the client can read the answer (0: none).
    pub refused_body_drain_bytes: u64,
    /// Largest picture accepted by `POST /v1/images`, in bytes.
    pub max_image_bytes: u64,
    /// Most pixels (width × height, read from the file's header before it is decoded) of a
    /// picture accepted by `POST /v1/images`.
    pub max_image_pixels: u64,
    /// Pictures analysed at once by this process, each analyser with its own model sessions.
    pub image_workers: usize,
    /// Pictures waiting for an analyser; past this, `503 busy`. A picture takes its place
    /// before its body is read, so at most `image_workers + image_queue` bodies are in memory.
    pub image_queue: usize,
    /// Most scans of a JPEG picture or live frame (a progressive JPEG's decoding walks every
    /// block once a scan, so a small file of many empty scans costs minutes); counted before
    /// it is decoded.
    pub max_jpeg_scans: u32,
    /// Live sessions (`GET /v1/live`) open at once in this process, each with its own model
    /// sessions and thread; and per API key (or for the open server's callers together).
    pub max_live_sessions: usize,
    pub max_live_sessions_per_key: usize,
    /// Largest frame of a live session, in bytes and in pixels (read from its header before it
    /// is decoded).
    pub max_live_frame_bytes: u64,
    pub max_live_frame_pixels: u64,
    /// Frames a live session analyses per second at most; of frames sent faster, the latest
    /// waiting one is taken and the older ones are dropped.
    pub max_live_fps: f64,
    /// Longest live session; it ends (and is kept as a job if asked) after this.
    pub max_live_secs: u64,
    /// How often a live session sends its running summary per person.
    pub live_summary_secs: u64,
    /// Bytes waiting to be written to a live client, pongs included; past this, the client is
    /// taken to have stopped reading and the session ends (`not_reading`).
    pub max_live_write_buffer_bytes: usize,
    /// Control messages (pings, pongs) a live client may send a second, on average over a
    /// second's burst; past this, the session ends (`too_many_messages`).
    pub max_live_control_per_sec: u32,
    /// Live tickets a key may hold unused at once (`POST /v1/live/tickets`).
    pub max_live_tickets_per_key: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobDefaults {
    pub sample_fps: f64,
    pub detector: DetectorKind,
    pub min_face_px: u32,
    /// Minimum detector score for a face to count.
    pub min_score: f32,
    /// Extra border around a detected face before it is cropped, as a share of its size
    /// (the box crop: Haar, or `align_faces = false`).
    pub face_margin: f32,
    /// Turn each face upright and frame it as FER2013 does, by YuNet's five landmarks.
    pub align_faces: bool,
    /// Follow faces across frames and report per person.
    pub tracking: bool,
    /// Tracks shorter than this are left out of the people.
    pub min_track_ms: u64,
    pub focus: Focus,
}

/// How faces are followed from frame to frame.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackingConfig {
    /// How long (video time) a person who left the picture is waited for before a face there
    /// counts as someone new.
    pub max_lost_ms: u64,
    /// Most faces followed at once; in a crowd the rest count in the result but not as people.
    pub max_live_tracks: usize,
    /// Most people listed for one job (the longest on screen).
    pub max_people: usize,
    /// How long (video time) a person who left the picture is remembered while the video is
    /// analysed, to be given their number back on return; 0 leaves that to the end of the job.
    pub reid_ms: u64,
    /// Tell people apart by a face embedding (biometric data, kept in memory for one job only);
    /// `false` leaves position and the 16×16 look, for deployments that may not process
    /// biometric data.
    pub identity: bool,
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Self {
            max_lost_ms: 2000,
            max_live_tracks: 64,
            max_people: 500,
            reid_ms: 60_000,
            identity: true,
        }
    }
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
    /// Tries per job before it fails for good (failures of the analysis itself).
    pub max_attempts: u32,
    /// A job whose worker process died this many times in a row at the same point is taken to
    /// be what kills it (a poison job) and fails with `worker_lost`; other restarts cost nothing.
    pub max_crashes: u32,
    /// How often the sweeper looks for uploads that outlived their job.
    pub sweep_secs: u64,
    /// An upload file that belongs to no job is removed once it is this old (a crash mid-upload).
    pub orphan_grace_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: "data".into(),
            database_url: DatabaseUrl::default(),
            models_dir: "models".into(),
            default_model: "emonet_ferplus_flip_int8".into(),
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

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_upload_bytes: 1 << 30,
            max_duration_secs: 3.0 * 3600.0,
            max_frame_side: 4096,
            max_sample_fps: 60.0,
            detect_max_side: 640,
            classify_batch: 16,
            max_page_size: 1000,
            max_queued_jobs: 100,
            max_field_bytes: 1024,
            upload_idle_secs: 30,
            request_timeout_secs: 30,
            max_concurrent_probes: 0,
            idempotency_ttl_secs: 86_400,
            max_event_streams: 256,
            refused_body_drain_bytes: 8 << 20,
            max_image_bytes: 10 << 20,
            max_image_pixels: 40_000_000,
            image_workers: 1,
            image_queue: 8,
            max_jpeg_scans: 100,
            max_live_sessions: 4,
            max_live_sessions_per_key: 2,
            max_live_frame_bytes: 2 << 20,
            max_live_frame_pixels: 3840 * 2160,
            max_live_fps: 15.0,
            max_live_secs: 1800,
            live_summary_secs: 2,
            max_live_write_buffer_bytes: 1 << 20,
            max_live_control_per_sec: 20,
            max_live_tickets_per_key: 20,
        }
    }
}

impl Default for JobDefaults {
    fn default() -> Self {
        Self {
            sample_fps: 5.0,
            detector: DetectorKind::Yunet,
            min_face_px: 24,
            min_score: 0.6,
            face_margin: 0.1,
            align_faces: true,
            tracking: true,
            min_track_ms: 1000,
            focus: Focus::All,
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
            max_crashes: 5,
            sweep_secs: 60,
            orphan_grace_secs: 600,
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
