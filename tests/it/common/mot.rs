//! The usual multi-object tracking measures, against a scene's truth: ID switches (a person's
//! faces changing track) and IDF1 (the share of faces given the person's one best track, over
//! truth and predictions both; Ristani et al. 2016).

use std::collections::{BTreeMap, BTreeSet};

use opencv::core::Rect;
use pathfinding::prelude::{Matrix, kuhn_munkres};

use super::scenes::Truth;

/// A predicted face: its box and track.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub rect: Rect,
    pub track: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct Score {
    pub truths: u64,
    pub predictions: u64,
    /// Truth faces matched by a prediction (the detector found them).
    pub matched: u64,
    pub id_switches: u64,
    pub idf1: f64,
    /// Tracks that covered more than one actor (a merge: the worst error, two people as one).
    pub mixed_tracks: u64,
    /// For each actor, the track it was given most.
    pub main_track: BTreeMap<usize, u32>,
}

fn centre_inside(inner: Rect, outer: Rect) -> bool {
    let (cx, cy) = (inner.x + inner.width / 2, inner.y + inner.height / 2);
    cx >= outer.x && cx < outer.x + outer.width && cy >= outer.y && cy < outer.y + outer.height
}

fn iou(a: Rect, b: Rect) -> f64 {
    let inter = (a & b).area() as f64;
    inter / ((a.area() + b.area()) as f64 - inter).max(1.0)
}

/// Which prediction shows which actor: a prediction whose centre lies inside the actor's box,
/// the best overlapping pairs first (a box the detector drew over two faces, where one hides
/// the other, goes to the face it covers most).
fn pairs<'t>(truth: &'t [Truth], seen: &[Seen]) -> Vec<(&'t Truth, usize)> {
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, p) in seen.iter().enumerate() {
            if centre_inside(p.rect, t.rect) {
                candidates.push((iou(p.rect, t.rect), i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut truth_used, mut seen_used) = (vec![false; truth.len()], vec![false; seen.len()]);
    let mut out = Vec::new();
    for (_, i, j) in candidates {
        if !truth_used[i] && !seen_used[j] {
            (truth_used[i], seen_used[j]) = (true, true);
            out.push((&truth[i], j));
        }
    }
    out
}

/// `frames`: for each analysed frame, the truth and what was seen.
pub fn score(frames: &[(Vec<Truth>, Vec<Seen>)]) -> Score {
    let mut s = Score::default();
    let mut overlap: BTreeMap<(usize, u32), u64> = BTreeMap::new();
    let mut last: BTreeMap<usize, u32> = BTreeMap::new();
    let mut actors_of: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for (truth, seen) in frames {
        s.truths += truth.len() as u64;
        s.predictions += seen.iter().filter(|p| p.track.is_some()).count() as u64;
        for (t, j) in pairs(truth, seen) {
            s.matched += 1;
            let Some(track) = seen[j].track else { continue };
            *overlap.entry((t.actor, track)).or_default() += 1;
            actors_of.entry(track).or_default().insert(t.actor);
            if last
                .insert(t.actor, track)
                .is_some_and(|before| before != track)
            {
                s.id_switches += 1;
            }
        }
    }
    s.mixed_tracks = actors_of.values().filter(|a| a.len() > 1).count() as u64;
    let actors: Vec<usize> = overlap
        .keys()
        .map(|k| k.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let tracks: Vec<u32> = overlap
        .keys()
        .map(|k| k.1)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for &a in &actors {
        if let Some((&(_, t), _)) = overlap
            .iter()
            .filter(|(k, _)| k.0 == a)
            .max_by_key(|(_, n)| **n)
        {
            s.main_track.insert(a, t);
        }
    }
    if !actors.is_empty() {
        // The best one-to-one pairing of actors and tracks (padded square).
        let n = actors.len().max(tracks.len());
        let mut m = Matrix::new(n, n, 0i64);
        for (i, a) in actors.iter().enumerate() {
            for (j, t) in tracks.iter().enumerate() {
                m[(i, j)] = *overlap.get(&(*a, *t)).unwrap_or(&0) as i64;
            }
        }
        let (idtp, _) = kuhn_munkres(&m);
        s.idf1 = 2.0 * idtp as f64 / (s.truths + s.predictions) as f64;
    }
    s
}
