//! A person's expression over time, smoothed: frame by frame a face's expression is noisy (a
//! blink, a turn, motion blur), so each of the person's faces also gets the mean of the
//! person's calibrated probabilities over the faces within half a window before and after it.
//! It changes nothing of what `percentages` count: they still count each face's own top class.

use super::FrameResult;
use super::aggregate::{Emotion, PerEmotion, argmax};

/// One face's smoothed probabilities and their top class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothed {
    pub probabilities: PerEmotion<f32>,
    pub emotion: Emotion,
}

/// For each frame of one person's timeline (one face a frame, in time order), the mean of the
/// person's probabilities over the faces at most `window_ms / 2` away.
pub fn smooth(frames: &[FrameResult], window_ms: u64) -> Vec<Smoothed> {
    let half = window_ms / 2;
    let faces: Vec<(u64, [f32; 7])> = frames
        .iter()
        .filter_map(|f| Some((f.time_ms, f.faces.first()?.probabilities.to_array())))
        .collect();
    // A running sum over the window [start, end) as it slides forward.
    let (mut start, mut end) = (0, 0);
    let mut sum = [0f64; 7];
    let mut out = Vec::with_capacity(faces.len());
    for &(t, _) in &faces {
        while end < faces.len() && faces[end].0 <= t + half {
            add(&mut sum, &faces[end].1, 1.0);
            end += 1;
        }
        while faces[start].0 + half < t {
            add(&mut sum, &faces[start].1, -1.0);
            start += 1;
        }
        let n = (end - start) as f64;
        let mean: [f32; 7] = std::array::from_fn(|i| (sum[i] / n) as f32);
        out.push(Smoothed {
            probabilities: mean.into(),
            emotion: Emotion::ALL[argmax(&mean)],
        });
    }
    out
}

fn add(sum: &mut [f64; 7], p: &[f32; 7], sign: f64) {
    for (s, v) in sum.iter_mut().zip(p) {
        *s += sign * f64::from(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{BoxPx, FaceResult};

    fn frame(time_ms: u64, top: usize) -> FrameResult {
        let mut p = [0.0f32; 7];
        p[top] = 1.0;
        FrameResult {
            frame: time_ms / 100,
            time_ms,
            faces: vec![FaceResult {
                bbox: BoxPx {
                    x: 0,
                    y: 0,
                    w: 10,
                    h: 10,
                },
                score: 0.9,
                emotion: Emotion::ALL[top],
                probabilities: p.into(),
                track_id: Some(1),
            }],
        }
    }

    #[test]
    fn a_one_frame_blip_is_smoothed_away_and_a_lasting_change_is_kept() {
        // Happy for a second, one sad frame, happy again, then surprised for a second.
        let mut frames: Vec<FrameResult> = (0..10).map(|i| frame(i * 100, 3)).collect();
        frames[5] = frame(500, 5);
        frames.extend((10..20).map(|i| frame(i * 100, 6)));
        let s = smooth(&frames, 600);
        assert_eq!(s.len(), frames.len());
        assert_eq!(s[5].emotion, Emotion::Happy, "{:?}", s[5]);
        // Frames 2..=8 lie within 300 ms of 500 ms: 6 happy, 1 sad.
        assert!(
            (s[5].probabilities.sad - 1.0 / 7.0).abs() < 1e-6,
            "{:?}",
            s[5]
        );
        assert_eq!(s[19].emotion, Emotion::Surprise);
        assert_eq!(s[0].emotion, Emotion::Happy);
        let total: f32 = s[12].probabilities.to_array().iter().sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_window_shorter_than_the_frame_step_changes_nothing() {
        let frames: Vec<FrameResult> = (0..6).map(|i| frame(i * 200, i as usize % 7)).collect();
        for (f, s) in frames.iter().zip(smooth(&frames, 100)) {
            assert_eq!(s.probabilities, f.faces[0].probabilities);
        }
    }
}
