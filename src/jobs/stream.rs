//! A job made from a stream (`POST /v1/jobs` with `source_url`: RTSP, RTMP, HLS or HTTP): read
//! and analysed by the process that accepted it, on a thread of its own, as a live session is.
//! Its frames are recorded as they are analysed, so that its progress and timeline show while it
//! runs; it ends with the stream, at `limits.max_duration_secs`, or on a cancel, and succeeds
//! with its people. The whole URL lives only in this process's memory: if the process stops,
//! housekeeping fails the job.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::hold::{FrameRecorder, Hold, Renew};
use crate::db::{DbResult, Finish, Holding, Store};
use crate::egress::Refusal;
use crate::egress::stream::Streams;
use crate::jobs::JobFailure;
use crate::live::capture::Capture;
use crate::live::{LiveSessions, Place};
use crate::pipeline::aggregate::{Accumulator, EmotionSummary};
use crate::pipeline::people::{Focus, PeopleAccumulator, Person};
use crate::pipeline::tally::Sink;
use crate::pipeline::{AnalysisOptions, FrameResult, Observer, PipelineError, Progress};

/// Recorded frames are written at least this often.
const WRITE_EVERY: Duration = Duration::from_secs(1);

/// What a stream job needs.
pub struct StreamJob {
    pub id: String,
    /// The whole URL, credentials and all: never logged or stored.
    pub url: String,
    /// The URL as shown.
    pub shown: String,
    pub options: AnalysisOptions,
    /// Frames analysed per second of the stream.
    pub fps: f64,
    /// The id holding the job (`JobSource::Stream`'s reader).
    pub holder: String,
}

/// Starts reading the stream on a thread; `place` is held until it ends.
pub fn start(
    live: &LiveSessions,
    store: Arc<dyn Store>,
    place: Place,
    job: StreamJob,
) -> std::io::Result<()> {
    let (engine, config) = (live.engine.clone(), live.config.clone());
    let rt = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("emoscope-stream".into())
        .spawn(move || {
            let _place = place;
            let max_ms = config.limits.max_duration_secs * 1000.0;
            // The hold is renewed from the start: opening a stream may take a while, and a
            // cancel must stop a stream that is silent.
            let stop = Arc::new(AtomicBool::new(false));
            let held = (job.id.clone(), job.holder.clone());
            let renew = (&config.queue, Renew::Running);
            let hold = Hold::start(&rt, store.clone(), held, renew, Some(stop.clone()));
            let streams = Streams::for_service(&config, rt.clone());
            let opened = Capture::open(&job.url, job.fps, Some(max_ms), stop.clone(), &streams);
            let finish = match opened {
                Err(refusal) => refused(refusal, &job.shown),
                Ok(mut capture) => {
                    let held = (job.id.clone(), job.holder.clone());
                    let mut recorder = Recorder {
                        frames: FrameRecorder::new(&rt, store.clone(), held, WRITE_EVERY),
                        so_far: SoFar::new(&job, config.tracking.max_people),
                        store: store.clone(),
                        rt: rt.clone(),
                        job: &job,
                        stop,
                        held: Holding::Held,
                    };
                    let mut pipeline = engine.pipeline();
                    let outcome = pipeline.run_live(&job.options, &mut capture, &mut recorder);
                    recorder.write();
                    match capture.refusal() {
                        // An address the policy refused fails the job, whatever came before.
                        Some(r) if r.not_allowed => refused(r, &job.shown),
                        _ => ending(outcome, recorder.held),
                    }
                }
            };
            drop(hold);
            // A cancel while the stream was silent (or opening) is known only to the database.
            let finish = match rt.block_on(store.heartbeat(&job.id, &job.holder)) {
                Ok(Holding::CancelRequested | Holding::Lost) => Finish::Canceled,
                _ => finish,
            };
            tracing::info!(job = %job.id, source = %job.shown, "stream job ended");
            match rt.block_on(store.finish(&job.id, &job.holder, finish)) {
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(job = %job.id, error = %e, "cannot record a stream job's end")
                }
            }
        })?;
    Ok(())
}

/// A stream that could not be opened or was cut off by the egress path.
fn refused(refusal: Refusal, shown: &str) -> Finish {
    let code = match refusal.not_allowed {
        true => JobFailure::TargetNotAllowed,
        false => JobFailure::UnreadableVideo,
    };
    Finish::Failed {
        code,
        message: format!("cannot read the stream {shown}: {}", refusal.message),
        retry_in_ms: None,
    }
}

fn ending(outcome: Result<crate::pipeline::Outcome, PipelineError>, held: Holding) -> Finish {
    match (outcome, held) {
        (_, Holding::CancelRequested | Holding::Lost) => Finish::Canceled,
        (Ok(o), Holding::Held) if o.summary.frames_analyzed == 0 => Finish::Failed {
            code: JobFailure::UnreadableVideo,
            message: "the stream gave no frame".into(),
            retry_in_ms: None,
        },
        (Ok(o), Holding::Held) => Finish::from(o),
        (Err(e), Holding::Held) => Finish::Failed {
            code: JobFailure::of(e.kind).unwrap_or(JobFailure::Internal),
            message: e.message,
            retry_in_ms: None,
        },
    }
}

/// Writes the analysed frames every second (which is also the job's heartbeat) with the
/// results so far, and stops the capture when the job is canceled or taken away.
struct Recorder<'a> {
    frames: FrameRecorder,
    so_far: SoFar,
    store: Arc<dyn Store>,
    rt: tokio::runtime::Handle,
    job: &'a StreamJob,
    stop: Arc<AtomicBool>,
    held: Holding,
}

impl Recorder<'_> {
    fn heard(&mut self, written: DbResult<Holding>) {
        match written {
            Ok(Holding::Held) => {}
            Ok(other) => {
                self.held = other;
                self.stop.store(true, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(job = %self.job.id, error = %e, "cannot record a stream's frames")
            }
        }
    }

    /// The frames that wait, then the results so far.
    fn write(&mut self) {
        let written = self.frames.write();
        self.heard(written);
        self.write_so_far();
    }

    fn write_so_far(&mut self) {
        if self.held != Holding::Held || !self.so_far.changed {
            return;
        }
        let (summary, people) = self.so_far.now();
        let (id, holder) = (&self.job.id, &self.job.holder);
        let written = self
            .rt
            .block_on(self.store.record_so_far(id, holder, &summary, &people));
        if let Err(e) = written {
            tracing::warn!(job = %id, error = %e, "cannot record a stream's results so far");
        }
    }
}

impl Observer for Recorder<'_> {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError> {
        for frame in &frames {
            self.so_far.frame(frame)?;
        }
        let writes = self.frames.writes();
        let written = self.frames.add(frames, progress);
        self.heard(written);
        if self.frames.writes() > writes {
            self.write_so_far();
        }
        Ok(())
    }
}

/// A stream's running sums: what `/emotions` and `/people` answer while it is read, as the
/// job's end would sum them (before it joins two tracks of one person).
struct SoFar {
    job: Accumulator,
    people: PeopleAccumulator,
    step_ms: f64,
    min_track_ms: u64,
    focus: Focus,
    max_people: usize,
    /// Frames came since the last write.
    changed: bool,
}

impl SoFar {
    fn new(job: &StreamJob, max_people: usize) -> Self {
        Self {
            job: Accumulator::default(),
            people: PeopleAccumulator::growing(10_000),
            step_ms: 1000.0 / job.fps.max(0.001),
            min_track_ms: job.options.min_track_ms,
            focus: job.options.focus,
            max_people,
            changed: false,
        }
    }

    fn frame(&mut self, frame: &FrameResult) -> Result<(), PipelineError> {
        self.changed = true;
        self.job.frame(frame, None)?;
        self.people.frame(frame, None)
    }

    fn now(&mut self) -> (EmotionSummary, Vec<Person>) {
        self.changed = false;
        let summary = self.job.summary();
        let mut people = self.people.clone().finish(
            self.step_ms,
            summary.frames_analyzed,
            self.min_track_ms,
            self.focus,
        );
        people.truncate(self.max_people);
        (summary, people)
    }
}
