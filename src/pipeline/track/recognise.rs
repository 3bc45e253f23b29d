//! Faces that no track continued, matched against the people absent at the moment: tracks
//! that lost their face (still alive) and tracks that ended (within `reid_ms`). By embedding
//! when the face has one (against the absent person's mean), else by the 16×16 look.

use super::appearance;
use super::assign::assign;
use super::{Faces, Tracker};
use crate::pipeline::identity::likeness::Likeness;

/// An absent person: an ended track (index in `ended`) or a live track that lost its face
/// (index in `tracks`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Known {
    Ended(usize),
    Live(usize),
}

impl Tracker {
    /// For each of `faces` (detection indices), the absent person it clearly is, if any: at
    /// least the least similarity, and by the margin more like that person than like any other
    /// absent one. Each absent person is given to one face at most (an optimal assignment).
    /// `matched`: the live tracks that already have a face in this frame.
    pub(super) fn recognise(
        &self,
        faces: &[usize],
        frame: &Faces,
        matched: &[bool],
    ) -> Vec<Option<Known>> {
        let absent: Vec<Known> = (0..self.ended.len())
            .map(Known::Ended)
            .chain(
                (0..self.tracks.len())
                    .filter(|&r| !matched[r] && self.tracks[r].confirmed)
                    .map(Known::Live),
            )
            .collect();
        let mut out = vec![None; faces.len()];
        if absent.is_empty() {
            return out;
        }
        let costs: Vec<Vec<Option<f32>>> = faces
            .iter()
            .map(|&c| self.recognition_costs(c, frame, &absent))
            .collect();
        for (f, a) in assign(&costs) {
            out[f] = Some(absent[a]);
        }
        out
    }

    /// Face `c` against each absent person: `1 − similarity` where it is clearly that person.
    fn recognition_costs(&self, c: usize, frame: &Faces, absent: &[Known]) -> Vec<Option<f32>> {
        let c_ = &self.config;
        let (sims, min, margin): (Vec<Option<f32>>, f32, f32) = match &frame.embeddings[c] {
            Some(face) => (
                absent
                    .iter()
                    .map(|&k| Some(self.identity_of(k)?.similarity(face)))
                    .collect(),
                c_.identity_min,
                c_.identity_margin,
            ),
            None => match frame.look(c) {
                Some(look) => (
                    absent
                        .iter()
                        .map(|&k| Some(appearance::similarity(look, self.look_of(k)?)))
                        .collect(),
                    c_.reid_min,
                    c_.reid_margin,
                ),
                None => return vec![None; absent.len()],
            },
        };
        sims.iter()
            .enumerate()
            .map(|(i, &s)| {
                let s = s?;
                let rival = sims
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .filter_map(|(_, &o)| o)
                    .fold(f32::MIN, f32::max);
                (s >= min && s - rival >= margin).then_some(1.0 - s)
            })
            .collect()
    }

    fn identity_of(&self, k: Known) -> Option<&Likeness> {
        match k {
            Known::Ended(e) => self.ended[e].identity.as_ref(),
            Known::Live(r) => self.tracks[r].identity.as_ref(),
        }
    }

    fn look_of(&self, k: Known) -> Option<&appearance::Look> {
        match k {
            Known::Ended(e) => self.ended[e].look.as_ref(),
            Known::Live(r) => self.tracks[r].look.as_ref(),
        }
    }
}
