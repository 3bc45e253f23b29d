//! Reads a video's facts before any work starts, through FFmpeg's libraries, and checks them
//! against the operator's limits.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::PipelineError;

/// What the container says about the video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub duration_ms: u64,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub frame_count: u64,
    /// The video codec, e.g. `h264`, `vp9`, `mjpeg`.
    pub codec: String,
}

impl VideoInfo {
    /// A video not read yet (one being downloaded, a stream): its facts come later.
    pub fn unknown(codec: &str) -> Self {
        Self {
            duration_ms: 0,
            fps: 0.0,
            width: 0,
            height: 0,
            frame_count: 0,
            codec: codec.into(),
        }
    }
}

/// Opens the file and reads its facts (as the decoder reads them); also proves that two frames
/// decode, since FFmpeg opens a still image (PNG, JPEG, GIF…) as a one-frame "video".
pub fn probe(path: &Path) -> Result<VideoInfo, PipelineError> {
    let mut frames = super::decode::FfmpegFrames::open(path, 0.0)?;
    let info = frames.info().clone();
    match frames.next() {
        Some(Ok(_)) => {}
        _ => {
            return Err(PipelineError::unreadable(
                "no frame of the video could be decoded",
            ));
        }
    }
    if frames.next().is_none() {
        return Err(PipelineError::unreadable(
            "the file holds a single frame: a still image is not a video",
        ));
    }
    Ok(info)
}

/// Which of the operator's limits a video breaks, with a message for the client.
#[derive(Debug, PartialEq, Eq)]
pub enum OverLimit {
    TooLong(String),
    FrameTooLarge(String),
}

/// The video's facts against `limits.max_duration_secs` and `limits.max_frame_side`, for an
/// upload and a downloaded video alike.
pub fn within_limits(l: &crate::config::Limits, info: &VideoInfo) -> Result<(), OverLimit> {
    if info.duration_ms as f64 > l.max_duration_secs * 1000.0 {
        return Err(OverLimit::TooLong(format!(
            "the video lasts {:.0} s; the limit is {:.0} s",
            info.duration_ms as f64 / 1000.0,
            l.max_duration_secs
        )));
    }
    if info.width.max(info.height) > l.max_frame_side {
        return Err(OverLimit::FrameTooLarge(format!(
            "frames are {}×{}; the limit is {} pixels a side",
            info.width, info.height, l.max_frame_side
        )));
    }
    Ok(())
}
