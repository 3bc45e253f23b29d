//! What every process with a store does now and then, one step per feature: jobs, reports and
//! webhook deliveries whose holder went silent go back to their queues, downloads whose holder
//! went silent fail, and media that outlived its job is removed. Each step logs its own failure
//! and never stops the others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::config::Config;
use crate::db::{LostWriters, Store};
use crate::jobs::uploads::Uploads;

pub struct Housekeeping {
    pub store: Arc<dyn Store>,
    pub uploads: Uploads,
    pub config: Arc<Config>,
    /// Woken when jobs go back to the queue.
    pub wake: Arc<Notify>,
}

impl Housekeeping {
    /// Runs every `queue.heartbeat_secs` (the sweep every `queue.sweep_secs`) until cancelled.
    pub async fn run(self, cancel: CancellationToken) {
        let every = Duration::from_secs(self.config.queue.heartbeat_secs.max(1));
        let sweep_every = Duration::from_secs(self.config.queue.sweep_secs);
        let mut last_sweep: Option<Instant> = None;
        loop {
            if self.jobs().await {
                last_sweep = None; // a job that failed for good leaves its upload behind
            }
            self.reports().await;
            self.deliveries().await;
            self.downloads().await;
            if last_sweep.is_none_or(|t| t.elapsed() >= sweep_every) {
                self.uploads().await;
                last_sweep = Some(Instant::now());
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = cancel.cancelled() => return,
            }
        }
    }

    fn stale_ms(&self) -> i64 {
        let secs = self.config.queue.stale_after_secs;
        i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// Jobs of silent workers back to the queue; true if any went back.
    async fn jobs(&self) -> bool {
        let max_crashes = self.config.queue.max_crashes;
        match self.store.recover_stale(self.stale_ms(), max_crashes).await {
            Ok(0) => false,
            Ok(n) => {
                tracing::warn!(jobs = n, "took back jobs whose worker stopped responding");
                self.wake.notify_waiters();
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "stale job recovery failed");
                false
            }
        }
    }

    async fn reports(&self) {
        let silent = LostWriters::SilentSince(now_ms() - self.stale_ms());
        let max_attempts = self.config.report.max_attempts;
        match self.store.recover_reports(silent, max_attempts).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                reports = n,
                "took back reports whose writer stopped responding"
            ),
            Err(e) => tracing::error!(error = %e, "stale report recovery failed"),
        }
    }

    /// An attempt lasts at most `webhooks.timeout_secs`; a claim much older lost its sender.
    async fn deliveries(&self) {
        let lost_ms = i64::try_from(self.config.webhooks.timeout_secs.saturating_mul(1000))
            .unwrap_or(i64::MAX / 2)
            .saturating_add(self.stale_ms());
        let silent = LostWriters::SilentSince(now_ms().saturating_sub(lost_ms));
        match self.store.recover_deliveries(silent).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(deliveries = n, "took back webhooks whose sender stopped"),
            Err(e) => tracing::error!(error = %e, "stale webhook recovery failed"),
        }
    }

    /// A download's URL lives only in the process fetching it: when that process goes silent,
    /// its jobs fail.
    async fn downloads(&self) {
        let silent = LostWriters::SilentSince(now_ms() - self.stale_ms());
        match self.store.recover_downloads(silent).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "failed downloads whose process stopped responding"
            ),
            Err(e) => tracing::error!(error = %e, "stale download recovery failed"),
        }
    }

    async fn uploads(&self) {
        let grace = Duration::from_secs(self.config.queue.orphan_grace_secs);
        match self.uploads.sweep(self.store.as_ref(), grace).await {
            Ok(s) if s.finished + s.orphans > 0 => {
                tracing::info!(finished = s.finished, orphans = s.orphans, "swept uploads");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot sweep the media store"),
        }
    }
}
