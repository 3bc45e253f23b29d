//! Holding a job while it runs: a heartbeat on the runtime renews the hold every
//! `queue.heartbeat_secs`, which proves the holder alive, and learns whether a user asked to
//! cancel or the job was taken away, for the holder to act on (a worker at its next batch of
//! frames, a stream at once through its stop flag). One guard for the workers' video jobs and
//! for stream jobs; it stops when dropped, a panic's unwinding included, so that a dead job
//! never looks alive. (A download's hold is the downloader's, on its own column.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use tracing::Instrument;

use crate::config::QueueConfig;
use crate::db::{Holding, Store};

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

/// The heartbeat of one held job; dropping it stops the heartbeat.
pub struct Hold {
    signal: Arc<AtomicU8>,
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
        queue: &QueueConfig,
        stop: Option<Arc<AtomicBool>>,
    ) -> Self {
        let every = Duration::from_secs(queue.heartbeat_secs.max(1));
        let signal = Arc::new(AtomicU8::new(Signal::Go as u8));
        let heard = signal.clone();
        let beat = async move {
            loop {
                tokio::time::sleep(every).await;
                let held = match store.heartbeat(&id, &holder).await {
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
        Self { signal, task }
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
