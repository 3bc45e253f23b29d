//! YuNet (2023 release) run through ONNX Runtime and decoded here, since OpenCV 4.6's
//! `FaceDetectorYN` cannot read this model.

use opencv::core::{self, Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

use super::{FaceBox, non_max_suppression};
use crate::pipeline::PipelineError;

const STRIDES: [usize; 3] = [8, 16, 32];
const NMS_IOU: f32 = 0.3;

pub struct YuNet {
    session: Session,
    max_side: u32,
    /// Reused between frames: the padded detector input and its planar float copy.
    canvas: Mat,
    planar: Vec<f32>,
}

impl YuNet {
    pub fn new(session: Session, max_side: u32) -> Result<Self, PipelineError> {
        let names: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
        for s in STRIDES {
            for head in ["cls", "obj", "bbox"] {
                let want = format!("{head}_{s}");
                if !names.contains(&want.as_str()) {
                    return Err(PipelineError::model(format!(
                        "the face detector has no output {want}: is it the 2023 YuNet model?"
                    )));
                }
            }
        }
        Ok(Self {
            session,
            max_side,
            canvas: Mat::default(),
            planar: Vec::new(),
        })
    }

    pub fn detect(&mut self, frame: &Mat, min_score: f32) -> Result<Vec<FaceBox>, PipelineError> {
        let (scale, pw, ph) = self.prepare(frame)?;
        let input =
            TensorRef::from_array_view(([1usize, 3, ph as usize, pw as usize], &self.planar[..]))
                .map_err(PipelineError::ort)?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => input])
            .map_err(PipelineError::ort)?;
        let mut boxes = Vec::new();
        for stride in STRIDES {
            let get = |name: String| -> Result<&[f32], PipelineError> {
                outputs[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map(|(_, data)| data)
                    .map_err(PipelineError::ort)
            };
            let level = Level {
                stride,
                cols: pw as usize / stride,
                cls: get(format!("cls_{stride}"))?,
                obj: get(format!("obj_{stride}"))?,
                bbox: get(format!("bbox_{stride}"))?,
                kps: get(format!("kps_{stride}"))?,
            };
            level.decode(scale, min_score, &mut boxes)?;
        }
        Ok(non_max_suppression(boxes, NMS_IOU))
    }

    /// The frame scaled to at most `max_side`, padded to multiples of 32 (YuNet wants them)
    /// with black on the right and bottom, in `planar` as the network's planar BGR input.
    /// Returns the scale and the padded width and height.
    fn prepare(&mut self, frame: &Mat) -> Result<(f32, i32, i32), PipelineError> {
        let (fw, fh) = (frame.cols(), frame.rows());
        let scale = (self.max_side as f32 / fw.max(fh) as f32).min(1.0);
        let (sw, sh) = (
            ((fw as f32 * scale).round() as i32).max(1),
            ((fh as f32 * scale).round() as i32).max(1),
        );
        let (pw, ph) = ((sw + 31) / 32 * 32, (sh + 31) / 32 * 32);
        if self.canvas.cols() != pw || self.canvas.rows() != ph {
            self.canvas =
                Mat::new_rows_cols_with_default(ph, pw, core::CV_8UC3, core::Scalar::all(0.0))
                    .map_err(PipelineError::opencv)?;
        }
        {
            let mut roi = Mat::roi_mut(&mut self.canvas, Rect::new(0, 0, sw, sh))
                .map_err(PipelineError::opencv)?;
            if scale < 1.0 {
                imgproc::resize(
                    frame,
                    &mut roi,
                    Size::new(sw, sh),
                    0.0,
                    0.0,
                    imgproc::INTER_LINEAR,
                )
                .map_err(PipelineError::opencv)?;
            } else {
                frame.copy_to(&mut roi).map_err(PipelineError::opencv)?;
            }
        }
        let bgr = self.canvas.data_bytes().map_err(PipelineError::opencv)?;
        let plane = (pw * ph) as usize;
        self.planar.resize(3 * plane, 0.0);
        for (i, px) in bgr.chunks_exact(3).enumerate() {
            self.planar[i] = px[0] as f32;
            self.planar[plane + i] = px[1] as f32;
            self.planar[2 * plane + i] = px[2] as f32;
        }
        Ok((scale, pw, ph))
    }
}

/// One stride's outputs: per anchor, a class and an objectness score, a box and five points.
struct Level<'a> {
    stride: usize,
    /// Anchors per row.
    cols: usize,
    cls: &'a [f32],
    obj: &'a [f32],
    bbox: &'a [f32],
    kps: &'a [f32],
}

impl Level<'_> {
    /// Appends the faces at least `min_score` sure, in the frame's pixels (`scale`: the
    /// network's input over the frame).
    fn decode(
        &self,
        scale: f32,
        min_score: f32,
        boxes: &mut Vec<FaceBox>,
    ) -> Result<(), PipelineError> {
        let (cls, obj, bbox, kps) = (self.cls, self.obj, self.bbox, self.kps);
        if obj.len() != cls.len() || bbox.len() != 4 * cls.len() || kps.len() != 10 * cls.len() {
            return Err(PipelineError::model("YuNet outputs have unexpected sizes"));
        }
        let sf = self.stride as f32;
        for (i, (&c, &o)) in cls.iter().zip(obj).enumerate() {
            let score = (c.clamp(0.0, 1.0) * o.clamp(0.0, 1.0)).sqrt();
            if score < min_score {
                continue;
            }
            let (row, col) = ((i / self.cols) as f32, (i % self.cols) as f32);
            let d = &bbox[4 * i..4 * i + 4];
            let (cx, cy) = ((col + d[0]) * sf, (row + d[1]) * sf);
            let (w, h) = (d[2].exp() * sf, d[3].exp() * sf);
            let k = &kps[10 * i..10 * i + 10];
            let mut points = [0f32; 10];
            for j in 0..5 {
                points[2 * j] = (col + k[2 * j]) * sf / scale;
                points[2 * j + 1] = (row + k[2 * j + 1]) * sf / scale;
            }
            boxes.push(FaceBox {
                x: (cx - w / 2.0) / scale,
                y: (cy - h / 2.0) / scale,
                w: w / scale,
                h: h / scale,
                score,
                landmarks: Some(points),
            });
        }
        Ok(())
    }
}
