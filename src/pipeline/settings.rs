//! What the operator sets for every analysis (as opposed to what a job asks for), taken out of
//! the configuration once, when the engine is made.

use super::crop::Framing;
use super::track::TrackerConfig;
use crate::config::Config;

#[derive(Debug, Clone, Copy)]
pub struct PipelineSettings {
    /// Longest side of the frame given to the face detector.
    pub detect_max_side: u32,
    /// Faces classified in one batch.
    pub classify_batch: usize,
    /// Least detector score for a face to count on its own.
    pub min_score: f32,
    pub framing: Framing,
    pub tracker: TrackerConfig,
    /// People listed at most per job.
    pub max_people: usize,
    /// Largest annotated video written.
    pub max_annotated_bytes: u64,
}

impl From<&Config> for PipelineSettings {
    fn from(config: &Config) -> Self {
        Self {
            detect_max_side: config.limits.detect_max_side,
            classify_batch: config.limits.classify_batch,
            min_score: config.defaults.min_score,
            framing: Framing {
                align: config.defaults.align_faces,
                margin: config.defaults.face_margin,
            },
            // The operator's `tracking.*` settings; the rest are the tracker's calibrated
            // constants (`TrackerConfig::default`, measured in docs/benchmarks.md). A face
            // that counts on its own (`defaults.min_score`) may start a track: one threshold,
            // not two that could disagree.
            tracker: TrackerConfig {
                max_lost_ms: config.tracking.max_lost_ms,
                max_live: config.tracking.max_live_tracks,
                high_score: config.defaults.min_score,
                reid_ms: config.tracking.reid_ms,
                ..TrackerConfig::default()
            },
            max_people: config.tracking.max_people,
            max_annotated_bytes: config.limits.max_upload_bytes,
        }
    }
}
