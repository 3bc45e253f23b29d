//! How a job looks in responses.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::jobs::{Job, JobFailure, JobStatus};
use crate::views::results::{AnalysisOptions, VideoInfo};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac6a1-7441-76ea-a89d-2fb3757ceca0", "status": "succeeded",
    "progress": {"frames_done": 40, "frames_total": 40, "percent": 100.0},
    "created_at": "2026-11-27T11:30:32.151Z", "started_at": "2026-11-27T11:30:32.153Z",
    "finished_at": "2026-11-27T11:30:32.646Z", "updated_at": "2026-11-27T11:30:32.646Z",
    "video": {"name": "interview.mp4", "size_bytes": 326910, "stored": false, "duration_ms": 8000,
              "fps": 30.0, "width": 640, "height": 360, "frame_count": 240, "codec": "h264"},
    "options": {"sample_fps": 5.0, "detector": "yunet", "min_face_px": 24, "model": "emonet",
                "tracking": true, "min_track_ms": 1000, "focus": "all", "annotate": false,
                "keep_video": false, "callback_url": null},
    "attempts": 1, "cancel_requested": false, "warnings": [], "error": null,
    "links": {"self": "/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0",
              "emotions": "/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/emotions",
              "timeline": "/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/timeline",
              "people": "/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/people",
              "annotated": null}
}))]
pub struct JobView {
    #[schema(example = "019abf3c-54d2-7c41-9a43-35b1c8d2e0aa")]
    pub id: String,
    pub status: JobStatus,
    pub progress: ProgressView,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub video: VideoView,
    pub options: OptionsView,
    /// How many times a worker has taken the job.
    pub attempts: u32,
    pub cancel_requested: bool,
    /// Things that make the result less reliable, e.g. the detector fallback.
    pub warnings: Vec<String>,
    /// Set when the job failed.
    pub error: Option<JobErrorView>,
    pub links: Links,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    /// Frames analysed so far.
    pub frames_done: u64,
    /// Frames that will be analysed (an estimate from the container until the job ends).
    pub frames_total: u64,
    #[schema(minimum = 0, maximum = 100)]
    pub percent: f64,
}

#[derive(Serialize, ToSchema)]
pub struct VideoView {
    pub name: Option<String>,
    /// 0 until a video fetched from a URL is in.
    pub size_bytes: u64,
    /// Whether the service keeps the upload: until the job ends, or after it when `keep_video`.
    pub stored: bool,
    /// For a job made from a URL: the URL without its user, password, query (shown as `?…`)
    /// or fragment, which may hold credentials. The video's facts below are 0 until it is in.
    #[schema(example = "https://cdn.example.com/videos/interview.mp4?…")]
    pub url: Option<String>,
    #[serde(flatten)]
    pub info: VideoInfo,
}

#[derive(Serialize, ToSchema)]
pub struct OptionsView {
    #[serde(flatten)]
    pub analysis: AnalysisOptions,
    pub keep_video: bool,
    /// Where the job's webhooks go; `null`: none.
    pub callback_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobErrorView {
    pub code: JobFailure,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct Links {
    #[serde(rename = "self")]
    pub this: String,
    pub emotions: String,
    pub timeline: String,
    /// The job's people; `null` when it is not tracked.
    pub people: Option<String>,
    /// The annotated video; `null` unless the job asked for one.
    pub annotated: Option<String>,
}

pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        let percent = if j.status == JobStatus::Succeeded {
            100.0
        } else if j.progress_total > 0 {
            ((j.progress_done as f64 * 1000.0 / j.progress_total as f64).round() / 10.0).min(100.0)
        } else {
            0.0
        };
        let error = match (j.status, j.error_code) {
            (JobStatus::Failed, Some(code)) => Some(JobErrorView {
                code,
                message: j.error_message.unwrap_or_default(),
            }),
            _ => None,
        };
        let base = format!("/v1/jobs/{}", j.id);
        let (tracked, annotate) = (j.options.tracking, j.options.annotate);
        Self {
            progress: ProgressView {
                frames_done: j.progress_done,
                frames_total: j.progress_total.max(j.progress_done),
                percent,
            },
            created_at: rfc3339(j.created_at),
            started_at: j.started_at.map(rfc3339),
            finished_at: j.finished_at.map(rfc3339),
            updated_at: rfc3339(j.updated_at),
            video: VideoView {
                name: j.video_name,
                size_bytes: j.video_bytes,
                // A finished job's upload is deleted right after its last write (or by the
                // sweeper): it is not kept from the moment the job ends, so no client sees
                // `stored` flip after `succeeded`.
                stored: j.video_path.is_some() && (j.keep_video || !j.status.is_finished()),
                url: j.source_url,
                info: j.video.into(),
            },
            options: OptionsView {
                analysis: j.options.into(),
                keep_video: j.keep_video,
                callback_url: j.callback_url,
            },
            attempts: j.attempts,
            cancel_requested: j.cancel_requested,
            warnings: j.warnings,
            error,
            links: Links {
                emotions: format!("{base}/emotions"),
                timeline: format!("{base}/timeline"),
                people: tracked.then(|| format!("{base}/people")),
                annotated: annotate.then(|| format!("{base}/annotated.mp4")),
                this: base,
            },
            id: j.id,
            status: j.status,
        }
    }
}
