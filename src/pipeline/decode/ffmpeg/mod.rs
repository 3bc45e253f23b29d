//! The default backend: FFmpeg's libraries driven directly. Between samples the decoder is told
//! to drop the frames no other frame refers to (`skip_frame = nonref`: most B-frames), so a job
//! sampled at 5 a second decodes the frames it takes and those they are predicted from. Every
//! frame shown at or after the next sample's time is decoded, so the frames taken are the ones
//! the OpenCV backend takes, at the same presentation times.
//!
//! Where samples are sparser than the key frames (1 a second of a video with a key frame every
//! second, say), it seeks: to the last key frame before the next sample, when that lies ahead of
//! what was read. Only in files with an index (MP4/MOV, Matroska/WebM), and only forward.

mod camera;
mod convert;
mod facts;
mod first_sent;
mod order;
mod seek;
mod watchdog;

use std::path::Path;
use std::sync::{Arc, Once};

use ff::codec::threading;
use ff::util::frame::Video as RawFrame;
use ff::{Discard, Packet};
use ffmpeg_next as ff;
use opencv::core::{Mat, RotateFlags};

pub(super) use self::convert::{ToBgr, mat_from_rows};
use self::facts::{StreamFacts, rotation_of};
use self::first_sent::FirstSent;
use self::order::PresentationOrder;
use self::seek::{INDEXED_FORMATS, Seeker};
pub use self::watchdog::Watchdog;
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
    first_sent: FirstSent,
    seek: Seeker,
    /// The decoder was told the input ended so that it gives a key frame to take at once
    /// rather than after the frames that follow it; it is flushed when it has given it.
    drained_for_seek: bool,
    input_done: bool,
    finished: bool,
    decoded: RawFrame,
    to_bgr: ToBgr,
    /// For a stream: gives up when it sends nothing for a while, or when told to stop.
    watchdog: Option<Arc<Watchdog>>,
}

/// Demuxers a video file may be read with: containers and raw streams that hold their media
/// (and FFmpeg's still-picture readers, so that a picture is told apart from a video). Not
/// `hls`, `dash`, `concat`, `image2` and the like, which open other files or URLs.
const FILE_FORMATS: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,ogg,asf,mpeg,\
    mpegvideo,m4v,h264,hevc,mjpeg,ivf,nut,gif,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe";

/// A file's options: the `file` protocol alone, and [`FILE_FORMATS`].
pub fn file_options() -> Vec<(&'static str, String)> {
    vec![
        ("protocol_whitelist", "file".into()),
        ("format_whitelist", FILE_FORMATS.into()),
    ]
}

fn dictionary(options: &[(&str, String)]) -> ff::Dictionary<'static> {
    let mut dictionary = ff::Dictionary::new();
    for (key, value) in options {
        dictionary.set(key, value);
    }
    dictionary
}

/// FFmpeg's one-time set-up; its log shows errors only, as through OpenCV.
pub(crate) fn init() -> Result<(), PipelineError> {
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
    ///
    /// A file is opened with the `file` protocol alone and the demuxers of self-contained
    /// videos: a playlist or `concat` list inside an upload cannot make FFmpeg open anything.
    pub fn open(path: &Path, sample_fps: f64) -> Result<Self, PipelineError> {
        init()?;
        let input = ff::format::input_with_dictionary(path, dictionary(&file_options()));
        let input = input.map_err(|e| {
            PipelineError::unreadable(format!(
                "the file is not a video that FFmpeg can decode (unknown format, or truncated): {e}"
            ))
        })?;
        Self::from_input(input, sample_fps, None)
    }

    /// Opens a live source: what the egress path gives for a stream (a pipe, or a relay on
    /// loopback) with its `options` (the protocols and demuxers allowed), or a file read as it
    /// plays; `watchdog` bounds how long opening and each read may wait, and stops them.
    pub fn open_stream(
        source: &str,
        options: &[(&str, String)],
        sample_fps: f64,
        watchdog: Arc<Watchdog>,
    ) -> Result<Self, PipelineError> {
        init()?;
        watchdog.arm();
        let expired = watchdog.clone();
        let input = ff::format::input_with_interrupt_and_dictionary(
            source,
            move || expired.expired(),
            dictionary(options),
        )
        .map_err(|e| PipelineError::unreadable(format!("FFmpeg could not open it: {e}")))?;
        Self::from_input(input, sample_fps, Some(watchdog))
    }

    /// Opens a camera (`/dev/video0`, …) through FFmpeg's `video4linux2` input, loaded with
    /// libavdevice when first asked for. A camera's frames carry the times it gives them.
    pub fn open_camera(device: &str, sample_fps: f64) -> Result<Self, PipelineError> {
        init()?;
        let input = camera::open(device).map_err(PipelineError::unreadable)?;
        Self::from_input(input, sample_fps, None)
    }

    fn from_input(
        input: ff::format::context::Input,
        sample_fps: f64,
        watchdog: Option<Arc<Watchdog>>,
    ) -> Result<Self, PipelineError> {
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
            count: decode_threads(sample_fps),
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
            first_sent: FirstSent::default(),
            seek: Seeker::new(indexed, fps),
            drained_for_seek: false,
            input_done: false,
            finished: false,
            decoded: RawFrame::empty(),
            to_bgr: ToBgr::default(),
            watchdog,
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
            if let Some(w) = &self.watchdog {
                w.arm();
            }
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
            Ok(()) if self.taken_alone(&packet) => {
                let _ = self.decoder.send_eof();
                self.drained_for_seek = true;
            }
            Ok(()) => {}
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                self.pending = Some(packet)
            }
            // A damaged packet is dropped and decoding goes on, as `ffmpeg` itself does.
            Err(e) => tracing::debug!(error = %e, "a video packet could not be decoded"),
        }
    }

    /// Lets the decoder drop this packet's frame if no other frame refers to it and it is not
    /// the one taken in its sampling period: it is shown before the next sample is due, or
    /// after a frame of its period already sent. A packet without a time is always decoded.
    fn skip_unless_needed(&mut self, packet: &Packet) {
        let shown = self.ms(packet.pts());
        let period_end = self.sampler.due_after(shown).filter(|_| shown.is_finite());
        let skip = match (self.sampler.next_due_ms(), period_end) {
            // A millisecond's margin for the rounding of times through the time base.
            (Some(due), Some(end)) => shown < due - 1.0 || self.first_sent.one_before(end, shown),
            _ => false,
        };
        if let (false, Some(end)) = (skip, period_end) {
            self.first_sent.sent(end, shown);
        }
        // A field of the codec context, copied to the decoding thread with each packet.
        self.decoder.skip_frame(if skip {
            Discard::NonReference
        } else {
            Discard::Default
        });
    }

    /// Whether this key frame is the next one taken and a seek to the next key frame will
    /// follow it: then nothing after it in the file is needed before that seek. A decoder that
    /// reorders (B-frames) holds a frame back until it has decoded the next one or two; told
    /// that the input ended, it gives it at once; the frames after it, which the seek would
    /// throw away, are never decoded (1 a second on the 1080p benchmark video: 0.74 to 0.66 s).
    fn taken_alone(&self, packet: &Packet) -> bool {
        let shown = self.ms(packet.pts());
        let Some(due) = self.sampler.next_due_ms() else {
            return false;
        };
        packet.is_key()
            && shown.is_finite()
            && shown >= due - 1.0
            && !self.seek.seen_before(shown)
            && self
                .sampler
                .due_after(shown)
                .is_some_and(|next| self.seek.worth_it(next))
    }

    /// Jumps to the last key frame at or before the next sample when the next key frame (judged
    /// by the last two) lies between what was read and that sample: nothing read until then
    /// would be taken. Frames sent to the decoder and not yet out are all shown before the
    /// sample, so the flush loses none that would be taken.
    fn seek_if_worth_it(&mut self) -> bool {
        let Some(due) = self.sampler.next_due_ms() else {
            return false;
        };
        if !self.seek.worth_it(due) {
            return false;
        }
        // FFmpeg seeks in microseconds of the file's timeline, which starts at the stream's
        // start; half a frame more, so that a key frame shown right at `due` is the one found.
        let due = due + self.seek.half_frame_ms();
        let target = ((due + self.start_tick as f64 * self.ms_per_tick) * 1000.0) as i64;
        match self.input.seek(target, ..target) {
            Ok(()) => {
                self.decoder.flush();
                self.first_sent.clear();
                self.seek.started(self.clock.last_ms);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "seeking failed; decoding through");
                self.seek.enabled = false;
                false
            }
        }
    }

    /// The decoded frame, if it is one to analyse.
    fn take_decoded(&mut self) -> Option<Result<SampledFrame, PipelineError>> {
        self.decoded_count += 1;
        let tick = self.decoded.timestamp();
        let shown = self.ms(tick);
        if self.seek.seen_before(shown) {
            return None;
        }
        let index = self.order.shown(tick);
        let time = self.clock.place(shown, index);
        if !self.sampler.take(time) {
            return None;
        }
        Some(self.bgr_image().map(|image| SampledFrame {
            index,
            time_ms: time.round() as u64,
            image,
        }))
    }

    /// The decoded frame as an OpenCV BGR image, turned upright.
    fn bgr_image(&mut self) -> Result<Mat, PipelineError> {
        let failed = |e: &dyn std::fmt::Display| {
            PipelineError::decode(format!("a frame could not be converted: {e}"))
        };
        let image = self.to_bgr.convert(&self.decoded).map_err(|e| failed(&e))?;
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
                // Drained for the key frame taken: flushed, it starts again at a key frame,
                // the one sought or, should the seek not happen, the next one read.
                Err(ff::Error::Eof) if self.drained_for_seek => {
                    self.drained_for_seek = false;
                    self.decoder.flush();
                    self.first_sent.clear();
                    if !self.seek_if_worth_it() {
                        self.seek.await_key_frame();
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

/// Decoding threads (FFmpeg's frame threads): half the cores, at most 8, since detection and
/// classification need the other half (on 2 cores one decoding thread gave the same speed as
/// two or three at 5 a second, with less CPU time and memory). At 2 samples a second or fewer
/// the analysis leaves cores idle while the referenced frames between samples are decoded
/// (all of them where key frames are far apart), so every core decodes: 1 a second on a 1080p
/// video with key frames 10 s apart took 13 % less time, at about 2 MB more memory
/// (docs/benchmarks.md).
fn decode_threads(sample_fps: f64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sparse = sample_fps > 0.0 && sample_fps <= 2.0;
    match sparse {
        true => cores.clamp(1, 8),
        false => (cores / 2).clamp(1, 8),
    }
}
