//! A person as the tracker knows them while they are followed: the mean of their clear faces
//! ([`Identity`]) and a few of those faces kept as they were, as different from each other as
//! can be (a turned head, a lowered one, another light). A face is compared with the mean and
//! with each kept face, and counts as much like the person as the best of them: the mean alone
//! calls a man who looks down for a moment someone else (on *Tears of Steel*, 0.34 against his
//! mean, 0.60 against the likest of his earlier faces, while faces of other people reach 0.38
//! at most: `docs/benchmarks.md`).

use super::{Embedding, Identity};

/// Faces kept as they were, per person.
pub const KEPT: usize = 8;

#[derive(Clone)]
pub struct Likeness {
    identity: Identity,
    kept: Vec<Embedding>,
}

impl std::fmt::Debug for Likeness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Likeness({} faces, {} kept)",
            self.count(),
            self.kept.len()
        )
    }
}

impl Likeness {
    pub fn of(face: &Embedding) -> Self {
        Self {
            identity: Identity::of(face),
            kept: vec![face.clone()],
        }
    }

    /// One more clear face: into the mean, and kept if it adds variety (once `KEPT` faces are
    /// kept, it takes the place of the one most like another kept face, if it is less alike).
    pub fn add(&mut self, face: &Embedding) {
        self.identity.add(face);
        let nearest = |v: &Embedding, skip: Option<usize>| {
            self.kept
                .iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != skip)
                .map(|(_, k)| k.similarity(v))
                .fold(f32::MIN, f32::max)
        };
        let novelty = nearest(face, None);
        if self.kept.len() < KEPT {
            self.kept.push(face.clone());
            return;
        }
        let (most_redundant, closeness) = (0..self.kept.len())
            .map(|i| (i, nearest(&self.kept[i], Some(i))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f32::MIN));
        if novelty < closeness {
            self.kept[most_redundant] = face.clone();
        }
    }

    /// How much a face is like this person: the best of the mean and the kept faces (cosine).
    pub fn similarity(&self, face: &Embedding) -> f32 {
        self.kept
            .iter()
            .map(|k| k.similarity(face))
            .fold(self.identity.similarity(face), f32::max)
    }

    /// Clear faces seen.
    pub fn count(&self) -> u32 {
        self.identity.count()
    }

    /// The mean alone (the end of the job keeps its own, in `consolidate::Records`).
    #[cfg(test)]
    fn identity(&self) -> &Identity {
        &self.identity
    }
}

#[cfg(test)]
mod tests {
    use super::super::DIM;
    use super::*;

    fn face(axes: &[(usize, f32)]) -> Embedding {
        let mut v = [0f32; DIM];
        for &(i, x) in axes {
            v[i] = x;
        }
        Embedding::from_raw(&v).expect("a vector")
    }

    #[test]
    fn a_face_like_one_kept_face_is_like_the_person_though_unlike_the_mean() {
        // Mostly seen from the front (axis 0), once looking down (axis 1).
        let mut p = Likeness::of(&face(&[(0, 1.0)]));
        for _ in 0..6 {
            p.add(&face(&[(0, 1.0)]));
        }
        p.add(&face(&[(1, 1.0)]));
        let looking_down = face(&[(1, 1.0), (0, 0.2)]);
        assert!(p.identity().similarity(&looking_down) < 0.4);
        assert!(p.similarity(&looking_down) > 0.9);
    }

    #[test]
    fn kept_faces_are_capped_and_varied_faces_win_places() {
        let mut p = Likeness::of(&face(&[(0, 1.0)]));
        for _ in 0..20 {
            p.add(&face(&[(0, 1.0)]));
        }
        assert_eq!(p.kept.len(), KEPT);
        // A new pose takes the place of one of the identical faces.
        p.add(&face(&[(5, 1.0)]));
        assert_eq!(p.kept.len(), KEPT);
        assert!(p.similarity(&face(&[(5, 1.0)])) > 0.99);
        assert_eq!(p.count(), 22);
    }
}
