//! Follows each face from one analysed frame to the next, so that a face keeps one `track_id`
//! (a "person" of this video; nobody is identified) for as long as it stays on screen.
//!
//! ByteTrack's scheme, sized for faces: each track's box is predicted by a Kalman filter; the
//! predictions are matched to the frame's confident detections by an optimal assignment
//! ([`assign`]) on IoU and the centre's distance in units of the prediction's own uncertainty,
//! so that a face that moved further than its size between two samples (5 per second by
//! default) is still found; tracks left over get a second chance with the less confident
//! detections; new tracks stay tentative until seen `min_hits` times; a lost track is kept for
//! `max_lost_ms` of video time. At a shot cut ([`cut`]) every track ends.
//!
//! Who a face is comes from its embedding ([`crate::pipeline::identity`]), computed only when
//! it is needed: at a track's birth, when a track comes back, when its face suddenly looks
//! different (its 16×16 [`appearance`] jumps: someone else may stand there, as at a cut that
//! keeps the background), and every `embed_every_ms`. A face whose embedding is clearly not the
//! track's person cannot continue the track, however close it is; a face no track continues is
//! matched by its embedding against the people absent at the moment (lost or ended tracks), so
//! a person who left and came back, or who is seen again after a cut, stays one person. Without
//! embeddings (switched off, or a detector without landmarks) the 16×16 look does that last part.
//! At the end of a job [`Tracker::merges`] says which tracks were one person.

pub mod appearance;
mod assign;
pub mod cut;
pub mod kalman;
mod recognise;
mod split;
mod state;

use std::collections::BTreeMap;

use super::detect::FaceBox;
use super::identity::consolidate::Records;
use super::identity::{self, Embedding};
use appearance::Look;
use assign::assign;
use recognise::Known;
use state::{Ended, Track};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerConfig {
    /// How long (video time) a track that lost its face waits for it to come back.
    pub max_lost_ms: u64,
    /// Most tracks alive at once; faces past this get no track (a crowd must not grow memory).
    pub max_live: usize,
    /// Sightings before a new track is trusted enough to take part in the first matching round.
    pub min_hits: u32,
    /// Detections at least this confident can start tracks and are matched first.
    pub high_score: f32,
    /// How long (video time) an ended track can be recognised; 0 turns this off.
    pub reid_ms: u64,
    /// Without embeddings: least similarity of looks (−1..1) for a new face to take an ended
    /// track's id…
    pub reid_min: f32,
    /// …and by how much it must look more like that track than like any other.
    pub reid_margin: f32,
    /// With embeddings: least similarity (cosine) of a new face to an absent person's mean for
    /// the face to be that person…
    pub identity_min: f32,
    /// …and by how much more than to any other absent person.
    pub identity_margin: f32,
    /// A face less like a track's person than this cannot continue the track…
    pub identity_veto: f32,
    /// …nor one less like it than this whose look changed all at once since the track's last
    /// sighting (two cues agree that someone else stands there), once the person's identity is
    /// firm (`FIRM` clear faces: one face may have been caught mid-blink or mid-turn)…
    pub identity_veto_changed: f32,
    /// …when the face is clear ([`identity::is_clear`]: the detector at least this sure of it,
    /// and large enough), so that its embedding can be trusted; only clear faces make a
    /// person's identity.
    pub identity_sure_score: f32,
    /// Least similarity of two tracks' means for the end of the job to merge them.
    pub merge_min: f32,
    /// A track's face is embedded again at least this often (video time).
    pub embed_every_ms: u64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            max_lost_ms: 2000,
            max_live: 64,
            min_hits: 3,
            high_score: 0.75,
            reid_ms: 60_000,
            reid_min: 0.75,
            reid_margin: 0.1,
            identity_min: 0.45,
            identity_margin: 0.1,
            identity_veto: 0.2,
            identity_veto_changed: 0.35,
            identity_sure_score: 0.7,
            merge_min: 0.5,
            embed_every_ms: 1000,
        }
    }
}

/// Clear faces a person's identity needs before a changed look with a middling likeness ends
/// the track's claim on a face.
const FIRM: u32 = 3;

/// How long (video time) a new track waits for its face: a face the detector finds only every
/// other sample (small, turned, at 0.6–0.7) is still followed, while a false detection seen
/// once is gone within a sample or two.
const TENTATIVE_WAIT_MS: u64 = 500;

/// A track that may take a face it is not the likeliest for, or that shares a face with
/// another, has a face embedded for it at most this often (video time): every sample at 5 a
/// second, every fifth frame at 30 frames a second, where motion alone is sure in between.
const ASK_MS: u64 = 150;

/// Tracks whose identity and times on screen are kept for the end of the job, at most.
const MAX_RECORDS: usize = 4096;

/// A matching round: which tracks take part, which detections, and the least IoU asked.
type Round<'a> = (fn(&Track) -> bool, &'a [usize], f32);

/// One frame's faces as the tracker sees them.
struct Faces<'a> {
    boxes: &'a [FaceBox],
    looks: &'a [Option<Look>],
    /// The faces that were embedded.
    embeddings: Vec<Option<Embedding>>,
    /// For each embedded face, the person (a live or ended track) it is most like, and how much.
    likest: Vec<Option<(u32, f32)>>,
    /// Whether each face is clear enough for its embedding to be trusted.
    sure: Vec<bool>,
}

impl Faces<'_> {
    fn look(&self, c: usize) -> Option<&Look> {
        self.looks.get(c).and_then(Option::as_ref)
    }

    /// Whether each face's embedding can be trusted, by the face's own quality (an overlapped
    /// face is judged like any other: at a crossing, who is who matters most).
    fn sure_of(boxes: &[FaceBox], min_score: f32) -> Vec<bool> {
        boxes
            .iter()
            .map(|b| identity::is_clear(b, min_score))
            .collect()
    }
}

pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    /// Ended tracks that may still be recognised, oldest first, at most `max_live`.
    ended: Vec<Ended>,
    next_id: u32,
    /// Each track's identity and times on screen, for [`Tracker::merges`].
    records: Records,
    /// Tracks that split off another for a moment ([`split`]), and the track they go back to.
    healed: BTreeMap<u32, u32>,
    /// Faces that took back the id of a track that had ended or lost them.
    pub reidentified: u64,
    /// Faces embedded.
    pub embedded: u64,
    /// Whether faces were left without a track because `max_live` tracks were alive.
    pub capped: bool,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            ended: Vec::new(),
            next_id: 1,
            records: Records::new(MAX_RECORDS),
            healed: BTreeMap::new(),
            reidentified: 0,
            embedded: 0,
            capped: false,
        }
    }

    /// Ends every track: after a shot cut, a face at the same place is someone else.
    pub fn reset(&mut self, at_ms: u64) {
        let ended: Vec<Ended> = self
            .tracks
            .drain(..)
            .filter_map(|t| t.ended(at_ms))
            .collect();
        self.remember(ended);
    }

    fn remember(&mut self, ended: Vec<Ended>) {
        if self.config.reid_ms == 0 {
            return;
        }
        self.ended.extend(ended);
        let excess = self.ended.len().saturating_sub(self.config.max_live);
        self.ended.drain(..excess);
    }

    /// [`Tracker::update_with`] without embeddings.
    #[cfg(test)]
    pub fn update(
        &mut self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
    ) -> Vec<Option<u32>> {
        self.update_with(at_ms, dets, looks, &mut |_| None)
    }

    /// Matches one frame's detections (and their looks, when known) to the tracks; `embed(i)`
    /// gives detection `i`'s embedding, and is called only for the faces whose identity is
    /// needed. Returns the track id of each detection (`None` when the live-track cap left it
    /// without one, or when a less confident detection continues no track).
    pub fn update_with(
        &mut self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
        embed: &mut dyn FnMut(usize) -> Option<Embedding>,
    ) -> Vec<Option<u32>> {
        self.expire(at_ms);
        for t in &mut self.tracks {
            t.predict(at_ms);
        }
        let (embeddings, asked) = self.embed_wanted(at_ms, dets, looks, embed);
        for t in self.tracks.iter_mut().filter(|t| asked.contains(&t.id)) {
            t.asked_ms = Some(at_ms);
        }
        self.embedded += embeddings.iter().filter(|e| e.is_some()).count() as u64;
        let likest = embeddings
            .iter()
            .map(|e| e.as_ref().and_then(|e| self.likest(e)))
            .collect();
        let faces = Faces {
            boxes: dets,
            looks,
            embeddings,
            likest,
            sure: Faces::sure_of(dets, self.config.identity_sure_score),
        };
        let mut ids: Vec<Option<u32>> = vec![None; dets.len()];
        let (high, low): (Vec<usize>, Vec<usize>) =
            (0..dets.len()).partition(|&i| dets[i].score >= self.config.high_score);
        let mut matched = self.match_tracks(at_ms, &faces, [&high, &low], &mut ids);
        let unmatched: Vec<usize> = high.into_iter().filter(|&c| ids[c].is_none()).collect();
        self.start_tracks(at_ms, &faces, &unmatched, &mut ids, &mut matched);
        self.drop_unseen(at_ms, matched);
        ids
    }

    /// Frames may be far apart (sampling, or no face for a while): tracks unseen for too long
    /// end, and ended tracks too old to be known again are forgotten, before matching.
    fn expire(&mut self, at_ms: u64) {
        let max_lost = self.config.max_lost_ms;
        let (expired, live): (Vec<Track>, Vec<Track>) = std::mem::take(&mut self.tracks)
            .into_iter()
            .partition(|t| at_ms.saturating_sub(t.seen_ms) > max_lost);
        self.tracks = live;
        self.remember(expired.iter().filter_map(|t| t.ended(at_ms)).collect());
        let reid_ms = self.config.reid_ms;
        self.ended
            .retain(|e| at_ms.saturating_sub(e.ended_ms) <= reid_ms);
    }

    /// The embeddings of the faces (large enough to embed well) whose identity is wanted: a
    /// confident face no track would continue by motion (a new or returning person), one with
    /// two tracks within a face's size of it (who is who is unsure), and one that a track which
    /// may take it asks for (a close track, the likeliest by motion, the likeliest trusted one,
    /// since trusted tracks are matched first). Also the ids of the tracks within reach of a
    /// face embedded: their question is answered.
    fn embed_wanted(
        &self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
        embed: &mut dyn FnMut(usize) -> Option<Embedding>,
    ) -> (Vec<Option<Embedding>>, Vec<u32>) {
        let every = self.config.embed_every_ms;
        let mut asked = Vec::new();
        let embeddings = (0..dets.len())
            .map(|c| {
                if dets[c].w.min(dets[c].h) < identity::MIN_SIDE {
                    return None;
                }
                // A less confident face only continues a track: it needs no identity where
                // no track could take it.
                let confident = dets[c].score >= self.config.high_score;
                let look = looks.get(c).and_then(Option::as_ref);
                let mut reach: Vec<(f32, &Track)> = self
                    .tracks
                    .iter()
                    .filter(|t| !t.displaced)
                    .filter_map(|t| Some((t.motion_cost(&dets[c], 0.0)?, t)))
                    .collect();
                reach.sort_by(|a, b| a.0.total_cmp(&b.0));
                let close: Vec<&Track> = reach
                    .iter()
                    .map(|&(_, t)| t)
                    .filter(|t| t.close_to(&dets[c]))
                    .collect();
                let trusted = reach.iter().map(|&(_, t)| t).find(|t| t.confirmed);
                // The likeliest track is always heard; the others (which may take the face
                // too), and a contest, at most every `ASK_MS`: at every frame a lost track
                // nearby would otherwise have every face near it embedded.
                let free = |t: &&Track| !t.asked_within(at_ms, ASK_MS);
                let wanted = match reach.first() {
                    Some(&(_, likeliest)) if close.len() < 2 => {
                        likeliest.wants_identity(at_ms, look, every)
                            || close
                                .iter()
                                .copied()
                                .chain(trusted)
                                .filter(free)
                                .any(|t| t.wants_identity(at_ms, look, every))
                    }
                    Some(_) => close.iter().any(free),
                    None => confident,
                };
                let face = if wanted { embed(c) } else { None };
                if face.is_some() {
                    asked.extend(reach.iter().map(|(_, t)| t.id));
                }
                face
            })
            .collect();
        (embeddings, asked)
    }

    /// The person (live or ended track) this face is most like, and how much.
    fn likest(&self, face: &Embedding) -> Option<(u32, f32)> {
        let live = self.tracks.iter().map(|t| (t.id, t.identity.as_ref()));
        let ended = self.ended.iter().map(|e| (e.id, e.identity.as_ref()));
        live.chain(ended)
            .filter_map(|(id, identity)| Some((id, identity?.similarity(face))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The cost of explaining face `c` by track `r`; `None` when out of reach, or when the
    /// face's identity is clearly not the track's person (too unlike it, or clearly like
    /// someone else).
    fn cost(&self, r: usize, c: usize, faces: &Faces, min_iou: f32) -> Option<f32> {
        if self.vetoed(r, c, faces) {
            return None;
        }
        let similarity = self.similarity(r, c, faces);
        self.tracks[r].cost(&faces.boxes[c], min_iou, similarity)
    }

    /// How much face `c` is like track `r`'s person, when both are known.
    fn similarity(&self, r: usize, c: usize, faces: &Faces) -> Option<f32> {
        match (&self.tracks[r].identity, &faces.embeddings[c]) {
            (Some(identity), Some(face)) => Some(identity.similarity(face)),
            _ => None,
        }
    }

    /// Whether face `c` is clearly not track `r`'s person: clearly more like someone else (a
    /// comparison, which holds even for a face half hidden or turned, since hiding a face makes
    /// it less like everyone), or, when the face is clearly seen, too unlike the person (less so
    /// when its look also changed at once).
    fn vetoed(&self, r: usize, c: usize, faces: &Faces) -> bool {
        let track = &self.tracks[r];
        let Some(s) = self.similarity(r, c, faces) else {
            return false;
        };
        let other = faces.likest[c].filter(|&(who, _)| who != track.id);
        let someone_else = other.is_some_and(|(_, o)| {
            o >= self.config.identity_min && o - s >= self.config.identity_margin
        });
        let firm = track.identity.as_ref().is_some_and(|i| i.count() >= FIRM);
        let veto = match firm && track.look_jumped(faces.look(c)) {
            true => self.config.identity_veto_changed,
            false => self.config.identity_veto,
        };
        someone_else || (faces.sure[c] && s < veto)
    }

    /// Tracks whose place was taken: not matched, and a face within a face's size of them was
    /// clearly someone else. They are not followed by motion any more (the face there is not
    /// theirs), only recognised by embedding wherever their person shows up again.
    fn mark_displaced(&mut self, faces: &Faces, matched: &[bool]) {
        let displaced: Vec<usize> = (0..self.tracks.len())
            .filter(|&r| {
                !matched[r]
                    && (0..faces.boxes.len()).any(|c| {
                        self.tracks[r].close_to(&faces.boxes[c]) && self.vetoed(r, c, faces)
                    })
            })
            .collect();
        for r in displaced {
            self.tracks[r].displaced = true;
        }
    }

    /// Assigns the faces (`[confident, less confident]`) to tracks in three rounds: 1: trusted
    /// tracks (seen or lost) and confident faces; 2: new tracks and the confident faces left;
    /// 3: trusted tracks seen last frame and the less confident faces. Returns which tracks
    /// were matched.
    fn match_tracks(
        &mut self,
        at_ms: u64,
        faces: &Faces,
        [high, low]: [&[usize]; 2],
        ids: &mut [Option<u32>],
    ) -> Vec<bool> {
        let mut matched = vec![false; self.tracks.len()];
        let rounds: [Round; 3] = [
            (|t| t.confirmed, high, 0.0),
            (|t| !t.confirmed, high, 0.0),
            (|t| t.confirmed && t.tracked, low, 0.2),
        ];
        for (wanted, pool, min_iou) in rounds {
            let rows: Vec<usize> = (0..self.tracks.len())
                .filter(|&r| !matched[r] && !self.tracks[r].displaced && wanted(&self.tracks[r]))
                .collect();
            let cols: Vec<usize> = pool.iter().copied().filter(|&c| ids[c].is_none()).collect();
            let costs: Vec<Vec<Option<f32>>> = rows
                .iter()
                .map(|&r| {
                    cols.iter()
                        .map(|&c| self.cost(r, c, faces, min_iou))
                        .collect()
                })
                .collect();
            for (ri, ci) in assign(&costs) {
                let (r, c) = (rows[ri], cols[ci]);
                let track = &mut self.tracks[r];
                track.update(&faces.boxes[c], faces.look(c), at_ms, self.config.min_hits);
                matched[r] = true;
                self.seen(r, c, faces, at_ms, ids);
            }
        }
        self.mark_displaced(faces, &matched);
        matched
    }

    /// Track `r` has face `c`: its id, its identity and its record.
    fn seen(&mut self, r: usize, c: usize, faces: &Faces, at_ms: u64, ids: &mut [Option<u32>]) {
        let track = &mut self.tracks[r];
        ids[c] = Some(track.id);
        self.records.seen(track.id, at_ms, self.config.max_lost_ms);
        if let Some(face) = &faces.embeddings[c] {
            // Only a clear face that agrees with the person adds to their identity, so that a
            // face that slipped past the veto does not blur it; a young identity (its first face
            // may be a poor one: a blink, a morph) takes any face its veto lets through.
            let agrees = track.identity.as_ref().is_none_or(|i| {
                let least = match i.count() >= FIRM {
                    true => self.config.identity_veto_changed,
                    false => self.config.identity_veto,
                };
                i.similarity(face) >= least
            });
            let sure = faces.sure[c] && agrees;
            if track.add_face(face, at_ms, sure) {
                self.records.embedded(track.id, face);
            }
        }
    }

    /// Tracks not seen: a trusted one waits `max_lost_ms`; a tentative one, likely a false
    /// detection or a split off a track that has its face again ([`split`]), waits
    /// `TENTATIVE_WAIT_MS`.
    fn drop_unseen(&mut self, at_ms: u64, matched: Vec<bool>) {
        let max_lost = self.config.max_lost_ms;
        let waits = |t: &Track| match t.confirmed {
            true => max_lost,
            false => TENTATIVE_WAIT_MS,
        };
        let (seen, unseen): (Vec<_>, Vec<_>) = self.tracks.iter().zip(&matched).partition(|p| *p.1);
        let seen: Vec<u32> = seen.into_iter().map(|(t, _)| t.id).collect();
        let dying: Vec<(u32, Option<u32>)> = unseen
            .into_iter()
            .filter(|(t, _)| !t.confirmed && at_ms.saturating_sub(t.seen_ms) > waits(t))
            .map(|(t, _)| (t.id, t.split_from.filter(|_| t.hits == 1)))
            .collect();
        self.heal(&dying, &seen);
        let mut keep = matched.into_iter();
        self.tracks.retain_mut(|t| {
            if keep.next().unwrap_or(false) {
                return true;
            }
            t.tracked = false;
            at_ms.saturating_sub(t.seen_ms) <= waits(t)
        });
    }

    /// A track for each confident face left: an absent person it clearly is (a lost track moves
    /// to it, an ended one comes back), or a new one.
    fn start_tracks(
        &mut self,
        at_ms: u64,
        faces: &Faces,
        unmatched: &[usize],
        ids: &mut [Option<u32>],
        matched: &mut Vec<bool>,
    ) {
        let known = self.recognise(unmatched, faces, matched);
        let mut taken = Vec::new();
        for (&c, known) in unmatched.iter().zip(known) {
            let (b, look) = (&faces.boxes[c], faces.look(c).copied());
            let r = match known {
                Some(Known::Live(r)) => {
                    self.tracks[r].jump_to(b, look, at_ms);
                    matched[r] = true;
                    self.reidentified += 1;
                    r
                }
                _ if self.tracks.len() >= self.config.max_live => {
                    self.capped = true;
                    continue;
                }
                Some(Known::Ended(e)) => {
                    let ended = &self.ended[e];
                    let mut t = Track::new(ended.id, b, look, at_ms);
                    t.confirmed = true;
                    t.identity = ended.identity.clone();
                    taken.push(e);
                    self.reidentified += 1;
                    self.push(t, matched)
                }
                None => {
                    self.next_id += 1;
                    let mut t = Track::new(self.next_id - 1, b, look, at_ms);
                    t.split_from = self.split_from(c, faces, matched);
                    self.push(t, matched)
                }
            };
            self.seen(r, c, faces, at_ms, ids);
        }
        taken.sort_unstable();
        for e in taken.into_iter().rev() {
            self.ended.remove(e);
        }
    }

    fn push(&mut self, track: Track, matched: &mut Vec<bool>) -> usize {
        self.tracks.push(track);
        matched.push(true);
        self.tracks.len() - 1
    }

    /// Which tracks were one person, to merge at the end of the job: each merged track's id
    /// and the id it takes.
    pub fn merges(&self) -> BTreeMap<u32, u32> {
        self.with_healed(self.records.merges(self.config.merge_min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, size: f32) -> FaceBox {
        FaceBox {
            x,
            y,
            w: size,
            h: size,
            score: 0.9,
            landmarks: Some([0.0; 10]),
        }
    }

    fn tracker() -> Tracker {
        Tracker::new(TrackerConfig::default())
    }

    #[test]
    fn a_still_face_keeps_its_id() {
        let mut t = tracker();
        let ids: Vec<_> = (0..20)
            .map(|i| t.update(i * 200, &[face(100.0, 100.0, 80.0)], &[])[0])
            .collect();
        assert!(ids.iter().all(|&id| id == Some(1)), "{ids:?}");
    }

    #[test]
    fn a_face_moving_further_than_its_size_between_samples_is_followed() {
        // 60 px faces moving 70 px per sample: no overlap at all between two samples.
        let mut t = tracker();
        let ids: Vec<_> = (0..12)
            .map(|i| t.update(i * 200, &[face(10.0 + 70.0 * i as f32, 200.0, 60.0)], &[])[0])
            .collect();
        assert!(ids.iter().all(|&id| id == Some(1)), "{ids:?}");
    }

    #[test]
    fn crossing_faces_keep_their_ids() {
        // Two faces run towards each other on lines 70 px apart, pass, and go on.
        let mut t = tracker();
        let mut first = None;
        for i in 0..30 {
            let step = i as f32 * 25.0;
            let a = face(50.0 + step, 100.0, 60.0);
            let b = face(800.0 - step, 170.0, 60.0);
            let ids = t.update(i * 200, &[b, a], &[]);
            assert_eq!(ids, *first.get_or_insert(ids.clone()), "frame {i}");
        }
    }

    #[test]
    fn order_of_detections_does_not_matter() {
        let mut t = tracker();
        let a = face(100.0, 100.0, 60.0);
        let b = face(400.0, 100.0, 60.0);
        assert_eq!(t.update(0, &[a, b], &[]), vec![Some(1), Some(2)]);
        assert_eq!(t.update(200, &[b, a], &[]), vec![Some(2), Some(1)]);
    }

    #[test]
    fn a_lost_track_comes_back_within_max_lost_and_not_after() {
        let mut t = tracker();
        for i in 0..5 {
            t.update(i * 200, &[face(100.0, 100.0, 80.0)], &[]);
        }
        // Gone for 1.2 s (under the 2 s default), then back.
        for i in 5..11 {
            assert!(t.update(i * 200, &[], &[]).is_empty());
        }
        assert_eq!(
            t.update(2200, &[face(102.0, 100.0, 80.0)], &[]),
            vec![Some(1)]
        );
        // Gone for 3 s: a new track.
        assert_eq!(
            t.update(5200, &[face(102.0, 100.0, 80.0)], &[]),
            vec![Some(2)]
        );
    }

    #[test]
    fn a_one_frame_false_detection_dies_and_does_not_steal_ids() {
        let mut t = tracker();
        assert_eq!(t.update(0, &[face(100.0, 100.0, 80.0)], &[]), vec![Some(1)]);
        // Tentative track 1 is not seen again: dropped after half a second.
        for at in [200, 400, 600] {
            assert!(t.update(at, &[], &[]).is_empty());
        }
        assert_eq!(
            t.update(800, &[face(100.0, 100.0, 80.0)], &[]),
            vec![Some(2)]
        );
    }

    #[test]
    fn a_new_face_found_every_other_sample_keeps_one_id() {
        let mut t = tracker();
        for i in 0..8 {
            let faces = if i % 2 == 0 {
                vec![face(100.0 + 10.0 * i as f32, 100.0, 80.0)]
            } else {
                vec![]
            };
            let ids = t.update(i * 200, &faces, &[]);
            assert!(ids.iter().all(|&id| id == Some(1)), "sample {i}: {ids:?}");
        }
        assert!(t.tracks[0].confirmed);
    }

    #[test]
    fn a_less_confident_detection_continues_a_track_but_starts_none() {
        let mut t = tracker();
        for i in 0..4 {
            t.update(i * 200, &[face(100.0, 100.0, 80.0)], &[]);
        }
        let weak = FaceBox {
            score: 0.5,
            ..face(104.0, 100.0, 80.0)
        };
        assert_eq!(t.update(800, &[weak], &[]), vec![Some(1)]);
        let elsewhere = FaceBox {
            score: 0.5,
            ..face(600.0, 300.0, 80.0)
        };
        assert_eq!(t.update(1000, &[elsewhere], &[]), vec![None]);
    }

    #[test]
    fn reset_ends_every_track() {
        let mut t = tracker();
        for i in 0..4 {
            t.update(i * 200, &[face(100.0, 100.0, 80.0)], &[]);
        }
        t.reset(800);
        assert_eq!(
            t.update(800, &[face(100.0, 100.0, 80.0)], &[]),
            vec![Some(2)]
        );
    }

    #[test]
    fn live_tracks_are_capped() {
        let mut t = Tracker::new(TrackerConfig {
            max_live: 3,
            ..TrackerConfig::default()
        });
        let crowd: Vec<_> = (0..5).map(|i| face(i as f32 * 100.0, 0.0, 50.0)).collect();
        let ids = t.update(0, &crowd, &[]);
        assert_eq!(ids.iter().filter(|i| i.is_some()).count(), 3);
        assert!(t.capped);
    }

    fn look(seed: usize) -> Option<Look> {
        let mut v = [0f32; appearance::SIDE * appearance::SIDE];
        for (i, x) in v.iter_mut().enumerate() {
            *x = ((i * (seed + 1) * 7919) % 101) as f32;
        }
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        v.iter_mut().for_each(|x| *x -= mean);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        Some(v)
    }

    #[test]
    fn a_face_that_comes_back_after_max_lost_takes_its_id_back_by_its_look() {
        let mut t = tracker();
        for i in 0..5 {
            t.update(i * 200, &[face(100.0, 100.0, 80.0)], &[look(1)]);
        }
        // Back 5 s later elsewhere, with the same look; a stranger arrives too.
        let ids = t.update(
            6000,
            &[face(400.0, 50.0, 80.0), face(100.0, 100.0, 80.0)],
            &[look(2), look(1)],
        );
        assert_eq!(ids, vec![Some(2), Some(1)]);
        assert_eq!(t.reidentified, 1);
    }

    #[test]
    fn after_a_cut_faces_are_matched_by_look_not_by_place() {
        let mut t = tracker();
        let (left, right) = (face(100.0, 100.0, 80.0), face(400.0, 100.0, 80.0));
        for i in 0..5 {
            assert_eq!(
                t.update(i * 200, &[left, right], &[look(1), look(2)]),
                vec![Some(1), Some(2)]
            );
        }
        t.reset(1000);
        // The two swapped places.
        let ids = t.update(1000, &[left, right], &[look(2), look(1)]);
        assert_eq!(ids, vec![Some(2), Some(1)]);
        // A face whose look matches nobody gets a new id.
        t.reset(1200);
        let ids = t.update(1200, &[left], &[look(3)]);
        assert_eq!(ids, vec![Some(3)]);
    }

    #[test]
    fn an_unsure_look_gives_a_new_id() {
        let mut t = Tracker::new(TrackerConfig {
            reid_margin: 0.5,
            ..TrackerConfig::default()
        });
        let (a, b) = (face(100.0, 100.0, 80.0), face(400.0, 100.0, 80.0));
        for i in 0..5 {
            t.update(i * 200, &[a, b], &[look(1), look(1)]);
        }
        t.reset(1000);
        // Looks like both ended tracks equally: no id is taken back.
        assert_eq!(t.update(1000, &[a], &[look(1)]), vec![Some(3)]);
    }

    /// A made-up embedding for person `p` (unit vectors along axis `p`).
    fn person(p: usize) -> Embedding {
        let mut v = [0f32; crate::pipeline::identity::DIM];
        v[p] = 1.0;
        Embedding::from_raw(&v).expect("a vector")
    }

    /// One frame where detection `i` is person `who[i]`, embedded whenever the tracker asks.
    fn frame(t: &mut Tracker, at: u64, dets: &[FaceBox], who: &[usize]) -> Vec<Option<u32>> {
        let looks: Vec<_> = who.iter().map(|&p| look(p)).collect();
        t.update_with(at, dets, &looks, &mut |i| Some(person(who[i])))
    }

    #[test]
    fn someone_else_at_the_same_place_does_not_continue_the_track() {
        let mut t = tracker();
        let spot = face(100.0, 100.0, 80.0);
        for i in 0..5 {
            assert_eq!(frame(&mut t, i * 200, &[spot], &[0]), vec![Some(1)]);
        }
        // A cut that keeps the background: another person in the same place.
        assert_eq!(frame(&mut t, 1000, &[spot], &[1]), vec![Some(2)]);
        assert_eq!(frame(&mut t, 1200, &[spot], &[1]), vec![Some(2)]);
        // The first person is back (after the tracker stopped waiting for them): their number.
        for i in 0..3 {
            assert_eq!(frame(&mut t, 4000 + i * 200, &[spot], &[0]), vec![Some(1)]);
        }
        assert!(t.embedded < 12, "{} faces embedded", t.embedded);
    }

    #[test]
    fn people_who_trade_places_keep_their_numbers() {
        let mut t = tracker();
        let (left, right) = (face(100.0, 100.0, 80.0), face(400.0, 100.0, 80.0));
        for i in 0..5 {
            assert_eq!(
                frame(&mut t, i * 200, &[left, right], &[0, 1]),
                vec![Some(1), Some(2)]
            );
        }
        // No cut was seen: only their embeddings tell.
        assert_eq!(
            frame(&mut t, 1000, &[left, right], &[1, 0]),
            vec![Some(2), Some(1)]
        );
    }

    #[test]
    fn a_face_the_detector_is_unsure_of_is_not_vetoed() {
        let mut t = tracker();
        let spot = face(100.0, 100.0, 80.0);
        for i in 0..5 {
            frame(&mut t, i * 200, &[spot], &[0]);
        }
        // Half hidden (a hand): the detector is less sure and the embedding is someone else's.
        let hidden = FaceBox {
            score: 0.65,
            ..spot
        };
        assert_eq!(frame(&mut t, 1000, &[hidden], &[3]), vec![Some(1)]);
        assert_eq!(frame(&mut t, 1200, &[spot], &[0]), vec![Some(1)]);
    }

    #[test]
    fn tracks_of_one_person_are_merged_at_the_end_and_others_are_not() {
        let mut t = Tracker::new(TrackerConfig {
            reid_ms: 0,
            ..TrackerConfig::default()
        });
        let (a, b) = (face(100.0, 100.0, 80.0), face(400.0, 100.0, 80.0));
        for i in 0..5 {
            frame(&mut t, i * 200, &[a, b], &[0, 1]);
        }
        t.reset(1000);
        for i in 0..5 {
            // After the cut, person 0 stands where person 1 stood, and a third person arrives.
            frame(&mut t, 1000 + i * 200, &[b, a], &[0, 2]);
        }
        assert_eq!(t.merges(), BTreeMap::from([(3, 1)]));
    }

    #[test]
    fn faces_too_small_to_embed_well_are_followed_without_embedding() {
        let mut t = tracker();
        let mut asked = 0;
        for i in 0..5 {
            let ids = t.update_with(
                i * 200,
                &[face(100.0, 100.0, 24.0)],
                &[look(0)],
                &mut |_| {
                    asked += 1;
                    Some(person(0))
                },
            );
            assert_eq!(ids, vec![Some(1)]);
        }
        assert_eq!(asked, 0);
    }

    #[test]
    fn an_unsure_face_clearly_someone_elses_does_not_continue_a_track() {
        // As the server sets it: faces from `defaults.min_score` up count on their own.
        let mut t = Tracker::new(TrackerConfig {
            high_score: 0.6,
            ..TrackerConfig::default()
        });
        let (left, right) = (face(100.0, 100.0, 80.0), face(400.0, 100.0, 80.0));
        for i in 0..5 {
            frame(&mut t, i * 200, &[left, right], &[0, 1]);
        }
        // They trade places; the detector is unsure of one of them (turned, or in shadow), yet
        // its face is clearly the other person's.
        let unsure_right = FaceBox {
            score: 0.65,
            ..right
        };
        assert_eq!(
            frame(&mut t, 1000, &[left, unsure_right], &[1, 0]),
            vec![Some(2), Some(1)]
        );
    }
}
