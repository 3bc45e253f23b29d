//! Background report writers: a report request answers at once, and one of these writes it.
//! Each claims a queued report, keeps a heartbeat while the language model works, and stores
//! the text or the error. A writer that dies leaves its report `running` with a stale heartbeat;
//! housekeeping (or this instance's next start) puts it back in the queue.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::service::{ReportFailure, ReportKey, Reporter, fault};
use super::{Report, ReportFault};
use crate::background::claimer::Claimer;
use crate::config::Config;
use crate::db::Store;

#[derive(Clone)]
pub struct ReportWriters {
    pub store: Arc<dyn Store>,
    pub reporter: Arc<Reporter>,
    pub config: Arc<Config>,
    /// The start of this process's writer ids (see `background/instance.rs`).
    pub worker_id: String,
    /// Woken when a report is queued.
    pub wake: Arc<Notify>,
    pub cancel: CancellationToken,
}

impl ReportWriters {
    /// Claims and writes reports, `report.workers` at a time, until cancelled.
    pub async fn run(self) {
        let poll = Duration::from_millis(self.config.queue.poll_ms.max(10));
        let claimer = Claimer {
            slots: self.config.report.workers,
            poll,
            wake: Some(&self.wake),
            cancel: &self.cancel,
            what: "a report",
        };
        claimer
            .run(
                || self.store.claim_report(&self.worker_id),
                |report| {
                    let me = self.clone();
                    async move { me.write(report).await }
                },
            )
            .await;
    }

    async fn write(&self, report: Report) {
        let outcome = tokio::select! {
            o = self.written(&report) => o,
            () = self.heartbeat(&report.id) => {
                tracing::warn!(report = %report.id, "report taken from this writer; dropping it");
                return;
            }
            _ = self.cancel.cancelled() => return, // a restart takes it back
        };
        let result = if outcome.is_ok() { "created" } else { "failed" };
        metrics::counter!("emoscope_report_requests_total",
            "provider" => report.provider.as_str(),
            "outcome" => result)
        .increment(1);
        match self
            .store
            .finish_report(&report.id, &self.worker_id, outcome)
            .await
        {
            Ok(true) => {
                tracing::info!(report = %report.id, job = %report.job_id, result, "report written")
            }
            Ok(false) => {
                tracing::warn!(report = %report.id, "report replaced or removed while it was written")
            }
            Err(e) => tracing::error!(report = %report.id, error = %e, "cannot store a report"),
        }
    }

    async fn written(&self, report: &Report) -> Result<super::Written, ReportFault> {
        let key = ReportKey::of(report);
        let job = match self.store.get(&report.job_id).await {
            Ok(Some(job)) => job,
            Ok(None) => return Err(fault(&ReportFailure::NotSucceeded("deleted"))),
            Err(e) => return Err(fault(&ReportFailure::Store(e))),
        };
        self.reporter
            .write(self.store.as_ref(), &job, &key)
            .await
            .map_err(|f| fault(&f))
    }

    /// Proves this writer alive; returns when the report is no longer its own.
    async fn heartbeat(&self, id: &str) {
        let every = Duration::from_secs(self.config.queue.heartbeat_secs.max(1));
        loop {
            tokio::time::sleep(every).await;
            match self.store.report_heartbeat(id, &self.worker_id).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => tracing::warn!(report = %id, error = %e, "report heartbeat failed"),
            }
        }
    }
}
