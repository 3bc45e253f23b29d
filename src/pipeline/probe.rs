//! Reads a video's facts before any work starts: through FFmpeg's libraries (`probe`), or
//! through OpenCV's FFmpeg backend for the fallback decoder (`open`, `read_info`).

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

pub fn read_info(cap: &VideoCapture, path: &Path) -> Result<VideoInfo, PipelineError> {
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
    let tag: String = fourcc
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
        codec: match codec_name(&tag) {
            "" => matroska_codec(path).unwrap_or("unknown").to_string(),
            name => name.to_string(),
        },
    })
}

/// A plain codec name from the stream's FourCC.
fn codec_name(tag: &str) -> &str {
    match tag.to_ascii_lowercase().as_str() {
        "avc1" | "avc3" | "h264" | "x264" => "h264",
        "hvc1" | "hev1" | "hevc" | "h265" => "hevc",
        "vp80" | "vp08" => "vp8",
        "vp90" | "vp09" => "vp9",
        "av01" => "av1",
        "mjpg" | "jpeg" => "mjpeg",
        "mp4v" | "fmp4" | "xvid" | "divx" => "mpeg4",
        "" => "",
        _ => tag,
    }
}

/// Matroska/WebM streams carry no FourCC; their codec id is a string near the file's start.
fn matroska_codec(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    [
        ("V_VP9", "vp9"),
        ("V_VP8", "vp8"),
        ("V_AV1", "av1"),
        ("V_MPEG4/ISO/AVC", "h264"),
        ("V_MPEGH/ISO/HEVC", "hevc"),
    ]
    .into_iter()
    .find(|(id, _)| head.windows(id.len()).any(|w| w == id.as_bytes()))
    .map(|(_, name)| name)
}

/// Opens the file and reads its facts (through FFmpeg's libraries, as the default decoder
/// reads them); also proves that two frames decode, since FFmpeg opens a still image (PNG,
/// JPEG, GIF…) as a one-frame "video".
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
