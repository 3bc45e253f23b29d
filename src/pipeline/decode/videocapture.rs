//! The fallback backend: OpenCV's `VideoCapture`. Every frame is grabbed (OpenCV 4.6 decodes
//! in `grab()`, so nothing can be skipped), but only the sampled ones are converted to BGR.

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use super::{Clock, SampledFrame, Sampler};
use crate::pipeline::PipelineError;

pub struct OpenCvFrames {
    cap: VideoCapture,
    sampler: Sampler,
    clock: Clock,
    next_index: u64,
    /// Decoding errors after the first frame end the stream with an error, not silently.
    failed: bool,
}

impl OpenCvFrames {
    pub fn new(cap: VideoCapture, sample_fps: f64, fps: f64) -> Self {
        Self {
            cap,
            sampler: Sampler::new(sample_fps, fps),
            clock: Clock::new(fps),
            next_index: 0,
            failed: false,
        }
    }

    pub fn frames_read(&self) -> u64 {
        self.next_index
    }
}

impl Iterator for OpenCvFrames {
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
            let pts = self.cap.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
            let time = self.clock.place(pts, index);
            if !self.sampler.take(time) {
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
            return Some(Ok(SampledFrame {
                index,
                time_ms: time.round() as u64,
                image,
            }));
        }
    }
}
