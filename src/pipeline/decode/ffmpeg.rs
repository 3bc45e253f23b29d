//! The default backend: FFmpeg's libraries driven directly. Between samples the decoder is told
//! to drop the frames no other frame refers to (`skip_frame = nonref`: most B-frames), so a job
//! sampled at 5 a second of a 25 fps video decodes little more than the frames it needs. Every
//! frame shown at or after the next sample's time is decoded, so the frames taken are the ones
//! the OpenCV backend takes, at the same presentation times.
//!
//! Where samples are sparser than the key frames (1 a second of a video with a key frame every
//! second, say), it seeks: to the last key frame before the next sample, when that lies ahead of
//! what was read. Only in files with an index (MP4/MOV, Matroska/WebM), and only forward.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::Once;

use ff::codec::threading;
use ff::format::Pixel;
use ff::software::scaling;
use ff::util::frame::Video as RawFrame;
use ff::{Discard, Packet};
use ffmpeg_next as ff;
use opencv::core::{CV_8UC3, Mat, RotateFlags, Scalar};
use opencv::prelude::*;

use super::{Clock, SampledFrame, Sampler};
use crate::pipeline::PipelineError;
use crate::pipeline::probe::VideoInfo;

/// Damaged packets in a row after which the demuxer is taken to have lost the file.
const MAX_BAD_PACKETS: u32 = 1000;

pub struct FfmpegFrames {
    info: VideoInfo,
    /// The turn that shows frames upright (a phone's portrait video), as OpenCV applies it.
    rotation: Option<RotateFlags>,
    input: ff::format::context::Input,
    stream: usize,
    decoder: ff::decoder::Video,
    /// Ticks of the stream's time base to milliseconds, and the stream's first tick.
    ms_per_tick: f64,
    start_tick: i64,
    sampler: Sampler,
    clock: Clock,
    order: PresentationOrder,
    /// Video packets read: the frames of the video so far, decoded or not.
    packets: u64,
    /// Frames the decoder gave.
    decoded_count: u64,
    /// A packet the decoder could not take yet (it had frames to give first).
    pending: Option<Packet>,
    skipping: bool,
    seek: Seeker,
    input_done: bool,
    finished: bool,
    decoded: RawFrame,
    to_bgr: Option<(scaling::Context, Pixel, u32, u32)>,
    bgr: RawFrame,
}

/// FFmpeg's one-time set-up; its log shows errors only, as through OpenCV.
fn init() -> Result<(), PipelineError> {
    static INIT: Once = Once::new();
    let mut result = Ok(());
    INIT.call_once(|| {
        result = ff::init();
        ff::util::log::set_level(ff::util::log::Level::Error);
    });
    result.map_err(|e| PipelineError::internal(format!("FFmpeg could not start: {e}")))
}

impl FfmpegFrames {
    /// Opens `path` for the frames `sample_fps` asks for (0: every frame), and reads the
    /// video's facts.
    pub fn open(path: &Path, sample_fps: f64) -> Result<Self, PipelineError> {
        init()?;
        let input = ff::format::input(path).map_err(|e| {
            PipelineError::unreadable(format!(
                "the file is not a video that FFmpeg can decode (unknown format, or truncated): {e}"
            ))
        })?;
        let stream = input
            .streams()
            .best(ff::media::Type::Video)
            .ok_or_else(|| PipelineError::unreadable("the file has no readable video stream"))?;
        let (index, time_base, start) = (stream.index(), stream.time_base(), stream.start_time());
        let indexed = INDEXED_FORMATS.contains(&input.format().name());
        let rotation = rotation_of(&stream);
        let facts = StreamFacts::read(&input, &stream);
        let mut context = ff::codec::Context::from_parameters(stream.parameters())
            .map_err(|e| PipelineError::unreadable(format!("the video stream is unusable: {e}")))?;
        context.set_threading(threading::Config {
            kind: threading::Type::Frame,
            count: decode_threads(),
            ..Default::default()
        });
        let mut decoder = context.decoder().video().map_err(|e| {
            PipelineError::unreadable(format!("FFmpeg cannot decode this video's codec: {e}"))
        })?;
        decoder.set_packet_time_base(time_base);
        let info = facts.info(&decoder, rotation)?;
        let fps = info.fps;
        Ok(Self {
            info,
            rotation,
            input,
            stream: index,
            decoder,
            ms_per_tick: f64::from(time_base) * 1000.0,
            // FFmpeg's "no value" is i64::MIN.
            start_tick: if start == i64::MIN { 0 } else { start },
            sampler: Sampler::new(sample_fps, fps),
            clock: Clock::new(fps),
            order: PresentationOrder::default(),
            packets: 0,
            decoded_count: 0,
            pending: None,
            skipping: false,
            seek: Seeker::new(indexed, fps),
            input_done: false,
            finished: false,
            decoded: RawFrame::empty(),
            to_bgr: None,
            bgr: RawFrame::empty(),
        })
    }

    pub fn frames_read(&self) -> u64 {
        self.packets
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// Frames actually decoded so far (the others were skipped or jumped over).
    pub fn frames_decoded(&self) -> u64 {
        self.decoded_count
    }

    fn ms(&self, tick: Option<i64>) -> f64 {
        tick.map_or(f64::NAN, |t| {
            (t - self.start_tick) as f64 * self.ms_per_tick
        })
    }

    /// The next packet of the video stream; `None` at the end of the file, or where it breaks
    /// off (a truncated file ends there, as with OpenCV; the frame count tells it).
    fn read_packet(&mut self) -> Option<Packet> {
        let mut bad = 0;
        loop {
            let mut packet = Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream => {
                    let tick = packet.pts().or(packet.dts());
                    let shown = self.ms(tick);
                    if self.seek.landed(&packet, shown) {
                        // The frames jumped over are counted from the time, as if constant.
                        self.packets = (shown * self.seek.fps / 1000.0).round() as u64;
                        self.order = PresentationOrder::starting_at(self.packets);
                    }
                    if self.seek.awaits_key_frame(&packet) {
                        continue;
                    }
                    self.packets += 1;
                    self.order.read(tick);
                    return Some(packet);
                }
                Ok(()) => {}
                Err(ff::Error::Eof) => return None,
                Err(ff::Error::InvalidData) if bad < MAX_BAD_PACKETS => bad += 1,
                Err(e) => {
                    tracing::debug!(error = %e, "the video's file breaks off");
                    return None;
                }
            }
        }
    }

    /// Gives the decoder its next packet, or the end of the input.
    fn feed(&mut self) {
        if self.pending.is_none() {
            self.seek_if_worth_it();
        }
        let packet = match self.pending.take() {
            Some(p) => p,
            None => match self.read_packet() {
                Some(p) => p,
                None if self.input_done => {
                    self.finished = true;
                    return;
                }
                None => {
                    self.input_done = true;
                    let _ = self.decoder.send_eof();
                    return;
                }
            },
        };
        self.skip_unless_needed(&packet);
        match self.decoder.send_packet(&packet) {
            Ok(()) => {}
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                self.pending = Some(packet)
            }
            // A damaged packet is dropped and decoding goes on, as `ffmpeg` itself does.
            Err(e) => tracing::debug!(error = %e, "a video packet could not be decoded"),
        }
    }

    /// Lets the decoder drop this packet's frame if no other frame refers to it and it is
    /// shown before the next sample is due. A packet without a time is always decoded.
    fn skip_unless_needed(&mut self, packet: &Packet) {
        let shown = self.ms(packet.pts());
        let skip = match self.sampler.next_due_ms() {
            // A millisecond's margin for the rounding of times through the time base.
            Some(due) => shown.is_finite() && shown < due - 1.0,
            None => false,
        };
        if skip != self.skipping {
            self.skipping = skip;
            self.decoder.skip_frame(if skip {
                Discard::NonReference
            } else {
                Discard::Default
            });
        }
    }

    /// Jumps to the last key frame before the next sample when it lies more than a key frame
    /// interval ahead of what was read: nothing read until then would be taken. Frames sent to
    /// the decoder and not yet out are all shown before it, so the flush loses no sample.
    fn seek_if_worth_it(&mut self) {
        let Some(due) = self.sampler.next_due_ms() else {
            return;
        };
        if !self.seek.worth_it(due) {
            return;
        }
        // FFmpeg seeks in microseconds of the file's timeline, which starts at the stream's
        // start; half a frame more, so that a key frame shown right at `due` is the one found.
        let due = due + self.seek.half_frame_ms();
        let target = ((due + self.start_tick as f64 * self.ms_per_tick) * 1000.0) as i64;
        match self.input.seek(target, ..target) {
            Ok(()) => {
                self.decoder.flush();
                self.seek.started(self.clock.last_ms);
            }
            Err(e) => {
                tracing::debug!(error = %e, "seeking failed; decoding through");
                self.seek.enabled = false;
            }
        }
    }

    /// The decoded frame, if it is one to analyse.
    fn take_decoded(&mut self) -> Option<Result<SampledFrame, PipelineError>> {
        self.decoded_count += 1;
        let tick = self.decoded.timestamp();
        if self.seek.seen_before(self.ms(tick)) {
            return None;
        }
        let index = self.order.shown(tick);
        let time = self.clock.place(self.ms(tick), index);
        if !self.sampler.take(time) {
            return None;
        }
        Some(self.bgr_image().map(|image| SampledFrame {
            index,
            time_ms: time.round() as u64,
            image,
        }))
    }

    /// The decoded frame as an OpenCV BGR image of its own size, converted the way OpenCV's
    /// backend converts (bicubic, for the chroma planes).
    fn bgr_image(&mut self) -> Result<Mat, PipelineError> {
        let failed = |e: &dyn std::fmt::Display| {
            PipelineError::decode(format!("a frame could not be converted: {e}"))
        };
        let (format, w, h) = (
            self.decoded.format(),
            self.decoded.width(),
            self.decoded.height(),
        );
        if !matches!(&self.to_bgr, Some((_, f, fw, fh)) if (*f, *fw, *fh) == (format, w, h)) {
            let ctx =
                scaling::Context::get(format, w, h, Pixel::BGR24, w, h, scaling::Flags::BICUBIC)
                    .map_err(|e| failed(&e))?;
            self.to_bgr = Some((ctx, format, w, h));
            self.bgr = RawFrame::empty();
        }
        if let Some((ctx, ..)) = &mut self.to_bgr {
            ctx.run(&self.decoded, &mut self.bgr)
                .map_err(|e| failed(&e))?;
        }
        let mut image =
            Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC3, Scalar::all(0.0))
                .map_err(|e| failed(&e))?;
        let (row, stride) = (w as usize * 3, self.bgr.stride(0));
        let src = self.bgr.data(0);
        let dst = image.data_bytes_mut().map_err(|e| failed(&e))?;
        for (y, out) in dst.chunks_exact_mut(row).enumerate() {
            out.copy_from_slice(&src[y * stride..y * stride + row]);
        }
        let Some(turn) = self.rotation else {
            return Ok(image);
        };
        let mut upright = Mat::default();
        opencv::core::rotate(&image, &mut upright, turn as i32).map_err(|e| failed(&e))?;
        Ok(upright)
    }
}

impl Iterator for FfmpegFrames {
    type Item = Result<SampledFrame, PipelineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {
                    if let Some(item) = self.take_decoded() {
                        return Some(item);
                    }
                }
                Err(ff::Error::Eof) => self.finished = true,
                // EAGAIN: it needs more input. Anything else is one frame that failed to
                // decode; the ones after it may be fine.
                Err(_) => self.feed(),
            }
        }
        None
    }
}

/// What the container says of the video stream, read as OpenCV 4.6 reads it, so that both
/// backends report the same facts.
struct StreamFacts {
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
    fn read(input: &ff::format::context::Input, stream: &ff::format::stream::Stream) -> Self {
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

    fn info(
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
fn rotation_of(stream: &ff::format::stream::Stream) -> Option<RotateFlags> {
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

/// Containers whose index lets FFmpeg seek straight to a key frame (FFmpeg's demuxer names).
const INDEXED_FORMATS: [&str; 2] = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"];

/// What seeking needs to know: how far apart key frames are, and how far the file was read.
struct Seeker {
    enabled: bool,
    fps: f64,
    last_key_ms: Option<f64>,
    key_interval_ms: Option<f64>,
    /// The latest presentation time of a packet read.
    read_ms: f64,
    /// After a seek: where reading was before it, and the last frame placed then (frames at or
    /// before it were seen already).
    before_seek_ms: Option<f64>,
    floor_ms: Option<f64>,
    /// After a seek, packets are dropped until a key frame: the decoder needs one to start.
    await_key: bool,
}

impl Seeker {
    fn new(indexed: bool, fps: f64) -> Self {
        Self {
            enabled: indexed && fps > 0.0,
            fps,
            last_key_ms: None,
            key_interval_ms: None,
            read_ms: f64::NEG_INFINITY,
            before_seek_ms: None,
            floor_ms: None,
            await_key: false,
        }
    }

    /// Whether the next key frame, judged by the last two, lies after what was read and at or
    /// before `due` (half a frame's leeway).
    fn worth_it(&self, due: f64) -> bool {
        let next_key = match (self.last_key_ms, self.key_interval_ms) {
            (Some(last), Some(interval)) => last + interval,
            _ => return false,
        };
        self.enabled
            && !self.await_key
            && next_key > self.read_ms
            && next_key <= due + self.half_frame_ms()
    }

    fn half_frame_ms(&self) -> f64 {
        500.0 / self.fps
    }

    fn started(&mut self, last_placed_ms: Option<f64>) {
        self.before_seek_ms = Some(self.read_ms);
        self.floor_ms = last_placed_ms;
        self.await_key = true;
    }

    /// Notes a packet read; true for the first one after a seek. A seek that went backwards
    /// is the last one: reading goes on, and the frames seen already are dropped.
    fn landed(&mut self, packet: &Packet, shown: f64) -> bool {
        if shown.is_finite() {
            if packet.is_key() {
                if let Some(k) = self.last_key_ms.filter(|&k| shown > k) {
                    self.key_interval_ms = Some(shown - k);
                }
                self.last_key_ms = Some(shown);
            }
            self.read_ms = if self.before_seek_ms.is_some() {
                shown
            } else {
                self.read_ms.max(shown)
            };
        }
        let Some(before) = self.before_seek_ms.take() else {
            return false;
        };
        if !(shown.is_finite() && shown > before) {
            self.enabled = false;
        }
        shown.is_finite()
    }

    fn awaits_key_frame(&mut self, packet: &Packet) -> bool {
        if self.await_key && packet.is_key() {
            self.await_key = false;
        }
        self.await_key
    }

    fn seen_before(&self, shown: f64) -> bool {
        self.floor_ms
            .is_some_and(|floor| shown.is_finite() && shown <= floor)
    }
}

/// Decoding threads (FFmpeg's frame threads): half the cores, at most 8. Detection and
/// classification need the other half; on 2 cores one decoding thread gave the same speed as
/// two or three, with less CPU time and memory (docs/benchmarks.md).
fn decode_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 8))
}

/// Numbers frames in presentation order although some are never decoded: a decoded frame's
/// number is how many packets read so far are shown before it.
#[derive(Default)]
struct PresentationOrder {
    /// Presentation ticks of packets read whose frame has not been placed yet.
    waiting: BinaryHeap<Reverse<i64>>,
    placed: u64,
}

impl PresentationOrder {
    /// More than this many unplaced packets (times that never match a decoded frame's) are
    /// counted as shown, so that the heap stays small.
    const MAX_WAITING: usize = 4096;

    fn starting_at(placed: u64) -> Self {
        Self {
            waiting: BinaryHeap::new(),
            placed,
        }
    }

    fn read(&mut self, tick: Option<i64>) {
        if let Some(t) = tick {
            self.waiting.push(Reverse(t));
        }
        if self.waiting.len() > Self::MAX_WAITING {
            self.waiting.pop();
            self.placed += 1;
        }
    }

    /// The number of the frame shown at `tick`.
    fn shown(&mut self, tick: Option<i64>) -> u64 {
        if let Some(t) = tick {
            while self.waiting.peek().is_some_and(|Reverse(w)| *w < t) {
                self.waiting.pop();
                self.placed += 1;
            }
        }
        let index = self.placed;
        if tick.is_none() || self.waiting.peek() == tick.map(Reverse).as_ref() {
            self.waiting.pop();
        }
        self.placed += 1;
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_numbered_in_presentation_order_with_skipped_ones_counted() {
        // Decode order I0 P3 B1 B2 P6 B4 B5; B1, B2 and B5 are never decoded.
        let mut order = PresentationOrder::default();
        for t in [0, 3, 1, 2] {
            order.read(Some(t));
        }
        assert_eq!(order.shown(Some(0)), 0);
        assert_eq!(order.shown(Some(3)), 3);
        for t in [6, 4, 5] {
            order.read(Some(t));
        }
        assert_eq!(order.shown(Some(4)), 4);
        assert_eq!(order.shown(Some(6)), 6);
        assert!(order.waiting.is_empty());
    }

    #[test]
    fn frames_without_times_are_numbered_one_after_another() {
        let mut order = PresentationOrder::default();
        for _ in 0..3 {
            order.read(None);
        }
        assert_eq!(
            (0..3).map(|_| order.shown(None)).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }
}
