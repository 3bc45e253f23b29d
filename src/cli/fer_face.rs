//! A FER2013 face file as a model sees it, for the accuracy commands. A 48 px model on FER2013's
//! own framing takes the file as it is. A model on another template (FaceNetEmo, 112 px on the
//! ArcFace template) gets the face aligned as `training/align.py` aligned its training faces:
//! scaled up to 160 px in a 320 px square with its edges repeated, YuNet's best face scoring at
//! least 0.5 gives the five landmarks (else FER2013's average ones), and the 48 px face is warped
//! onto the template.

use anyhow::{Result, anyhow};
use opencv::core::{self, Mat, Size};
use opencv::imgproc;

use crate::pipeline::Engine;
use crate::pipeline::classify::Preprocess;
use crate::pipeline::crop::{FER_LANDMARKS, FER_SIDE, push_aligned, push_gray};
use crate::pipeline::detect::{Detector, DetectorKind};

const UPSCALED: i32 = 160;
const CANVAS: i32 = 320;
const MIN_SCORE: f32 = 0.5;

pub struct FerFaces {
    pre: Preprocess,
    /// YuNet, when the model wants the face aligned on another template.
    detector: Option<Detector>,
    /// Faces YuNet found, of those it was asked about.
    pub found: usize,
    pub asked: usize,
}

impl FerFaces {
    pub fn new(engine: &Engine, pre: Preprocess) -> Result<Self> {
        let detector = if pre.is_fer2013_crop() {
            None
        } else {
            if engine.effective_detector(DetectorKind::Yunet) != DetectorKind::Yunet {
                anyhow::bail!(
                    "a model on the {:?} template needs YuNet to align FER2013's faces",
                    pre.template
                );
            }
            Some(
                engine
                    .face_detector(DetectorKind::Yunet)
                    .map_err(|e| anyhow!("{e}"))?,
            )
        };
        Ok(Self {
            pre,
            detector,
            found: 0,
            asked: 0,
        })
    }

    /// Appends the 48×48 grey face as the model's input.
    pub fn push(&mut self, face: &Mat, out: &mut Vec<f32>) -> Result<()> {
        let Some(detector) = &mut self.detector else {
            return push_gray(face, self.pre, out).map_err(|e| anyhow!("{e}"));
        };
        let landmarks = landmarks(detector, face)?;
        self.asked += 1;
        self.found += usize::from(landmarks.is_some());
        let points = landmarks.unwrap_or(FER_LANDMARKS.map(|v| v * FER_SIDE as f32));
        if !push_aligned(face, &points, self.pre, out).map_err(|e| anyhow!("{e}"))? {
            anyhow::bail!("a FER2013 face could not be aligned");
        }
        Ok(())
    }
}

/// YuNet's landmarks of the face (in its 48 px), from its best face scoring at least 0.5.
fn landmarks(detector: &mut Detector, face: &Mat) -> Result<Option<[f32; 10]>> {
    let mut big = Mat::default();
    imgproc::resize(
        face,
        &mut big,
        Size::new(UPSCALED, UPSCALED),
        0.0,
        0.0,
        imgproc::INTER_LINEAR,
    )?;
    let pad = (CANVAS - UPSCALED) / 2;
    let mut canvas = Mat::default();
    core::copy_make_border(
        &big,
        &mut canvas,
        pad,
        pad,
        pad,
        pad,
        core::BORDER_REPLICATE,
        core::Scalar::default(),
    )?;
    let mut bgr = Mat::default();
    imgproc::cvt_color_def(&canvas, &mut bgr, imgproc::COLOR_GRAY2BGR)?;
    let boxes = detector
        .detect(&bgr, MIN_SCORE)
        .map_err(|e| anyhow!("{e}"))?;
    let best = boxes
        .into_iter()
        .filter(|b| b.score >= MIN_SCORE)
        .max_by(|a, b| a.score.total_cmp(&b.score));
    let scale = FER_SIDE as f32 / UPSCALED as f32;
    Ok(best
        .and_then(|b| b.landmarks)
        .map(|p| p.map(|v| (v - pad as f32) * scale)))
}
