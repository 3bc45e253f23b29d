//! OpenCV's Haar cascade: slower and weaker than YuNet, kept only as a fallback.

use std::path::Path;

use opencv::core::{Mat, Rect, Size, Vector};
use opencv::imgproc;
use opencv::objdetect::CascadeClassifier;
use opencv::prelude::*;

use super::FaceBox;
use crate::pipeline::PipelineError;

pub struct Haar {
    cascade: CascadeClassifier,
    max_side: u32,
}

impl Haar {
    pub fn new(path: &Path, max_side: u32) -> Result<Self, PipelineError> {
        let cascade =
            CascadeClassifier::new(&*path.to_string_lossy()).map_err(PipelineError::opencv)?;
        if cascade.empty().unwrap_or(true) {
            return Err(PipelineError::model(format!(
                "cannot load the Haar cascade {} (install Debian's opencv-data)",
                path.display()
            )));
        }
        Ok(Self { cascade, max_side })
    }

    pub fn detect(&mut self, frame: &Mat) -> Result<Vec<FaceBox>, PipelineError> {
        let (fw, fh) = (frame.cols(), frame.rows());
        let scale = (self.max_side as f64 / fw.max(fh) as f64).min(1.0);
        let mut small = Mat::default();
        let size = Size::new(
            ((fw as f64 * scale).round() as i32).max(1),
            ((fh as f64 * scale).round() as i32).max(1),
        );
        imgproc::resize(frame, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)
            .map_err(PipelineError::opencv)?;
        let mut gray = Mat::default();
        imgproc::cvt_color_def(&small, &mut gray, imgproc::COLOR_BGR2GRAY)
            .map_err(PipelineError::opencv)?;
        let mut eq = Mat::default();
        imgproc::equalize_hist(&gray, &mut eq).map_err(PipelineError::opencv)?;
        let mut found = Vector::<Rect>::new();
        self.cascade
            .detect_multi_scale(
                &eq,
                &mut found,
                1.1,
                5,
                0,
                Size::new(24, 24),
                Size::default(),
            )
            .map_err(PipelineError::opencv)?;
        let s = scale as f32;
        Ok(found
            .iter()
            .map(|r| FaceBox {
                x: r.x as f32 / s,
                y: r.y as f32 / s,
                w: r.width as f32 / s,
                h: r.height as f32 / s,
                score: 1.0,
                landmarks: None,
            })
            .collect())
    }
}
