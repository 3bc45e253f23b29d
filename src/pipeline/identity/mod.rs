//! Who is who within one video: a face embedding (MobileFaceNet on the face aligned by its five
//! landmarks, [`embed`]) tells two people apart where position and the 16×16 look cannot (a cut
//! on the same background, two people trading places, someone seen again in another shot), and
//! [`consolidate`] merges, at the end of a job, the tracks that were one person.
//!
//! An embedding is biometric data. It lives in memory for one job: it has no `Serialize`, its
//! `Debug` prints no number, and nothing outside the tracker of one run ever holds one. Nobody
//! is identified: embeddings are only compared with others of the same video.

pub mod consolidate;
pub mod embed;
pub mod likeness;

use super::detect::FaceBox;

/// Faces smaller than this (shorter side, frame pixels) are not embedded: upscaled to 112 px
/// they embed poorly, and they keep to position and look.
pub const MIN_SIDE: f32 = 32.0;

/// Whether a face is clear enough for its embedding to say who it is: large enough, with
/// landmarks, and the detector at least `min_score` sure of it. On *Tears of Steel* a robot's
/// head, the back of a head and a hand are found at 0.42–0.68 and their embeddings are alike
/// (0.5–0.6, as alike as one person's), while every real face is found at 0.85 or more. The
/// landmarks' shape does not tell them apart (the robot's fit the face template within 3 px of
/// 112, real faces turned three quarters within 16), so it is not used.
pub fn is_clear(face: &FaceBox, min_score: f32) -> bool {
    face.score >= min_score && face.w.min(face.h) >= MIN_SIDE && face.landmarks.is_some()
}

/// Length of an embedding.
pub const DIM: usize = 128;

/// One face's embedding, of unit length.
#[derive(Clone)]
pub struct Embedding([f32; DIM]);

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedding(…)")
    }
}

impl Embedding {
    /// The network's output scaled to unit length; `None` when it is not a usable vector.
    pub fn from_raw(raw: &[f32]) -> Option<Self> {
        let v: [f32; DIM] = raw.try_into().ok()?;
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        (norm.is_finite() && norm > 1e-6).then(|| Self(v.map(|x| x / norm)))
    }

    /// Cosine similarity, −1..1.
    pub fn similarity(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }
}

/// A person's embeddings summed: their mean direction is the person's identity, steadier than
/// any one face (one frame may be blurred, turned or half hidden).
#[derive(Clone)]
pub struct Identity {
    sum: [f32; DIM],
    count: u32,
    /// The sum's direction, kept up to date: the tracker compares it with every face in doubt.
    mean: Option<Embedding>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({} faces)", self.count)
    }
}

impl Identity {
    pub fn of(face: &Embedding) -> Self {
        Self {
            sum: face.0,
            count: 1,
            mean: Some(face.clone()),
        }
    }

    pub fn add(&mut self, face: &Embedding) {
        self.add_sum(&face.0, 1);
    }

    pub fn merge(&mut self, other: &Identity) {
        self.add_sum(&other.sum, other.count);
    }

    fn add_sum(&mut self, sum: &[f32; DIM], count: u32) {
        for (s, v) in self.sum.iter_mut().zip(sum) {
            *s += v;
        }
        self.count += count;
        self.mean = Embedding::from_raw(&self.sum);
    }

    /// How many faces it was made from.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The mean direction.
    pub fn mean(&self) -> Option<&Embedding> {
        self.mean.as_ref()
    }

    /// Cosine similarity of the mean with one face.
    pub fn similarity(&self, face: &Embedding) -> f32 {
        self.mean.as_ref().map_or(0.0, |m| m.similarity(face))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Embedding {
        let mut v = [0f32; DIM];
        v[i] = 3.0;
        Embedding::from_raw(&v).expect("a vector")
    }

    #[test]
    fn embeddings_are_unit_length_and_compare_by_cosine() {
        assert!((unit(0).similarity(&unit(0)) - 1.0).abs() < 1e-6);
        assert_eq!(unit(0).similarity(&unit(1)), 0.0);
        assert!(Embedding::from_raw(&[0.0; DIM]).is_none());
        assert!(Embedding::from_raw(&[1.0; 5]).is_none());
        assert!(Embedding::from_raw(&[f32::NAN; DIM]).is_none());
    }

    #[test]
    fn an_identity_is_the_mean_direction_of_its_faces() {
        let mut id = Identity::of(&unit(0));
        id.add(&unit(1));
        let half = std::f32::consts::FRAC_1_SQRT_2;
        assert!((id.similarity(&unit(0)) - half).abs() < 1e-6);
        assert_eq!(id.count(), 2);
    }

    #[test]
    fn a_clear_face_is_sure_large_and_has_landmarks() {
        let face = FaceBox {
            x: 0.0,
            y: 0.0,
            w: 112.0,
            h: 112.0,
            score: 0.9,
            landmarks: Some([0.0; 10]),
        };
        assert!(is_clear(&face, 0.7));
        assert!(!is_clear(&FaceBox { score: 0.6, ..face }, 0.7));
        assert!(!is_clear(&FaceBox { w: 20.0, ..face }, 0.7));
        assert!(!is_clear(
            &FaceBox {
                landmarks: None,
                ..face
            },
            0.7
        ));
    }

    #[test]
    fn debug_output_holds_no_number_of_an_embedding() {
        let mut v = [0f32; DIM];
        v[0] = 0.123_456;
        v[1] = 1.0;
        let e = Embedding::from_raw(&v).expect("a vector");
        let id = Identity::of(&e);
        let text = format!("{e:?} {id:?}");
        assert_eq!(text, "Embedding(…) Identity(1 faces)");
    }
}
