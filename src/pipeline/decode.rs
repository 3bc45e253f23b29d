//! Streams the frames to analyse: every frame is grabbed (decoding cannot be skipped), but only the
//! sampled ones are converted to BGR, which is most of the cost OpenCV lets us avoid.

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use super::PipelineError;

/// Picks frames by their presentation time: the first frame of each `1/sample_fps` seconds, or
/// all of them when `sample_fps` is 0 or at least the video's nominal frame rate. A phone video
/// whose frame rate varies is sampled evenly in time, not in frames.
#[derive(Debug, Clone, Copy)]
pub struct Sampler {
    /// Sampled frames per millisecond.
    per_ms: Option<f64>,
    last_bucket: Option<u64>,
}

impl Sampler {
    pub fn new(sample_fps: f64, video_fps: f64) -> Self {
        let per_ms = (sample_fps > 0.0 && sample_fps < video_fps).then(|| sample_fps / 1000.0);
        Self {
            per_ms,
            last_bucket: None,
        }
    }

    /// Whether the frame shown at `time_ms` is analysed.
    pub fn take(&mut self, time_ms: f64) -> bool {
        let Some(per_ms) = self.per_ms else {
            return true;
        };
        // A small epsilon so that 25 fps sampled at 5 fps lands exactly on every 5th frame
        // although 40 ms steps are not exact in floating point.
        let bucket = (time_ms.max(0.0) * per_ms + 1e-6).floor() as u64;
        if self.last_bucket == Some(bucket) {
            return false;
        }
        self.last_bucket = Some(bucket);
        true
    }

    /// How many frames a video of `frame_count` frames gives.
    /// An estimate for a constant frame rate; the decoder's count is the truth.
    pub fn expected(sample_fps: f64, video_fps: f64, frame_count: u64) -> u64 {
        match Self::new(sample_fps, video_fps).per_ms {
            None => frame_count,
            Some(_) if frame_count == 0 => 0,
            Some(_) => {
                let ratio = sample_fps / video_fps;
                ((frame_count - 1) as f64 * ratio + 1e-9).floor() as u64 + 1
            }
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
    /// Presentation time of the last frame grabbed, and the step before it.
    last_ms: Option<f64>,
    last_step_ms: Option<f64>,
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
            last_ms: None,
            last_step_ms: None,
            failed: false,
        }
    }

    /// The grabbed frame's presentation time from the decoder. Where it gives none, or one that
    /// does not move forward (the frames FFmpeg flushes at the end of some files carry the last
    /// packet's time), the frame is placed one step after the previous one.
    fn presentation_ms(&mut self, index: u64) -> f64 {
        let pts = self.cap.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
        let valid = pts.is_finite() && pts >= 0.0;
        let t = match self.last_ms {
            None if valid => pts,
            None => index as f64 * 1000.0 / self.fps,
            Some(last) if valid && pts > last => pts,
            Some(last) => last + self.last_step_ms.unwrap_or(1000.0 / self.fps),
        };
        if let Some(last) = self.last_ms {
            self.last_step_ms = Some(t - last);
        }
        self.last_ms = Some(t);
        t
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
            let time = self.presentation_ms(index);
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
            let time_ms = time.round() as u64;
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

    fn at(fps: f64) -> impl Fn(u64) -> f64 {
        move |i| i as f64 * 1000.0 / fps
    }

    #[test]
    fn samples_by_timestamp() {
        let t = at(25.0);
        let mut s = Sampler::new(5.0, 25.0);
        let taken: Vec<u64> = (0..30).filter(|&i| s.take(t(i))).collect();
        assert_eq!(taken, vec![0, 5, 10, 15, 20, 25]);
        assert_eq!(Sampler::expected(5.0, 25.0, 250), 50);
        assert_eq!(Sampler::expected(5.0, 25.0, 251), 51);

        let mut every = Sampler::new(0.0, 30.0);
        assert!((0..10).all(|i| every.take(at(30.0)(i))));
        assert_eq!(Sampler::expected(60.0, 30.0, 10), 10);

        // 30000/1001 fps at 2 fps: one frame per half second, never two in the same bucket.
        let ntsc_fps = 30000.0 / 1001.0;
        let mut ntsc = Sampler::new(2.0, ntsc_fps);
        let n = (0..300).filter(|&i| ntsc.take(at(ntsc_fps)(i))).count() as u64;
        assert_eq!(n, Sampler::expected(2.0, 30000.0 / 1001.0, 300));
        assert_eq!(n, 20);
    }

    #[test]
    fn a_variable_frame_rate_is_sampled_evenly_in_time() {
        // 2 s at 30 fps, then 2 s at 10 fps: 5 samples a second in both halves.
        let mut times: Vec<f64> = (0..60).map(|i| i as f64 * 1000.0 / 30.0).collect();
        times.extend((0..20).map(|i| 2000.0 + i as f64 * 100.0));
        let mut s = Sampler::new(5.0, 30.0);
        let taken: Vec<f64> = times.into_iter().filter(|&t| s.take(t)).collect();
        assert_eq!(taken.len(), 20);
        for pair in taken.windows(2) {
            assert!((pair[1] - pair[0] - 200.0).abs() < 1.0, "{taken:?}");
        }
    }
}
