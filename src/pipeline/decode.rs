//! Streams the frames to analyse: every frame is grabbed (decoding cannot be skipped), but only the
//! sampled ones are converted to BGR, which is most of the cost OpenCV lets us avoid.

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::VideoCapture;

use super::PipelineError;

/// Picks frames by timestamp: one per `1/sample_fps` seconds, or all of them when `sample_fps` is
/// 0 or at least the video's frame rate.
#[derive(Debug, Clone, Copy)]
pub struct Sampler {
    ratio: Option<f64>,
    last_bucket: Option<u64>,
}

impl Sampler {
    pub fn new(sample_fps: f64, video_fps: f64) -> Self {
        let ratio = (sample_fps > 0.0 && sample_fps < video_fps).then(|| sample_fps / video_fps);
        Self {
            ratio,
            last_bucket: None,
        }
    }

    pub fn take(&mut self, frame_index: u64) -> bool {
        let Some(ratio) = self.ratio else {
            return true;
        };
        // Tiny epsilon so that 25 fps sampled at 5 fps lands exactly on every 5th frame.
        let bucket = (frame_index as f64 * ratio + 1e-9).floor() as u64;
        if self.last_bucket == Some(bucket) {
            return false;
        }
        self.last_bucket = Some(bucket);
        true
    }

    /// How many frames a video of `frame_count` frames gives.
    pub fn expected(sample_fps: f64, video_fps: f64, frame_count: u64) -> u64 {
        match Self::new(sample_fps, video_fps).ratio {
            None => frame_count,
            Some(_) if frame_count == 0 => 0,
            Some(r) => ((frame_count - 1) as f64 * r + 1e-9).floor() as u64 + 1,
        }
    }
}

/// One decoded frame chosen for analysis.
pub struct SampledFrame {
    pub index: u64,
    pub time_ms: u64,
    pub image: Mat,
}

pub struct FrameStream {
    cap: VideoCapture,
    sampler: Sampler,
    fps: f64,
    next_index: u64,
    /// Decoding errors after the first frame end the stream with an error, not silently.
    failed: bool,
}

impl FrameStream {
    pub fn new(cap: VideoCapture, sample_fps: f64, fps: f64) -> Self {
        Self {
            cap,
            sampler: Sampler::new(sample_fps, fps),
            fps,
            next_index: 0,
            failed: false,
        }
    }

    pub fn frames_read(&self) -> u64 {
        self.next_index
    }
}

impl Iterator for FrameStream {
    type Item = Result<SampledFrame, PipelineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.cap.grab() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(PipelineError::decode(format!(
                        "decoding stopped at frame {}: {e}",
                        self.next_index
                    ))));
                }
            }
            let index = self.next_index;
            self.next_index += 1;
            if !self.sampler.take(index) {
                continue;
            }
            let mut image = Mat::default();
            match self.cap.retrieve(&mut image, 0) {
                Ok(true) if !image.empty() => {}
                Ok(_) => continue,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(PipelineError::decode(format!(
                        "frame {index} could not be converted: {e}"
                    ))));
                }
            }
            let time_ms = (index as f64 * 1000.0 / self.fps).round() as u64;
            return Some(Ok(SampledFrame {
                index,
                time_ms,
                image,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_by_timestamp() {
        let mut s = Sampler::new(5.0, 25.0);
        let taken: Vec<u64> = (0..30).filter(|&i| s.take(i)).collect();
        assert_eq!(taken, vec![0, 5, 10, 15, 20, 25]);
        assert_eq!(Sampler::expected(5.0, 25.0, 250), 50);
        assert_eq!(Sampler::expected(5.0, 25.0, 251), 51);

        let mut every = Sampler::new(0.0, 30.0);
        assert!((0..10).all(|i| every.take(i)));
        assert_eq!(Sampler::expected(60.0, 30.0, 10), 10);

        // 30000/1001 fps at 2 fps: one frame per half second, never two in the same bucket.
        let mut ntsc = Sampler::new(2.0, 30000.0 / 1001.0);
        let n = (0..300).filter(|&i| ntsc.take(i)).count() as u64;
        assert_eq!(n, Sampler::expected(2.0, 30000.0 / 1001.0, 300));
        assert_eq!(n, 20);
    }
}
