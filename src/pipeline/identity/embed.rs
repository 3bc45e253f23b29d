//! MobileFaceNet (Chen et al. 2018; Apache-2.0, `foamliu/MobileFaceNet`) through ONNX Runtime:
//! the face turned upright and placed on the 112×112 ArcFace template by its five landmarks,
//! RGB scaled to 0..1 and standardised with ImageNet's mean and deviation, as upstream trained it.

use opencv::core::{self, Mat, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

use super::{DIM, Embedding};
use crate::pipeline::PipelineError;
use crate::pipeline::crop::{ARCFACE, similarity_fit};

const SIDE: i32 = 112;

const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

pub struct FaceEmbedder {
    session: Session,
    input: String,
    /// Reused between faces: the network's planar RGB input.
    planar: Vec<f32>,
}

impl FaceEmbedder {
    /// Checks that the session takes one 112×112 colour face and gives a 128-d vector.
    pub fn new(session: Session) -> Result<Self, PipelineError> {
        let input = session
            .inputs()
            .first()
            .map(|i| i.name().to_string())
            .ok_or_else(|| PipelineError::model("the face embedding model has no input"))?;
        let mut embedder = Self {
            session,
            input,
            planar: vec![0.0; (3 * SIDE * SIDE) as usize],
        };
        let probe = embedder.run()?;
        if probe.len() != DIM {
            return Err(PipelineError::model(format!(
                "the face embedding model gives {} numbers, not {DIM}: is it MobileFaceNet?",
                probe.len()
            )));
        }
        Ok(embedder)
    }

    /// The embedding of the face with these landmarks (frame pixels) in `frame` (BGR or grey).
    pub fn embed(
        &mut self,
        frame: &Mat,
        landmarks: &[f32; 10],
    ) -> Result<Option<Embedding>, PipelineError> {
        let Some([a, b, tx, ty]) = similarity_fit(landmarks, &ARCFACE) else {
            return Ok(None);
        };
        let m = Mat::from_slice_2d(&[[a, -b, tx], [b, a, ty]]).map_err(PipelineError::opencv)?;
        let mut face = Mat::default();
        imgproc::warp_affine(
            frame,
            &mut face,
            &m,
            Size::new(SIDE, SIDE),
            imgproc::INTER_LINEAR,
            core::BORDER_REPLICATE,
            Scalar::default(),
        )
        .map_err(PipelineError::opencv)?;
        self.fill(&face)?;
        Ok(Embedding::from_raw(&self.run()?))
    }

    /// The 112×112 face into `planar`, RGB planes, standardised.
    fn fill(&mut self, face: &Mat) -> Result<(), PipelineError> {
        let mut bgr = Mat::default();
        let face = if face.channels() == 1 {
            imgproc::cvt_color_def(face, &mut bgr, imgproc::COLOR_GRAY2BGR)
                .map_err(PipelineError::opencv)?;
            &bgr
        } else {
            face
        };
        let bytes = face.data_bytes().map_err(PipelineError::opencv)?;
        let plane = (SIDE * SIDE) as usize;
        for (i, px) in bytes.chunks_exact(3).enumerate().take(plane) {
            // BGR in, RGB planes out.
            for c in 0..3 {
                let v = px[2 - c] as f32 / 255.0;
                self.planar[c * plane + i] = (v - MEAN[c]) / STD[c];
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Result<Vec<f32>, PipelineError> {
        let shape = [1usize, 3, SIDE as usize, SIDE as usize];
        let input =
            TensorRef::from_array_view((shape, &self.planar[..])).map_err(PipelineError::ort)?;
        let outputs = self
            .session
            .run(ort::inputs![self.input.as_str() => input])
            .map_err(PipelineError::ort)?;
        let (_, data) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(PipelineError::ort)?;
        Ok(data.to_vec())
    }
}
