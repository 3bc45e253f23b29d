//! The emotion model: an ONNX network with input `input` [N,1,S,S] (a grey face, S = 48 for the
//! FER2013-sized models, 112 for FaceNetEmo) and output `output` [N,7], whose labels, framing,
//! preprocessing and calibration are read from its metadata.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::TensorRef;
use serde::Serialize;

use super::PipelineError;
use super::aggregate::EMOTIONS;
use super::crop::{FER_SIDE, Template};

/// The sides a model's square input may have.
const SIDES: std::ops::RangeInclusive<i64> = 16..=256;

/// How a face becomes the model's input, from the model's metadata: framed on `template` by its
/// landmarks, `side` pixels square, grey, each pixel (0–255) as `(v · scale − mean) / std`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Preprocess {
    pub side: i32,
    pub template: Template,
    pub scale: f32,
    pub mean: f32,
    pub std: f32,
}

impl Preprocess {
    pub fn apply(self, v: u8) -> f32 {
        (f32::from(v) * self.scale - self.mean) / self.std
    }

    /// Numbers per face.
    pub fn face_len(self) -> usize {
        (self.side * self.side) as usize
    }

    /// Whether the model takes a face as FER2013 files it: 48 px on FER2013's framing.
    pub fn is_fer2013_crop(self) -> bool {
        self.side == FER_SIDE && self.template == Template::Fer2013
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub file: PathBuf,
    pub arch: Option<String>,
    /// Labels in the model's output order.
    pub labels: Vec<String>,
    pub input_name: String,
    pub input_shape: [i64; 4],
    pub preprocess: Preprocess,
    pub flip_tta: bool,
    /// The logits are divided by it before the softmax (metadata `temperature`, 1 when absent):
    /// fitted on held-out faces so that a face given 0.8 is right about 80 % of the time.
    pub temperature: f32,
}

impl ModelInfo {
    /// The model's labels and preprocessing from its metadata (`get`), with the position in
    /// `EMOTIONS` of each output. Shared by the inference session and the catalogue, which reads
    /// the metadata without ONNX Runtime.
    pub fn from_metadata(
        file: &Path,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<(Self, [usize; 7]), PipelineError> {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bad = |what: String| PipelineError::model(format!("model {}: {what}", file.display()));
        let labels: Vec<String> = match get("labels") {
            Some(l) => l.split(',').map(|s| s.trim().to_lowercase()).collect(),
            None => {
                tracing::warn!(model = %file.display(), "no `labels` in the model metadata; assuming {EMOTIONS:?}");
                EMOTIONS.iter().map(|s| s.to_string()).collect()
            }
        };
        let mut to_canonical = [0usize; 7];
        if labels.len() != 7 {
            return Err(bad(format!("expected 7 labels, found {labels:?}")));
        }
        for (i, label) in labels.iter().enumerate() {
            to_canonical[i] = EMOTIONS
                .iter()
                .position(|e| e == label)
                .ok_or_else(|| bad(format!("unknown label {label:?}")))?;
        }
        let mut seen = to_canonical;
        seen.sort_unstable();
        if seen != [0, 1, 2, 3, 4, 5, 6] {
            return Err(bad(format!("labels repeat: {labels:?}")));
        }
        let side = match get("input_size") {
            None => 48,
            Some(size) => match size
                .split_once('x')
                .map(|(w, h)| (w.parse::<i64>(), h.parse::<i64>()))
            {
                Some((Ok(w), Ok(h))) if w == h && SIDES.contains(&w) => w,
                _ => {
                    return Err(bad(format!(
                        "input_size {size:?} is not a square like 112x112"
                    )));
                }
            },
        };
        let template = match get("alignment").as_deref() {
            None | Some("fer2013") => Template::Fer2013,
            Some("arcface") => Template::ArcFace,
            Some(other) => {
                return Err(bad(format!(
                    "alignment {other:?} is neither fer2013 nor arcface"
                )));
            }
        };
        let info = ModelInfo {
            name,
            file: file.to_path_buf(),
            arch: get("arch"),
            input_name: "input".into(),
            input_shape: [-1, 1, side, side],
            preprocess: Preprocess {
                side: side as i32,
                template,
                scale: meta_f32(get("input_scale"), "input_scale", 1.0 / 255.0)?,
                mean: meta_f32(get("input_mean"), "input_mean", 0.0)?,
                std: meta_f32(get("input_std"), "input_std", 1.0)?,
            },
            flip_tta: get("flip_tta").as_deref() == Some("true"),
            temperature: meta_f32(get("temperature"), "temperature", 1.0)?,
            labels,
        };
        if info.preprocess.std == 0.0 {
            return Err(bad("input_std is 0".into()));
        }
        if !(info.temperature.is_finite() && info.temperature > 0.0) {
            return Err(bad(format!(
                "temperature {} is not a positive number",
                info.temperature
            )));
        }
        Ok((info, to_canonical))
    }
}

pub struct EmotionModel {
    pub info: ModelInfo,
    session: Session,
    /// Position in `EMOTIONS` of each model output.
    to_canonical: [usize; 7],
}

fn meta_f32(value: Option<String>, key: &str, default: f32) -> Result<f32, PipelineError> {
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            PipelineError::model(format!("model metadata {key}={v:?} is not a number"))
        }),
    }
}

impl EmotionModel {
    pub fn new(session: Session, file: &Path) -> Result<Self, PipelineError> {
        let bad = |what: String| PipelineError::model(format!("model {}: {what}", file.display()));
        let meta = session.metadata().map_err(PipelineError::ort)?;
        let (info, to_canonical) = ModelInfo::from_metadata(file, |key| meta.custom(key))?;
        drop(meta);
        let side = i64::from(info.preprocess.side);
        let describe = |outlets: &[ort::value::Outlet]| -> String {
            outlets
                .iter()
                .map(|o| {
                    let shape = o
                        .dtype()
                        .tensor_shape()
                        .map(|s| s.to_vec())
                        .unwrap_or_default();
                    format!("`{}` {shape:?}", o.name())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let shape_ok = match (session.inputs(), session.outputs()) {
            ([input], [output]) => {
                let i: Vec<i64> = input
                    .dtype()
                    .tensor_shape()
                    .map(|s| s.to_vec())
                    .unwrap_or_default();
                let o: Vec<i64> = output
                    .dtype()
                    .tensor_shape()
                    .map(|s| s.to_vec())
                    .unwrap_or_default();
                input.name() == "input"
                    && output.name() == "output"
                    && i.len() == 4
                    && i[1..] == [1, side, side]
                    && o.len() == 2
                    && o[1] == 7
            }
            _ => false,
        };
        if !shape_ok {
            return Err(bad(format!(
                "an emotion model needs one input `input` [N,1,{side},{side}] (its metadata's \
                 input_size) and one output `output` [N,7]; this one has inputs {} and outputs {}",
                describe(session.inputs()),
                describe(session.outputs())
            )));
        }
        Ok(Self {
            info,
            session,
            to_canonical,
        })
    }

    /// Probabilities in `EMOTIONS` order for each face in `faces` (already cropped and scaled).
    pub fn classify(&mut self, faces: &[f32]) -> Result<Vec<[f32; 7]>, PipelineError> {
        let pixels = self.info.preprocess.face_len();
        let side = self.info.preprocess.side as usize;
        let n = faces.len() / pixels;
        if n == 0 {
            return Ok(Vec::new());
        }
        let input = TensorRef::from_array_view(([n, 1, side, side], &faces[..n * pixels]))
            .map_err(PipelineError::ort)?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => input])
            .map_err(PipelineError::ort)?;
        let (_, logits) = outputs["output"]
            .try_extract_tensor::<f32>()
            .map_err(PipelineError::ort)?;
        if logits.len() != n * 7 {
            return Err(PipelineError::model(
                "the emotion model returned the wrong number of values",
            ));
        }
        Ok(logits
            .chunks_exact(7)
            .map(|row| {
                let probs = softmax(row, self.info.temperature);
                let mut out = [0.0; 7];
                for (i, p) in probs.iter().enumerate() {
                    out[self.to_canonical[i]] = *p;
                }
                out
            })
            .collect())
    }
}

/// The softmax of `logits / temperature`.
pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits
        .iter()
        .map(|v| ((v - max) / temperature).exp())
        .collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|v| v / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_normalised() {
        let p = softmax(&[1000.0, 1000.0, 0.0], 1.0);
        assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6 && p[2] < 1e-6);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_temperature_above_one_softens_without_changing_the_order() {
        let logits = [2.0, 1.0, 0.0];
        let (sharp, soft) = (softmax(&logits, 1.0), softmax(&logits, 2.0));
        // e^1 / (e^1 + e^0.5 + 1) at T = 2.
        let want = 1f32.exp() / (1f32.exp() + 0.5f32.exp() + 1.0);
        assert!((soft[0] - want).abs() < 1e-6, "{soft:?}");
        assert!(soft[0] < sharp[0] && soft[2] > sharp[2]);
        assert!(soft[0] > soft[1] && soft[1] > soft[2]);
    }

    #[test]
    fn a_temperature_that_is_not_a_positive_number_is_refused() {
        for bad in ["0", "-1", "NaN", "inf", "warm"] {
            let got = ModelInfo::from_metadata(Path::new("m.onnx"), |key| {
                (key == "temperature").then(|| bad.to_string())
            });
            assert!(got.is_err(), "temperature {bad} was accepted");
        }
        let (info, _) = ModelInfo::from_metadata(Path::new("m.onnx"), |_| None).expect("defaults");
        assert_eq!(info.temperature, 1.0);
    }

    #[test]
    fn the_input_side_and_framing_come_from_the_metadata() {
        let (info, _) = ModelInfo::from_metadata(Path::new("m.onnx"), |key| match key {
            "input_size" => Some("112x112".into()),
            "alignment" => Some("arcface".into()),
            _ => None,
        })
        .expect("a 112 px model");
        assert_eq!(info.input_shape, [-1, 1, 112, 112]);
        assert_eq!(info.preprocess.side, 112);
        assert_eq!(info.preprocess.template, Template::ArcFace);
        assert_eq!(info.preprocess.face_len(), 112 * 112);

        // A file without them is a FER2013-sized model, as every model before them.
        let (info, _) = ModelInfo::from_metadata(Path::new("m.onnx"), |_| None).expect("defaults");
        assert_eq!(
            (info.preprocess.side, info.preprocess.template),
            (48, Template::Fer2013)
        );

        for (key, bad) in [
            ("input_size", "112x96"),
            ("input_size", "4x4"),
            ("input_size", "9999x9999"),
            ("input_size", "large"),
            ("alignment", "dlib"),
        ] {
            let got = ModelInfo::from_metadata(Path::new("m.onnx"), |k| {
                (k == key).then(|| bad.to_string())
            });
            assert!(got.is_err(), "{key}={bad} was accepted");
        }
    }
}
