//! Shot cuts, found cheaply on a 64×36 grey thumbnail of each analysed frame: a cut changes both
//! what the picture holds (its grey-level histogram) and where (the pixels themselves), while a
//! moving face or camera changes mostly the second and a light change mostly the first.

use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pipeline::PipelineError;

const W: i32 = 64;
const H: i32 = 36;
const BINS: usize = 16;

/// Half the L1 distance of the histograms (0 = same, 1 = disjoint) above which a frame is
/// another shot whatever the pixel difference…
const HIST_ALONE: f32 = 0.5;
/// …or above which it is another shot when the mean pixel difference (0..1) is also large.
const HIST_WITH_DIFF: f32 = 0.2;
const DIFF: f32 = 0.12;

#[derive(Default)]
pub struct CutDetector {
    previous: Option<Vec<u8>>,
}

/// How different two thumbnails are: (histogram distance, mean absolute pixel difference).
pub fn distance(a: &[u8], b: &[u8]) -> (f32, f32) {
    let hist = |p: &[u8]| {
        let mut h = [0f32; BINS];
        for &v in p {
            h[v as usize * BINS / 256] += 1.0;
        }
        h.map(|c| c / p.len().max(1) as f32)
    };
    let (ha, hb) = (hist(a), hist(b));
    let hist_distance = ha.iter().zip(hb).map(|(x, y)| (x - y).abs()).sum::<f32>() / 2.0;
    let diff = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f32 - y as f32).abs())
        .sum::<f32>()
        / (a.len().max(1) as f32 * 255.0);
    (hist_distance, diff)
}

pub fn is_cut(hist_distance: f32, diff: f32) -> bool {
    hist_distance > HIST_ALONE || (hist_distance > HIST_WITH_DIFF && diff > DIFF)
}

impl CutDetector {
    /// Whether `frame` (BGR) starts a new shot compared with the frame before it.
    pub fn next(&mut self, frame: &Mat) -> Result<bool, PipelineError> {
        // Nearest pixels down to 4× the thumbnail (next to free on a full-HD frame), then
        // averaged: area averaging from full size costs more than the rest of the tracker.
        let mut sampled = Mat::default();
        imgproc::resize(
            frame,
            &mut sampled,
            Size::new(4 * W, 4 * H),
            0.0,
            0.0,
            imgproc::INTER_NEAREST,
        )
        .map_err(PipelineError::opencv)?;
        let mut small = Mat::default();
        imgproc::resize(
            &sampled,
            &mut small,
            Size::new(W, H),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )
        .map_err(PipelineError::opencv)?;
        let mut gray = Mat::default();
        let code = if small.channels() == 1 {
            None
        } else {
            Some(imgproc::COLOR_BGR2GRAY)
        };
        let pixels = match code {
            Some(code) => {
                imgproc::cvt_color_def(&small, &mut gray, code).map_err(PipelineError::opencv)?;
                gray.data_bytes().map_err(PipelineError::opencv)?.to_vec()
            }
            None => small.data_bytes().map_err(PipelineError::opencv)?.to_vec(),
        };
        let cut = match &self.previous {
            Some(prev) => {
                let (h, d) = distance(prev, &pixels);
                is_cut(h, d)
            }
            None => false,
        };
        self.previous = Some(pixels);
        Ok(cut)
    }
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

    #[test]
    fn the_same_scene_is_no_cut() {
        let (h, d) = distance(&gradient(60, false), &gradient(62, false));
        assert!(!is_cut(h, d), "{h} {d}");
    }

    #[test]
    fn another_scene_is_a_cut() {
        let (h, d) = distance(&gradient(20, false), &gradient(150, true));
        assert!(is_cut(h, d), "{h} {d}");
    }

    #[test]
    fn a_mirrored_scene_with_the_same_histogram_is_no_cut_on_its_own() {
        // Same grey levels elsewhere: the pixels differ, the histogram does not.
        let (h, d) = distance(&gradient(60, false), &gradient(60, true));
        assert!(h < 0.01 && d > DIFF);
        assert!(!is_cut(h, d));
    }
}
