//! Opens a video with OpenCV's FFmpeg backend and reads its facts before any work starts.

use std::path::Path;

use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
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
    /// FourCC of the video codec, e.g. `h264`, `vp09`, `MJPG`.
    pub codec: String,
}

/// Opens `path` with FFmpeg explicitly: `CAP_ANY` would fall through to GStreamer on a bad file.
pub fn open(path: &Path) -> Result<VideoCapture, PipelineError> {
    let name = path.to_string_lossy();
    let cap = VideoCapture::from_file(&*name, videoio::CAP_FFMPEG)
        .map_err(|e| PipelineError::unreadable(format!("FFmpeg could not open the file: {e}")))?;
    if !cap.is_opened().unwrap_or(false) {
        return Err(PipelineError::unreadable(
            "the file is not a video that FFmpeg can decode (unknown format, or truncated)",
        ));
    }
    Ok(cap)
}

pub fn read_info(cap: &VideoCapture) -> Result<VideoInfo, PipelineError> {
    let get = |prop| cap.get(prop).unwrap_or(0.0);
    let fps = get(videoio::CAP_PROP_FPS);
    let width = get(videoio::CAP_PROP_FRAME_WIDTH);
    let height = get(videoio::CAP_PROP_FRAME_HEIGHT);
    let frame_count = get(videoio::CAP_PROP_FRAME_COUNT);
    if !(fps.is_finite() && fps > 0.0) || width < 1.0 || height < 1.0 {
        return Err(PipelineError::unreadable(
            "the file has no readable video stream (no frame rate or frame size)",
        ));
    }
    let fourcc = get(videoio::CAP_PROP_FOURCC) as u32;
    let codec: String = fourcc
        .to_le_bytes()
        .iter()
        .filter(|b| b.is_ascii_graphic())
        .map(|&b| b as char)
        .collect();
    let frame_count = frame_count.max(0.0).round() as u64;
    Ok(VideoInfo {
        duration_ms: (frame_count as f64 * 1000.0 / fps).round() as u64,
        fps,
        width: width as u32,
        height: height as u32,
        frame_count,
        codec,
    })
}

/// Opens the file and reads its facts; also proves one frame decodes.
pub fn probe(path: &Path) -> Result<VideoInfo, PipelineError> {
    let mut cap = open(path)?;
    let info = read_info(&cap)?;
    let mut frame = Mat::default();
    if !cap.read(&mut frame).unwrap_or(false) || frame.empty() {
        return Err(PipelineError::unreadable(
            "no frame of the video could be decoded",
        ));
    }
    Ok(info)
}
