//! Workers: each is an OS thread with its own inference sessions that claims a job, runs the
//! pipeline on it and reports through the store. A heartbeat task proves the worker alive; a
//! recovery task hands the jobs of silent workers to others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{Notify, watch};
use tracing::Instrument;

use super::Job;
use super::store::{Finish, Holding, JobStore};
use crate::config::Config;
use crate::pipeline::{Engine, FrameResult, Observer, Pipeline, PipelineError, Progress};

#[derive(Clone)]
pub struct Workers {
    pub store: Arc<dyn JobStore>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    /// Woken when a job is queued, so idle workers don't wait for the next poll.
    pub wake: Arc<Notify>,
}

/// Starts `count` workers and the stale-job recovery; they stop when `shutdown` turns true.
pub fn spawn(
    workers: Workers,
    count: usize,
    shutdown: watch::Receiver<bool>,
) -> Vec<std::thread::JoinHandle<()>> {
    let handle = Handle::current();
    handle.spawn(recover_loop(workers.clone(), shutdown.clone()));
    let base = format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    (0..count)
        .map(|n| {
            let (w, h, s) = (workers.clone(), handle.clone(), shutdown.clone());
            let id = format!("{base}-{n}");
            std::thread::Builder::new()
                .name(format!("emoscope-worker-{n}"))
                .spawn(move || worker_loop(w, h, s, id))
                .expect("spawning a worker thread")
        })
        .collect()
}

async fn recover_loop(w: Workers, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_secs(w.config.queue.heartbeat_secs.max(1));
    let stale_ms = (w.config.queue.stale_after_secs * 1000) as i64;
    loop {
        match w.store.recover_stale(stale_ms).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::warn!(jobs = n, "requeued jobs whose worker stopped responding");
                w.wake.notify_waiters();
            }
            Err(e) => tracing::error!(error = %e, "stale job recovery failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

fn worker_loop(w: Workers, rt: Handle, shutdown: watch::Receiver<bool>, worker_id: String) {
    let mut pipeline = w.engine.pipeline();
    tracing::info!(worker = %worker_id, "worker started");
    let poll = Duration::from_millis(w.config.queue.poll_ms.max(10));
    while !*shutdown.borrow() {
        let job = match rt.block_on(w.store.claim(&worker_id)) {
            Ok(job) => job,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                std::thread::sleep(poll);
                continue;
            }
        };
        match job {
            Some(job) => {
                let span = tracing::info_span!("job", id = %job.id, attempt = job.attempts, worker = %worker_id);
                let _enter = span.enter();
                let survived = catch_unwind(AssertUnwindSafe(|| {
                    process(&w, &rt, &mut pipeline, &job, &worker_id, &shutdown)
                }));
                if survived.is_err() {
                    tracing::error!(
                        "the analysis panicked; the job is retried if attempts are left"
                    );
                    let finish = Finish::Failed {
                        code: "internal".into(),
                        message: "the analysis stopped unexpectedly".into(),
                        retry_in_ms: Some(backoff_ms(job.attempts)),
                    };
                    let _ = rt.block_on(w.store.finish(&job.id, &worker_id, finish));
                    // Sessions may be in any state after a panic: start afresh.
                    pipeline = w.engine.pipeline();
                }
            }
            None => {
                let mut s = shutdown.clone();
                rt.block_on(async {
                    tokio::select! {
                        _ = w.wake.notified() => {}
                        _ = tokio::time::sleep(poll) => {}
                        _ = s.changed() => {}
                    }
                });
            }
        }
    }
    tracing::info!(worker = %worker_id, "worker stopped");
}

fn backoff_ms(attempt: u32) -> i64 {
    2_000 * i64::from(attempt.clamp(1, 8)).pow(2)
}

const GO: u8 = 0;
const CANCEL: u8 = 1;
const LOST: u8 = 2;

struct StoreObserver<'a> {
    store: &'a dyn JobStore,
    rt: &'a Handle,
    job_id: &'a str,
    worker: &'a str,
    signal: &'a AtomicU8,
    shutdown: &'a watch::Receiver<bool>,
}

impl Observer for StoreObserver<'_> {
    fn on_frames(
        &mut self,
        frames: Vec<FrameResult>,
        progress: Progress,
    ) -> Result<(), PipelineError> {
        if *self.shutdown.borrow() {
            return Err(PipelineError::new(
                "shutdown",
                "the worker is shutting down",
            ));
        }
        let held = self
            .rt
            .block_on(self.store.record(
                self.job_id,
                self.worker,
                &frames,
                progress.done,
                progress.total,
            ))
            .map_err(|e| PipelineError::internal(e.to_string()))?;
        let signal = match held {
            Holding::Held => self.signal.load(Ordering::Relaxed),
            Holding::CancelRequested => CANCEL,
            Holding::Lost => LOST,
        };
        match signal {
            CANCEL => Err(PipelineError::canceled()),
            LOST => Err(PipelineError::new(
                "lost",
                "the job is no longer held by this worker",
            )),
            _ => Ok(()),
        }
    }
}

fn process(
    w: &Workers,
    rt: &Handle,
    pipeline: &mut Pipeline<'_>,
    job: &Job,
    worker: &str,
    shutdown: &watch::Receiver<bool>,
) {
    tracing::info!(video = ?job.video_name, options = ?job.options, "job started");
    let started = std::time::Instant::now();
    let signal = Arc::new(AtomicU8::new(GO));
    let done = Arc::new(AtomicBool::new(false));
    let heartbeat = rt.spawn(
        heartbeat_loop(
            w.clone(),
            job.id.clone(),
            worker.to_string(),
            signal.clone(),
            done.clone(),
        )
        .instrument(tracing::Span::current()),
    );

    let result = match job.video_path.as_deref() {
        Some(path) if Path::new(path).is_file() => {
            let mut observer = StoreObserver {
                store: w.store.as_ref(),
                rt,
                job_id: &job.id,
                worker,
                signal: &signal,
                shutdown,
            };
            pipeline.run(Path::new(path), &job.options, &mut observer)
        }
        _ => Err(PipelineError::new(
            "video_missing",
            "the uploaded video is no longer on disk",
        )),
    };
    done.store(true, Ordering::Relaxed);
    heartbeat.abort();

    let finish = match result {
        Ok(outcome) => {
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                frames = outcome.summary.frames_analyzed,
                faces = outcome.summary.faces_classified,
                dominant = ?outcome.summary.dominant,
                "job succeeded"
            );
            Finish::Succeeded {
                video: outcome.video,
                summary: Box::new(outcome.summary),
            }
        }
        Err(e) if e.code == "lost" => {
            tracing::warn!("job was deleted or taken over; dropping it");
            return;
        }
        Err(e) if e.code == "canceled" => {
            tracing::info!("job canceled");
            Finish::Canceled
        }
        Err(e) => {
            // Bad videos fail at once; our own faults and shutdowns get another try.
            let retry = matches!(e.code, "internal" | "shutdown").then(|| backoff_ms(job.attempts));
            tracing::warn!(code = e.code, error = %e.message, retry = retry.is_some(), "job failed");
            Finish::Failed {
                code: e.code.to_string(),
                message: e.message,
                retry_in_ms: retry,
            }
        }
    };
    match rt.block_on(w.store.finish(&job.id, worker, finish)) {
        Ok(true) => {}
        Ok(false) => tracing::warn!("job was no longer ours when it ended"),
        Err(e) => tracing::error!(error = %e, "cannot record the end of the job"),
    }
    // A job put back in the queue for another try keeps its video.
    if let Ok(Some(after)) = rt.block_on(w.store.get(&job.id)) {
        if after.status.is_finished() {
            remove_upload(w.store.as_ref(), rt, &after);
        }
    }
}

/// Deletes a finished job's upload unless it is to be kept.
pub fn remove_upload(store: &dyn JobStore, rt: &Handle, job: &Job) {
    if job.keep_video {
        return;
    }
    if let Some(path) = &job.video_path {
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!("upload deleted"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "cannot delete the upload"),
        }
        if let Err(e) = rt.block_on(store.forget_video(&job.id)) {
            tracing::warn!(error = %e, "cannot record the upload's deletion");
        }
    }
}

async fn heartbeat_loop(
    w: Workers,
    id: String,
    worker: String,
    signal: Arc<AtomicU8>,
    done: Arc<AtomicBool>,
) {
    let every = Duration::from_secs(w.config.queue.heartbeat_secs.max(1));
    while !done.load(Ordering::Relaxed) {
        tokio::time::sleep(every).await;
        match w.store.heartbeat(&id, &worker).await {
            Ok(Holding::Held) => {}
            Ok(Holding::CancelRequested) => signal.store(CANCEL, Ordering::Relaxed),
            Ok(Holding::Lost) => signal.store(LOST, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
    }
}
