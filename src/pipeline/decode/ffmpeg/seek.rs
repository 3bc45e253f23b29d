//! Jumping from key frame to key frame when samples are sparser than key frames.

use ffmpeg_next::Packet;

/// Containers whose index lets FFmpeg seek straight to a key frame (FFmpeg's demuxer names).
pub(super) const INDEXED_FORMATS: [&str; 2] = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"];

/// What seeking needs to know: how far apart key frames are, and how far the file was read.
pub(super) struct Seeker {
    pub(super) enabled: bool,
    pub(super) fps: f64,
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
    /// After a seek that landed backwards (the key frame expected was not there: key frames
    /// come unevenly), no seek until a key frame later than this one is read.
    suspended_until_after_ms: Option<f64>,
}

impl Seeker {
    pub(super) fn new(indexed: bool, fps: f64) -> Self {
        Self {
            enabled: indexed && fps > 0.0,
            fps,
            last_key_ms: None,
            key_interval_ms: None,
            read_ms: f64::NEG_INFINITY,
            before_seek_ms: None,
            floor_ms: None,
            await_key: false,
            suspended_until_after_ms: None,
        }
    }

    /// Whether the next key frame, judged by the last two, lies after what was read and at or
    /// before `due` (half a frame's leeway).
    pub(super) fn worth_it(&self, due: f64) -> bool {
        let next_key = match (self.last_key_ms, self.key_interval_ms) {
            (Some(last), Some(interval)) => last + interval,
            _ => return false,
        };
        self.enabled
            && !self.await_key
            && self.suspended_until_after_ms.is_none()
            && next_key > self.read_ms
            && next_key <= due + self.half_frame_ms()
    }

    pub(super) fn half_frame_ms(&self) -> f64 {
        500.0 / self.fps
    }

    pub(super) fn started(&mut self, last_placed_ms: Option<f64>) {
        self.before_seek_ms = Some(self.read_ms);
        self.floor_ms = last_placed_ms;
        self.await_key = true;
    }

    /// Notes a packet read; true for the first one after a seek. After a seek that went
    /// backwards, reading goes on from there, the frames seen already are dropped, and seeking
    /// waits for a key frame beyond the one landed on.
    pub(super) fn landed(&mut self, packet: &Packet, shown: f64) -> bool {
        if shown.is_finite() {
            if packet.is_key() {
                if self.suspended_until_after_ms.is_some_and(|k| shown > k) {
                    self.suspended_until_after_ms = None;
                }
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
        if !shown.is_finite() {
            self.enabled = false;
        } else if shown <= before {
            self.suspended_until_after_ms = Some(shown);
        }
        shown.is_finite()
    }

    /// Packets are dropped until a key frame (the decoder was flushed).
    pub(super) fn await_key_frame(&mut self) {
        self.await_key = true;
    }

    pub(super) fn awaits_key_frame(&mut self, packet: &Packet) -> bool {
        if self.await_key && packet.is_key() {
            self.await_key = false;
        }
        self.await_key
    }

    pub(super) fn seen_before(&self, shown: f64) -> bool {
        self.floor_ms
            .is_some_and(|floor| shown.is_finite() && shown <= floor)
    }
}
