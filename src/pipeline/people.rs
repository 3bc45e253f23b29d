//! Results per person: one per face track of one video, never an identity. Running sums per
//! track only, so that memory grows with the number of people, not with the video's length.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::aggregate::{Accumulator, Emotion, PerEmotion};
use super::{BoxPx, FaceResult};

pub use crate::vocabulary::Focus;

/// The video is cut into this many equal periods to tell how a person's expressions change.
pub const PERIODS: usize = 10;

/// Where and when a person is best seen: the most confident detection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    pub frame: u64,
    pub time_ms: u64,
    #[serde(rename = "box")]
    pub bbox: BoxPx,
}

/// A stretch of the video and what a person showed in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub start_ms: u64,
    pub end_ms: u64,
    pub faces: u64,
    pub dominant: Emotion,
    pub percentages: PerEmotion<f64>,
}

/// One person (face track) of a video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The track id its faces carry in the timeline; unique in the job, not contiguous.
    pub id: u32,
    pub first_ms: u64,
    pub last_ms: u64,
    pub first_frame: u64,
    pub last_frame: u64,
    /// Analysed frames that show this person (one face each).
    pub faces: u64,
    /// Time on screen: the faces times the time between two analysed frames.
    pub screen_ms: u64,
    /// Share of the analysed frames that show this person, 0..1.
    pub screen_share: f64,
    pub percentages: PerEmotion<f64>,
    pub counts: PerEmotion<u64>,
    pub dominant: Option<Emotion>,
    pub mean_probabilities: PerEmotion<f64>,
    pub representative: Sighting,
    /// The periods of the video (a tenth each) in which the person was seen.
    pub periods: Vec<Period>,
}

#[derive(Clone)]
struct Track {
    first: (u64, u64),
    last: (u64, u64),
    acc: Accumulator,
    best: (f32, Sighting),
    periods: [[u64; 7]; PERIODS],
}

impl Track {
    fn absorb(&mut self, other: Track) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.acc.merge(&other.acc);
        if other.best.0 > self.best.0 {
            self.best = other.best;
        }
        for (mine, theirs) in self.periods.iter_mut().zip(other.periods) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
    }
}

/// Collects faces by track as they are classified.
#[derive(Clone)]
pub struct PeopleAccumulator {
    tracks: HashMap<u32, Track>,
    duration_ms: u64,
    /// A live source, whose length is not known: the periods double in length (pairs of
    /// periods joined) whenever a face comes after the last one ends.
    growing: bool,
}

impl PeopleAccumulator {
    pub fn new(duration_ms: u64) -> Self {
        Self {
            tracks: HashMap::new(),
            duration_ms: duration_ms.max(1),
            growing: false,
        }
    }

    /// For a source of unknown length, starting with periods that cover `first_ms`.
    pub fn growing(first_ms: u64) -> Self {
        Self {
            growing: true,
            ..Self::new(first_ms)
        }
    }

    fn grow_to(&mut self, time_ms: u64) {
        while self.growing && time_ms >= self.duration_ms {
            for t in self.tracks.values_mut() {
                for i in 0..PERIODS {
                    let joined: [u64; 7] = match (t.periods.get(2 * i), t.periods.get(2 * i + 1)) {
                        (Some(a), Some(b)) => std::array::from_fn(|e| a[e] + b[e]),
                        (Some(a), None) => *a,
                        _ => [0; 7],
                    };
                    t.periods[i] = joined;
                }
            }
            self.duration_ms = self.duration_ms.saturating_mul(2);
        }
    }

    fn period_of(&self, time_ms: u64) -> usize {
        ((time_ms.saturating_mul(PERIODS as u64) / self.duration_ms) as usize).min(PERIODS - 1)
    }

    pub fn add(&mut self, frame: u64, time_ms: u64, face: &FaceResult) {
        let Some(id) = face.track_id else { return };
        self.grow_to(time_ms);
        let period = self.period_of(time_ms);
        let sighting = Sighting {
            frame,
            time_ms,
            bbox: face.bbox,
        };
        let t = self.tracks.entry(id).or_insert_with(|| Track {
            first: (frame, time_ms),
            last: (frame, time_ms),
            acc: Accumulator::default(),
            best: (f32::MIN, sighting),
            periods: [[0; 7]; PERIODS],
        });
        t.last = (frame, time_ms);
        let probs = face.probabilities.to_array();
        t.acc.add_frame([probs]);
        t.periods[period][super::aggregate::argmax(&probs)] += 1;
        // Ties go to the larger face: more pixels, a better picture of the expression.
        let rank = face.score + 1e-6 * (face.bbox.w * face.bbox.h) as f32;
        if rank > t.best.0 {
            t.best = (rank, sighting);
        }
    }

    /// Joins the tracks found to be one person: `merges` maps each merged track to the id it
    /// takes.
    pub fn merge(&mut self, merges: &BTreeMap<u32, u32>) {
        for (from, to) in merges {
            let Some(gone) = self.tracks.remove(from) else {
                continue;
            };
            match self.tracks.get_mut(to) {
                Some(kept) => kept.absorb(gone),
                None => {
                    self.tracks.insert(*to, gone);
                }
            }
        }
    }

    /// The people seen for at least `min_track_ms`, longest on screen first (then by id);
    /// `step_ms` is the time between two analysed frames, `frames_analyzed` all of them.
    pub fn finish(
        self,
        step_ms: f64,
        frames_analyzed: u64,
        min_track_ms: u64,
        focus: Focus,
    ) -> Vec<Person> {
        let span = self.duration_ms as f64 / PERIODS as f64;
        let mut people: Vec<Person> = self
            .tracks
            .into_iter()
            .filter(|(_, t)| (t.last.1 - t.first.1) as f64 + step_ms >= min_track_ms as f64)
            .map(|(id, t)| {
                let s = t.acc.summary();
                let periods = t
                    .periods
                    .iter()
                    .enumerate()
                    // A period without a face has no dominant expression, and is left out.
                    .filter_map(|(i, c)| {
                        Some(Period {
                            start_ms: (i as f64 * span).round() as u64,
                            end_ms: ((i + 1) as f64 * span).round() as u64,
                            faces: c.iter().sum(),
                            dominant: super::aggregate::dominant(c)?,
                            percentages: super::aggregate::percentages(c).into(),
                        })
                    })
                    .collect();
                let faces = s.faces_classified;
                Person {
                    id,
                    first_ms: t.first.1,
                    last_ms: t.last.1,
                    first_frame: t.first.0,
                    last_frame: t.last.0,
                    faces,
                    screen_ms: (faces as f64 * step_ms).round() as u64,
                    screen_share: if frames_analyzed > 0 {
                        (faces as f64 / frames_analyzed as f64 * 10_000.0).round() / 10_000.0
                    } else {
                        0.0
                    },
                    percentages: s.percentages,
                    counts: s.counts,
                    dominant: s.dominant,
                    mean_probabilities: s.mean_probabilities,
                    representative: t.best.1,
                    periods,
                }
            })
            .collect();
        people.sort_by(|a, b| b.faces.cmp(&a.faces).then(a.id.cmp(&b.id)));
        if focus == Focus::Main {
            people.truncate(1);
        }
        people
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(track: u32, emotion: usize) -> FaceResult {
        let mut p = [0.0f32; 7];
        p[emotion] = 0.9;
        p[4] += 0.1;
        FaceResult {
            bbox: BoxPx {
                x: 0,
                y: 0,
                w: 50,
                h: 50,
            },
            score: 0.9,
            emotion: Emotion::ALL[emotion],
            probabilities: p.into(),
            track_id: Some(track),
        }
    }

    #[test]
    fn people_are_counted_apart_and_short_tracks_dropped() {
        let mut acc = PeopleAccumulator::new(10_000);
        for i in 0..50u64 {
            acc.add(i, i * 200, &face(1, 3)); // happy, 10 s
            if i < 20 {
                acc.add(i, i * 200, &face(2, 5)); // sad, 4 s
            }
        }
        acc.add(7, 1400, &face(3, 0)); // one frame: a false detection
        let people = acc.finish(200.0, 50, 1000, Focus::All);
        assert_eq!(people.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 2]);
        let (a, b) = (&people[0], &people[1]);
        assert_eq!((a.faces, a.screen_ms, a.screen_share), (50, 10_000, 1.0));
        assert_eq!(a.percentages.happy, 100.0);
        assert_eq!(b.dominant, Some(Emotion::Sad));
        assert_eq!((b.first_ms, b.last_ms, b.screen_share), (0, 3800, 0.4));
        assert_eq!(b.periods.len(), 4, "{:?}", b.periods);
        assert_eq!(a.periods.len(), PERIODS);
    }

    #[test]
    fn merged_tracks_are_one_person() {
        let mut acc = PeopleAccumulator::new(10_000);
        for i in 0..10u64 {
            acc.add(i, i * 200, &face(1, 3));
            acc.add(i + 20, (i + 20) * 200, &face(4, 5));
            acc.add(i + 40, (i + 40) * 200, &face(6, 3));
        }
        acc.merge(&BTreeMap::from([(4, 1), (6, 1)]));
        let people = acc.finish(200.0, 50, 0, Focus::All);
        assert_eq!(people.len(), 1);
        let p = &people[0];
        assert_eq!((p.id, p.faces, p.first_frame, p.last_frame), (1, 30, 0, 49));
        assert_eq!((p.counts.happy, p.counts.sad), (20, 10));
    }

    #[test]
    fn focus_main_keeps_the_longest_on_screen() {
        let mut acc = PeopleAccumulator::new(4000);
        for i in 0..20u64 {
            acc.add(i, i * 200, &face(2, 3));
            if i < 10 {
                acc.add(i, i * 200, &face(1, 3));
            }
        }
        let people = acc.finish(200.0, 20, 0, Focus::Main);
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].id, 2);
    }
}
