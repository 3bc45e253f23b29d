//! A job's row, and the JSON of its columns: the options asked, the video, the summary.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::unsigned;
use crate::db::{DbError, DbResult};
use crate::db::{Job, JobFailure, JobKind, JobStatus};
use crate::pipeline::AnalysisOptions;
use crate::pipeline::aggregate::{Emotion, EmotionSummary, PerEmotion};
use crate::pipeline::detect::DetectorKind;
use crate::pipeline::people::Focus;
use crate::pipeline::probe::VideoInfo;

#[derive(sqlx::FromRow)]
pub struct JobRow {
    id: String,
    status: String,
    options: Json<StoredOptions>,
    video_name: Option<String>,
    video_path: Option<String>,
    video_bytes: i64,
    keep_video: bool,
    video: Json<StoredVideo>,
    progress_done: i64,
    progress_total: i64,
    summary: Option<Json<StoredSummary>>,
    warnings: Json<Vec<String>>,
    error_code: Option<String>,
    error_message: Option<String>,
    attempts: i64,
    max_attempts: i64,
    cancel_requested: bool,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    updated_at: i64,
    owner: Option<String>,
    callback_url: Option<String>,
    source_url: Option<String>,
    kind: String,
}

impl JobRow {
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The columns a [`JobRow`] is read from.
pub const JOB_COLUMNS: &str = "id, status, options, video_name, video_path, video_bytes, \
    keep_video, video, progress_done, progress_total, summary, warnings, error_code, \
    error_message, attempts, max_attempts, cancel_requested, created_at, started_at, \
    finished_at, updated_at, owner, callback_url, source_url, kind";

impl TryFrom<JobRow> for Job {
    type Error = DbError;
    fn try_from(r: JobRow) -> DbResult<Job> {
        let count = |v: i64, c: &str| -> DbResult<u32> {
            u32::try_from(v).map_err(|_| DbError::Other(format!("{c} out of range: {v}")))
        };
        Ok(Job {
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| DbError::Other(format!("unknown status {:?}", r.status)))?,
            kind: JobKind::parse(&r.kind)
                .ok_or_else(|| DbError::Other(format!("unknown kind {:?}", r.kind)))?,
            options: r.options.0.into(),
            video_bytes: unsigned(r.video_bytes, "video_bytes")?,
            video: r.video.0.into(),
            progress_done: unsigned(r.progress_done, "progress_done")?,
            progress_total: unsigned(r.progress_total, "progress_total")?,
            summary: r.summary.map(|s| s.0.into()),
            warnings: r.warnings.0,
            attempts: count(r.attempts, "attempts")?,
            max_attempts: count(r.max_attempts, "max_attempts")?,
            id: r.id,
            video_name: r.video_name,
            video_path: r.video_path,
            keep_video: r.keep_video,
            // A code this version does not know (written by a newer one) reads as internal.
            error_code: r
                .error_code
                .map(|c| JobFailure::parse(&c).unwrap_or(JobFailure::Internal)),
            error_message: r.error_message,
            cancel_requested: r.cancel_requested,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            updated_at: r.updated_at,
            owner: r.owner,
            callback_url: r.callback_url,
            source_url: r.source_url,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredOptions {
    sample_fps: f64,
    detector: StoredDetector,
    min_face_px: u32,
    model: String,
    /// Absent in jobs stored before tracking existed: those were not tracked.
    tracking: bool,
    min_track_ms: u64,
    focus: StoredFocus,
    annotate: bool,
}

/// Detector names as stored.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoredDetector {
    #[default]
    Yunet,
    Haar,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoredFocus {
    #[default]
    All,
    Main,
}

impl From<&AnalysisOptions> for StoredOptions {
    fn from(o: &AnalysisOptions) -> Self {
        Self {
            sample_fps: o.sample_fps,
            detector: match o.detector {
                DetectorKind::Yunet => StoredDetector::Yunet,
                DetectorKind::Haar => StoredDetector::Haar,
            },
            min_face_px: o.min_face_px,
            model: o.model.clone(),
            tracking: o.tracking,
            min_track_ms: o.min_track_ms,
            focus: match o.focus {
                Focus::All => StoredFocus::All,
                Focus::Main => StoredFocus::Main,
            },
            annotate: o.annotate,
        }
    }
}

impl From<StoredOptions> for AnalysisOptions {
    fn from(o: StoredOptions) -> Self {
        Self {
            sample_fps: o.sample_fps,
            detector: match o.detector {
                StoredDetector::Yunet => DetectorKind::Yunet,
                StoredDetector::Haar => DetectorKind::Haar,
            },
            min_face_px: o.min_face_px,
            model: o.model,
            tracking: o.tracking,
            min_track_ms: o.min_track_ms,
            focus: match o.focus {
                StoredFocus::All => Focus::All,
                StoredFocus::Main => Focus::Main,
            },
            annotate: o.annotate,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredVideo {
    duration_ms: u64,
    fps: f64,
    width: u32,
    height: u32,
    frame_count: u64,
    codec: String,
}

impl From<&VideoInfo> for StoredVideo {
    fn from(v: &VideoInfo) -> Self {
        Self {
            duration_ms: v.duration_ms,
            fps: v.fps,
            width: v.width,
            height: v.height,
            frame_count: v.frame_count,
            codec: v.codec.clone(),
        }
    }
}

impl From<StoredVideo> for VideoInfo {
    fn from(v: StoredVideo) -> Self {
        Self {
            duration_ms: v.duration_ms,
            fps: v.fps,
            width: v.width,
            height: v.height,
            frame_count: v.frame_count,
            codec: v.codec,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredSummary {
    percentages: PerEmotion<f64>,
    counts: PerEmotion<u64>,
    dominant: Option<Emotion>,
    mean_probabilities: PerEmotion<f64>,
    frames_analyzed: u64,
    frames_with_face: u64,
    faces_classified: u64,
}

impl From<&EmotionSummary> for StoredSummary {
    fn from(s: &EmotionSummary) -> Self {
        Self {
            percentages: s.percentages,
            counts: s.counts,
            dominant: s.dominant,
            mean_probabilities: s.mean_probabilities,
            frames_analyzed: s.frames_analyzed,
            frames_with_face: s.frames_with_face,
            faces_classified: s.faces_classified,
        }
    }
}

impl From<StoredSummary> for EmotionSummary {
    fn from(s: StoredSummary) -> Self {
        Self {
            percentages: s.percentages,
            counts: s.counts,
            dominant: s.dominant,
            mean_probabilities: s.mean_probabilities,
            frames_analyzed: s.frames_analyzed,
            frames_with_face: s.frames_with_face,
            faces_classified: s.faces_classified,
        }
    }
}
