//! Follows each face from one analysed frame to the next, so that a face keeps one `track_id`
//! (a "person" of this video; nobody is identified) for as long as it stays on screen.
//!
//! ByteTrack's scheme, sized for faces: each track's box is predicted by a Kalman filter; the
//! predictions are matched to the frame's confident detections by an optimal assignment
//! (Kuhn–Munkres from `pathfinding`) on IoU and the centre's distance in units of the
//! prediction's own uncertainty, so that a face that moved further than its size between two
//! samples (5 per second by default) is still found; tracks left over get a second chance with the
//! less confident detections; new tracks stay tentative until seen `min_hits` times; a lost track
//! is kept for `max_lost_ms` of video time. At a shot cut ([`cut`]) every track ends.
//!
//! A track that ended keeps its [`appearance`] for `reid_ms`: a new face that looks like it (and
//! clearly more than like any other ended track) takes its id back, so a person who left and
//! came back, or who is seen again after a cut, stays one person.

pub mod appearance;
pub mod cut;
pub mod kalman;

use pathfinding::prelude::{Matrix, kuhn_munkres};

use super::detect::FaceBox;
use appearance::Look;
use kalman::Axis;

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
    /// How long (video time) an ended track can be recognised by its look; 0 turns this off.
    pub reid_ms: u64,
    /// Least similarity of looks (−1..1) for a new face to take an ended track's id…
    pub reid_min: f32,
    /// …and by how much it must look more like that track than like any other.
    pub reid_margin: f32,
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
        }
    }
}

/// Chi-square for 2 degrees of freedom at 99 %: a centre further than this (squared, in
/// standard deviations) from the prediction is not the same face.
const GATE: f32 = 9.21;
/// A detection this much larger or smaller than the track's box is not the same face.
const MAX_SIZE_RATIO: f32 = 1.8;
/// A centre this near the prediction (in face sizes) is always close enough to be compared.
const NEAR: f32 = 0.5;

#[derive(Debug, Clone)]
struct Track {
    id: u32,
    /// Centre x, centre y, width, height.
    axes: [Axis; 4],
    /// Video time the state refers to.
    at_ms: u64,
    /// Video time the face was last matched.
    seen_ms: u64,
    hits: u32,
    confirmed: bool,
    /// Matched in the previous frame (not lost).
    tracked: bool,
    look: Option<Look>,
}

/// A track that ended, kept to be recognised.
#[derive(Debug, Clone)]
struct Ended {
    id: u32,
    look: Look,
    ended_ms: u64,
}

/// Noise of the filter, in units of the face's size: faces move and change size in proportion
/// to how large they appear.
fn size_of(axes: &[Axis; 4]) -> f32 {
    ((axes[2].pos.max(1.0) * axes[3].pos.max(1.0)).sqrt()).max(4.0)
}

impl Track {
    fn new(id: u32, b: &FaceBox, look: Option<Look>, at_ms: u64) -> Self {
        let s = (b.w * b.h).sqrt().max(4.0);
        let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
        Self {
            id,
            axes: [
                Axis::new(cx, 0.1 * s, 2.0 * s),
                Axis::new(cy, 0.1 * s, 2.0 * s),
                Axis::new(b.w, 0.1 * s, 0.5 * s),
                Axis::new(b.h, 0.1 * s, 0.5 * s),
            ],
            at_ms,
            seen_ms: at_ms,
            hits: 1,
            confirmed: false,
            tracked: true,
            look,
        }
    }

    fn predict(&mut self, to_ms: u64) {
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

    /// The cost of explaining detection `b` by this track, or `None` outside the gate.
    fn cost(&self, b: &FaceBox, min_iou: f32) -> Option<f32> {
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

    fn update(&mut self, b: &FaceBox, look: Option<&Look>, at_ms: u64, min_hits: u32) {
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
    }

    fn ended(&self, at_ms: u64) -> Option<Ended> {
        Some(Ended {
            id: self.id,
            look: self.look.filter(|_| self.confirmed)?,
            ended_ms: at_ms,
        })
    }
}

/// A matching round: which tracks take part, which detections, and the least IoU asked.
type Round<'a> = (fn(&Track) -> bool, &'a [usize], f32);

/// Pairs rows with columns so that the summed cost is least; `None` cells are never paired.
fn assign(costs: &[Vec<Option<f32>>]) -> Vec<(usize, usize)> {
    let rows = costs.len();
    let cols = costs.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    // Kuhn–Munkres maximises integer weights over a matrix with no more rows than columns:
    // costs (at most 2) become weights above zero, forbidden cells zero, and the matrix is
    // transposed when there are more rows.
    let weight = |r: usize, c: usize| costs[r][c].map_or(0, |v| ((3.0 - v) * 1000.0) as i64);
    let transposed = rows > cols;
    let (n, m) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let mut matrix = Matrix::new(n, m, 0i64);
    for i in 0..n {
        for j in 0..m {
            matrix[(i, j)] = if transposed {
                weight(j, i)
            } else {
                weight(i, j)
            };
        }
    }
    let (_, pairs) = kuhn_munkres(&matrix);
    pairs
        .into_iter()
        .enumerate()
        .map(|(i, j)| if transposed { (j, i) } else { (i, j) })
        .filter(|&(r, c)| costs[r][c].is_some())
        .collect()
}

pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    /// Ended tracks that may still be recognised, oldest first, at most `max_live`.
    ended: Vec<Ended>,
    next_id: u32,
    /// Faces that took back the id of a track that had ended.
    pub reidentified: u64,
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
            reidentified: 0,
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

    /// Matches one frame's detections (and their looks, when known) to the tracks; returns the
    /// track id of each detection (`None` when the live-track cap left it without one).
    pub fn update(
        &mut self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
    ) -> Vec<Option<u32>> {
        self.expire(at_ms);
        for t in &mut self.tracks {
            t.predict(at_ms);
        }
        let mut ids: Vec<Option<u32>> = vec![None; dets.len()];
        let (high, low): (Vec<usize>, Vec<usize>) =
            (0..dets.len()).partition(|&i| dets[i].score >= self.config.high_score);
        let matched = self.match_tracks(at_ms, dets, looks, [&high, &low], &mut ids);
        self.drop_unseen(at_ms, matched);
        let unmatched: Vec<usize> = high.into_iter().filter(|&c| ids[c].is_none()).collect();
        self.start_tracks(at_ms, dets, looks, &unmatched, &mut ids);
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

    /// Assigns the faces (`[confident, less confident]`) to tracks in three rounds: 1: trusted
    /// tracks (seen or lost) and confident faces; 2: new tracks and the confident faces left;
    /// 3: trusted tracks seen last frame and the less confident faces. Returns which tracks
    /// were matched.
    fn match_tracks(
        &mut self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
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
                .filter(|&r| !matched[r] && wanted(&self.tracks[r]))
                .collect();
            let cols: Vec<usize> = pool.iter().copied().filter(|&c| ids[c].is_none()).collect();
            let costs: Vec<Vec<Option<f32>>> = rows
                .iter()
                .map(|&r| {
                    cols.iter()
                        .map(|&c| self.tracks[r].cost(&dets[c], min_iou))
                        .collect()
                })
                .collect();
            for (ri, ci) in assign(&costs) {
                let (r, c) = (rows[ri], cols[ci]);
                let look = looks.get(c).and_then(Option::as_ref);
                self.tracks[r].update(&dets[c], look, at_ms, self.config.min_hits);
                matched[r] = true;
                ids[c] = Some(self.tracks[r].id);
            }
        }
        matched
    }

    /// Tracks not seen: a tentative one was likely a false detection; a trusted one waits.
    fn drop_unseen(&mut self, at_ms: u64, matched: Vec<bool>) {
        let max_lost = self.config.max_lost_ms;
        let mut keep = matched.into_iter();
        self.tracks.retain_mut(|t| {
            if keep.next().unwrap_or(false) {
                return true;
            }
            t.tracked = false;
            t.confirmed && at_ms.saturating_sub(t.seen_ms) <= max_lost
        });
    }

    /// A track for each confident face left: an ended one it clearly looks like, or a new one.
    fn start_tracks(
        &mut self,
        at_ms: u64,
        dets: &[FaceBox],
        looks: &[Option<Look>],
        unmatched: &[usize],
        ids: &mut [Option<u32>],
    ) {
        let known = self.recognise(unmatched, looks);
        for (&c, known) in unmatched.iter().zip(known) {
            if self.tracks.len() >= self.config.max_live {
                self.capped = true;
                continue;
            }
            let look = looks.get(c).and_then(Option::as_ref).copied();
            let mut track = match known {
                Some(id) => {
                    self.reidentified += 1;
                    let mut t = Track::new(id, &dets[c], look, at_ms);
                    t.confirmed = true;
                    t
                }
                None => {
                    self.next_id += 1;
                    Track::new(self.next_id - 1, &dets[c], look, at_ms)
                }
            };
            track.tracked = true;
            ids[c] = Some(track.id);
            self.tracks.push(track);
        }
    }

    /// For each new face, the id of the ended track it clearly looks like, if any; each ended
    /// track is given to one face at most (an optimal assignment on the looks).
    fn recognise(&mut self, faces: &[usize], looks: &[Option<Look>]) -> Vec<Option<u32>> {
        let mut out = vec![None; faces.len()];
        if self.ended.is_empty() {
            return out;
        }
        let (min, margin) = (self.config.reid_min, self.config.reid_margin);
        let costs: Vec<Vec<Option<f32>>> = faces
            .iter()
            .map(|&c| {
                let Some(Some(look)) = looks.get(c) else {
                    return vec![None; self.ended.len()];
                };
                let sims: Vec<f32> = self
                    .ended
                    .iter()
                    .map(|e| appearance::similarity(look, &e.look))
                    .collect();
                sims.iter()
                    .enumerate()
                    .map(|(i, &s)| {
                        let rival = sims
                            .iter()
                            .enumerate()
                            .filter(|&(j, _)| j != i)
                            .map(|(_, &o)| o)
                            .fold(f32::MIN, f32::max);
                        (s >= min && s - rival >= margin).then_some(1.0 - s)
                    })
                    .collect()
            })
            .collect();
        let mut taken = Vec::new();
        for (f, e) in assign(&costs) {
            out[f] = Some(self.ended[e].id);
            taken.push(e);
        }
        taken.sort_unstable();
        for e in taken.into_iter().rev() {
            self.ended.remove(e);
        }
        out
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
            landmarks: None,
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
        // Tentative track 1 is not seen again: dropped at once.
        assert!(t.update(200, &[], &[]).is_empty());
        assert_eq!(
            t.update(400, &[face(100.0, 100.0, 80.0)], &[]),
            vec![Some(2)]
        );
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

    #[test]
    fn assignment_is_optimal_not_greedy() {
        // Greedy would take the 0.1 pair first and leave row 1 with the forbidden cell.
        let costs = vec![vec![Some(0.1), Some(0.2)], vec![Some(0.15), None]];
        let mut pairs = assign(&costs);
        pairs.sort();
        assert_eq!(pairs, vec![(0, 1), (1, 0)]);
    }
}
