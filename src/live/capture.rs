//! A live source: a camera (its number or `/dev/video…`), read by OpenCV; or a stream (RTSP,
//! RTMP, HLS, HTTP) or a file read as it plays, through FFmpeg's libraries, which leave
//! undecoded the frames between samples that no other frame needs. At most one frame per
//! `1/fps` of the source's time is taken. It ends with the source, at `max_ms`, or when `stop`
//! is set (a stream's blocking read ends then too).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use crate::pipeline::decode::{FfmpegFrames, SampledFrame, Watchdog};
use crate::pipeline::live::LiveSource;

/// A stream that does not open, or sends nothing, for this long counts as ended.
const SILENCE: Duration = Duration::from_secs(10);

enum Reader {
    /// A camera: its time is the clock's (its position says nothing).
    Device(VideoCapture),
    Stream(Box<FfmpegFrames>),
}

pub struct Capture {
    reader: Reader,
    started: Instant,
    step_ms: f64,
    next_ms: f64,
    index: u64,
    pub stop: Arc<AtomicBool>,
    max_ms: Option<f64>,
    /// Frames read from the source.
    pub read: u64,
}

impl Capture {
    /// Opens `source` (a device number or path, a URL, a file); `None` when it cannot be.
    /// Setting `stop` ends the capture.
    pub fn open(
        source: &str,
        fps: f64,
        max_ms: Option<f64>,
        stop: Arc<AtomicBool>,
    ) -> Option<Self> {
        let reader = if source.parse::<i32>().is_ok() || source.starts_with("/dev/") {
            let cap = match source.parse::<i32>() {
                Ok(index) => VideoCapture::new(index, videoio::CAP_ANY),
                Err(_) => VideoCapture::from_file(source, videoio::CAP_ANY),
            };
            Reader::Device(cap.ok().filter(|c| c.is_opened().unwrap_or(false))?)
        } else {
            let watchdog = Arc::new(Watchdog::new(SILENCE, stop.clone()));
            match FfmpegFrames::open_stream(source, fps, watchdog) {
                Ok(frames) => Reader::Stream(Box::new(frames)),
                Err(e) => {
                    tracing::debug!(error = %e.message, "the live source did not open");
                    return None;
                }
            }
        };
        Some(Self {
            reader,
            started: Instant::now(),
            step_ms: 1000.0 / fps.max(0.1),
            next_ms: 0.0,
            index: 0,
            stop,
            max_ms,
            read: 0,
        })
    }

    /// The next frame a camera gives, at most one per step of the clock.
    fn next_from_device(&mut self) -> Option<SampledFrame> {
        let Reader::Device(cap) = &mut self.reader else {
            return None;
        };
        let mut image = Mat::default();
        loop {
            if self.stop.load(Ordering::Relaxed)
                || !cap.read(&mut image).unwrap_or(false)
                || image.empty()
            {
                return None;
            }
            self.index += 1;
            self.read += 1;
            let time_ms = self.started.elapsed().as_secs_f64() * 1000.0;
            if self.max_ms.is_some_and(|max| time_ms > max) {
                return None;
            }
            if time_ms + 0.5 >= self.next_ms {
                self.next_ms = time_ms + self.step_ms;
                return Some(SampledFrame {
                    index: self.index - 1,
                    time_ms: time_ms.round() as u64,
                    image,
                });
            }
        }
    }
}

impl LiveSource for Capture {
    fn started(&mut self) {
        self.started = Instant::now();
    }

    fn next(&mut self) -> Option<SampledFrame> {
        let Reader::Stream(frames) = &mut self.reader else {
            return self.next_from_device();
        };
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        // The stream's own sampling takes one frame per 1/fps of its presentation time.
        let frame = frames.next()?.ok()?;
        self.read = frames.frames_read();
        if self.max_ms.is_some_and(|max| frame.time_ms as f64 > max) {
            return None;
        }
        Some(frame)
    }
}
