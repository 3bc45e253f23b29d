//! `emoscope evaluate --through-pipeline`: what the video path loses. Each face of a
//! folder-per-class dataset is placed into a frame under a condition a video brings (a size,
//! a tilt, blur, noise, compression, dim light), found by the service's detector, cropped as
//! the service crops and classified; beside that, the same faces classified as they are.
//! A face is right when its top class is the folder's label, or, given FER+'s votes, the
//! annotators' majority (faces without one are left out). Everything is seeded, so a run can be
//! repeated figure for figure.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use opencv::core::{self, Mat, Point2f, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::pipeline::Engine;
use crate::pipeline::aggregate::argmax;
use crate::pipeline::classify::{EmotionModel, Preprocess};
use crate::pipeline::crop::{Framing, push_detected};
use crate::pipeline::decode::decode_picture_gray;
use crate::pipeline::detect::{Detector, DetectorKind};

use super::against_people::read_votes;
use super::evaluate::{dataset_files, load_gray48};
use super::fer_face::FerFaces;

/// How a face is shown in its frame.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Condition {
    pub name: &'static str,
    /// The face's side in frame pixels (FER2013 faces are 48).
    pub face_px: i32,
    /// In-plane rotation in degrees; every other face turns the other way.
    pub tilt_deg: f64,
    /// Gaussian blur sigma, in frame pixels.
    pub blur: f64,
    /// Gaussian noise sigma, in grey levels.
    pub noise: f64,
    /// JPEG quality, 0: none.
    pub jpeg: i32,
    /// Brightness factor (1: as is).
    pub light: f64,
}

const fn plain(name: &'static str, face_px: i32) -> Condition {
    Condition {
        name,
        face_px,
        tilt_deg: 0.0,
        blur: 0.0,
        noise: 0.0,
        jpeg: 0,
        light: 1.0,
    }
}

/// The conditions of the benchmark, in the order they are reported.
pub const CONDITIONS: [Condition; 11] = [
    plain("48 px", 48),
    plain("64 px", 64),
    plain("96 px", 96),
    plain("160 px", 160),
    Condition {
        tilt_deg: 10.0,
        ..plain("96 px, tilted 10°", 96)
    },
    Condition {
        tilt_deg: 25.0,
        ..plain("96 px, tilted 25°", 96)
    },
    Condition {
        blur: 2.0,
        ..plain("96 px, blur σ 2", 96)
    },
    Condition {
        noise: 12.0,
        ..plain("96 px, noise σ 12", 96)
    },
    Condition {
        jpeg: 20,
        ..plain("96 px, JPEG q 20", 96)
    },
    Condition {
        light: 0.35,
        ..plain("96 px, dim (×0.35)", 96)
    },
    Condition {
        tilt_deg: 15.0,
        blur: 1.5,
        noise: 8.0,
        jpeg: 35,
        light: 0.6,
        ..plain("64 px, all of it", 64)
    },
];

#[derive(Debug, Serialize)]
pub struct ConditionResult {
    pub condition: Condition,
    /// Faces the detector found where the face was put.
    pub detected: f64,
    /// Correct over all faces: a face not found counts as wrong.
    pub accuracy: f64,
    /// Correct over the faces found.
    pub accuracy_detected: f64,
    /// The same two with the crop aligned by YuNet's landmarks.
    pub aligned_accuracy: f64,
    pub aligned_accuracy_detected: f64,
    /// The direct-crop accuracy of those same found faces, the fair reference.
    pub direct_accuracy_detected: f64,
}

#[derive(Debug, Serialize)]
pub struct PipelineEvaluation {
    pub model: String,
    pub dataset: PathBuf,
    /// What a face is judged against: `fer2013` (the folder) or `ferplus` (the majority).
    pub labels: &'static str,
    pub images: usize,
    pub face_margin: f32,
    pub min_score: f32,
    /// The faces classified as they are (`emoscope evaluate`).
    pub direct_accuracy: f64,
    pub conditions: Vec<ConditionResult>,
}

/// The frame around a face: grey, three faces wide (at least 320 px), the face in the middle.
fn frame_for(face: &Mat, c: &Condition, turn: f64, seed: u64) -> Result<(Mat, Rect)> {
    let side = c.face_px;
    let frame_side = (side * 3).max(320);
    let mut big = Mat::default();
    imgproc::resize(
        face,
        &mut big,
        Size::new(side, side),
        0.0,
        0.0,
        if side > face.cols() {
            imgproc::INTER_CUBIC
        } else {
            imgproc::INTER_AREA
        },
    )?;
    let mut frame =
        Mat::new_rows_cols_with_default(frame_side, frame_side, core::CV_8UC1, Scalar::all(118.0))?;
    let at = Rect::new((frame_side - side) / 2, (frame_side - side) / 2, side, side);
    big.copy_to(&mut Mat::roi_mut(&mut frame, at)?)?;
    if c.tilt_deg != 0.0 {
        let centre = Point2f::new(frame_side as f32 / 2.0, frame_side as f32 / 2.0);
        let m = imgproc::get_rotation_matrix_2d(centre, c.tilt_deg * turn, 1.0)?;
        let mut turned = Mat::default();
        imgproc::warp_affine(
            &frame,
            &mut turned,
            &m,
            frame.size()?,
            imgproc::INTER_LINEAR,
            core::BORDER_CONSTANT,
            Scalar::all(118.0),
        )?;
        frame = turned;
    }
    if c.blur > 0.0 {
        let mut blurred = Mat::default();
        imgproc::gaussian_blur_def(&frame, &mut blurred, Size::new(0, 0), c.blur)?;
        frame = blurred;
    }
    if c.light != 1.0 {
        let mut dim = Mat::default();
        frame.convert_to(&mut dim, core::CV_8UC1, c.light, 0.0)?;
        frame = dim;
    }
    if c.noise > 0.0 {
        core::set_rng_seed(seed as i32)?;
        let mut noise = Mat::new_rows_cols_with_default(
            frame_side,
            frame_side,
            core::CV_16SC1,
            Scalar::all(0.0),
        )?;
        core::randn(&mut noise, &Scalar::all(0.0), &Scalar::all(c.noise))?;
        let mut wide = Mat::default();
        frame.convert_to(&mut wide, core::CV_16SC1, 1.0, 0.0)?;
        let mut sum = Mat::default();
        core::add(&wide, &noise, &mut sum, &core::no_array(), -1)?;
        sum.convert_to(&mut frame, core::CV_8UC1, 1.0, 0.0)?;
    }
    if c.jpeg > 0 {
        frame = jpeg_round_trip(&frame, c.jpeg)?;
    }
    let mut bgr = Mat::default();
    imgproc::cvt_color_def(&frame, &mut bgr, imgproc::COLOR_GRAY2BGR)?;
    Ok((bgr, at))
}

/// A grey frame through JPEG at `quality` (1–100) and back, by libjpeg-turbo as OpenCV's
/// `imencode` and `imdecode` did it.
fn jpeg_round_trip(frame: &Mat, quality: i32) -> Result<Mat> {
    let frame = frame.try_clone()?;
    let image = turbojpeg::Image {
        pixels: frame.data_bytes()?,
        width: frame.cols() as usize,
        pitch: frame.cols() as usize,
        height: frame.rows() as usize,
        format: turbojpeg::PixelFormat::GRAY,
    };
    let bytes = turbojpeg::compress(image, quality, turbojpeg::Subsamp::Gray)?;
    decode_picture_gray(&bytes).ok_or_else(|| anyhow::anyhow!("a JPEG frame did not decode"))
}

/// `per_class`: at most this many faces of each class folder (0: all), the first in name order.
/// `votes`: FER+'s votes per file, to judge against their majority instead of the folder.
pub fn evaluate_through_pipeline(
    config: &Config,
    dataset: &Path,
    model_name: Option<&str>,
    per_class: usize,
    votes: Option<&Path>,
) -> Result<PipelineEvaluation> {
    let engine = Engine::load_for(
        config,
        config.threads_per_session(1),
        model_name.unwrap_or(""),
    )?;
    if engine.effective_detector(DetectorKind::Yunet) != DetectorKind::Yunet {
        bail!(
            "the pipeline benchmark needs YuNet ({})",
            config.yunet_model.display()
        );
    }
    let name = model_name.unwrap_or(&engine.default_model).to_string();
    let model = engine
        .emotion_model(&name)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let detector = engine
        .face_detector(DetectorKind::Yunet)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let faces = labelled_faces(dataset, per_class, votes)?;
    let mut bench = Bench {
        pre: model.info.preprocess,
        as_filed: FerFaces::new(&engine, model.info.preprocess)?,
        model,
        detector,
        margin: config.defaults.face_margin,
        min_score: config.defaults.min_score,
        faces,
    };
    let direct = bench.direct()?;
    let conditions = CONDITIONS
        .into_iter()
        .map(|c| bench.condition(c, &direct))
        .collect::<Result<_>>()?;
    Ok(PipelineEvaluation {
        model: name,
        dataset: dataset.to_path_buf(),
        labels: if votes.is_some() {
            "ferplus"
        } else {
            "fer2013"
        },
        images: bench.faces.len(),
        face_margin: bench.margin,
        min_score: bench.min_score,
        direct_accuracy: direct.iter().filter(|d| **d).count() as f64
            / bench.faces.len().max(1) as f64,
        conditions,
    })
}

/// Each face with the class it counts as: its folder's, or the FER+ majority's (a face without
/// one is left out).
fn labelled_faces(
    dataset: &Path,
    per_class: usize,
    votes: Option<&Path>,
) -> Result<Vec<(Mat, usize)>> {
    let votes = votes.map(read_votes).transpose()?;
    let mut faces = Vec::new();
    for (path, folder_label) in dataset_files(dataset, per_class)? {
        let label = match &votes {
            None => Some(folder_label),
            Some(votes) => path
                .file_name()
                .and_then(|n| votes.get(n.to_string_lossy().as_ref()))
                .and_then(|v| v.majority()),
        };
        if let Some(label) = label {
            faces.push((load_gray48(&path)?, label));
        }
    }
    Ok(faces)
}

/// The model and the detector, and the faces with their labels.
struct Bench {
    model: EmotionModel,
    detector: Detector,
    pre: Preprocess,
    /// The files' faces as the model sees them, for the direct figure.
    as_filed: FerFaces,
    margin: f32,
    min_score: f32,
    faces: Vec<(Mat, usize)>,
}

/// The faces of one condition that the detector found where they were put, with both crops.
#[derive(Default)]
struct Crops {
    found: Vec<usize>,
    boxed: Vec<f32>,
    aligned: Vec<f32>,
}

impl Bench {
    fn classify(&mut self, pixels: &[f32]) -> Result<Vec<[f32; 7]>> {
        self.model
            .classify(pixels)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Per face: right or wrong, as FER2013 cropped it.
    fn direct(&mut self) -> Result<Vec<bool>> {
        let mut pixels = Vec::new();
        let mut direct = Vec::with_capacity(self.faces.len());
        for start in (0..self.faces.len()).step_by(256) {
            let end = (start + 256).min(self.faces.len());
            pixels.clear();
            for (face, _) in &self.faces[start..end] {
                self.as_filed.push(face, &mut pixels)?;
            }
            let probs = self.classify(&pixels)?;
            for ((_, label), p) in self.faces[start..end].iter().zip(probs) {
                direct.push(argmax(&p) == *label);
            }
        }
        Ok(direct)
    }

    fn crops(&mut self, c: &Condition) -> Result<Crops> {
        let mut crops = Crops::default();
        for (i, (face, _)) in self.faces.iter().enumerate() {
            let turn = if i % 2 == 0 { 1.0 } else { -1.0 };
            let (frame, at) = frame_for(face, c, turn, i as u64 + 1)?;
            let boxes = self
                .detector
                .detect(&frame, self.min_score)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // The face found where it was put: its box's centre inside the placed square.
            let hit = boxes.into_iter().find(|b| {
                let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
                cx >= at.x as f32
                    && cx <= (at.x + at.width) as f32
                    && cy >= at.y as f32
                    && cy <= (at.y + at.height) as f32
            });
            let Some(b) = hit else { continue };
            let crop = |align, out: &mut Vec<f32>| {
                let framing = Framing {
                    align,
                    margin: self.margin,
                };
                push_detected(&frame, &b, framing, self.pre, out)
                    .map_err(|e| anyhow::anyhow!("{e}"))
            };
            let before = (crops.boxed.len(), crops.aligned.len());
            // Both crops of the face, or neither (a box outside the frame).
            if !(crop(false, &mut crops.boxed)? && crop(true, &mut crops.aligned)?) {
                crops.boxed.truncate(before.0);
                crops.aligned.truncate(before.1);
                continue;
            }
            crops.found.push(i);
        }
        Ok(crops)
    }

    /// Per face found: right or wrong.
    fn judge(&mut self, found: &[usize], pixels: &[f32]) -> Result<Vec<Option<bool>>> {
        let mut outcome = vec![None; self.faces.len()];
        let batch = self.pre.face_len() * 256;
        for (chunk, idx) in pixels.chunks(batch).zip(found.chunks(256)) {
            for (&i, p) in idx.iter().zip(self.classify(chunk)?) {
                outcome[i] = Some(argmax(&p) == self.faces[i].1);
            }
        }
        Ok(outcome)
    }

    fn condition(&mut self, c: Condition, direct: &[bool]) -> Result<ConditionResult> {
        let crops = self.crops(&c)?;
        let outcome = self.judge(&crops.found, &crops.boxed)?;
        let aligned = self.judge(&crops.found, &crops.aligned)?;
        let n = self.faces.len() as f64;
        let detected = crops.found.len();
        let right = outcome.iter().filter(|o| **o == Some(true)).count() as f64;
        let aligned_right = aligned.iter().filter(|o| **o == Some(true)).count() as f64;
        let per = |k: f64| {
            if detected == 0 {
                0.0
            } else {
                k / detected as f64
            }
        };
        let direct_right = crops.found.iter().filter(|&&i| direct[i]).count() as f64;
        Ok(ConditionResult {
            condition: c,
            detected: detected as f64 / n,
            accuracy: right / n,
            accuracy_detected: per(right),
            aligned_accuracy: aligned_right / n,
            aligned_accuracy_detected: per(aligned_right),
            direct_accuracy_detected: per(direct_right),
        })
    }
}

pub fn print_text(e: &PipelineEvaluation) {
    println!(
        "model {} on {} ({} faces, {} labels), face margin {}, detector score ≥ {}",
        e.model,
        e.dataset.display(),
        e.images,
        e.labels,
        e.face_margin,
        e.min_score
    );
    println!("direct-crop accuracy {:.2}%\n", e.direct_accuracy * 100.0);
    println!(
        "{:<22} {:>7} | {:>8} {:>8} {:>6} | {:>8} {:>8} {:>6} | {:>8}",
        "", "", "box crop", "", "", "aligned", "", "", "direct"
    );
    println!(
        "{:<22} {:>7} | {:>8} {:>8} {:>6} | {:>8} {:>8} {:>6} | {:>8}",
        "condition", "found", "all", "found", "gap", "all", "found", "gap", "found"
    );
    for r in &e.conditions {
        let d = r.direct_accuracy_detected;
        println!(
            "{:<22} {:>6.1}% | {:>7.2}% {:>7.2}% {:>6.2} | {:>7.2}% {:>7.2}% {:>6.2} | {:>7.2}%",
            r.condition.name,
            r.detected * 100.0,
            r.accuracy * 100.0,
            r.accuracy_detected * 100.0,
            (d - r.accuracy_detected) * 100.0,
            r.aligned_accuracy * 100.0,
            r.aligned_accuracy_detected * 100.0,
            (d - r.aligned_accuracy_detected) * 100.0,
            d * 100.0
        );
    }
    println!(
        "\nall: over every face (one not found counts as wrong); found: over the faces found;"
    );
    println!(
        "direct found: those same faces classified as they are; gap: direct − found, in points"
    );
}
