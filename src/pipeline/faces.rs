//! The faces of one frame: detected, cropped as the model sees them and, with tracking,
//! followed from frame to frame. With tracking, less confident detections are looked at too:
//! they may continue a track (a face half hidden, turned or blurred), and are dropped if they
//! do not (ByteTrack's second round).

use opencv::core::Mat;

use super::classify::Preprocess;
use super::crop::{self, FER_SIDE, Framing, Template};
use super::decode::SampledFrame;
use super::detect::{Detector, FaceBox};
use super::identity::embed::FaceEmbedder;
use super::track::Tracker;
use super::track::appearance::{self, Look};
use super::track::cut::CutDetector;
use super::{AnalysisOptions, PipelineError, PipelineSettings};

/// Least detector score looked at when tracking.
const TRACK_MIN_SCORE: f32 = 0.4;

/// The crop a face's look is taken from: FER2013's framing at 48 px, whatever the model, so
/// that the tracker weighs looks the same with every model (a look ignores the pixels' scale).
const LOOK_CROP: Preprocess = Preprocess {
    side: FER_SIDE,
    template: Template::Fer2013,
    scale: 1.0,
    mean: 0.0,
    std: 1.0,
};

/// The faces kept in a frame, their pixels (the model's input, one face after another), when
/// tracking their looks and their tracks.
#[derive(Default)]
pub(super) struct Found {
    pub faces: Vec<FaceBox>,
    pub pixels: Vec<f32>,
    looks: Vec<Option<Look>>,
    pub tracks: Vec<Option<u32>>,
}

/// Faces followed across frames: the tracker, and the cut detector that resets it.
pub(super) struct Following {
    pub tracker: Tracker,
    cuts: CutDetector,
}

pub(super) struct FaceFinder {
    /// Faces smaller than this (shorter side, frame pixels) are ignored.
    min_side: f32,
    /// Least score for a face to count on its own.
    min_score: f32,
    framing: Framing,
    preprocess: Preprocess,
    pub following: Option<Following>,
}

impl FaceFinder {
    pub fn new(
        settings: &PipelineSettings,
        options: &AnalysisOptions,
        preprocess: Preprocess,
    ) -> Self {
        Self {
            min_side: options.min_face_px as f32,
            min_score: settings.min_score,
            framing: settings.framing,
            preprocess,
            following: options.tracking.then(|| Following {
                tracker: Tracker::new(settings.tracker),
                cuts: CutDetector::default(),
            }),
        }
    }

    /// The faces of `frame`; with tracking, `embedder` (when the server computes embeddings)
    /// tells who is who.
    pub fn find(
        &mut self,
        detector: &mut Detector,
        embedder: Option<&mut FaceEmbedder>,
        frame: &SampledFrame,
    ) -> Result<Found, PipelineError> {
        let threshold = match self.following {
            Some(_) => self.min_score.min(TRACK_MIN_SCORE),
            None => self.min_score,
        };
        let found = self.detect(detector, &frame.image, threshold)?;
        let face_len = self.preprocess.face_len();
        match &mut self.following {
            Some(following) => following.follow(found, frame, embedder, self.min_score, face_len),
            None => Ok(found),
        }
    }

    /// The faces at least `threshold` sure and `min_side` large, cropped, with their looks
    /// when tracking.
    fn detect(
        &self,
        detector: &mut Detector,
        image: &Mat,
        threshold: f32,
    ) -> Result<Found, PipelineError> {
        let mut found = Found::default();
        let face_len = self.preprocess.face_len();
        let mut look_crop = Vec::new();
        for f in detector.detect(image, threshold)? {
            if f.w.min(f.h) < self.min_side {
                continue;
            }
            if !crop::push_detected(image, &f, self.framing, self.preprocess, &mut found.pixels)? {
                continue;
            }
            if self.following.is_some() {
                let pixels = &found.pixels[found.pixels.len() - face_len..];
                let look = if self.preprocess.is_fer2013_crop() {
                    appearance::look(pixels)
                } else {
                    look_crop.clear();
                    crop::push_detected(image, &f, self.framing, LOOK_CROP, &mut look_crop)?;
                    appearance::look(&look_crop)
                };
                found.looks.push(look);
            }
            found.faces.push(f);
        }
        Ok(found)
    }
}

impl Following {
    /// Gives each face its track; a face less sure than `min_score` is kept only if it
    /// continues one.
    fn follow(
        &mut self,
        found: Found,
        frame: &SampledFrame,
        mut embedder: Option<&mut FaceEmbedder>,
        min_score: f32,
        face_len: usize,
    ) -> Result<Found, PipelineError> {
        if self.cuts.next(&frame.image)? {
            self.tracker.reset(frame.time_ms);
        }
        // The tracker asks for the embeddings it needs; a failure stops the job after the frame.
        let mut failed = None;
        let mut embed = |i: usize| {
            let (embedder, points) = (embedder.as_deref_mut()?, found.faces[i].landmarks?);
            embedder
                .embed(&frame.image, &points)
                .map_err(|e| failed = Some(e))
                .ok()
                .flatten()
        };
        let tracks =
            self.tracker
                .update_with(frame.time_ms, &found.faces, &found.looks, &mut embed);
        if let Some(e) = failed {
            return Err(e);
        }
        let mut kept = Found::default();
        let faces = found.faces.into_iter();
        for ((f, px), t) in faces.zip(found.pixels.chunks_exact(face_len)).zip(tracks) {
            if f.score >= min_score || t.is_some() {
                kept.faces.push(f);
                kept.pixels.extend_from_slice(px);
                kept.tracks.push(t);
            }
        }
        Ok(kept)
    }
}
