//! Workers: each is an OS thread with its own inference sessions that claims a job, runs the
//! pipeline on it and reports through the store. Its hold ([`super::hold`]) proves it alive;
//! `background::housekeeping` hands the jobs of silent workers to others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::hold::{FrameRecorder, Hold, Renew, Signal};
use super::uploads::Uploads;
use super::{Job, JobFailure};
use crate::config::Config;
use crate::db::{Finish, Holding, Store};
use crate::pipeline::{
    Engine, ErrorKind, FrameResult, Observer, Outcome, Pipeline, PipelineError, Progress,
};
use crate::storage::MediaError;

#[derive(Clone)]
pub struct Workers {
    pub store: Arc<dyn Store>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    pub uploads: Uploads,
    /// Woken when a job is queued, so idle workers don't wait for the next poll.
    pub wake: Arc<Notify>,
    /// Cancelled when the process stops taking jobs: workers finish the one they hold.
    pub drain: CancellationToken,
    /// Cancelled when the workers must stop at once: a job still running is handed back.
    pub cancel: CancellationToken,
}

impl Workers {
    /// The tokens of a new pool: stopping at once also stops taking jobs.
    pub fn tokens() -> (CancellationToken, CancellationToken) {
        let cancel = CancellationToken::new();
        (cancel.child_token(), cancel)
    }
}

/// The worker threads of one process. Dropping it tells them to stop; [`WorkerPool::stop`] also
/// waits for them.
pub struct WorkerPool {
    drain: CancellationToken,
    cancel: CancellationToken,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `count` workers whose ids begin with `worker_prefix` (see `instance.rs`).
    pub fn spawn(workers: Workers, count: usize, worker_prefix: &str) -> std::io::Result<Self> {
        let handle = Handle::current();
        let base = format!("{worker_prefix}{}", std::process::id());
        let mut threads = Vec::with_capacity(count);
        for n in 0..count {
            let (w, rt, id) = (workers.clone(), handle.clone(), format!("{base}-{n}"));
            threads.push(
                std::thread::Builder::new()
                    .name(format!("emoscope-worker-{n}"))
                    .spawn(move || supervise(w, rt, id))?,
            );
        }
        Ok(Self {
            drain: workers.drain,
            cancel: workers.cancel,
            threads,
        })
    }

    /// Takes no new job, gives the jobs held `grace` to finish, then hands back those still
    /// running (without spending their attempt) and waits for the workers.
    pub async fn stop(mut self, grace: Duration) {
        self.drain.cancel();
        let threads = std::mem::take(&mut self.threads);
        let mut joined = tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        });
        if tokio::time::timeout(grace, &mut joined).await.is_err() {
            tracing::info!(
                grace_secs = grace.as_secs(),
                "the grace period is over: a job still running is handed back"
            );
            self.cancel.cancel();
            let _ = joined.await;
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Runs a worker, and a new one in its place if it dies of a panic outside a job.
fn supervise(w: Workers, rt: Handle, worker_id: String) {
    loop {
        let run = catch_unwind(AssertUnwindSafe(|| worker_loop(&w, &rt, &worker_id)));
        if run.is_ok() || w.cancel.is_cancelled() {
            return;
        }
        tracing::error!(worker = %worker_id, "worker died; starting a new one in its place");
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn worker_loop(w: &Workers, rt: &Handle, worker_id: &str) {
    let mut pipeline = w.engine.pipeline();
    tracing::info!(worker = %worker_id, "worker started");
    let poll = Duration::from_millis(w.config.queue.poll_ms.max(10));
    while !w.drain.is_cancelled() {
        let job = match rt.block_on(w.store.claim(worker_id)) {
            Ok(job) => job,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                std::thread::sleep(poll);
                continue;
            }
        };
        let Some(job) = job else {
            rt.block_on(async {
                tokio::select! {
                    _ = w.wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = w.drain.cancelled() => {}
                }
            });
            continue;
        };
        let span =
            tracing::info_span!("job", id = %job.id, attempt = job.attempts, worker = %worker_id);
        let _enter = span.enter();
        let survived = catch_unwind(AssertUnwindSafe(|| {
            process(w, rt, &mut pipeline, &job, worker_id)
        }));
        if survived.is_err() {
            tracing::error!("the analysis panicked; the job is retried if attempts are left");
            let finish = Finish::Failed {
                code: JobFailure::Internal,
                message: "the analysis stopped unexpectedly".into(),
                retry_in_ms: Some(backoff_ms(job.attempts)),
            };
            let _ = rt.block_on(w.store.finish(&job.id, worker_id, finish));
            release_if_ended(w, rt, &job.id);
            // Sessions may be in any state after a panic: start afresh.
            pipeline = w.engine.pipeline();
        }
    }
    tracing::info!(worker = %worker_id, "worker stopped");
}

fn backoff_ms(attempt: u32) -> i64 {
    2_000 * i64::from(attempt.clamp(1, 8)).pow(2)
}

struct StoreObserver<'a> {
    w: &'a Workers,
    recorder: FrameRecorder,
    hold: &'a Hold,
}

impl Observer for StoreObserver<'_> {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError> {
        if self.w.cancel.is_cancelled() {
            return Err(PipelineError::new(
                ErrorKind::Shutdown,
                "the worker is shutting down",
            ));
        }
        let held = self
            .recorder
            .add(frames, progress)
            .map_err(|e| PipelineError::internal(e.to_string()))?;
        let signal = match held {
            Holding::Held => self.hold.signal(),
            other => Signal::from(other),
        };
        match signal {
            Signal::Cancel => Err(PipelineError::canceled()),
            Signal::Lost => Err(PipelineError::new(
                ErrorKind::Lost,
                "the job is no longer held by this worker",
            )),
            Signal::Go => Ok(()),
        }
    }
}

fn process(w: &Workers, rt: &Handle, pipeline: &mut Pipeline<'_>, job: &Job, worker: &str) {
    tracing::info!(video = ?job.video_name, options = ?job.options, "job started");
    let started = std::time::Instant::now();
    let held = (job.id.clone(), worker.to_string());
    let renew = (&w.config.queue, Renew::Running);
    let hold = Hold::start(rt, w.store.clone(), held.clone(), renew, None);
    let mut observer = StoreObserver {
        w,
        // Each batch as it comes: at most 16 frames, and the worker's progress with them.
        recorder: FrameRecorder::new(rt, w.store.clone(), held, Duration::ZERO),
        hold: &hold,
    };
    let result = analyse(w, rt, pipeline, job, &mut observer);
    drop(hold);
    let Some(finish) = ending(job, result, started) else {
        return;
    };
    let ended = match &finish {
        Finish::Succeeded { .. } => "succeeded",
        Finish::Canceled => "canceled",
        Finish::HandedBack => "handed_back",
        Finish::Failed {
            retry_in_ms: Some(_),
            ..
        } => "retried",
        Finish::Failed { .. } => "failed",
    };
    match rt.block_on(w.store.finish(&job.id, worker, finish)) {
        Ok(true) => metrics::counter!("emoscope_jobs_ended_total", "outcome" => ended).increment(1),
        Ok(false) => tracing::warn!("job was no longer ours when it ended"),
        Err(e) => tracing::error!(error = %e, "cannot record the end of the job"),
    }
    release_if_ended(w, rt, &job.id);
}

/// The job's video as a local file, through the pipeline, and its annotated video, when whole,
/// into the media store (given up, failed or canceled: deleted).
fn analyse(
    w: &Workers,
    rt: &Handle,
    pipeline: &mut Pipeline<'_>,
    job: &Job,
    observer: &mut StoreObserver<'_>,
) -> Result<Outcome, PipelineError> {
    // A job whose video was already released has nothing to fetch.
    let fetched = match job.video_path {
        Some(_) => rt.block_on(w.uploads.fetch_video(&job.id)),
        None => Err(MediaError::NotFound),
    };
    let video = fetched.map_err(store_error)?;
    let annotated = job
        .options
        .annotate
        .then(|| w.uploads.annotating_path(&job.id));
    let result = pipeline.run_to(&video.path, &job.options, observer, annotated.as_deref());
    drop(video);
    let Some(partial) = annotated else {
        return result;
    };
    if result.as_ref().is_ok_and(|o| o.annotated) {
        rt.block_on(w.uploads.store_annotated(&job.id, &partial))
            .map_err(store_error)?;
    } else {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// How the analysis ends the job; `None` when the job is no longer ours to end.
fn ending(
    job: &Job,
    result: Result<Outcome, PipelineError>,
    started: std::time::Instant,
) -> Option<Finish> {
    Some(match result {
        Ok(outcome) => {
            let seconds = started.elapsed().as_secs_f64();
            metrics::histogram!("emoscope_job_duration_seconds").record(seconds);
            if seconds > 0.0 {
                metrics::histogram!("emoscope_job_frames_per_second")
                    .record(outcome.summary.frames_analyzed as f64 / seconds);
            }
            metrics::counter!("emoscope_faces_classified_total")
                .increment(outcome.summary.faces_classified);
            tracing::info!(
                seconds,
                frames = outcome.summary.frames_analyzed,
                faces = outcome.summary.faces_classified,
                dominant = ?outcome.summary.dominant,
                "job succeeded"
            );
            let warnings = [job.warnings.clone(), outcome.warnings].concat();
            Finish::from(Outcome {
                warnings,
                ..outcome
            })
        }
        Err(e) if e.kind == ErrorKind::Lost => {
            tracing::warn!("job was deleted or taken over; dropping it");
            return None;
        }
        Err(e) if e.kind == ErrorKind::Canceled => {
            tracing::info!("job canceled");
            Finish::Canceled
        }
        // The process stops: another worker takes the job up, and this try does not count.
        Err(e) if e.kind == ErrorKind::Shutdown => {
            tracing::info!("the worker stops: job handed back");
            Finish::HandedBack
        }
        Err(e) => {
            // Bad videos fail at once; our own faults and shutdowns get another try.
            let retry = e.kind.retryable().then(|| backoff_ms(job.attempts));
            tracing::warn!(code = e.code(), error = %e.message, retry = retry.is_some(), "job failed");
            Finish::Failed {
                code: JobFailure::of(e.kind).unwrap_or(JobFailure::Internal),
                message: e.message,
                retry_in_ms: retry,
            }
        }
    })
}

/// A store that fails is worth another try later; a video that is gone is not.
fn store_error(e: MediaError) -> PipelineError {
    match e {
        MediaError::NotFound => PipelineError::new(
            ErrorKind::VideoMissing,
            "the uploaded video is no longer in the store",
        ),
        MediaError::Unavailable(m) => PipelineError::new(ErrorKind::StoreUnavailable, m),
    }
}

/// A job put back in the queue for another try keeps its video; an ended one lets it go.
fn release_if_ended(w: &Workers, rt: &Handle, id: &str) {
    if let Ok(Some(after)) = rt.block_on(w.store.get(id)) {
        rt.block_on(w.uploads.release(w.store.as_ref(), &after));
    }
}
