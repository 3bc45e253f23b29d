//! Holding a job: a heartbeat on the runtime renews the hold every `queue.heartbeat_secs`,
//! which proves the holder alive, and learns whether a user asked to cancel or the job was
//! taken away, for the holder to act on (a worker at its next batch of frames, a stream at once
//! through its stop flag, a download by awaiting [`Hold::stopped`]). One guard for the workers'
//! video jobs, stream jobs and downloads; it stops when dropped, a panic's unwinding included,
//! so that a dead job never looks alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tracing::Instrument;

use crate::config::QueueConfig;
use crate::db::{DbResult, Holding, Store};
use crate::pipeline::{FrameResult, Progress};

/// What the heartbeat has learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Go,
    Cancel,
    Lost,
}

impl From<Holding> for Signal {
    fn from(h: Holding) -> Self {
        match h {
            Holding::Held => Signal::Go,
            Holding::CancelRequested => Signal::Cancel,
            Holding::Lost => Signal::Lost,
        }
    }
}

/// Which hold a heartbeat renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renew {
    /// A running job's (a worker's, a stream's): a cancel is heard as such.
    Running,
    /// A `downloading` job's: a cancel or a delete lets the job go.
    Downloading,
}

/// The heartbeat of one held job; dropping it stops the heartbeat.
pub struct Hold {
    signal: Arc<AtomicU8>,
    /// Told when the signal leaves `Go`.
    changed: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hold {
    /// Starts renewing `holder`'s hold on job `id` every `queue.heartbeat_secs`. `stop`, when
    /// given, is set as soon as the job is to stop (canceled or lost), for a holder blocked on
    /// its source.
    pub fn start(
        rt: &tokio::runtime::Handle,
        store: Arc<dyn Store>,
        (id, holder): (String, String),
        (queue, renew): (&QueueConfig, Renew),
        stop: Option<Arc<AtomicBool>>,
    ) -> Self {
        let every = Duration::from_secs(queue.heartbeat_secs.max(1));
        let signal = Arc::new(AtomicU8::new(Signal::Go as u8));
        let changed = Arc::new(Notify::new());
        let (heard, tell) = (signal.clone(), changed.clone());
        let beat = async move {
            loop {
                tokio::time::sleep(every).await;
                let renewed = match renew {
                    Renew::Running => store.heartbeat(&id, &holder).await,
                    Renew::Downloading => store
                        .download_heartbeat(&id, &holder)
                        .await
                        .map(|kept| if kept { Holding::Held } else { Holding::Lost }),
                };
                let held = match renewed {
                    Ok(held) => Signal::from(held),
                    Err(e) => {
                        tracing::warn!(error = %e, "heartbeat failed");
                        continue;
                    }
                };
                if held == Signal::Go {
                    continue;
                }
                heard.store(held as u8, Ordering::Relaxed);
                tell.notify_waiters();
                if let Some(stop) = &stop {
                    stop.store(true, Ordering::Relaxed);
                }
                // Still held until the holder lets go; a lost job has nothing left to renew.
                if held == Signal::Lost {
                    return;
                }
            }
        };
        let task = rt.spawn(beat.instrument(tracing::Span::current()));
        Self {
            signal,
            changed,
            task,
        }
    }

    /// Returns once the job is to stop: canceled, or no longer held.
    pub async fn stopped(&self) {
        loop {
            // Made before the check, so that a change between the two is not missed.
            let changed = self.changed.notified();
            if self.signal() != Signal::Go {
                return;
            }
            changed.await;
        }
    }

    /// What the heartbeat has learnt so far.
    pub fn signal(&self) -> Signal {
        match self.signal.load(Ordering::Relaxed) {
            1 => Signal::Cancel,
            2 => Signal::Lost,
            _ => Signal::Go,
        }
    }
}

/// A held job's analysed frames and progress, written in one short transaction at a time: each
/// batch as it comes (`every` zero: a worker's video), or at most every `every` (a stream, whose
/// frames come one by one). A write only applies while the job is still the holder's, and
/// says whether it is.
pub struct FrameRecorder {
    store: Arc<dyn Store>,
    rt: tokio::runtime::Handle,
    /// The job and its holder.
    held: (String, String),
    every: Duration,
    pending: Vec<FrameResult>,
    progress: Option<Progress>,
    last_write: Instant,
    writes: u64,
}

impl FrameRecorder {
    pub fn new(
        rt: &tokio::runtime::Handle,
        store: Arc<dyn Store>,
        held: (String, String),
        every: Duration,
    ) -> Self {
        Self {
            store,
            rt: rt.clone(),
            held,
            every,
            pending: Vec::new(),
            progress: None,
            last_write: Instant::now(),
            writes: 0,
        }
    }

    /// Adds a batch of frames; writes what waits when it is time.
    pub fn add(&mut self, frames: Vec<FrameResult>, progress: Progress) -> DbResult<Holding> {
        self.pending.extend(frames);
        self.progress = Some(progress);
        if self.last_write.elapsed() >= self.every {
            self.write()
        } else {
            Ok(Holding::Held)
        }
    }

    /// Writes so far.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// Writes the frames that wait, and the progress.
    pub fn write(&mut self) -> DbResult<Holding> {
        let frames = std::mem::take(&mut self.pending);
        self.last_write = Instant::now();
        self.writes += 1;
        let Some(p) = self.progress else {
            return Ok(Holding::Held);
        };
        let (id, holder) = (&self.held.0, &self.held.1);
        self.rt
            .block_on(self.store.record(id, holder, &frames, p.done, p.total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in the job drops the guard while unwinding, and the heartbeat stops with it.
    #[tokio::test]
    async fn a_panicking_job_stops_its_heartbeat() {
        let task = tokio::spawn(std::future::pending::<()>());
        let watched = task.abort_handle();
        let hold = Hold {
            signal: Arc::default(),
            changed: Arc::default(),
            task,
        };
        let panicked = std::thread::spawn(move || {
            let _hold = hold;
            panic!("the job panicked");
        })
        .join();
        assert!(panicked.is_err());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(watched.is_finished(), "the heartbeat outlived the panic");
    }
}
