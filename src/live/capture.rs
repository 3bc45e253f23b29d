//! A live source: a camera (its number or `/dev/video…`), a stream (RTSP, RTMP, HLS, HTTP) or a
//! file read as it plays, all through FFmpeg's libraries, which leave undecoded the frames
//! between samples that no other frame needs. At most one frame per `1/fps` of the source's
//! time is taken. It ends with the source, at `max_ms`, or when `stop` is set (a stream's
//! blocking read ends then too).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::pipeline::decode::{FfmpegFrames, SampledFrame, Watchdog};
use crate::pipeline::live::LiveSource;

/// A stream that does not open, or sends nothing, for this long counts as ended.
const SILENCE: Duration = Duration::from_secs(10);

pub struct Capture {
    frames: Box<FfmpegFrames>,
    pub stop: Arc<AtomicBool>,
    max_ms: Option<f64>,
    /// Frames read from the source.
    pub read: u64,
}

impl Capture {
    /// Opens `source` (a camera's number or device path, a URL, a file); `None` when it cannot
    /// be. Setting `stop` ends the capture.
    pub fn open(
        source: &str,
        fps: f64,
        max_ms: Option<f64>,
        stop: Arc<AtomicBool>,
    ) -> Option<Self> {
        let opened = match camera_device(source) {
            Some(device) => FfmpegFrames::open_camera(&device, fps),
            None => {
                let watchdog = Arc::new(Watchdog::new(SILENCE, stop.clone()));
                FfmpegFrames::open_stream(source, fps, watchdog)
            }
        };
        let frames = match opened {
            Ok(frames) => frames,
            Err(e) => {
                tracing::warn!(error = %e.message, "the live source did not open");
                return None;
            }
        };
        Some(Self {
            frames: Box::new(frames),
            stop,
            max_ms,
            read: 0,
        })
    }
}

/// A camera's device path: `/dev/video…` as given, or `/dev/videoN` for a number N.
fn camera_device(source: &str) -> Option<String> {
    match source.parse::<u32>() {
        Ok(n) => Some(format!("/dev/video{n}")),
        Err(_) => source.starts_with("/dev/").then(|| source.to_string()),
    }
}

impl LiveSource for Capture {
    fn started(&mut self) {}

    fn next(&mut self) -> Option<SampledFrame> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        // The source's own sampling takes one frame per 1/fps of its presentation time.
        let frame = self.frames.next()?.ok()?;
        self.read = self.frames.frames_read();
        if self.max_ms.is_some_and(|max| frame.time_ms as f64 > max) {
            return None;
        }
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameras_are_named_by_number_or_device_path() {
        assert_eq!(camera_device("0").as_deref(), Some("/dev/video0"));
        assert_eq!(camera_device("/dev/video2").as_deref(), Some("/dev/video2"));
        assert_eq!(camera_device("rtsp://cam.local/1"), None);
        assert_eq!(camera_device("talk.mp4"), None);
        assert_eq!(camera_device("-1"), None);
    }

    #[test]
    fn a_camera_that_is_not_there_does_not_open() {
        let stop = Arc::new(AtomicBool::new(false));
        assert!(Capture::open("/dev/video-none", 5.0, None, stop).is_none());
    }
}
