//! The analysis pipeline: decode → detect → crop → track → classify → aggregate.
//!
//! [`Engine`] is shared by the whole process: it opens ONNX Runtime sessions and knows the
//! models. Each worker has its own [`Pipeline`] of sessions from it (sessions are not shared
//! between threads that run at once); a [`run::Run`] is one video going through them, fed a
//! frame at a time.

pub mod aggregate;
pub mod annotate;
mod batch;
pub mod catalogue;
pub mod classify;
pub mod crop;
pub mod decode;
pub mod detect;
pub mod encode;
mod engine;
mod error;
mod faces;
pub mod identity;
pub mod image;
pub mod live;
pub mod onnx_meta;
pub mod people;
pub mod probe;
pub mod run;
pub mod settings;
pub mod smooth;
pub mod tally;
pub mod track;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use engine::{Engine, Pipeline};
pub use error::{ErrorKind, PipelineError};
pub use settings::PipelineSettings;

use aggregate::{Emotion, EmotionSummary, PerEmotion};
use detect::DetectorKind;
use people::{Focus, Person};
use probe::VideoInfo;

/// What a job asks for; validated by the API before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Frames analysed per second of video; 0 analyses every frame.
    pub sample_fps: f64,
    pub detector: DetectorKind,
    /// Faces smaller than this (shorter side, frame pixels) are ignored.
    pub min_face_px: u32,
    /// Emotion model name.
    pub model: String,
    /// Follow faces across frames and report per person.
    pub tracking: bool,
    /// Tracks shorter than this are left out of the people (likely false detections).
    pub min_track_ms: u64,
    pub focus: Focus,
    /// Write the annotated video (boxes, people and expressions drawn on the analysed frames).
    pub annotate: bool,
}

/// A face box in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxPx {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// One face in a frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceResult {
    #[serde(rename = "box")]
    pub bbox: BoxPx,
    /// Detector confidence, 0..1.
    pub score: f32,
    /// The most likely emotion.
    pub emotion: Emotion,
    pub probabilities: PerEmotion<f32>,
    /// The person (face track) this face belongs to; `None` without tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u32>,
}

/// One analysed frame and the faces found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameResult {
    /// Position of the frame in the video, from 0.
    pub frame: u64,
    pub time_ms: u64,
    pub faces: Vec<FaceResult>,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Receives results as they come; an error (e.g. `canceled`) stops the run.
pub trait Observer {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError>;
}

pub struct Outcome {
    pub video: VideoInfo,
    pub summary: EmotionSummary,
    /// Per person, longest on screen first; `None` when the job asked for no tracking.
    pub people: Option<Vec<Person>>,
    /// What the user should know about how the result was made.
    pub warnings: Vec<String>,
    /// Whether the annotated video asked for was written whole.
    pub annotated: bool,
    /// Tracks found at the end to be the same person as another: each one's id and the
    /// person's. The frames already handed to the observer carry the first; the people, and
    /// the stored timeline once relabelled, the second.
    pub merged: BTreeMap<u32, u32>,
}
