//! The reference the FFmpeg decoder is held to: OpenCV's `VideoCapture` (4.6, through its FFmpeg
//! backend), as the service decoded videos until #26. Every frame is grabbed, the sampled ones
//! converted, at the times its position gives; the facts come from its properties. For the
//! tests and `examples/bench_decode.rs` only: the service does not link OpenCV's `videoio`.

use std::path::Path;

use emoscope::pipeline::decode::{Clock, SampledFrame, Sampler};
use emoscope::pipeline::probe::VideoInfo;
use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

pub struct OpenCvFrames {
    cap: VideoCapture,
    sampler: Sampler,
    clock: Clock,
    next_index: u64,
}

impl OpenCvFrames {
    /// Opens `path` with FFmpeg explicitly (`CAP_ANY` would fall through to GStreamer on a bad
    /// file), for the frames `sample_fps` asks for, with the video's facts.
    pub fn open(path: &Path, sample_fps: f64) -> Result<(Self, VideoInfo), String> {
        let cap = VideoCapture::from_file(path.as_os_str(), videoio::CAP_FFMPEG)
            .map_err(|e| e.to_string())?;
        if !cap.is_opened().unwrap_or(false) {
            return Err("OpenCV did not open it".into());
        }
        let info = read_info(&cap, path)?;
        let frames = Self {
            cap,
            sampler: Sampler::new(sample_fps, info.fps),
            clock: Clock::new(info.fps),
            next_index: 0,
        };
        Ok((frames, info))
    }

    /// Frames grabbed so far.
    pub fn frames_read(&self) -> u64 {
        self.next_index
    }
}

impl Iterator for OpenCvFrames {
    type Item = SampledFrame;

    fn next(&mut self) -> Option<SampledFrame> {
        while self.cap.grab().ok()? {
            let index = self.next_index;
            self.next_index += 1;
            let pts = self.cap.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
            let time = self.clock.place(pts, index);
            if !self.sampler.take(time) {
                continue;
            }
            let mut image = Mat::default();
            if self.cap.retrieve(&mut image, 0).ok()? && !image.empty() {
                return Some(SampledFrame {
                    index,
                    time_ms: time.round() as u64,
                    image,
                });
            }
        }
        None
    }
}

fn read_info(cap: &VideoCapture, path: &Path) -> Result<VideoInfo, String> {
    let get = |prop| cap.get(prop).unwrap_or(0.0);
    let fps = get(videoio::CAP_PROP_FPS);
    let (width, height) = (
        get(videoio::CAP_PROP_FRAME_WIDTH),
        get(videoio::CAP_PROP_FRAME_HEIGHT),
    );
    if !(fps.is_finite() && fps > 0.0) || width < 1.0 || height < 1.0 {
        return Err("no readable video stream".into());
    }
    let tag: String = (get(videoio::CAP_PROP_FOURCC) as u32)
        .to_le_bytes()
        .iter()
        .filter(|b| b.is_ascii_graphic())
        .map(|&b| b as char)
        .collect();
    let frame_count = get(videoio::CAP_PROP_FRAME_COUNT).max(0.0).round() as u64;
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
