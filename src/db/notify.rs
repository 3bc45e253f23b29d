//! Waking idle workers and report writers in other processes: on PostgreSQL, queueing a job or
//! a report sends `NOTIFY emoscope_queue` (delivered when its transaction commits), and every
//! process LISTENs and wakes its own. Polling (`queue.poll_ms`) stays as the fallback: a
//! notification lost while a connection is re-made costs one poll interval, nothing more.
//! SQLite has one machine and no such channel; its processes poll.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{Db, SqlStore};

pub const CHANNEL: &str = "emoscope_queue";

/// The payloads: what was queued.
pub const JOB: &str = "job";
pub const REPORT: &str = "report";

impl SqlStore {
    /// Listens for queued work until `cancel` (PostgreSQL); `false` where there is nothing to
    /// listen to (SQLite).
    pub(super) fn listen_for_work(
        &self,
        jobs: Arc<Notify>,
        reports: Arc<Notify>,
        cancel: CancellationToken,
    ) -> bool {
        let Db::Postgres(pool) = &self.db else {
            return false;
        };
        let pool = pool.clone();
        tokio::spawn(async move {
            loop {
                let mut listener = match PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot LISTEN for queued work; polling");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                            _ = cancel.cancelled() => return,
                        }
                    }
                };
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot LISTEN for queued work; polling");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                        _ = cancel.cancelled() => return,
                    }
                }
                loop {
                    let got = tokio::select! {
                        got = listener.recv() => got,
                        _ = cancel.cancelled() => return,
                    };
                    match got {
                        Ok(n) if n.payload() == REPORT => reports.notify_one(),
                        Ok(_) => jobs.notify_waiters(),
                        Err(e) => {
                            tracing::warn!(error = %e, "LISTEN connection lost; connecting again");
                            break;
                        }
                    }
                }
            }
        });
        true
    }
}
