//! How jobs, frames and reports are stored: rows read with `FromRow`, and the JSON kept in their
//! columns. The JSON has shapes of its own, apart from the pipeline's types and the API's views,
//! and every field has a default, so that a field renamed or added in code cannot make an old row
//! unreadable (`tests/it/schema.rs` reads rows written by the first schema).

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::reports::{
    OtherPeople, Provider, Report, ReportFault, ReportFaultCode, ReportInputs, ReportStatus,
    SegmentSummary, Usage,
};
use super::{DbError, DbResult};
use super::{Job, JobFailure, JobStatus};
use crate::pipeline::aggregate::{Emotion, EmotionSummary, PerEmotion, argmax};
use crate::pipeline::detect::DetectorKind;
use crate::pipeline::people::{Focus, Period, Person, Sighting};
use crate::pipeline::probe::VideoInfo;
use crate::pipeline::{AnalysisOptions, BoxPx, FaceResult, FrameResult};

/// A count or size from the database, which stores them signed.
pub fn unsigned(v: i64, column: &str) -> DbResult<u64> {
    u64::try_from(v).map_err(|_| DbError::Other(format!("{column} is negative: {v}")))
}

/// A count or size for the database, which stores them signed.
pub fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

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
    finished_at, updated_at, owner, callback_url, source_url";

impl TryFrom<JobRow> for Job {
    type Error = DbError;
    fn try_from(r: JobRow) -> DbResult<Job> {
        let count = |v: i64, c: &str| -> DbResult<u32> {
            u32::try_from(v).map_err(|_| DbError::Other(format!("{c} out of range: {v}")))
        };
        Ok(Job {
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| DbError::Other(format!("unknown status {:?}", r.status)))?,
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

#[derive(sqlx::FromRow)]
pub struct FrameRow {
    frame: i64,
    time_ms: i64,
    faces: Json<Vec<StoredFace>>,
}

impl FrameRow {
    pub fn frame(&self) -> i64 {
        self.frame
    }

    pub fn faces(&self) -> &Json<Vec<StoredFace>> {
        &self.faces
    }

    /// Gives the faces of merged tracks their person's id (`merged`: track → person); whether
    /// any changed.
    pub fn relabel(&mut self, merged: &std::collections::BTreeMap<u32, u32>) -> bool {
        let mut changed = false;
        for face in &mut self.faces.0 {
            if let Some(to) = face.track_id.and_then(|t| merged.get(&t)) {
                face.track_id = Some(*to);
                changed = true;
            }
        }
        changed
    }
}

impl TryFrom<FrameRow> for FrameResult {
    type Error = DbError;
    fn try_from(r: FrameRow) -> DbResult<FrameResult> {
        Ok(FrameResult {
            frame: unsigned(r.frame, "frame")?,
            time_ms: unsigned(r.time_ms, "time_ms")?,
            faces: r.faces.0.into_iter().map(Into::into).collect(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ReportRow {
    id: String,
    job_id: String,
    provider: String,
    model: String,
    language: String,
    status: String,
    text: Option<String>,
    inputs: Option<Json<StoredInputs>>,
    usage: Option<Json<StoredUsage>>,
    created_at: i64,
    finished_at: Option<i64>,
    error_code: Option<String>,
    error_message: Option<String>,
}

pub const REPORT_COLUMNS: &str = "id, job_id, provider, model, language, status, text, inputs, \
     usage, created_at, finished_at, error_code, error_message";

impl TryFrom<ReportRow> for Report {
    type Error = DbError;
    fn try_from(r: ReportRow) -> DbResult<Report> {
        let status = ReportStatus::parse(&r.status);
        let provider = Provider::parse(&r.provider)
            .ok_or_else(|| DbError::Other(format!("unknown report provider {:?}", r.provider)))?;
        let error = match (r.error_code, status) {
            (Some(code), _) => Some(ReportFault {
                code: ReportFaultCode::parse(&code),
                message: r.error_message.unwrap_or_default(),
            }),
            (None, None) => Some(ReportFault {
                code: ReportFaultCode::Internal,
                message: format!("unknown report status {:?} in the database", r.status),
            }),
            (None, Some(_)) => None,
        };
        Ok(Report {
            id: r.id,
            job_id: r.job_id,
            provider,
            model: r.model,
            language: r.language,
            status: status.unwrap_or(ReportStatus::Failed),
            text: r.text,
            created_at: r.created_at,
            finished_at: r.finished_at,
            usage: r.usage.map(|u| u.0.into()),
            inputs: r.inputs.map(|i| i.0.into()),
            error,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredFace {
    #[serde(rename = "box")]
    bbox: StoredBox,
    score: f32,
    /// By name; a row without a readable one takes the most probable.
    emotion: String,
    probabilities: PerEmotion<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track_id: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredBox {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl From<&FaceResult> for StoredFace {
    fn from(f: &FaceResult) -> Self {
        Self {
            bbox: f.bbox.into(),
            score: f.score,
            emotion: f.emotion.as_str().to_string(),
            probabilities: f.probabilities,
            track_id: f.track_id,
        }
    }
}

impl From<StoredFace> for FaceResult {
    fn from(f: StoredFace) -> Self {
        Self {
            bbox: f.bbox.into(),
            score: f.score,
            emotion: Emotion::parse(&f.emotion)
                .unwrap_or_else(|| Emotion::ALL[argmax(&f.probabilities.to_array())]),
            probabilities: f.probabilities,
            track_id: f.track_id,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredInputs {
    #[serde(flatten)]
    summary: StoredSummary,
    duration_ms: u64,
    segments: Vec<StoredSegment>,
    people: Vec<StoredPerson>,
    others: Option<StoredOthers>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredOthers {
    count: u64,
    faces: u64,
    percentages: PerEmotion<f64>,
    dominant: Option<Emotion>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredSegment {
    start_ms: u64,
    end_ms: u64,
    faces: u64,
    dominant: Option<Emotion>,
    dominant_percent: f64,
}

impl From<&ReportInputs> for StoredInputs {
    fn from(i: &ReportInputs) -> Self {
        Self {
            summary: (&i.summary).into(),
            duration_ms: i.duration_ms,
            segments: i
                .segments
                .iter()
                .map(|s| StoredSegment {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant,
                    dominant_percent: s.dominant_percent,
                })
                .collect(),
            people: i.people.iter().map(StoredPerson::from).collect(),
            others: i.others.as_ref().map(|o| StoredOthers {
                count: o.count,
                faces: o.faces,
                percentages: o.percentages,
                dominant: o.dominant,
            }),
        }
    }
}

impl From<StoredInputs> for ReportInputs {
    fn from(i: StoredInputs) -> Self {
        Self {
            summary: i.summary.into(),
            duration_ms: i.duration_ms,
            segments: i
                .segments
                .into_iter()
                .map(|s| SegmentSummary {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant,
                    dominant_percent: s.dominant_percent,
                })
                .collect(),
            people: i.people.into_iter().map(Into::into).collect(),
            others: i.others.map(|o| OtherPeople {
                count: o.count,
                faces: o.faces,
                percentages: o.percentages,
                dominant: o.dominant,
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

impl From<&Usage> for StoredUsage {
    fn from(u: &Usage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

impl From<StoredUsage> for Usage {
    fn from(u: StoredUsage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

/// A person (face track) as stored in `people.data`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredPerson {
    id: u32,
    first_ms: u64,
    last_ms: u64,
    first_frame: u64,
    last_frame: u64,
    faces: u64,
    screen_ms: u64,
    screen_share: f64,
    percentages: PerEmotion<f64>,
    counts: PerEmotion<u64>,
    dominant: Option<Emotion>,
    mean_probabilities: PerEmotion<f64>,
    representative: StoredSighting,
    periods: Vec<StoredPeriod>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredSighting {
    frame: u64,
    time_ms: u64,
    #[serde(rename = "box")]
    bbox: StoredBox,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredPeriod {
    start_ms: u64,
    end_ms: u64,
    faces: u64,
    /// By name; a row without a readable one takes the largest share.
    dominant: String,
    percentages: PerEmotion<f64>,
}

impl From<BoxPx> for StoredBox {
    fn from(b: BoxPx) -> Self {
        Self {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
        }
    }
}

impl From<StoredBox> for BoxPx {
    fn from(b: StoredBox) -> Self {
        Self {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
        }
    }
}

impl From<&Person> for StoredPerson {
    fn from(p: &Person) -> Self {
        let r = p.representative;
        Self {
            id: p.id,
            first_ms: p.first_ms,
            last_ms: p.last_ms,
            first_frame: p.first_frame,
            last_frame: p.last_frame,
            faces: p.faces,
            screen_ms: p.screen_ms,
            screen_share: p.screen_share,
            percentages: p.percentages,
            counts: p.counts,
            dominant: p.dominant,
            mean_probabilities: p.mean_probabilities,
            representative: StoredSighting {
                frame: r.frame,
                time_ms: r.time_ms,
                bbox: r.bbox.into(),
            },
            periods: p
                .periods
                .iter()
                .map(|s| StoredPeriod {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant.as_str().to_string(),
                    percentages: s.percentages,
                })
                .collect(),
        }
    }
}

impl From<StoredPerson> for Person {
    fn from(p: StoredPerson) -> Self {
        let r = p.representative;
        Self {
            id: p.id,
            first_ms: p.first_ms,
            last_ms: p.last_ms,
            first_frame: p.first_frame,
            last_frame: p.last_frame,
            faces: p.faces,
            screen_ms: p.screen_ms,
            screen_share: p.screen_share,
            percentages: p.percentages,
            counts: p.counts,
            dominant: p.dominant,
            mean_probabilities: p.mean_probabilities,
            representative: Sighting {
                frame: r.frame,
                time_ms: r.time_ms,
                bbox: r.bbox.into(),
            },
            periods: p
                .periods
                .into_iter()
                .map(|s| Period {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: Emotion::parse(&s.dominant)
                        .unwrap_or_else(|| largest_share(&s.percentages)),
                    percentages: s.percentages,
                })
                .collect(),
        }
    }
}

fn largest_share(p: &PerEmotion<f64>) -> Emotion {
    let shares = p.to_array();
    let best = (0..7).fold(0, |b, i| if shares[i] > shares[b] { i } else { b });
    Emotion::ALL[best]
}
