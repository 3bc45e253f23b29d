//! A clear face may, for a sample or two, fall under the likeness a firm identity asks of a
//! face whose look changed (a man looks down; a face passes through a morph): it is kept off
//! its track and starts one of its own. When that track dies unconfirmed while the track it
//! split from has its face again, both were the same person: the end of the job gives the
//! split track's faces back to it. A different person standing there stays (their track is
//! confirmed), and a face unlike the person (under `identity_veto`) never counts as split.

use std::collections::BTreeMap;

use super::{Faces, Tracker};

impl Tracker {
    /// The track face `c` split from, if any: a trusted track without a face in this frame,
    /// close to it, whose person it is somewhat like (only the changed look's stricter bar
    /// kept it off).
    pub(super) fn split_from(&self, c: usize, faces: &Faces, matched: &[bool]) -> Option<u32> {
        (0..self.tracks.len())
            .filter(|&r| !matched[r] && self.tracks[r].confirmed)
            .filter(|&r| self.tracks[r].close_to(&faces.boxes[c]))
            .find(|&r| {
                self.similarity(r, c, faces)
                    .is_some_and(|s| s >= self.config.identity_veto)
            })
            .map(|r| self.tracks[r].id)
    }

    /// Tentative tracks dying in this frame (`dying`) that split from a track seen in it
    /// (`seen`) are healed: their faces and record go back to that track.
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
