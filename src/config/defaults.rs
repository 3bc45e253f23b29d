//! `defaults.*`: what a job gets for an option it leaves out, and how faces are framed.

use serde::Deserialize;

use crate::vocabulary::{DetectorKind, Focus};

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
