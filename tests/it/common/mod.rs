//! Test helpers: the real server on port 0 with a fresh data directory, the real models, and
//! FER-made videos.

pub mod keys;
pub mod mot;
pub mod opencv_frames;
pub mod people;
pub mod pg;
pub mod receiver;
pub mod s3;
pub mod scans;
pub mod scenes;
pub mod server;
pub mod synth;
pub mod video_host;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use emoscope::app::Service;
use emoscope::config::Config;
use serde_json::Value;
use synth::{Codec, Face, Segment, VideoSpec};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, or `EMOSCOPE_SHARED_DIR`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("EMOSCOPE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
}

/// A configuration that uses the real models: the project's own in `models/`, YuNet from
/// `../shared/models` (or `EMOSCOPE_YUNET_MODEL`), ONNX Runtime from `third_party/` (setup.sh).
pub fn test_config(data_dir: &Path) -> Config {
    let mut c = Config {
        data_dir: data_dir.to_path_buf(),
        models_dir: std::env::var_os("EMOSCOPE_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("models")),
        yunet_model: std::env::var_os("EMOSCOPE_YUNET_MODEL")
            .map(PathBuf::from)
            .unwrap_or_else(|| shared_dir().join("models/face_detection_yunet.onnx")),
        identity_model: std::env::var_os("EMOSCOPE_IDENTITY_MODEL")
            .map(PathBuf::from)
            .unwrap_or_else(|| shared_dir().join("models/mobilefacenet.onnx")),
        onnxruntime_lib: std::env::var_os("EMOSCOPE_ONNXRUNTIME_LIB")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("third_party/onnxruntime/libonnxruntime.so.1.31.1")),
        workers: 1,
        inference_threads: 2,
        ..Config::default()
    };
    assert!(
        c.yunet_model.is_file(),
        "these tests need the YuNet model at {} (set EMOSCOPE_YUNET_MODEL or EMOSCOPE_SHARED_DIR)",
        c.yunet_model.display()
    );
    assert!(
        c.identity_model.is_file(),
        "these tests need the MobileFaceNet model at {} (set EMOSCOPE_IDENTITY_MODEL or EMOSCOPE_SHARED_DIR)",
        c.identity_model.display()
    );
    assert!(
        c.onnxruntime_lib.is_file(),
        "these tests need ONNX Runtime at {} (run scripts/setup.sh)",
        c.onnxruntime_lib.display()
    );
    c.queue.poll_ms = 100;
    c.queue.heartbeat_secs = 1;
    c.queue.stale_after_secs = 5;
    c
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    /// What the service was started with.
    pub config: Config,
    service: Option<Service>,
}

impl TestApp {
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Self {
        tracing_subscriber_init();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(data_dir.path());
        tweak(&mut config);
        let workers = config.workers;
        let kept = config.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let service = Service::start(config, listener, workers)
            .await
            .expect("service starts");
        Self {
            base: format!("http://{}", service.addr),
            client: reqwest::Client::new(),
            data_dir,
            config: kept,
            service: Some(service),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.service.take() {
            s.stop().await.expect("clean stop");
        }
    }

    /// Uploads a file as multipart with extra form fields; returns (status, body).
    pub async fn upload(&self, path: &Path, fields: &[(&str, &str)]) -> (u16, Value) {
        self.upload_as(&self.client, path, fields).await
    }

    /// [`TestApp::upload`] with another client (another API key).
    pub async fn upload_as(
        &self,
        client: &reqwest::Client,
        path: &Path,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let bytes = std::fs::read(path).expect("read video");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "video",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        let resp = client
            .post(self.url("/v1/jobs"))
            .multipart(form)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.get(self.url(path))).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.delete(self.url(path))).await
    }

    /// Asks for a report on job `id`; returns (status, body).
    /// Asks for a report: the status of the POST, and the report once it has finished (a 202
    /// is polled at its `links.self`).
    pub async fn post_report(&self, id: &str, body: Value) -> (u16, Value) {
        let url = self.url(&format!("/v1/jobs/{id}/report"));
        let (status, report) = status_and_json(self.client.post(url).json(&body)).await;
        if status != 202 {
            return (status, report);
        }
        (status, self.wait_report(&report).await)
    }

    /// Polls a report (as a POST answered it) until it has succeeded or failed.
    pub async fn wait_report(&self, report: &Value) -> Value {
        let path = report["links"]["self"]
            .as_str()
            .expect("links.self")
            .to_string();
        let start = Instant::now();
        loop {
            let (status, r) = self.get(&path).await;
            assert_eq!(status, 200, "{r}");
            if matches!(r["status"].as_str(), Some("succeeded" | "failed")) {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "report not finished: {r}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A POST without a body.
    pub async fn post(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.post(self.url(path))).await
    }

    /// Upload files: in the media store's folder and in the scratch folders.
    pub fn uploads_count(&self) -> usize {
        media_files(self.data_dir.path()).len()
    }

    /// Polls a job until it has finished (or `timeout` passes).
    pub async fn wait(&self, id: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.get(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if matches!(
                job["status"].as_str(),
                Some("succeeded" | "failed" | "canceled")
            ) {
                return job;
            }
            assert!(
                start.elapsed() < timeout,
                "job {id} did not finish in {timeout:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Sends a request; returns its status and JSON body (`null` when the body is not JSON).
/// The names of the upload files under a data folder: the local media store's
/// (`uploads/`) and those on their way in or out (`scratch/slot-*/`).
pub fn media_files(data_dir: &Path) -> Vec<String> {
    let mut dirs = vec![data_dir.join("uploads")];
    if let Ok(slots) = std::fs::read_dir(data_dir.join("scratch")) {
        dirs.extend(slots.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    let mut names: Vec<String> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn tracing_subscriber_init() {
    emoscope::telemetry::init("warn");
}

/// Asserts the API's one error shape and returns its code.
pub fn error_code(body: &Value) -> String {
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"));
    let message = body["error"]["message"].as_str().expect("message");
    assert!(!message.is_empty());
    code.to_string()
}

/// The main test video: 640×360 at 25 fps, 10 s:
/// 0–2 s no face; 2–6 s one happy face a second (200 px at 220,80); 6–8 s no face;
/// 8–10 s two faces (happy 150 px at 60,100 and surprise 150 px at 420,120).
pub fn main_spec() -> VideoSpec {
    let fps = 25;
    let mut segments = vec![Segment {
        frames: 50,
        faces: vec![],
    }];
    segments.extend(synth::single_face_segments(
        "happy", 4, fps, 1.0, 220, 80, 200,
    ));
    segments.push(Segment {
        frames: 50,
        faces: vec![],
    });
    let happy = synth::test_faces("happy", 6).pop().expect("face");
    let surprise = synth::test_faces("surprise", 1).pop().expect("face");
    segments.push(Segment {
        frames: 50,
        faces: vec![
            Face {
                image: happy,
                x: 60,
                y: 100,
                size: 150,
            },
            Face {
                image: surprise,
                x: 420,
                y: 120,
                size: 150,
            },
        ],
    });
    small_video(fps, segments)
}

/// 640×360, still frames: the size of every test video.
fn small_video(fps: u32, segments: Vec<Segment>) -> VideoSpec {
    VideoSpec {
        width: 640,
        height: 360,
        fps,
        segments,
        motion: false,
    }
}

/// Only happy test faces, a different one every half second, 12 s.
pub fn happy_spec() -> VideoSpec {
    let fps = 10;
    let segments = synth::single_face_segments("happy", 24, fps, 0.5, 180, 40, 240);
    small_video(fps, segments)
}

/// A long video for the crash test: 24 s at 25 fps of changing faces, analysed at every frame.
pub fn long_spec() -> VideoSpec {
    let fps = 25;
    let mut segments = synth::single_face_segments("neutral", 12, fps, 1.0, 200, 60, 220);
    segments.extend(synth::single_face_segments(
        "sad", 12, fps, 1.0, 200, 60, 220,
    ));
    small_video(fps, segments)
}

/// Videos are made once per test binary, in a folder that outlives the tests of that binary.
pub fn video(name: &str, spec: fn() -> VideoSpec, codec: Codec) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    let path = dir.path().join(format!("{name}.{}", codec.extension()));
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        synth::write_video(&spec(), codec, &path).unwrap_or_else(|e| panic!("making {name}: {e}"));
    }
    path
}

/// A tool installed by `scripts/setup.sh --test` (in `third_party/venv` or `tests/e2e`), or a
/// failure that says how to get it.
pub fn test_tool(path: &str) -> PathBuf {
    let p = repo().join(path);
    assert!(
        p.exists(),
        "{} is missing: run `scripts/setup.sh --test` (it installs the test tools)",
        p.display()
    );
    p
}

/// Runs a command; fails the test with its output unless it exits 0. Returns stdout.
pub fn run_tool(cmd: &mut std::process::Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    tool_output(out, what)
}

/// A command's stdout; fails the test with its output unless it exited 0.
pub fn tool_output(out: std::process::Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        tail(&stdout, 12_000),
        tail(&stderr, 4_000)
    );
    stdout
}

fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Where tests leave files for people to look at (screenshots, fuzzer logs).
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = repo().join("target/test-artifacts").join(name);
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// A job row for store-level tests; its video does not exist.
pub fn new_job(i: usize) -> emoscope::jobs::NewJob {
    emoscope::jobs::NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        options: emoscope::pipeline::AnalysisOptions {
            sample_fps: 5.0,
            detector: emoscope::pipeline::detect::DetectorKind::Yunet,
            min_face_px: 24,
            model: "emonet".into(),
            tracking: true,
            min_track_ms: 1000,
            focus: emoscope::pipeline::people::Focus::All,
            annotate: false,
        },
        video_name: Some(format!("clip-{i}.mp4")),
        video_path: Some(format!("/nonexistent/{i}.video")),
        video_bytes: 1000,
        keep_video: false,
        video: emoscope::pipeline::probe::VideoInfo {
            duration_ms: 1000,
            fps: 25.0,
            width: 640,
            height: 360,
            frame_count: 25,
            codec: "h264".into(),
        },
        progress_total: 5,
        warnings: Vec::new(),
        max_attempts: 3,
        owner: None,
        callback_url: None,
        source_url: None,
        holder: None,
    }
}

/// Only a job that keeps dying at the same point fails: losses at the same progress in a row
/// count, a loss further on starts the count again, and a lost worker costs no attempt.
pub async fn check_loss_rule(store: &dyn emoscope::db::Store) {
    use emoscope::jobs::JobStatus;
    let job = new_job(0);
    let id = job.id.clone();
    store.create(job, 10).await.expect("create").expect("room");
    let worker = "host:dir:0/1-0";
    let lose_at = |done: u64| {
        let id = id.clone();
        async move {
            let claimed = store.claim(worker).await.expect("claim").expect("job");
            assert_eq!(claimed.id, id);
            store
                .record(&id, worker, &[], done, 100)
                .await
                .expect("record");
            assert_eq!(
                store.take_back("host:dir:0/", 3).await.expect("take back"),
                1
            );
            store.get(&id).await.expect("get").expect("job")
        }
    };
    for done in [16, 32, 32] {
        let j = lose_at(done).await;
        assert_eq!(j.status, JobStatus::Queued, "lost at {done}");
        assert_eq!(j.attempts, 0, "a lost worker costs no attempt");
    }
    // The third loss at 32 in a row: this job is what kills its worker.
    let j = lose_at(32).await;
    assert_eq!(j.status, JobStatus::Failed);
    assert_eq!(j.error_code, Some(emoscope::jobs::JobFailure::WorkerLost));
    // Another instance's jobs are not taken back.
    assert_eq!(store.take_back("host:dir:1/", 3).await.expect("none"), 0);
    store.delete(&id).await.expect("delete");
}

/// A job made from a URL through its states: `downloading` and held by its downloader (not
/// claimable, counted in the queue's places), queued with its video's facts, or failed; a cancel
/// lets it go; the jobs of a lost downloader fail, those of another do not.
pub async fn check_download_states(store: &dyn emoscope::db::Store) {
    use emoscope::db::LostWriters;
    use emoscope::db::downloads::Downloaded;
    use emoscope::jobs::{JobFailure, JobStatus};
    let downloader = "host:dir:0/1-downloads";
    let downloading = |i: usize| {
        let mut job = new_job(i);
        job.video_path = None;
        job.source_url = Some("https://cdn.example.com/a.mp4?…".into());
        job.holder = Some(emoscope::jobs::Holder::Downloader(downloader.into()));
        job
    };
    let [a, b, c, d] = [0, 1, 2, 3].map(downloading);
    let ids: Vec<String> = [&a, &b, &c, &d].iter().map(|j| j.id.clone()).collect();
    for job in [a, b, c, d] {
        let made = store.create(job, 10).await.expect("create").expect("room");
        assert_eq!(made.status, JobStatus::Downloading);
        assert_eq!(
            made.source_url.as_deref(),
            Some("https://cdn.example.com/a.mp4?…")
        );
    }
    // Downloading jobs take places in the queue, and no worker claims them.
    assert!(store.create(new_job(9), 4).await.expect("create").is_none());
    assert!(
        store
            .claim("host:dir:0/1-0")
            .await
            .expect("claim")
            .is_none()
    );
    assert!(
        store
            .download_heartbeat(&ids[0], downloader)
            .await
            .expect("beat")
    );
    assert!(
        !store
            .download_heartbeat(&ids[0], "someone else")
            .await
            .expect("beat")
    );

    let video = new_job(0).video;
    let done = Downloaded {
        video_path: "/media/a.video",
        video_bytes: 1234,
        video: &video,
        progress_total: 7,
    };
    assert!(
        store
            .downloaded(&ids[0], downloader, done)
            .await
            .expect("queued")
    );
    let queued = store.get(&ids[0]).await.expect("get").expect("job");
    assert_eq!(
        (queued.status, queued.video_bytes, queued.progress_total),
        (JobStatus::Queued, 1234, 7)
    );
    assert_eq!(queued.video_path.as_deref(), Some("/media/a.video"));
    let claimed = store
        .claim("host:dir:0/1-0")
        .await
        .expect("claim")
        .expect("the queued one");
    assert_eq!(claimed.id, ids[0]);

    let failed = store.download_failed(&ids[1], downloader, JobFailure::TooLarge, "too big");
    assert!(failed.await.expect("failed"));
    let failed = store.get(&ids[1]).await.expect("get").expect("job");
    assert_eq!(
        (failed.status, failed.error_code),
        (JobStatus::Failed, Some(JobFailure::TooLarge))
    );
    assert!(failed.finished_at.is_some());

    let canceled = store
        .request_cancel(&ids[2])
        .await
        .expect("cancel")
        .expect("job");
    assert_eq!(canceled.status, JobStatus::Canceled);
    assert!(
        !store
            .download_heartbeat(&ids[2], downloader)
            .await
            .expect("beat"),
        "a canceled job is let go"
    );
    let late = Downloaded {
        video_path: "/media/c.video",
        video_bytes: 1,
        video: &video,
        progress_total: 1,
    };
    assert!(
        !store
            .downloaded(&ids[2], downloader, late)
            .await
            .expect("not queued")
    );

    assert_eq!(
        store
            .recover_downloads(LostWriters::OfInstance("host:dir:1/"))
            .await
            .expect("none"),
        0
    );
    assert_eq!(
        store
            .recover_downloads(LostWriters::OfInstance("host:dir:0/"))
            .await
            .expect("one"),
        1
    );
    let lost = store.get(&ids[3]).await.expect("get").expect("job");
    assert_eq!(
        (lost.status, lost.error_code),
        (JobStatus::Failed, Some(JobFailure::DownloadFailed))
    );
    for id in &ids {
        store.delete(id).await.expect("delete");
    }
}

/// Sixteen uploads race for ten places: exactly ten are queued.
pub async fn check_atomic_admission(store: std::sync::Arc<dyn emoscope::db::Store>) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create(new_job(i), 10)
                    .await
                    .expect("create")
                    .is_some()
            })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        admitted += usize::from(t.await.expect("task"));
    }
    assert_eq!(admitted, 10);
    let queued = store
        .count_with_status(emoscope::jobs::JobStatus::Queued)
        .await
        .expect("count");
    assert_eq!(queued, 10);
}

/// Rows exactly as the first schema (migrations 0001 and 0002) and the code of that time wrote
/// them: a succeeded job, one analysed frame and a report.
pub const FIRST_SCHEMA_ROWS: &str = r#"
INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, video,
    progress_done, progress_total, summary, warnings, error_code, error_message, attempts,
    max_attempts, worker_id, heartbeat_at, run_after, cancel_requested, created_at, started_at,
    finished_at, updated_at)
VALUES ('019ac6a1-7441-76ea-a89d-2fb3757ceca0', 'succeeded',
    '{"sample_fps":5.0,"detector":"haar","min_face_px":24,"model":"emonet"}', 'talk.mp4', NULL,
    326910, FALSE,
    '{"duration_ms":10000,"fps":25.0,"width":640,"height":360,"frame_count":250,"codec":"h264"}',
    50, 50,
    '{"percentages":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":75.0,"neutral":25.0,"sad":0.0,"surprise":0.0},"counts":{"angry":0,"disgust":0,"fear":0,"happy":3,"neutral":1,"sad":0,"surprise":0},"dominant":"happy","mean_probabilities":{"angry":0.01,"disgust":0.0,"fear":0.02,"happy":0.7,"neutral":0.2,"sad":0.05,"surprise":0.02},"frames_analyzed":50,"frames_with_face":4,"faces_classified":4}',
    '["the YuNet face detector is unavailable on this server"]', NULL, NULL, 1, 3, NULL, 1764243032153,
    1764243032151, FALSE, 1764243032151, 1764243032153, 1764243032646, 1764243032646);
INSERT INTO frames (job_id, frame, time_ms, faces)
VALUES ('019ac6a1-7441-76ea-a89d-2fb3757ceca0', 55, 2200,
    '[{"box":{"x":220,"y":80,"w":200,"h":201},"score":0.912,"emotion":"happy","probabilities":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":0.9,"neutral":0.1,"sad":0.0,"surprise":0.0}}]');
INSERT INTO reports (id, job_id, provider, model, language, text, inputs, usage, created_at)
VALUES ('019ac6a1-9999-76ea-a89d-2fb3757ceca0', '019ac6a1-7441-76ea-a89d-2fb3757ceca0',
    'openai', 'gpt-4o', 'en', 'Mostly happy.',
    '{"percentages":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":75.0,"neutral":25.0,"sad":0.0,"surprise":0.0},"counts":{"angry":0,"disgust":0,"fear":0,"happy":3,"neutral":1,"sad":0,"surprise":0},"dominant":"happy","mean_probabilities":{"angry":0.01,"disgust":0.0,"fear":0.02,"happy":0.7,"neutral":0.2,"sad":0.05,"surprise":0.02},"frames_analyzed":50,"frames_with_face":4,"faces_classified":4,"duration_ms":10000,"segments":[{"start_ms":0,"end_ms":5000,"faces":4,"dominant":"happy","dominant_percent":75.0}]}',
    '{"prompt_tokens":321,"completion_tokens":45,"total_tokens":366}', 1764243040000);
"#;

/// The migrator of `dir` cut to its first schema (0001, 0002).
pub fn first_schema(mut m: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    let first: Vec<_> = m
        .migrations
        .iter()
        .filter(|x| x.version <= 2)
        .cloned()
        .collect();
    m.migrations = std::borrow::Cow::Owned(first);
    m
}

/// What the current store reads from [`FIRST_SCHEMA_ROWS`]: every field as it was written.
pub async fn check_first_schema_rows(store: &dyn emoscope::db::Store) {
    use emoscope::pipeline::detect::DetectorKind;
    let id = "019ac6a1-7441-76ea-a89d-2fb3757ceca0";
    let job = store.get(id).await.expect("read").expect("the old job");
    assert_eq!(job.status, emoscope::jobs::JobStatus::Succeeded);
    assert_eq!(job.options.detector, DetectorKind::Haar);
    assert_eq!(job.options.sample_fps, 5.0);
    assert_eq!(job.video.frame_count, 250);
    assert_eq!(job.video.codec, "h264");
    assert_eq!(job.video_bytes, 326_910);
    assert_eq!(job.warnings.len(), 1);
    let summary = job.summary.expect("summary");
    assert_eq!(summary.percentages.happy, 75.0);
    assert_eq!(summary.counts.neutral, 1);
    assert_eq!(
        summary.dominant,
        Some(emoscope::pipeline::aggregate::Emotion::Happy)
    );
    assert_eq!(summary.faces_classified, 4);
    let frames = store.timeline(id, None, 10).await.expect("timeline");
    assert_eq!(frames.len(), 1);
    assert_eq!((frames[0].frame, frames[0].time_ms), (55, 2200));
    assert_eq!(frames[0].faces[0].bbox.h, 201);
    assert_eq!(frames[0].faces[0].probabilities.happy, 0.9);
    let reports = store.reports(id).await.expect("reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].status, emoscope::report::ReportStatus::Succeeded);
    let inputs = reports[0]
        .inputs
        .as_ref()
        .expect("an old report has its inputs");
    assert_eq!(inputs.segments[0].dominant_percent, 75.0);
    assert_eq!(inputs.summary.frames_with_face, 4);
    assert_eq!(reports[0].usage.as_ref().map(|u| u.total_tokens), Some(366));
    // And the old rows take part in what came after them: a report key, a cancel, a delete.
    assert!(
        store
            .find_report(id, emoscope::report::Provider::Openai, "gpt-4o", "en")
            .await
            .expect("find")
            .is_some()
    );
    assert!(store.delete(id).await.expect("delete").is_some());
}

/// An H.264 MP4 made by ffmpeg from a `lavfi` source (e.g. `testsrc=size=320x240:rate=10:duration=2`),
/// with `extra` arguments before the codec's.
pub fn lavfi_video(path: &Path, source: &str, extra: &[&str]) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", source])
        .args(extra)
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(path)
        .output()
        .expect("ffmpeg (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Uploads `n` small jobs one after the other to `api`, waits for each to succeed, and returns
/// the times from upload to a worker's claim (`started_at - created_at`), in ms, sorted.
pub async fn claim_waits(api: &TestApp, n: usize, timeout: Duration) -> Vec<i64> {
    let clip = video("happy", happy_spec, Codec::H264Mp4);
    let mut waits = Vec::new();
    for _ in 0..n {
        let (status, job) = api.upload(&clip, &[("sample_fps", "1")]).await;
        assert_eq!(status, 202, "{job}");
        let id = job["id"].as_str().expect("id").to_string();
        let job = api.wait(&id, timeout).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        waits.push(claim_wait_ms(&job));
    }
    waits.sort_unstable();
    waits
}

/// How long a job waited from its upload to a worker's claim (`started_at - created_at`), ms.
pub fn claim_wait_ms(job: &Value) -> i64 {
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(job[k].as_str().expect("time"))
            .expect("rfc3339")
            .timestamp_millis()
    };
    at("started_at") - at("created_at")
}

/// The expressions of an answer's faces (`[{box, emotion, …}]`), left to right.
pub fn expressions_left_to_right(faces: &Value) -> Vec<String> {
    let mut seen: Vec<(i64, String)> = faces
        .as_array()
        .expect("faces")
        .iter()
        .map(|f| {
            let x = f["box"]["x"].as_i64().expect("x");
            (x, f["emotion"].as_str().expect("emotion").to_string())
        })
        .collect();
    seen.sort();
    seen.into_iter().map(|(_, e)| e).collect()
}
