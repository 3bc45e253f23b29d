//! One live session's analysis: a thread with its own model sessions that takes the latest
//! frame from a one-place [`Slot`] (a frame that arrives while another waits replaces it, and
//! the older one is counted as dropped), decodes it, and sends each result and, every few
//! seconds, the people so far. It keeps the session's results in memory (never the frames) in
//! case the session is kept as a job.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::pipeline::aggregate::Accumulator;
use crate::pipeline::decode::SampledFrame;
use crate::pipeline::live::LiveSource;
use crate::pipeline::tally::Sink;
use crate::pipeline::{
    AnalysisOptions, Engine, FrameResult, Observer, Outcome, PipelineError, Progress,
};
use crate::views::live::{
    LiveError, LiveErrorCode, LiveFrame, LiveMessage, LivePerson, LiveShares, LiveSummary,
};

/// A frame as it arrived.
pub struct Frame {
    pub seq: u64,
    pub time_ms: u64,
    pub bytes: Bytes,
}

#[derive(Default)]
struct Waiting {
    latest: Option<Frame>,
    ended: bool,
}

/// The one place a frame waits in; the latest wins.
#[derive(Default)]
pub struct Slot {
    waiting: Mutex<Waiting>,
    wake: Condvar,
    /// Frames dropped: replaced while waiting for their turn.
    pub dropped: AtomicU64,
}

impl Slot {
    /// Puts the frame in the slot, dropping the one that waited there.
    pub fn put(&self, frame: Frame) {
        if let Ok(mut w) = self.waiting.lock() {
            if w.latest.replace(frame).is_some() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            self.wake.notify_one();
        }
    }

    /// No more frames: the frame still waiting is analysed, then the run ends.
    pub fn end(&self) {
        if let Ok(mut w) = self.waiting.lock() {
            w.ended = true;
            self.wake.notify_one();
        }
    }

    fn take(&self) -> Option<Frame> {
        let mut w = self.waiting.lock().ok()?;
        loop {
            if let Some(frame) = w.latest.take() {
                return Some(frame);
            }
            if w.ended {
                return None;
            }
            w = self.wake.wait(w).ok()?;
        }
    }
}

/// How often the thread takes a frame, and sends the people so far.
pub struct Pace {
    /// At least this long between two frames' turns (`limits.max_live_fps`): a client that
    /// sends faster has its older frames replaced by newer ones, counted as dropped.
    pub min_gap: Duration,
    pub summary_every: Duration,
}

/// What the analysis thread gives back: the run's outcome and every frame's result.
pub type Finished = Result<(Outcome, Vec<FrameResult>), PipelineError>;

/// Starts the session's thread. Messages go to `out`; when the client does not read them fast
/// enough, frame results are dropped rather than queued without bound.
pub fn spawn(
    engine: Arc<Engine>,
    options: AnalysisOptions,
    slot: Arc<Slot>,
    out: mpsc::Sender<LiveMessage>,
    ready: LiveMessage,
    pace: Pace,
) -> std::io::Result<std::thread::JoinHandle<Finished>> {
    std::thread::Builder::new()
        .name("emoscope-live".into())
        .spawn(move || {
            let taken = Rc::new(Cell::new(Instant::now()));
            let mut feed = Feed {
                slot: slot.clone(),
                out: out.clone(),
                ready: Some(ready),
                taken: taken.clone(),
                min_gap: pace.min_gap,
                last: None,
            };
            let mut results = Results {
                slot,
                out,
                taken,
                kept: Vec::new(),
                people: BTreeMap::new(),
                overall: Accumulator::default(),
                summary_every: pace.summary_every,
                last_summary: Instant::now(),
            };
            let mut pipeline = engine.pipeline();
            let outcome = pipeline.run_live(&options, &mut feed, &mut results);
            if let Err(e) = &outcome {
                tracing::warn!(error = %e.message, "a live session's analysis failed");
            }
            Ok((outcome?, results.kept))
        })
}

/// Frames from the slot, decoded; a frame that does not decode is answered with an error and
/// skipped.
struct Feed {
    slot: Arc<Slot>,
    out: mpsc::Sender<LiveMessage>,
    ready: Option<LiveMessage>,
    taken: Rc<Cell<Instant>>,
    min_gap: Duration,
    /// When the last frame's turn came.
    last: Option<Instant>,
}

impl LiveSource for Feed {
    fn started(&mut self) {
        if let Some(ready) = self.ready.take() {
            let _ = self.out.blocking_send(ready);
        }
    }

    fn next(&mut self) -> Option<SampledFrame> {
        loop {
            if let Some(wait) = self
                .last
                .and_then(|t| self.min_gap.checked_sub(t.elapsed()))
            {
                std::thread::sleep(wait);
            }
            let frame = self.slot.take()?;
            self.last = Some(Instant::now());
            self.taken.set(Instant::now());
            match crate::pipeline::image::decode(&frame.bytes) {
                Ok(image) => {
                    return Some(SampledFrame {
                        index: frame.seq,
                        time_ms: frame.time_ms,
                        image,
                    });
                }
                Err(_) => {
                    let error = LiveMessage::Error(LiveError {
                        code: LiveErrorCode::NotAPicture,
                        message: "the frame is not a JPEG, PNG or WebP picture that decodes".into(),
                        seq: Some(frame.seq),
                    });
                    let _ = self.out.try_send(error);
                }
            }
        }
    }
}

/// Each frame's result sent as it comes, the sums kept for the summaries (the same sinks a
/// run sums through), and the frames kept for the job the session may be stored as (at most
/// `limits.max_live_secs` × `limits.max_live_fps` of them).
struct Results {
    slot: Arc<Slot>,
    out: mpsc::Sender<LiveMessage>,
    taken: Rc<Cell<Instant>>,
    kept: Vec<FrameResult>,
    /// Each person's sums so far.
    people: BTreeMap<u32, Accumulator>,
    overall: Accumulator,
    summary_every: Duration,
    last_summary: Instant,
}

impl Observer for Results {
    fn on_frames(&mut self, frames: Vec<FrameResult>, _: Progress) -> Result<(), PipelineError> {
        for frame in frames {
            self.overall.frame(&frame, None)?;
            for face in &frame.faces {
                if let Some(person) = face.track_id {
                    let probabilities = face.probabilities.to_array();
                    self.people
                        .entry(person)
                        .or_default()
                        .add_frame([probabilities]);
                }
            }
            let message = LiveMessage::Frame(LiveFrame {
                seq: frame.frame,
                time_ms: frame.time_ms,
                faces: frame.faces.iter().cloned().map(Into::into).collect(),
                dropped: self.slot.dropped.load(Ordering::Relaxed),
                analysis_ms: self.taken.get().elapsed().as_secs_f64() * 1000.0,
            });
            // A client that does not read loses results, not the server's memory.
            let _ = self.out.try_send(message);
            if self.last_summary.elapsed() >= self.summary_every {
                self.last_summary = Instant::now();
                let _ = self.out.try_send(self.summary(frame.time_ms));
            }
            self.kept.push(frame);
        }
        Ok(())
    }
}

impl Results {
    fn summary(&self, time_ms: u64) -> LiveMessage {
        let mut people: Vec<LivePerson> = self
            .people
            .iter()
            .map(|(&person, sums)| LivePerson {
                person,
                shares: LiveShares::from(sums.counts()),
            })
            .collect();
        people.sort_by(|a, b| {
            b.shares
                .faces
                .cmp(&a.shares.faces)
                .then(a.person.cmp(&b.person))
        });
        LiveMessage::Summary(LiveSummary {
            time_ms,
            frames: self.kept.len() as u64 + 1,
            people,
            overall: LiveShares::from(self.overall.counts()),
        })
    }
}
