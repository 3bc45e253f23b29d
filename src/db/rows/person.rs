//! The `people` table: each person (face track) of a job as stored in `people.data`, with the
//! face that stands for them and their periods on screen.

use serde::{Deserialize, Serialize};

use super::frame::StoredBox;
use crate::pipeline::aggregate::{Emotion, PerEmotion};
use crate::pipeline::people::{Period, Person, Sighting};

/// A person (face track) as stored in `people.data`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredPerson {
    id: u32,
    first_ms: u64,
    last_ms: u64,
    first_frame: u64,
    last_frame: u64,
    faces: u64,
    screen_ms: u64,
    screen_share: f64,
    percentages: PerEmotion<f64>,
    counts: PerEmotion<u64>,
    dominant: Option<Emotion>,
    mean_probabilities: PerEmotion<f64>,
    representative: StoredSighting,
    periods: Vec<StoredPeriod>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredSighting {
    frame: u64,
    time_ms: u64,
    #[serde(rename = "box")]
    bbox: StoredBox,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredPeriod {
    start_ms: u64,
    end_ms: u64,
    faces: u64,
    /// By name; a row without a readable one takes the largest share.
    dominant: String,
    percentages: PerEmotion<f64>,
}

impl From<&Person> for StoredPerson {
    fn from(p: &Person) -> Self {
        let r = p.representative;
        Self {
            id: p.id,
            first_ms: p.first_ms,
            last_ms: p.last_ms,
            first_frame: p.first_frame,
            last_frame: p.last_frame,
            faces: p.faces,
            screen_ms: p.screen_ms,
            screen_share: p.screen_share,
            percentages: p.percentages,
            counts: p.counts,
            dominant: p.dominant,
            mean_probabilities: p.mean_probabilities,
            representative: StoredSighting {
                frame: r.frame,
                time_ms: r.time_ms,
                bbox: r.bbox.into(),
            },
            periods: p
                .periods
                .iter()
                .map(|s| StoredPeriod {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant.as_str().to_string(),
                    percentages: s.percentages,
                })
                .collect(),
        }
    }
}

impl From<StoredPerson> for Person {
    fn from(p: StoredPerson) -> Self {
        let r = p.representative;
        Self {
            id: p.id,
            first_ms: p.first_ms,
            last_ms: p.last_ms,
            first_frame: p.first_frame,
            last_frame: p.last_frame,
            faces: p.faces,
            screen_ms: p.screen_ms,
            screen_share: p.screen_share,
            percentages: p.percentages,
            counts: p.counts,
            dominant: p.dominant,
            mean_probabilities: p.mean_probabilities,
            representative: Sighting {
                frame: r.frame,
                time_ms: r.time_ms,
                bbox: r.bbox.into(),
            },
            periods: p
                .periods
                .into_iter()
                .map(|s| Period {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: Emotion::parse(&s.dominant)
                        .unwrap_or_else(|| largest_share(&s.percentages)),
                    percentages: s.percentages,
                })
                .collect(),
        }
    }
}

fn largest_share(p: &PerEmotion<f64>) -> Emotion {
    let shares = p.to_array();
    let best = (0..7).fold(0, |b, i| if shares[i] > shares[b] { i } else { b });
    Emotion::ALL[best]
}
