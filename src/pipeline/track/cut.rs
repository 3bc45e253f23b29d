//! Shot cuts, found on a 64×36 thumbnail of each analysed frame with two signals:
//!
//! - **How much the colours changed**: PySceneDetect's content score, the mean absolute change
//!   of hue, saturation and value over the pixels (0–255). A cut is a score well above the
//!   shot's own recent scores (the adaptive rule of PySceneDetect's adaptive detector, made
//!   causal): a busy or panning shot raises the bar, so its motion is no cut, while a cut
//!   between two dark shots, whose score is modest, still stands out from their stillness.
//! - **Whether the layout survived**: the correlation of the two grey thumbnails, which a
//!   flash, a flicker or a fade leaves high (it ignores brightness and contrast) and a cut to
//!   another picture drops.
//!
//! Both must agree. Neither needs the frames after (a live stream has none yet), and the same
//! rule holds between adjacent frames and between samples 0.2 s apart: what counts is the jump
//! against the shot's own rhythm at that rate.

use std::collections::VecDeque;

use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pipeline::PipelineError;

const W: i32 = 64;
const H: i32 = 36;

/// A content score below this is never a cut. PySceneDetect's adaptive detector asks 15; a cut
/// between two dark, plain shots can score less (9 in `tests/it/tracking.rs`'s dark scene), and
/// the loss of the layout is asked besides.
const MIN_CONTENT: f32 = 8.0;
/// A cut's score is at least this many times the shot's recent mean when nothing of the layout
/// is left, and more the more is left (PySceneDetect asks 3 of the frames around; the layout's
/// loss is the second witness here)…
const RATIO: f32 = 1.5;
const RATIO_PER_CORRELATION: f32 = 2.0;
/// …over this many frames before it.
const RECENT: usize = 4;
/// A cut leaves the grey thumbnails correlated less than this…
const MAX_CORRELATION: f32 = 0.5;
/// At the start of a shot, with no rhythm known yet, a cut needs a score this large
/// (PySceneDetect's content detector: 27) and the layout all but gone.
const FIRST_CONTENT: f32 = 27.0;
const FIRST_MAX_CORRELATION: f32 = 0.3;

/// What the detector measured for the last frame (for tuning: `examples/cut_signals.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Signals {
    /// The content score against the frame before (0–255).
    pub content: f32,
    /// The mean content score of the shot's recent frames (0 at a shot's start).
    pub recent: f32,
    /// The correlation of the grey thumbnails (-1–1).
    pub correlation: f32,
}

/// A frame's thumbnail: hue, saturation and value, and grey.
struct Thumb {
    hsv: Vec<u8>,
    gray: Vec<u8>,
}

#[derive(Default)]
pub struct CutDetector {
    previous: Option<Thumb>,
    recent: VecDeque<f32>,
    last: Signals,
}

/// PySceneDetect's content score: the mean absolute difference of H, S and V over the pixels,
/// averaged over the three channels. OpenCV's hue runs 0–179, as in PySceneDetect.
pub fn content_score(a: &[u8], b: &[u8]) -> f32 {
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f32 / a.len().max(1) as f32
}

/// Pearson's correlation of two grey thumbnails; 1 for a flat one (nothing to tell apart).
pub fn correlation(a: &[u8], b: &[u8]) -> f32 {
    let n = a.len().max(1) as f64;
    let mean = |p: &[u8]| p.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (f64::from(x) - ma, f64::from(y) - mb);
        ab += dx * dy;
        aa += dx * dx;
        bb += dy * dy;
    }
    if aa < 1.0 || bb < 1.0 {
        return 1.0;
    }
    (ab / (aa * bb).sqrt()) as f32
}

/// Whether these signals make a cut.
pub fn is_cut(s: &Signals, history: usize) -> bool {
    match history {
        0 => s.content >= FIRST_CONTENT && s.correlation < FIRST_MAX_CORRELATION,
        _ => {
            let ratio = RATIO + RATIO_PER_CORRELATION * s.correlation.max(0.0);
            s.content >= MIN_CONTENT
                && s.content >= ratio * s.recent
                && s.correlation < MAX_CORRELATION
        }
    }
}

impl CutDetector {
    /// Whether `frame` (BGR) starts a new shot compared with the frame before it.
    pub fn next(&mut self, frame: &Mat) -> Result<bool, PipelineError> {
        let thumb = thumbnail(frame).map_err(PipelineError::opencv)?;
        let Some(previous) = self.previous.replace(thumb) else {
            return Ok(false);
        };
        let Some(thumb) = &self.previous else {
            return Ok(false);
        };
        let history = self.recent.len();
        let recent = self.recent.iter().sum::<f32>() / history.max(1) as f32;
        self.last = Signals {
            content: content_score(&previous.hsv, &thumb.hsv),
            recent,
            correlation: correlation(&previous.gray, &thumb.gray),
        };
        let cut = is_cut(&self.last, history);
        if cut {
            self.recent.clear();
        } else {
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(self.last.content);
        }
        Ok(cut)
    }

    /// What was measured for the last frame.
    pub fn last_signals(&self) -> Signals {
        self.last
    }
}

/// The frame's 64×36 thumbnail in HSV and grey.
fn thumbnail(frame: &Mat) -> opencv::Result<Thumb> {
    // Nearest pixels down to 4× the thumbnail (next to free on a full-HD frame), then
    // averaged: area averaging from full size costs more than the rest of the tracker.
    let mut sampled = Mat::default();
    let quad = Size::new(4 * W, 4 * H);
    imgproc::resize(frame, &mut sampled, quad, 0.0, 0.0, imgproc::INTER_NEAREST)?;
    let mut small = Mat::default();
    imgproc::resize(
        &sampled,
        &mut small,
        Size::new(W, H),
        0.0,
        0.0,
        imgproc::INTER_AREA,
    )?;
    if small.channels() == 1 {
        let mut bgr = Mat::default();
        imgproc::cvt_color_def(&small, &mut bgr, imgproc::COLOR_GRAY2BGR)?;
        small = bgr;
    }
    let (mut hsv, mut gray) = (Mat::default(), Mat::default());
    imgproc::cvt_color_def(&small, &mut hsv, imgproc::COLOR_BGR2HSV)?;
    imgproc::cvt_color_def(&small, &mut gray, imgproc::COLOR_BGR2GRAY)?;
    Ok(Thumb {
        hsv: hsv.data_bytes()?.to_vec(),
        gray: gray.data_bytes()?.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(offset: u8, flip: bool) -> Vec<u8> {
        (0..(W * H) as usize)
            .map(|i| {
                let x = (i % W as usize) as u8;
                let v = if flip { 63 - x } else { x };
                v.saturating_mul(2).saturating_add(offset)
            })
            .collect()
    }

    fn signals(content: f32, recent: f32, correlation: f32) -> Signals {
        Signals {
            content,
            recent,
            correlation,
        }
    }

    #[test]
    fn a_flicker_keeps_the_layout_and_a_cut_loses_it() {
        let scene = gradient(40, false);
        let brighter: Vec<u8> = scene.iter().map(|&v| v.saturating_add(60)).collect();
        assert!(correlation(&scene, &brighter) > 0.99);
        assert!(correlation(&scene, &gradient(40, true)) < -0.9);
        assert_eq!(correlation(&[7; 16], &[9; 16]), 1.0, "flat");
    }

    #[test]
    fn a_jump_above_the_shot_rhythm_without_the_old_layout_is_a_cut() {
        // A quiet shot, then a modest jump to another picture: a cut (two dark shots).
        assert!(is_cut(&signals(20.0, 2.0, 0.1), 4));
        // A panning shot whose samples change by 19.5 and now by 41 (the stage clip of #33): the
        // picture slides, so much of its layout is still there.
        assert!(!is_cut(&signals(41.0, 19.5, 0.8), 4));
        assert!(!is_cut(&signals(41.0, 19.5, 0.4), 4));
        // Samples a second apart in a moving shot change a lot; a cut changes more, and leaves
        // nothing of the layout.
        assert!(is_cut(&signals(59.5, 36.7, 0.0), 4));
        assert!(!is_cut(&signals(59.5, 36.7, 0.3), 4));
        // A flash: a large jump, the layout kept.
        assert!(!is_cut(&signals(60.0, 3.0, 0.7), 4));
        // Small changes are never cuts, however still the shot.
        assert!(!is_cut(&signals(6.0, 0.5, 0.0), 4));
        // At a shot's start only a large jump that loses the layout is.
        assert!(!is_cut(&signals(20.0, 0.0, 0.1), 0));
        assert!(!is_cut(&signals(41.0, 0.0, 0.51), 0));
        assert!(is_cut(&signals(40.0, 0.0, 0.1), 0));
    }

    #[test]
    fn the_content_score_is_the_mean_absolute_change() {
        assert_eq!(content_score(&[10, 20, 30], &[10, 20, 30]), 0.0);
        assert_eq!(content_score(&[0, 100, 50], &[30, 70, 50]), 20.0);
    }
}
