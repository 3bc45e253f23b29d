//! The pipeline's results as the contract shows them. The pipeline's own types carry no
//! `utoipa`: these are the public shapes, built `From` the domain, so that the pipeline can change
//! without the contract changing behind the clients' backs (a test compares the contract with
//! `openapi/openapi.json`). Names match the components the contract has always had.

use serde::Serialize;
use utoipa::ToSchema;

use crate::pipeline::aggregate::{self as domain_aggregate, Emotion};
use crate::pipeline::{self as domain, detect, people, probe};
use crate::report as domain_report;

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
    pub dominant: Option<Emotion>,
    /// Mean probability of each emotion over all classified faces. With a calibrated model
    /// (`temperature` in `/v1/info`; the default is), a face's probability for its top class
    /// tells how often people agree: of the faces given 0.8, about 80 % are that expression to
    /// the majority of ten annotators (FER+ PublicTest).
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
    /// Faces are followed across frames and reported per person.
    pub tracking: bool,
    /// People seen for less than this are left out of `/people`.
    pub min_track_ms: u64,
    pub focus: Focus,
    /// An annotated video is made (`/annotated.mp4`).
    pub annotate: bool,
}

/// Which people a job reports: everyone, or only the one on screen longest.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Focus {
    All,
    Main,
}

impl From<people::Focus> for Focus {
    fn from(f: people::Focus) -> Self {
        match f {
            people::Focus::All => Self::All,
            people::Focus::Main => Self::Main,
        }
    }
}

impl From<domain::AnalysisOptions> for AnalysisOptions {
    fn from(o: domain::AnalysisOptions) -> Self {
        Self {
            sample_fps: o.sample_fps,
            detector: o.detector.into(),
            min_face_px: o.min_face_px,
            model: o.model,
            tracking: o.tracking,
            min_track_ms: o.min_track_ms,
            focus: o.focus.into(),
            annotate: o.annotate,
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
    pub emotion: Emotion,
    pub probabilities: PerEmotion<f32>,
    /// The person (face track, `/people`) this face belongs to; `null` when the job was not
    /// tracked, or when more faces were on screen than the server follows at once.
    #[schema(example = 1)]
    pub track_id: Option<u32>,
    /// With `smooth_ms` on a person's timeline: the person's probabilities averaged over the
    /// window around this face, and their top class. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoothed: Option<SmoothedView>,
}

/// A face's expression smoothed over the person's faces around it (`smooth_ms`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SmoothedView {
    #[schema(example = "happy")]
    pub emotion: Emotion,
    pub probabilities: PerEmotion<f32>,
}

impl From<domain::FaceResult> for FaceResult {
    fn from(f: domain::FaceResult) -> Self {
        Self {
            bbox: f.bbox.into(),
            score: f.score,
            emotion: f.emotion,
            probabilities: f.probabilities.into(),
            track_id: f.track_id,
            smoothed: None,
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
    /// The people longest on screen (at most five), as `/people` gives them.
    pub people: Vec<Person>,
    /// Everyone else, together; `null` when all people are listed.
    pub others: Option<OtherPeople>,
}

/// The people a report does not name one by one, counted together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtherPeople {
    pub count: u64,
    pub faces: u64,
    pub percentages: PerEmotion<f64>,
    #[schema(example = "neutral")]
    pub dominant: Option<Emotion>,
}

/// One span of time of the video.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentSummary {
    pub start_ms: u64,
    pub end_ms: u64,
    pub faces: u64,
    /// Most frequent expression in the segment; `null` when no face was seen there.
    pub dominant: Option<Emotion>,
    /// Its share of the segment's faces, in percent.
    pub dominant_percent: f64,
}

impl From<domain_report::ReportInputs> for ReportInputs {
    fn from(i: domain_report::ReportInputs) -> Self {
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
                percentages: o.percentages.into(),
                dominant: o.dominant,
            }),
        }
    }
}

/// Where and when a person is seen best (the most confident detection).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sighting {
    pub frame: u64,
    pub time_ms: u64,
    #[serde(rename = "box")]
    pub bbox: BoxPx,
}

/// A tenth of the video, and what one person's face showed in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub start_ms: u64,
    pub end_ms: u64,
    pub faces: u64,
    #[schema(example = "happy")]
    pub dominant: Emotion,
    pub percentages: PerEmotion<f64>,
}

/// One person: a face followed through the video (a track). Nobody is identified: the id only
/// tells this face apart from the others in the same video.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    /// The `track_id` of this person's faces in the timeline.
    #[schema(example = 1)]
    pub id: u32,
    pub first_ms: u64,
    pub last_ms: u64,
    pub first_frame: u64,
    pub last_frame: u64,
    /// Analysed frames that show this person (one face each).
    pub faces: u64,
    /// Time on screen: `faces` times the time between two analysed frames.
    pub screen_ms: u64,
    /// Share of the analysed frames that show this person, 0..1.
    pub screen_share: f64,
    /// Share of this person's faces whose most likely expression is each one; sums to 100.
    pub percentages: PerEmotion<f64>,
    pub counts: PerEmotion<u64>,
    #[schema(example = "happy")]
    pub dominant: Option<Emotion>,
    /// Mean probability of each emotion over this person's faces, calibrated as the video's.
    pub mean_probabilities: PerEmotion<f64>,
    pub representative: Sighting,
    /// The tenths of the video in which this person was seen, in order.
    pub periods: Vec<Period>,
}

impl From<people::Person> for Person {
    fn from(p: people::Person) -> Self {
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
            percentages: p.percentages.into(),
            counts: p.counts.into(),
            dominant: p.dominant,
            mean_probabilities: p.mean_probabilities.into(),
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
                    dominant: s.dominant,
                    percentages: s.percentages.into(),
                })
                .collect(),
        }
    }
}

impl From<domain::BoxPx> for BoxPx {
    fn from(b: domain::BoxPx) -> Self {
        Self {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
        }
    }
}
