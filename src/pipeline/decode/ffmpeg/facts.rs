//! The video's facts and orientation, read from the container as OpenCV 4.6 reads them.

use ffmpeg_next as ff;
use opencv::core::RotateFlags;

use crate::pipeline::PipelineError;
use crate::pipeline::probe::VideoInfo;

/// What the container says of the video stream, read as OpenCV 4.6 reads it, so that both
/// backends report the same facts.
pub(super) struct StreamFacts {
    fps: f64,
    nb_frames: i64,
    duration_secs: f64,
}

fn ratio(r: ff::Rational) -> f64 {
    if r.numerator() == 0 || r.denominator() == 0 {
        0.0
    } else {
        f64::from(r)
    }
}

impl StreamFacts {
    pub(super) fn read(
        input: &ff::format::context::Input,
        stream: &ff::format::stream::Stream,
    ) -> Self {
        // The average rate, else the base rate, else one frame per tick.
        let fps = [ratio(stream.avg_frame_rate()), ratio(stream.rate())]
            .into_iter()
            .find(|f| *f > 0.0)
            .unwrap_or_else(|| match ratio(stream.time_base()) {
                t if t > 0.0 => 1.0 / t,
                _ => 0.0,
            });
        let container = input.duration() as f64 / f64::from(ff::ffi::AV_TIME_BASE);
        let duration_secs = if container > 0.0 {
            container
        } else {
            stream.duration() as f64 * ratio(stream.time_base())
        };
        Self {
            fps,
            nb_frames: stream.frames(),
            duration_secs,
        }
    }

    pub(super) fn info(
        &self,
        decoder: &ff::decoder::Video,
        rotation: Option<RotateFlags>,
    ) -> Result<VideoInfo, PipelineError> {
        let (mut width, mut height) = (decoder.width(), decoder.height());
        if !(self.fps.is_finite() && self.fps > 0.0) || width == 0 || height == 0 {
            return Err(PipelineError::unreadable(
                "the file has no readable video stream (no frame rate or frame size)",
            ));
        }
        if rotation.is_some_and(|r| r != RotateFlags::ROTATE_180) {
            std::mem::swap(&mut width, &mut height);
        }
        let frame_count = if self.nb_frames > 0 {
            self.nb_frames as u64
        } else {
            (self.duration_secs * self.fps + 0.5).floor().max(0.0) as u64
        };
        Ok(VideoInfo {
            duration_ms: (frame_count as f64 * 1000.0 / self.fps).round() as u64,
            fps: self.fps,
            width,
            height,
            frame_count,
            codec: decoder.id().name().to_string(),
        })
    }
}

/// The stream's display matrix as the quarter turn OpenCV 4.6 gives its frames (the angle is
/// FFmpeg's `av_display_rotation_get`; tests/it/decode.rs compares both backends at 90°, 180°
/// and 270°).
pub(super) fn rotation_of(stream: &ff::format::stream::Stream) -> Option<RotateFlags> {
    let side = stream
        .side_data()
        .find(|s| s.kind() == ff::packet::side_data::Type::DisplayMatrix)?;
    let m: Vec<f64> = side
        .data()
        .chunks_exact(4)
        .filter_map(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| f64::from(i32::from_ne_bytes(b)) / 65536.0)
        .collect();
    if m.len() < 9 {
        return None;
    }
    let (scale0, scale1) = (m[0].hypot(m[3]), m[1].hypot(m[4]));
    if scale0 == 0.0 || scale1 == 0.0 {
        return None;
    }
    let display = -(m[1] / scale1).atan2(m[0] / scale0).to_degrees();
    match (display.round() as i32).rem_euclid(360) {
        90 => Some(RotateFlags::ROTATE_90_CLOCKWISE),
        180 => Some(RotateFlags::ROTATE_180),
        270 => Some(RotateFlags::ROTATE_90_COUNTERCLOCKWISE),
        _ => None,
    }
}
