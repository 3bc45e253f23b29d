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
use crate::db::{Finish, Holding, Store};
use crate::egress::Refusal;
use crate::egress::stream::Streams;
use crate::jobs::JobFailure;
use crate::live::capture::Capture;
use crate::live::{LiveSessions, Place};
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
                        id: &job.id,
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

/// Writes the analysed frames every second (which is also the job's heartbeat), and stops the
/// capture when the job is canceled or taken away.
struct Recorder<'a> {
    frames: FrameRecorder,
    id: &'a str,
    stop: Arc<AtomicBool>,
    held: Holding,
}

impl Recorder<'_> {
    fn heard(&mut self, written: crate::db::DbResult<Holding>) {
        match written {
            Ok(Holding::Held) => {}
            Ok(other) => {
                self.held = other;
                self.stop.store(true, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!(job = %self.id, error = %e, "cannot record a stream's frames"),
        }
    }

    fn write(&mut self) {
        let written = self.frames.write();
        self.heard(written);
    }
}

impl Observer for Recorder<'_> {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError> {
        let written = self.frames.add(frames, progress);
        self.heard(written);
        Ok(())
    }
}
