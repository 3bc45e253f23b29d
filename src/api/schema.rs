//! The pipeline's results as the contract shows them. The pipeline's own types carry no
//! `utoipa`: these are the public shapes, built `From` the domain, so that the pipeline can change
//! without the contract changing behind the clients' backs (a test compares the contract with
//! `openapi/openapi.json`). Names match the components the contract has always had.

use serde::Serialize;
use utoipa::ToSchema;

use crate::pipeline::aggregate as domain_aggregate;
use crate::pipeline::{self as domain, detect, probe};
use crate::report::inputs as domain_inputs;

/// One value per emotion, an object with the seven names as keys.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PerEmotion<T> {
    pub angry: T,
    pub disgust: T,
    pub fear: T,
    pub happy: T,
    pub neutral: T,
    pub sad: T,
    pub surprise: T,
}

impl<T: Copy> From<domain_aggregate::PerEmotion<T>> for PerEmotion<T> {
    fn from(v: domain_aggregate::PerEmotion<T>) -> Self {
        Self {
            angry: v.angry,
            disgust: v.disgust,
            fear: v.fear,
            happy: v.happy,
            neutral: v.neutral,
            sad: v.sad,
            surprise: v.surprise,
        }
    }
}

/// The emotion result of a whole video.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmotionSummary {
    /// Share of classified faces whose most likely emotion is each one; sums to 100 (all 0 when
    /// no face was seen).
    pub percentages: PerEmotion<f64>,
    pub counts: PerEmotion<u64>,
    /// Most frequent emotion; `null` when no face was seen.
    #[schema(example = "happy")]
    pub dominant: Option<String>,
    /// Mean probability of each emotion over all classified faces.
    pub mean_probabilities: PerEmotion<f64>,
    pub frames_analyzed: u64,
    pub frames_with_face: u64,
    pub faces_classified: u64,
}

impl From<domain_aggregate::EmotionSummary> for EmotionSummary {
    fn from(s: domain_aggregate::EmotionSummary) -> Self {
        Self {
            percentages: s.percentages.into(),
            counts: s.counts.into(),
            dominant: s.dominant,
            mean_probabilities: s.mean_probabilities.into(),
            frames_analyzed: s.frames_analyzed,
            frames_with_face: s.frames_with_face,
            faces_classified: s.faces_classified,
        }
    }
}

/// YuNet is the face detector; the Haar cascade is the fallback.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DetectorKind {
    Yunet,
    Haar,
}

impl From<detect::DetectorKind> for DetectorKind {
    fn from(d: detect::DetectorKind) -> Self {
        match d {
            detect::DetectorKind::Yunet => Self::Yunet,
            detect::DetectorKind::Haar => Self::Haar,
        }
    }
}

/// What a job asks for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalysisOptions {
    /// Frames analysed per second of video; 0 analyses every frame.
    pub sample_fps: f64,
    pub detector: DetectorKind,
    /// Faces smaller than this (shorter side, frame pixels) are ignored.
    pub min_face_px: u32,
    /// Emotion model name.
    #[schema(example = "emonet")]
    pub model: String,
}

impl From<domain::AnalysisOptions> for AnalysisOptions {
    fn from(o: domain::AnalysisOptions) -> Self {
        Self {
            sample_fps: o.sample_fps,
            detector: o.detector.into(),
            min_face_px: o.min_face_px,
            model: o.model,
        }
    }
}

/// What the container says about the video.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoInfo {
    pub duration_ms: u64,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub frame_count: u64,
    /// The video codec, e.g. `h264`, `vp9`, `mjpeg`.
    #[schema(example = "h264")]
    pub codec: String,
}

impl From<probe::VideoInfo> for VideoInfo {
    fn from(v: probe::VideoInfo) -> Self {
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

/// A face box in frame pixels.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct BoxPx {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// One face in a frame.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FaceResult {
    #[serde(rename = "box")]
    pub bbox: BoxPx,
    /// Detector confidence, 0..1.
    pub score: f32,
    /// The most likely emotion.
    #[schema(example = "happy")]
    pub emotion: String,
    pub probabilities: PerEmotion<f32>,
}

impl From<domain::FaceResult> for FaceResult {
    fn from(f: domain::FaceResult) -> Self {
        let b = f.bbox;
        Self {
            bbox: BoxPx {
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
            },
            score: f.score,
            emotion: f.emotion,
            probabilities: f.probabilities.into(),
        }
    }
}

/// One analysed frame and the faces found in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FrameResult {
    /// Position of the frame in the video, from 0.
    pub frame: u64,
    /// When the frame is shown, from the decoder's presentation time.
    pub time_ms: u64,
    pub faces: Vec<FaceResult>,
}

impl From<domain::FrameResult> for FrameResult {
    fn from(f: domain::FrameResult) -> Self {
        Self {
            frame: f.frame,
            time_ms: f.time_ms,
            faces: f.faces.into_iter().map(Into::into).collect(),
        }
    }
}

/// The numbers a report was written from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportInputs {
    /// The job's result, as `/emotions` gives it.
    #[serde(flatten)]
    pub summary: EmotionSummary,
    pub duration_ms: u64,
    pub segments: Vec<SegmentSummary>,
}

/// One span of time of the video.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentSummary {
    pub start_ms: u64,
    pub end_ms: u64,
    pub faces: u64,
    /// Most frequent expression in the segment; `null` when no face was seen there.
    pub dominant: Option<String>,
    /// Its share of the segment's faces, in percent.
    pub dominant_percent: f64,
}

impl From<domain_inputs::ReportInputs> for ReportInputs {
    fn from(i: domain_inputs::ReportInputs) -> Self {
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
        }
    }
}
