//! Turns classified faces into the job's result: the share of each emotion over all faces, with
//! running sums only, so that nothing grows with the length of the video.

use serde::{Deserialize, Serialize};

/// The project's one label order, used by the models, the API and the database.
pub const EMOTIONS: [&str; 7] = [
    "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise",
];

/// One of FER2013's seven facial expression labels: what a model classifies a face as, not
/// what anyone feels.
// In `EMOTIONS` order (`index`); stored and shown by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Angry,
    Disgust,
    Fear,
    Happy,
    Neutral,
    Sad,
    Surprise,
}

impl Emotion {
    pub const ALL: [Self; 7] = [
        Self::Angry,
        Self::Disgust,
        Self::Fear,
        Self::Happy,
        Self::Neutral,
        Self::Sad,
        Self::Surprise,
    ];

    /// Its place in [`EMOTIONS`] order: the models' outputs, the arrays of counts.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        EMOTIONS[self.index()]
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl std::fmt::Display for Emotion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T> std::ops::Index<Emotion> for PerEmotion<T> {
    type Output = T;
    fn index(&self, e: Emotion) -> &T {
        match e {
            Emotion::Angry => &self.angry,
            Emotion::Disgust => &self.disgust,
            Emotion::Fear => &self.fear,
            Emotion::Happy => &self.happy,
            Emotion::Neutral => &self.neutral,
            Emotion::Sad => &self.sad,
            Emotion::Surprise => &self.surprise,
        }
    }
}

/// One value per emotion, serialised as an object with the seven names as keys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct PerEmotion<T> {
    pub angry: T,
    pub disgust: T,
    pub fear: T,
    pub happy: T,
    pub neutral: T,
    pub sad: T,
    pub surprise: T,
}

impl<T: Copy> From<[T; 7]> for PerEmotion<T> {
    fn from(v: [T; 7]) -> Self {
        Self {
            angry: v[0],
            disgust: v[1],
            fear: v[2],
            happy: v[3],
            neutral: v[4],
            sad: v[5],
            surprise: v[6],
        }
    }
}

impl<T: Copy> PerEmotion<T> {
    pub fn to_array(&self) -> [T; 7] {
        [
            self.angry,
            self.disgust,
            self.fear,
            self.happy,
            self.neutral,
            self.sad,
            self.surprise,
        ]
    }
}

/// Index of the largest value; ties go to the first.
pub fn argmax(values: &[f32; 7]) -> usize {
    let mut best = 0;
    for i in 1..7 {
        if values[i] > values[best] {
            best = i;
        }
    }
    best
}

/// The emotion result of a whole video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmotionSummary {
    /// Share of classified faces whose most likely emotion is each one; sums to 100 (all 0 when
    /// no face was seen).
    pub percentages: PerEmotion<f64>,
    pub counts: PerEmotion<u64>,
    /// Most frequent emotion; `null` when no face was seen.
    pub dominant: Option<Emotion>,
    /// Mean probability of each emotion over all classified faces.
    pub mean_probabilities: PerEmotion<f64>,
    pub frames_analyzed: u64,
    pub frames_with_face: u64,
    pub faces_classified: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    counts: [u64; 7],
    prob_sums: [f64; 7],
    frames_analyzed: u64,
    frames_with_face: u64,
    faces: u64,
}

impl Accumulator {
    pub fn add_frame(&mut self, faces: impl IntoIterator<Item = [f32; 7]>) {
        self.frames_analyzed += 1;
        let mut any = false;
        for probs in faces {
            any = true;
            self.faces += 1;
            self.counts[argmax(&probs)] += 1;
            for (s, p) in self.prob_sums.iter_mut().zip(probs) {
                *s += p as f64;
            }
        }
        if any {
            self.frames_with_face += 1;
        }
    }

    /// Adds another accumulator's faces and frames (two tracks of one person; their frames
    /// never overlap).
    pub fn merge(&mut self, other: &Accumulator) {
        for i in 0..7 {
            self.counts[i] += other.counts[i];
            self.prob_sums[i] += other.prob_sums[i];
        }
        self.frames_analyzed += other.frames_analyzed;
        self.frames_with_face += other.frames_with_face;
        self.faces += other.faces;
    }

    /// Faces so far by their most likely expression.
    pub fn counts(&self) -> &[u64; 7] {
        &self.counts
    }

    pub fn summary(&self) -> EmotionSummary {
        let n = self.faces;
        let mean = self
            .prob_sums
            .map(|s| if n > 0 { round(s / n as f64, 4) } else { 0.0 });
        let dominant = dominant(&self.counts);
        EmotionSummary {
            percentages: percentages(&self.counts).into(),
            counts: self.counts.into(),
            dominant,
            mean_probabilities: mean.into(),
            frames_analyzed: self.frames_analyzed,
            frames_with_face: self.frames_with_face,
            faces_classified: n,
        }
    }
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The expression counted most often (ties go to the first in label order); `None` without
/// any count. The one rule for every `dominant` the service reports.
pub fn dominant(counts: &[u64; 7]) -> Option<Emotion> {
    dominant_index(counts).map(|i| Emotion::ALL[i])
}

/// [`dominant`] as an index into [`EMOTIONS`].
pub fn dominant_index(counts: &[u64; 7]) -> Option<usize> {
    if counts.iter().all(|&c| c == 0) {
        return None;
    }
    Some((0..7).fold(0, |b, i| if counts[i] > counts[b] { i } else { b }))
}

/// Percentages with two decimals that add up to exactly 100 (largest remainder method).
pub fn percentages(counts: &[u64; 7]) -> [f64; 7] {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return [0.0; 7];
    }
    // Work in hundredths of a percent: 10_000 units in all.
    let exact: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 * 10_000.0 / total as f64)
        .collect();
    let mut units: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut order: Vec<usize> = (0..7).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let short = 10_000 - units.iter().sum::<u64>();
    for &i in order.iter().take(short as usize) {
        units[i] += 1;
    }
    let mut out = [0.0; 7];
    for (o, u) in out.iter_mut().zip(units) {
        *o = u as f64 / 100.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_sum_to_exactly_100() {
        for counts in [
            [1, 1, 1, 0, 0, 0, 0],
            [1, 2, 3, 4, 5, 6, 7],
            [0, 0, 0, 9, 0, 0, 0],
            [1, 0, 0, 0, 0, 0, 2],
        ] {
            let p = percentages(&counts);
            let units: u64 = p.iter().map(|v| (v * 100.0).round() as u64).sum();
            assert_eq!(units, 10_000, "{counts:?} -> {p:?}");
        }
        assert_eq!(
            percentages(&[1, 1, 1, 0, 0, 0, 0])[..3],
            [33.34, 33.33, 33.33]
        );
        assert_eq!(percentages(&[0; 7]), [0.0; 7]);
    }

    #[test]
    fn summary_counts_faces_and_frames() {
        let mut acc = Accumulator::default();
        let happy = [0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0];
        let sad = [0.0, 0.0, 0.0, 0.2, 0.0, 0.8, 0.0];
        acc.add_frame([happy, sad]);
        acc.add_frame([]);
        acc.add_frame([happy]);
        let s = acc.summary();
        assert_eq!(
            (s.frames_analyzed, s.frames_with_face, s.faces_classified),
            (3, 2, 3)
        );
        assert_eq!(s.dominant, Some(Emotion::Happy));
        assert_eq!(s.counts.happy, 2);
        assert_eq!(s.percentages.happy, 66.67);
        assert_eq!(s.percentages.sad, 33.33);
        assert!((s.mean_probabilities.happy - 2.0 / 3.0).abs() < 1e-3);
    }
}
