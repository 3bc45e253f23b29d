//! Streams the frames to analyse, each with its presentation time, through FFmpeg's libraries
//! driven directly, which leave undecoded the frames that fall between samples and that no
//! other frame needs; and decodes still pictures with the same codecs.

mod ffmpeg;
mod picture;

use opencv::core::Mat;

pub(crate) use self::ffmpeg::init as ffmpeg_init;
pub use self::ffmpeg::{FfmpegFrames, Watchdog, file_options};
pub use self::picture::{
    PictureSize, claimed_size, decode_picture, decode_picture_gray, jpeg_scans, picture_size,
};

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
        let bucket = bucket_of(time_ms, per_ms);
        if self.last_bucket == Some(bucket) {
            return false;
        }
        self.last_bucket = Some(bucket);
        true
    }

    /// The presentation time before which no frame will be taken (`None`: every frame is): the
    /// frames shown earlier may be left undecoded.
    pub fn next_due_ms(&self) -> Option<f64> {
        let per_ms = self.per_ms?;
        Some(start_of(self.last_bucket.map_or(0, |b| b + 1), per_ms))
    }

    /// When the sample after one taken at `time_ms` is due (`None`: every frame is taken).
    pub fn due_after(&self, time_ms: f64) -> Option<f64> {
        let per_ms = self.per_ms?;
        Some(start_of(bucket_of(time_ms, per_ms) + 1, per_ms))
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

/// The sampling period a time falls in. A small epsilon so that 25 fps sampled at 5 fps lands
/// exactly on every 5th frame although 40 ms steps are not exact in floating point.
fn bucket_of(time_ms: f64, per_ms: f64) -> u64 {
    (time_ms.max(0.0) * per_ms + 1e-6).floor() as u64
}

/// The earliest time that falls in `bucket` (the same epsilon).
fn start_of(bucket: u64, per_ms: f64) -> f64 {
    (bucket as f64 - 1e-6) / per_ms
}

/// One decoded frame chosen for analysis.
pub struct SampledFrame {
    pub index: u64,
    pub time_ms: u64,
    pub image: Mat,
}

/// Places frames in time. Where the decoder gives no presentation time, or one that does not
/// move forward (the frames FFmpeg flushes at the end of some files carry the last packet's
/// time), a frame is placed one step after the previous one.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    fps: f64,
    last_ms: Option<f64>,
    last_step_ms: Option<f64>,
}

impl Clock {
    pub fn new(fps: f64) -> Self {
        Self {
            fps,
            last_ms: None,
            last_step_ms: None,
        }
    }

    /// The time of frame `index`, whose decoder time is `pts_ms` (NaN or negative: none).
    pub fn place(&mut self, pts_ms: f64, index: u64) -> f64 {
        let valid = pts_ms.is_finite() && pts_ms >= 0.0;
        let t = match self.last_ms {
            None if valid => pts_ms,
            None => index as f64 * 1000.0 / self.fps,
            Some(last) if valid && pts_ms > last => pts_ms,
            Some(last) => last + self.last_step_ms.unwrap_or(1000.0 / self.fps),
        };
        if let Some(last) = self.last_ms {
            self.last_step_ms = Some(t - last);
        }
        self.last_ms = Some(t);
        t
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
    fn the_due_time_is_the_start_of_the_next_bucket() {
        let mut s = Sampler::new(5.0, 25.0);
        let first = s.next_due_ms().expect("sampling");
        assert!((-0.001..0.0).contains(&first), "{first}");
        assert!(s.take(0.0));
        let due = s.next_due_ms().expect("sampling");
        assert!((due - 200.0).abs() < 0.01, "{due}");
        assert!(!s.take(160.0) && s.take(200.0));
        assert_eq!(Sampler::new(0.0, 25.0).next_due_ms(), None);
        // The sample after one taken at 1 s (a key frame, say) is due at 1.2 s, whatever
        // was taken before.
        let after = s.due_after(1000.0).expect("sampling");
        assert!((after - 1200.0).abs() < 0.01, "{after}");
        assert_eq!(Sampler::new(0.0, 25.0).due_after(1000.0), None);
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
