//! One still picture through the same detector, crop and model as a video's frames: every face
//! and the picture's shares. No tracking, nothing kept.

use opencv::core::Mat;
use opencv::prelude::*;
use serde::Serialize;

use super::aggregate::{Accumulator, EmotionSummary};
use super::batch::face_result;
use super::decode::SampledFrame;
use super::faces::FaceFinder;
use super::{AnalysisOptions, FaceResult, Pipeline, PipelineError};

/// What a picture shows.
#[derive(Debug, Clone, Serialize)]
pub struct ImageOutcome {
    pub width: u32,
    pub height: u32,
    /// Each face found, in the detector's order (most confident first).
    pub faces: Vec<FaceResult>,
    /// The faces' expressions together, as for a video of one frame.
    pub summary: EmotionSummary,
}

impl Pipeline<'_> {
    /// Analyses one picture (BGR); `options`' detector, model and least face size apply, its
    /// sampling, tracking and annotation do not.
    pub fn analyse_image(
        &mut self,
        image: Mat,
        options: &AnalysisOptions,
    ) -> Result<ImageOutcome, PipelineError> {
        let still = AnalysisOptions {
            tracking: false,
            annotate: false,
            ..options.clone()
        };
        let (width, height) = (image.cols() as u32, image.rows() as u32);
        let preprocess = self.model(&still.model)?.info.preprocess;
        let mut finder = FaceFinder::new(&self.engine.settings, &still, preprocess);
        let frame = SampledFrame {
            index: 0,
            time_ms: 0,
            image,
        };
        let mut detector = self.detector(still.detector)?;
        let found = finder.find(&mut detector, None, &frame);
        self.give_back(detector, None);
        let found = found?;
        let probabilities = match found.faces.is_empty() {
            true => Vec::new(),
            false => self.model(&still.model)?.classify(&found.pixels)?,
        };
        let faces: Vec<FaceResult> = found
            .faces
            .iter()
            .zip(probabilities)
            .map(|(f, p)| face_result(f, p, None))
            .collect();
        let mut acc = Accumulator::default();
        acc.add_frame(faces.iter().map(|f| f.probabilities.to_array()));
        Ok(ImageOutcome {
            width,
            height,
            faces,
            summary: acc.summary(),
        })
    }
}
