//! A face may, for one sample, be kept off its track by the identity vetoes though it is the
//! same person: a man looks down, a face passes through a morph, or the detector draws one box
//! over two faces where one hides the other (its embedding is no one's). It starts a track of its
//! own. When that track dies after that single sighting, while the track it split from (the
//! likeliest of the trusted tracks close to it that had no face) has its face again, the end of
//! the job gives that face back. A different person standing there is seen more than once
//! (their track is trusted, or dies after two sightings), and a face that is clearly someone
//! else's is given to them, not split.

use std::collections::BTreeMap;

use super::{Faces, Tracker};

impl Tracker {
    /// The track face `c` split from, if any: of the trusted tracks without a face in this
    /// frame and close to it, the one its person is likest (by embedding, else by motion).
    pub(super) fn split_from(&self, c: usize, faces: &Faces, matched: &[bool]) -> Option<u32> {
        let b = &faces.boxes[c];
        (0..self.tracks.len())
            .filter(|&r| !matched[r] && self.tracks[r].confirmed && self.tracks[r].close_to(b))
            .map(|r| {
                let likeness = self.similarity(r, c, faces).unwrap_or(0.0);
                let motion = self.tracks[r].motion_cost(b, 0.0).unwrap_or(f32::MAX);
                (r, likeness, motion)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)))
            .map(|(r, ..)| self.tracks[r].id)
    }

    /// Tentative tracks dying in this frame after one sighting (`dying`) that split from a
    /// track seen in it (`seen`) are healed: their face and record go back to that track.
    pub(super) fn heal(&mut self, dying: &[(u32, Option<u32>)], seen: &[u32]) {
        for &(id, from) in dying {
            let Some(parent) = from.filter(|p| seen.contains(p)) else {
                continue;
            };
            if self.healed.len() < super::MAX_RECORDS {
                self.healed.insert(id, parent);
                self.records.absorb(id, parent);
            }
        }
    }

    /// The healed tracks added to the end of the job's merges (a parent merged into another
    /// person takes its healed tracks with it).
    pub(super) fn with_healed(&self, mut merges: BTreeMap<u32, u32>) -> BTreeMap<u32, u32> {
        for (&id, &parent) in &self.healed {
            let to = merges.get(&parent).copied().unwrap_or(parent);
            merges.insert(id, to);
        }
        merges
    }
}
