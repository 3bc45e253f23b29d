//! The numbers a report is built from: the job's summary, how the dominant expression changes
//! over the video, in a few equal segments of time, and the people, the longest on screen one by
//! one and the rest together.

use super::{OtherPeople, ReportInputs, SegmentSummary};
use crate::pipeline::FrameResult;
use crate::pipeline::aggregate::{Emotion, EmotionSummary, dominant, dominant_index, percentages};
use crate::pipeline::people::Person;

/// People described one by one in a report; the rest are summed up together.
pub const PEOPLE_IN_REPORT: usize = 5;

/// Splits the people (longest on screen first) into those a report names and the rest.
pub fn split_people(mut people: Vec<Person>) -> (Vec<Person>, Option<OtherPeople>) {
    if people.len() <= PEOPLE_IN_REPORT {
        return (people, None);
    }
    let rest = people.split_off(PEOPLE_IN_REPORT);
    let mut counts = [0u64; 7];
    for p in &rest {
        for (c, n) in counts.iter_mut().zip(p.counts.to_array()) {
            *c += n;
        }
    }
    let faces: u64 = counts.iter().sum();
    let others = OtherPeople {
        count: rest.len() as u64,
        faces,
        percentages: percentages(&counts).into(),
        dominant: dominant(&counts),
    };
    (people, Some(others))
}

/// Splits the video into at most `max_segments` spans of at least two seconds.
pub struct Segmenter {
    duration_ms: u64,
    counts: Vec<[u64; 7]>,
}

impl Segmenter {
    pub fn new(duration_ms: u64, max_segments: usize) -> Self {
        let n = ((duration_ms / 2000) as usize).clamp(1, max_segments.max(1));
        Self {
            duration_ms: duration_ms.max(1),
            counts: vec![[0; 7]; n],
        }
    }

    pub fn add(&mut self, frame: &FrameResult) {
        let n = self.counts.len() as u64;
        let i = ((frame.time_ms * n) / self.duration_ms).min(n - 1) as usize;
        for face in &frame.faces {
            self.counts[i][face.emotion.index()] += 1;
        }
    }

    pub fn finish(self, summary: &EmotionSummary) -> ReportInputs {
        let n = self.counts.len() as u64;
        let segments = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let faces: u64 = c.iter().sum();
                let best = dominant_index(c);
                SegmentSummary {
                    start_ms: self.duration_ms * i as u64 / n,
                    end_ms: self.duration_ms * (i as u64 + 1) / n,
                    faces,
                    dominant: best.map(|b| Emotion::ALL[b]),
                    dominant_percent: best.map_or(0.0, |b| {
                        (c[b] as f64 * 1000.0 / faces as f64).round() / 10.0
                    }),
                }
            })
            .collect();
        ReportInputs {
            summary: summary.clone(),
            duration_ms: self.duration_ms,
            segments,
            people: Vec::new(),
            others: None,
        }
    }
}
