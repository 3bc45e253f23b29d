//! Faces waiting for the model, a batch at a time; classified, they come back as frames for the
//! run's sums (`tally.rs`) and its observer.

use super::aggregate::{Emotion, argmax};
use super::classify::EmotionModel;
use super::detect::FaceBox;
use super::{BoxPx, FaceResult, FrameResult, PipelineError, Progress};

/// A sampled frame waiting for its faces to be classified.
pub(super) struct Pending {
    pub frame: u64,
    pub time_ms: u64,
    pub faces: Vec<FaceBox>,
    /// The track of each face, when tracking.
    pub tracks: Vec<Option<u32>>,
    /// The picture, kept only to be annotated.
    pub image: Option<opencv::core::Mat>,
}

/// Faces waiting for the model, a batch at a time.
pub(super) struct Batch {
    pending: Vec<Pending>,
    /// The waiting faces' pixels, preprocessed for the model, one face after another.
    pixels: Vec<f32>,
    /// Faces per inference batch.
    size: usize,
    /// Numbers per face.
    face_len: usize,
    /// Frames keep their picture (to be drawn on): classify each one as it comes, so that only
    /// one picture is held.
    pub one_at_a_time: bool,
    done: u64,
    total: u64,
}

/// A classified frame, with its picture when it was kept.
pub(super) struct Classified {
    pub frame: FrameResult,
    pub image: Option<opencv::core::Mat>,
}

/// Results go to the observer at least this often, in frames, so progress moves on videos with
/// few faces too.
const FLUSH_FRAMES: usize = 16;

impl Batch {
    pub fn new(size: usize, face_len: usize, total: u64) -> Self {
        Self {
            pending: Vec::new(),
            pixels: Vec::new(),
            size,
            face_len,
            one_at_a_time: false,
            done: 0,
            total,
        }
    }

    /// Queues a frame with its faces' pixels (in the order of its faces).
    pub fn push(&mut self, frame: Pending, pixels: &[f32]) {
        self.done += 1;
        self.pixels.extend_from_slice(pixels);
        self.pending.push(frame);
    }

    /// Whether no frame waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Time to classify: a batch's worth of faces, or enough frames; every frame when frames
    /// keep their picture.
    pub fn full(&self) -> bool {
        self.pixels.len() >= self.size * self.face_len
            || self.pending.len() >= FLUSH_FRAMES
            || (self.one_at_a_time && !self.pending.is_empty())
    }

    /// Classifies the waiting faces: their frames, in order, and the progress so far.
    pub fn classify(
        &mut self,
        model: &mut EmotionModel,
    ) -> Result<(Vec<Classified>, Progress), PipelineError> {
        let mut probs = model.classify(&self.pixels)?.into_iter();
        self.pixels.clear();
        let mut frames = Vec::with_capacity(self.pending.len());
        for p in self.pending.drain(..) {
            let mut faces = Vec::with_capacity(p.faces.len());
            let mut tracks = p.tracks.into_iter();
            for f in p.faces {
                let pr = probs
                    .next()
                    .ok_or_else(|| PipelineError::internal("fewer results than faces"))?;
                faces.push(face_result(&f, pr, tracks.next().flatten()));
            }
            frames.push(Classified {
                frame: FrameResult {
                    frame: p.frame,
                    time_ms: p.time_ms,
                    faces,
                },
                image: p.image,
            });
        }
        let progress = Progress {
            done: self.done,
            total: self.total.max(self.done),
        };
        Ok((frames, progress))
    }
}

/// A classified face, rounded for storage: boxes to pixels, probabilities to four places.
pub(super) fn face_result(
    f: &FaceBox,
    probabilities: [f32; 7],
    track_id: Option<u32>,
) -> FaceResult {
    FaceResult {
        bbox: BoxPx {
            x: f.x.round() as i32,
            y: f.y.round() as i32,
            w: f.w.round() as i32,
            h: f.h.round() as i32,
        },
        score: (f.score * 1000.0).round() / 1000.0,
        emotion: Emotion::ALL[argmax(&probabilities)],
        probabilities: probabilities
            .map(|v| (v * 10_000.0).round() / 10_000.0)
            .into(),
        track_id,
    }
}
