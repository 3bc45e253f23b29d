//! The end of a job sees the whole video: tracks of one person from different shots (or from
//! before and after a long absence) that the tracker could not join as they came are merged
//! here, by agglomerative clustering of their mean embeddings with a strict threshold. Two
//! tracks seen at the same time are two people, and are never merged.

use std::collections::BTreeMap;

use super::{Embedding, Identity};

/// Periods on screen kept per track; past this the last one grows (which only forbids more
/// merges, never allows a wrong one).
const MAX_SPANS: usize = 256;
/// Tracks clustered at most (those with the most faces embedded); the others stay as they are.
const MAX_CLUSTERED: usize = 256;

/// What is known of each track of one job: its identity and when it was on screen.
#[derive(Debug, Default)]
pub struct Records {
    by_id: BTreeMap<u32, Record>,
    /// Tracks recorded at most; later ones are not merged.
    cap: usize,
}

#[derive(Debug, Default)]
struct Record {
    identity: Option<Identity>,
    /// On screen from, to (video ms); gaps up to `join_ms` are bridged.
    spans: Vec<(u64, u64)>,
}

/// Tracks being merged.
struct Cluster {
    ids: Vec<u32>,
    identity: Identity,
    spans: Vec<(u64, u64)>,
}

impl Records {
    pub fn new(cap: usize) -> Self {
        Self {
            by_id: BTreeMap::new(),
            cap,
        }
    }

    fn record(&mut self, id: u32) -> Option<&mut Record> {
        if !self.by_id.contains_key(&id) && self.by_id.len() >= self.cap {
            return None;
        }
        Some(self.by_id.entry(id).or_default())
    }

    /// Track `id` was seen at `at_ms`; an absence up to `join_ms` does not end its span.
    pub fn seen(&mut self, id: u32, at_ms: u64, join_ms: u64) {
        let Some(r) = self.record(id) else { return };
        let full = r.spans.len() >= MAX_SPANS;
        match r.spans.last_mut() {
            Some(last) if full || at_ms <= last.1.saturating_add(join_ms) => {
                last.1 = last.1.max(at_ms);
            }
            _ => r.spans.push((at_ms, at_ms)),
        }
    }

    /// One more face of track `id` was embedded.
    pub fn embedded(&mut self, id: u32, face: &Embedding) {
        let Some(r) = self.record(id) else { return };
        match &mut r.identity {
            Some(identity) => identity.add(face),
            None => r.identity = Some(Identity::of(face)),
        }
    }

    /// Track `from` was track `into`'s person all along: its periods and faces become `into`'s.
    pub fn absorb(&mut self, from: u32, into: u32) {
        let Some(gone) = self.by_id.remove(&from) else {
            return;
        };
        let Some(r) = self.by_id.get_mut(&into) else {
            return;
        };
        r.spans.extend(gone.spans);
        r.spans.sort_unstable();
        match (&mut r.identity, gone.identity) {
            (Some(mine), Some(theirs)) => mine.merge(&theirs),
            (mine @ None, theirs) => *mine = theirs,
            _ => {}
        }
    }

    /// Which tracks are one person: each merged track's id and the id it takes (the smallest of
    /// its group). Groups are joined best pair first while their mean embeddings are at least
    /// `min_similarity` alike and they were never on screen at the same time.
    pub fn merges(&self, min_similarity: f32) -> BTreeMap<u32, u32> {
        let mut clusters = self.clusters();
        while let Some((i, j)) = best_pair(&clusters, min_similarity) {
            let gone = clusters.swap_remove(j.max(i));
            let kept = &mut clusters[i.min(j)];
            kept.ids.extend(gone.ids);
            kept.identity.merge(&gone.identity);
            kept.spans.extend(gone.spans);
        }
        let mut out = BTreeMap::new();
        for c in clusters {
            let to = c.ids.iter().copied().min().unwrap_or_default();
            out.extend(c.ids.into_iter().filter(|&id| id != to).map(|id| (id, to)));
        }
        out
    }

    fn clusters(&self) -> Vec<Cluster> {
        let mut clusters: Vec<Cluster> = self
            .by_id
            .iter()
            .filter_map(|(&id, r)| {
                Some(Cluster {
                    ids: vec![id],
                    identity: r.identity.clone()?,
                    spans: r.spans.clone(),
                })
            })
            .collect();
        clusters.sort_by_key(|c| std::cmp::Reverse(c.identity.count()));
        clusters.truncate(MAX_CLUSTERED);
        clusters
    }
}

/// The two clusters most alike, if alike enough and never on screen together.
fn best_pair(clusters: &[Cluster], min_similarity: f32) -> Option<(usize, usize)> {
    let means: Vec<Option<&Embedding>> = clusters.iter().map(|c| c.identity.mean()).collect();
    let mut best: Option<(f32, usize, usize)> = None;
    for i in 0..clusters.len() {
        for j in i + 1..clusters.len() {
            let (Some(a), Some(b)) = (&means[i], &means[j]) else {
                continue;
            };
            let s = a.similarity(b);
            if s >= min_similarity
                && best.is_none_or(|(top, ..)| s > top)
                && !overlap(&clusters[i].spans, &clusters[j].spans)
            {
                best = Some((s, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j))
}

fn overlap(a: &[(u64, u64)], b: &[(u64, u64)]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.0 <= y.1 && y.0 <= x.1))
}

#[cfg(test)]
mod tests {
    use super::super::DIM;
    use super::*;

    /// A face of "person" `p`, a little different each `n`.
    fn face(p: usize, n: usize) -> Embedding {
        let mut v = [0f32; DIM];
        v[p] = 1.0;
        v[DIM - 1 - n] = 0.3;
        Embedding::from_raw(&v).expect("a vector")
    }

    fn track(r: &mut Records, id: u32, person: usize, from_ms: u64, to_ms: u64) {
        for (n, at) in (from_ms..=to_ms).step_by(200).enumerate() {
            r.seen(id, at, 2000);
            r.embedded(id, &face(person, n % 3));
        }
    }

    #[test]
    fn tracks_of_one_person_in_different_shots_are_merged_into_the_first() {
        let mut r = Records::new(100);
        track(&mut r, 1, 0, 0, 3000); // person 0
        track(&mut r, 2, 1, 0, 9000); // person 1, on screen throughout
        track(&mut r, 5, 0, 6000, 9000); // person 0 again, after a cut
        track(&mut r, 7, 0, 12_000, 13_000); // and again
        let merges = r.merges(0.5);
        assert_eq!(merges, BTreeMap::from([(5, 1), (7, 1)]));
    }

    #[test]
    fn tracks_on_screen_together_are_never_merged_however_alike() {
        let mut r = Records::new(100);
        track(&mut r, 1, 0, 0, 3000);
        track(&mut r, 2, 0, 2000, 5000);
        assert!(r.merges(0.5).is_empty());
    }

    #[test]
    fn different_people_are_not_merged_and_the_cap_holds() {
        let mut r = Records::new(2);
        track(&mut r, 1, 0, 0, 1000);
        track(&mut r, 2, 1, 5000, 6000);
        track(&mut r, 3, 0, 9000, 10_000); // past the cap: not recorded
        assert!(r.merges(0.5).is_empty());
        assert_eq!(r.by_id.len(), 2);
    }
}
