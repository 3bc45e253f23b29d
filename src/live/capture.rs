//! A live source read by OpenCV's FFmpeg backend: a camera (its number), a stream (RTSP, RTMP,
//! HLS, HTTP) or a file read as it plays. At most one frame per `step_ms` of the source's time
//! is taken; the rest are read and skipped. It ends with the source, at `max_ms`, or when
//! `stop` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use crate::pipeline::decode::SampledFrame;
use crate::pipeline::live::LiveSource;

pub struct Capture {
    cap: VideoCapture,
    /// A camera: its time is the clock's (its position says nothing).
    device: bool,
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
    /// Opens `source` (a device number or path, a URL, a file); `None` when FFmpeg cannot. A
    /// stream that does not open, or sends nothing, for 10 s counts as ended.
    pub fn open(source: &str, fps: f64, max_ms: Option<f64>) -> Option<Self> {
        let timeouts = opencv::core::Vector::from_slice(&[
            videoio::CAP_PROP_OPEN_TIMEOUT_MSEC,
            10_000,
            videoio::CAP_PROP_READ_TIMEOUT_MSEC,
            10_000,
        ]);
        let cap = match source.parse::<i32>() {
            Ok(index) => VideoCapture::new(index, videoio::CAP_ANY),
            Err(_) => VideoCapture::from_file_with_params(source, videoio::CAP_FFMPEG, &timeouts),
        };
        let cap = cap.ok().filter(|c| c.is_opened().unwrap_or(false))?;
        Some(Self {
            cap,
            device: source.parse::<i32>().is_ok() || source.starts_with("/dev/"),
            started: Instant::now(),
            step_ms: 1000.0 / fps.max(0.1),
            next_ms: 0.0,
            index: 0,
            stop: Arc::default(),
            max_ms,
            read: 0,
        })
    }
}

impl LiveSource for Capture {
    fn started(&mut self) {
        self.started = Instant::now();
    }

    fn next(&mut self) -> Option<SampledFrame> {
        let mut image = Mat::default();
        loop {
            if self.stop.load(Ordering::Relaxed)
                || !self.cap.read(&mut image).unwrap_or(false)
                || image.empty()
            {
                return None;
            }
            self.index += 1;
            self.read += 1;
            let time_ms = match self.device {
                true => self.started.elapsed().as_secs_f64() * 1000.0,
                false => self
                    .cap
                    .get(videoio::CAP_PROP_POS_MSEC)
                    .unwrap_or(0.0)
                    .max(0.0),
            };
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
