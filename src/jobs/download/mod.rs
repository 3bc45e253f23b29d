//! Jobs made from a URL: the job is stored `downloading` and answered at once; this process
//! fetches the video in the background ([`fetch`]), with retries, within the upload's limits,
//! probes it and queues the job, or fails it with a code that says why. The whole URL lives
//! only here, in memory: the job, logs, errors and webhooks show it redacted ([`source`]).
//! While it downloads, the job is held by this process like a running job by its worker (a
//! heartbeat); a cancel or a delete lets it go, and a silent holder's job is failed by
//! housekeeping, since no one else knows the URL.

pub mod fetch;
pub mod source;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use self::fetch::{Failure, Fetch};
use self::source::Source;
use crate::config::Config;
use crate::db::Store;
use crate::db::downloads::Downloaded;
use crate::egress::policy::Policy;
use crate::jobs::JobFailure;
use crate::jobs::hold::{Hold, Renew};
use crate::jobs::uploads::{Incoming, Uploads};
use crate::pipeline::decode::Sampler;
use crate::pipeline::probe::{self, OverLimit};
use tokio::runtime::Handle;

/// This process's downloads.
#[derive(Clone)]
pub struct Downloads {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    config: Arc<Config>,
    uploads: Uploads,
    policy: Policy,
    /// FFmpeg probes at once, shared with uploads.
    probes: Arc<Semaphore>,
    /// `downloads.concurrency`.
    slots: Semaphore,
    /// Holds the downloading jobs, as a worker id holds running ones.
    downloader: String,
    /// Woken when a job is queued.
    wake: Arc<Notify>,
    tasks: TaskTracker,
    cancel: CancellationToken,
}

/// What a download needs from the process.
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub uploads: Uploads,
    pub probes: Arc<Semaphore>,
    pub downloader: String,
    pub wake: Arc<Notify>,
    pub tasks: TaskTracker,
    pub cancel: CancellationToken,
}

/// How a download ended, when it did not queue its job.
enum Ended {
    Failed(Failure),
    /// Canceled, deleted or taken away: nothing to write.
    LetGo,
    Shutdown,
}

impl Downloads {
    pub fn new(p: Parts) -> Self {
        let policy = Policy::for_downloads(&p.config.downloads);
        let slots = Semaphore::new(p.config.downloads.concurrency);
        Self {
            inner: Arc::new(Inner {
                store: p.store,
                policy,
                slots,
                uploads: p.uploads,
                probes: p.probes,
                downloader: p.downloader,
                wake: p.wake,
                tasks: p.tasks,
                cancel: p.cancel,
                config: p.config,
            }),
        }
    }

    /// Where videos may be fetched from.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The id that holds this process's downloading jobs.
    pub fn downloader(&self) -> &str {
        &self.inner.downloader
    }

    /// Fetches the stored `downloading` job's video in the background; `sample_fps` (the job's)
    /// sets its expected progress once the video is in.
    pub fn start(&self, job_id: String, source: Source, sample_fps: f64) {
        let inner = self.inner.clone();
        self.inner
            .tasks
            .spawn(async move { inner.run(job_id, source, sample_fps).await });
    }
}

impl Inner {
    async fn run(&self, id: String, source: Source, sample_fps: f64) {
        let started = Instant::now();
        let upload = self.uploads.incoming(&id);
        let held = (id.clone(), self.downloader.clone());
        let renew = (&self.config.queue, Renew::Downloading);
        let hold = Hold::start(&Handle::current(), self.store.clone(), held, renew, None);
        let ended = tokio::select! {
            r = self.download(&id, &source, upload, sample_fps) => r,
            () = hold.stopped() => Err(Ended::LetGo),
            () = self.cancel.cancelled() => Err(Ended::Shutdown),
        };
        drop(hold);
        let shown = source.shown();
        let secs = started.elapsed().as_secs_f64();
        let failure = match ended {
            Ok(bytes) => {
                tracing::info!(job = %id, source = %shown, bytes, secs, "downloaded; job queued");
                return;
            }
            Err(Ended::LetGo) => {
                tracing::info!(job = %id, source = %shown, "download stopped: the job was canceled or deleted");
                return;
            }
            Err(Ended::Shutdown) => Failure {
                code: JobFailure::DownloadFailed,
                message: "the server stopped during the download; send the URL again".into(),
                retry: false,
            },
            Err(Ended::Failed(f)) => f,
        };
        tracing::warn!(job = %id, source = %shown, code = failure.code.as_str(),
            error = %failure.message, secs, "download failed");
        let written = self
            .store
            .download_failed(&id, &self.downloader, failure.code, &failure.message)
            .await;
        if let Err(e) = written {
            tracing::error!(job = %id, error = %e, "cannot record a failed download");
        }
    }

    /// A turn, the video fetched (retried with backoff), checked and stored; the job queued.
    async fn download(
        &self,
        id: &str,
        source: &Source,
        upload: Incoming,
        sample_fps: f64,
    ) -> Result<u64, Ended> {
        let _turn = self.slots.acquire().await.map_err(|_| Ended::Shutdown)?;
        if let Some(scratch) = upload.path.parent() {
            tokio::fs::create_dir_all(scratch)
                .await
                .map_err(|e| failed(JobFailure::Internal, format!("scratch folder: {e}")))?;
        }
        let d = &self.config.downloads;
        let fetched =
            tokio::time::timeout(Duration::from_secs(d.max_secs), self.fetch(source, &upload))
                .await
                .map_err(|_| {
                    failed(
                        JobFailure::DownloadFailed,
                        format!(
                            "the download took longer than {} s (downloads.max_secs)",
                            d.max_secs
                        ),
                    )
                })??;
        self.queue(id, source, upload, fetched, sample_fps).await
    }

    /// Tries up to `downloads.attempts` times while the failure is worth another try.
    async fn fetch(&self, source: &Source, upload: &Incoming) -> Result<u64, Ended> {
        let d = &self.config.downloads;
        let fetch = Fetch {
            config: &self.config,
            policy: &self.policy,
        };
        let mut wait = Duration::from_millis(d.retry_base_ms);
        for attempt in 1..=d.attempts {
            match fetch.once(source, &upload.path).await {
                Ok(bytes) => return Ok(bytes),
                Err(f) if f.retry && attempt < d.attempts => {
                    tracing::info!(source = %source.shown(), attempt, error = %f.message,
                        "download failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
                Err(mut f) => {
                    if f.retry {
                        f.message = format!("{} (after {attempt} tries)", f.message);
                    }
                    return Err(Ended::Failed(f));
                }
            }
        }
        Err(failed(
            JobFailure::DownloadFailed,
            "no try was made (downloads.attempts)".into(),
        ))
    }

    /// The downloaded file probed, checked against the limits, moved into the media store, and
    /// the job queued with its facts.
    async fn queue(
        &self,
        id: &str,
        source: &Source,
        mut upload: Incoming,
        bytes: u64,
        sample_fps: f64,
    ) -> Result<u64, Ended> {
        if bytes == 0 {
            return Err(failed(
                JobFailure::NotAVideo,
                format!("{} is empty", source.shown()),
            ));
        }
        let info = {
            let _slot = self.probes.acquire().await.map_err(|_| Ended::Shutdown)?;
            let path = upload.path.clone();
            tokio::task::spawn_blocking(move || probe::probe(&path))
                .await
                .map_err(|e| failed(JobFailure::Internal, e.to_string()))?
                .map_err(|e| failed(JobFailure::NotAVideo, e.message))?
        };
        probe::within_limits(&self.config.limits, &info).map_err(|over| match over {
            OverLimit::TooLong(m) => failed(JobFailure::VideoTooLong, m),
            OverLimit::FrameTooLarge(m) => failed(JobFailure::FrameTooLarge, m),
        })?;
        let video_path = upload.commit().await.map_err(|e| {
            failed(
                JobFailure::StoreUnavailable,
                format!("cannot store the video: {e}"),
            )
        })?;
        let done = Downloaded {
            video_path: &video_path,
            video_bytes: bytes,
            video: &info,
            progress_total: Sampler::expected(sample_fps, info.fps, info.frame_count),
        };
        match self.store.downloaded(id, &self.downloader, done).await {
            Ok(true) => {
                upload.keep();
                self.wake.notify_waiters();
                Ok(bytes)
            }
            Ok(false) => Err(Ended::LetGo),
            Err(e) => Err(failed(JobFailure::StoreUnavailable, e.to_string())),
        }
    }
}

fn failed(code: JobFailure, message: String) -> Ended {
    Ended::Failed(Failure {
        code,
        message,
        retry: false,
    })
}
