//! Face detection: YuNet through ONNX Runtime, or OpenCV's Haar cascade as the fallback.

pub mod haar;
pub mod yunet;

use opencv::core::Mat;
use serde::{Deserialize, Serialize};

use super::PipelineError;
pub use crate::vocabulary::DetectorKind;

/// A face in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Detector confidence in 0..1 (Haar gives none: 1).
    pub score: f32,
    /// YuNet's five points, (x, y) each: right eye, left eye, nose tip, right and left mouth
    /// corner (the person's right and left). Used to align the crop; never stored.
    #[serde(skip)]
    pub landmarks: Option<[f32; 10]>,
}

impl FaceBox {
    fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    pub fn iou(&self, other: &FaceBox) -> f32 {
        let x1 = self.x.max(other.x);
        let y1 = self.y.max(other.y);
        let x2 = (self.x + self.w).min(other.x + other.w);
        let y2 = (self.y + self.h).min(other.y + other.h);
        let inter = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// Keeps the best-scoring box of each overlapping group.
pub fn non_max_suppression(mut boxes: Vec<FaceBox>, iou_threshold: f32) -> Vec<FaceBox> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<FaceBox> = Vec::with_capacity(boxes.len().min(16));
    for b in boxes {
        if kept.iter().all(|k| k.iou(&b) <= iou_threshold) {
            kept.push(b);
        }
    }
    kept
}

pub enum Detector {
    Yunet(yunet::YuNet),
    Haar(haar::Haar),
}

impl Detector {
    /// Faces in a BGR frame, in its pixels, best first.
    pub fn detect(&mut self, frame: &Mat, min_score: f32) -> Result<Vec<FaceBox>, PipelineError> {
        match self {
            Self::Yunet(d) => d.detect(frame, min_score),
            Self::Haar(d) => d.detect(frame),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: f32, y: f32, score: f32) -> FaceBox {
        FaceBox {
            x,
            y,
            w: 10.0,
            h: 10.0,
            score,
            landmarks: None,
        }
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let kept = non_max_suppression(
            vec![b(0.0, 0.0, 0.7), b(1.0, 1.0, 0.9), b(50.0, 50.0, 0.8)],
            0.3,
        );
        assert_eq!(kept, vec![b(1.0, 1.0, 0.9), b(50.0, 50.0, 0.8)]);
    }
}
