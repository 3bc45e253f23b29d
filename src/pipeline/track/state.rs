//! One track: where its face is going (a Kalman filter per axis), how it looks, who it is (its
//! identity, when faces are embedded), and the cost of explaining a detection by it.

use super::appearance::{self, Look};
use super::kalman::Axis;
use crate::pipeline::detect::FaceBox;
use crate::pipeline::identity::Embedding;
use crate::pipeline::identity::likeness::Likeness;

/// Chi-square for 2 degrees of freedom at 99 %: a centre further than this (squared, in
/// standard deviations) from the prediction is not the same face.
const GATE: f32 = 9.21;
/// A detection this much larger or smaller than the track's box is not the same face.
const MAX_SIZE_RATIO: f32 = 1.8;
/// A centre this near the prediction (in face sizes) is always close enough to be compared.
const NEAR: f32 = 0.5;
/// Weight of the identity in the cost, against motion's (at most 2).
const IDENTITY_WEIGHT: f32 = 1.0;
/// A face whose look is less like the track's last sighting than this has changed more than a
/// face does between two samples (someone else stands there, or a hand passes): its identity
/// is checked. (A walking face's look changes by 0.55–0.7 between two frames, its landmarks and
/// so its crop moving a little; at 0.6, fewer of its frames were embedded, but where four faces
/// overlap the tracker swapped two of them.)
const LOOK_JUMP: f32 = 0.7;
/// The time between two embeddings of a steady track grows with its faces embedded, up to this
/// many times `embed_every_ms`.
const MAX_SPACING: u32 = 5;
/// A track that lost its face for at least this long (video time) asks who the face is when it
/// comes back (someone else may have come out of the crowd); a shorter gap, as when the
/// detector misses a frame or two at every frame, is bridged by motion alone.
const RETURN_MS: u64 = 250;

#[derive(Debug, Clone)]
pub(super) struct Track {
    pub id: u32,
    /// Centre x, centre y, width, height.
    axes: [Axis; 4],
    /// Video time the state refers to.
    at_ms: u64,
    /// Video time the face was last matched.
    pub seen_ms: u64,
    /// Sightings so far.
    pub hits: u32,
    pub confirmed: bool,
    /// Matched in the previous frame (not lost).
    pub tracked: bool,
    /// The look, following slow changes.
    pub look: Option<Look>,
    /// The look of the last sighting, to notice a sudden change.
    last_look: Option<Look>,
    /// Who it is, from its clear faces (none while none was clear).
    pub identity: Option<Likeness>,
    /// Video time a face of the track was last embedded.
    embedded_ms: Option<u64>,
    /// Video time a face within its reach was last embedded (for it or for another track).
    pub asked_ms: Option<u64>,
    /// Someone else took its place: it is only recognised by embedding, not followed by motion.
    pub displaced: bool,
    /// The track whose face started this one, kept off it by a changed look ([`super::split`]).
    pub split_from: Option<u32>,
}

/// A track that ended, kept to be recognised.
#[derive(Debug, Clone)]
pub(super) struct Ended {
    pub id: u32,
    pub look: Option<Look>,
    pub identity: Option<Likeness>,
    pub ended_ms: u64,
}

/// Noise of the filter, in units of the face's size: faces move and change size in proportion
/// to how large they appear.
fn size_of(axes: &[Axis; 4]) -> f32 {
    ((axes[2].pos.max(1.0) * axes[3].pos.max(1.0)).sqrt()).max(4.0)
}

fn axes_at(b: &FaceBox) -> [Axis; 4] {
    let s = (b.w * b.h).sqrt().max(4.0);
    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
    [
        Axis::new(cx, 0.1 * s, 2.0 * s),
        Axis::new(cy, 0.1 * s, 2.0 * s),
        Axis::new(b.w, 0.1 * s, 0.5 * s),
        Axis::new(b.h, 0.1 * s, 0.5 * s),
    ]
}

impl Track {
    pub fn new(id: u32, b: &FaceBox, look: Option<Look>, at_ms: u64) -> Self {
        Self {
            id,
            axes: axes_at(b),
            at_ms,
            seen_ms: at_ms,
            hits: 1,
            confirmed: false,
            tracked: true,
            look,
            last_look: look,
            identity: None,
            embedded_ms: None,
            asked_ms: None,
            displaced: false,
            split_from: None,
        }
    }

    /// Places the track at `b` afresh, as when its person is found again somewhere else.
    pub fn jump_to(&mut self, b: &FaceBox, look: Option<Look>, at_ms: u64) {
        self.axes = axes_at(b);
        (self.at_ms, self.seen_ms, self.tracked) = (at_ms, at_ms, true);
        self.displaced = false;
        self.last_look = look.or(self.last_look);
    }

    pub fn predict(&mut self, to_ms: u64) {
        let dt = to_ms.saturating_sub(self.at_ms) as f32 / 1000.0;
        if dt > 0.0 {
            let s = size_of(&self.axes);
            for (i, a) in self.axes.iter_mut().enumerate() {
                a.predict(dt, if i < 2 { 8.0 * s } else { 1.0 * s });
            }
            self.at_ms = to_ms;
        }
    }

    fn predicted_box(&self) -> FaceBox {
        let [cx, cy, w, h] = self.axes.map(|a| a.pos);
        FaceBox {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
            score: 1.0,
            landmarks: None,
        }
    }

    /// The cost of explaining detection `b` by this track by motion alone, or `None` outside
    /// the gate.
    pub fn motion_cost(&self, b: &FaceBox, min_iou: f32) -> Option<f32> {
        let p = self.predicted_box();
        let ratio = (b.w * b.h).sqrt() / (p.w.max(1.0) * p.h.max(1.0)).sqrt();
        if !(1.0 / MAX_SIZE_RATIO..=MAX_SIZE_RATIO).contains(&ratio) {
            return None;
        }
        let meas = 0.05 * size_of(&self.axes);
        let dx = b.x + b.w / 2.0 - self.axes[0].pos;
        let dy = b.y + b.h / 2.0 - self.axes[1].pos;
        let mahal = dx * dx / self.axes[0].innovation_var(meas)
            + dy * dy / self.axes[1].innovation_var(meas);
        let iou = p.iou(b);
        // Near enough in units of the face's size also passes: a filter that has grown sure of a
        // steady motion must not lose a face that stops or turns.
        let near = (dx * dx + dy * dy).sqrt() <= NEAR * size_of(&self.axes);
        if !(mahal <= GATE || iou >= 0.3 || near) || iou < min_iou {
            return None;
        }
        Some((1.0 - iou) + mahal.min(GATE) / GATE)
    }

    /// Whether this look is suddenly unlike the track's last sighting.
    pub fn look_jumped(&self, look: Option<&Look>) -> bool {
        match (look, &self.last_look) {
            (Some(seen), Some(last)) => appearance::similarity(seen, last) < LOOK_JUMP,
            _ => false,
        }
    }

    /// Whether `b`'s centre is within one face size of the predicted centre.
    pub fn close_to(&self, b: &FaceBox) -> bool {
        let dx = b.x + b.w / 2.0 - self.axes[0].pos;
        let dy = b.y + b.h / 2.0 - self.axes[1].pos;
        (dx * dx + dy * dy).sqrt() <= size_of(&self.axes)
    }

    /// The cost with the identity: `similarity` is the face's to this track's identity, when
    /// both are known.
    pub fn cost(&self, b: &FaceBox, min_iou: f32, similarity: Option<f32>) -> Option<f32> {
        let motion = self.motion_cost(b, min_iou)?;
        Some(motion + similarity.map_or(0.0, |s| IDENTITY_WEIGHT * (1.0 - s.clamp(0.0, 1.0))))
    }

    /// Whether a face within its reach was embedded less than `ms` ago.
    pub fn asked_within(&self, at_ms: u64, ms: u64) -> bool {
        self.asked_ms
            .is_some_and(|asked| at_ms.saturating_sub(asked) < ms)
    }

    /// Whether a face this track would continue should be embedded: none of its faces was yet,
    /// it comes back after being lost for `RETURN_MS` or more, looks suddenly different, or is
    /// due: `every_ms` after its last embedded face, then less often as its identity firms up
    /// (at most `MAX_SPACING` times `every_ms` apart).
    pub fn wants_identity(&self, at_ms: u64, look: Option<&Look>, every_ms: u64) -> bool {
        let Some(embedded_ms) = self.embedded_ms else {
            return true;
        };
        let count = self.identity.as_ref().map_or(0, Likeness::count);
        let spacing = every_ms.saturating_mul(u64::from(count.clamp(1, MAX_SPACING)));
        let returns = !self.tracked && at_ms.saturating_sub(self.seen_ms) >= RETURN_MS;
        returns || self.look_jumped(look) || at_ms.saturating_sub(embedded_ms) >= spacing
    }

    pub fn update(&mut self, b: &FaceBox, look: Option<&Look>, at_ms: u64, min_hits: u32) {
        let meas = 0.05 * size_of(&self.axes);
        let z = [b.x + b.w / 2.0, b.y + b.h / 2.0, b.w, b.h];
        for (a, v) in self.axes.iter_mut().zip(z) {
            a.update(v, meas);
        }
        self.seen_ms = at_ms;
        self.hits += 1;
        self.tracked = true;
        self.confirmed |= self.hits >= min_hits;
        match (&mut self.look, look) {
            (Some(mine), Some(seen)) => appearance::blend(mine, seen, 0.1),
            (None, Some(seen)) => self.look = Some(*seen),
            _ => {}
        }
        if look.is_some() {
            self.last_look = look.copied();
        }
    }

    /// A face of this track's person, embedded at `at_ms`: it adds to the identity when it is
    /// `sure` (clearly seen and agreeing with the person). Returns whether it was added.
    pub fn add_face(&mut self, face: &Embedding, at_ms: u64, sure: bool) -> bool {
        self.embedded_ms = Some(at_ms);
        if !sure {
            return false;
        }
        match &mut self.identity {
            Some(identity) => identity.add(face),
            None => self.identity = Some(Likeness::of(face)),
        }
        true
    }

    pub fn ended(&self, at_ms: u64) -> Option<Ended> {
        let known = self.look.is_some() || self.identity.is_some();
        (self.confirmed && known).then(|| Ended {
            id: self.id,
            look: self.look,
            identity: self.identity.clone(),
            ended_ms: at_ms,
        })
    }
}
