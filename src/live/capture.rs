//! A live source: a camera (its number or `/dev/video…`), a stream (RTSP, RTMP, HLS, HTTP) or a
//! file read as it plays, all through FFmpeg's libraries, which leave undecoded the frames
//! between samples that no other frame needs. A stream comes through the egress path (a pipe
//! or a loopback relay, never FFmpeg's own connection); a file is read with the `file`
//! protocol alone. At most one frame per `1/fps` of the source's time is taken. It ends with
//! the source, at `max_ms`, or when `stop` is set (a stream's blocking read ends then too).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Url;

use crate::egress::stream::{StreamInput, Streams, is_stream};
use crate::egress::{Refusal, SILENCE};
use crate::pipeline::decode::{FfmpegFrames, SampledFrame, Watchdog, file_options};
use crate::pipeline::live::LiveSource;

pub struct Capture {
    // Dropped in this order: FFmpeg's input before the pipe or relay it reads.
    frames: Box<FfmpegFrames>,
    input: Option<StreamInput>,
    pub stop: Arc<AtomicBool>,
    max_ms: Option<f64>,
    /// Frames read from the source.
    pub read: u64,
}

impl Capture {
    /// Opens `source` (a camera's number or device path, a stream's URL through `streams`, a
    /// file), or says why it cannot be. Setting `stop` ends the capture.
    pub fn open(
        source: &str,
        fps: f64,
        max_ms: Option<f64>,
        stop: Arc<AtomicBool>,
        streams: &Streams,
    ) -> Result<Self, Refusal> {
        let watchdog = Arc::new(Watchdog::new(SILENCE, stop.clone()));
        let (opened, input) = match (camera_device(source), stream_url(source)) {
            (Some(device), _) => (FfmpegFrames::open_camera(&device, fps), None),
            (None, Some(url)) => {
                let input = streams.open(&url, stop.clone())?;
                let frames = FfmpegFrames::open_stream(&input.url, &input.options, fps, watchdog);
                (frames, Some(input))
            }
            (None, None) => {
                let frames = FfmpegFrames::open_stream(source, &file_options(), fps, watchdog);
                (frames, None)
            }
        };
        let frames = opened.map_err(|e| {
            tracing::warn!(error = %e.message, "the live source did not open");
            // The feed's or relay's reason, when it is why FFmpeg found nothing to read.
            input
                .as_ref()
                .and_then(StreamInput::refusal)
                .unwrap_or(Refusal {
                    not_allowed: false,
                    message: e.message,
                })
        })?;
        Ok(Self {
            frames: Box::new(frames),
            input,
            stop,
            max_ms,
            read: 0,
        })
    }

    /// Why the egress path ended the stream early, if it did.
    pub fn refusal(&self) -> Option<Refusal> {
        self.input.as_ref().and_then(StreamInput::refusal)
    }
}

/// A stream's URL: one of the schemes the egress path reads.
fn stream_url(source: &str) -> Option<Url> {
    Url::parse(source).ok().filter(is_stream)
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
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let config = crate::config::Config::default();
        let streams = Streams::for_service(&config, rt.handle().clone());
        assert!(Capture::open("/dev/video-none", 5.0, None, stop, &streams).is_err());
    }

    #[test]
    fn streams_are_told_from_files() {
        assert!(stream_url("rtsp://cam.local/1").is_some());
        assert!(stream_url("https://cdn.example/live.m3u8").is_some());
        assert!(stream_url("talk.mp4").is_none());
        assert!(stream_url("concat:a.mp4|b.mp4").is_none());
        assert!(stream_url("file:///etc/passwd").is_none());
    }
}
