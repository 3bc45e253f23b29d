//! The loop of the background claimers (report writers, the webhook sender): take a free slot,
//! claim one item, work on it in a task of its own, or, with nothing to claim, wait for a
//! wake-up or the next poll. Ends when `cancel` is cancelled, once the items under way (which
//! watch the same token) have ended.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::db::DbResult;

/// How one kind of item is claimed.
pub struct Claimer<'a> {
    /// Items worked on at once.
    pub slots: usize,
    /// How often to look when nothing wakes the loop.
    pub poll: Duration,
    /// Woken when an item is queued.
    pub wake: Option<&'a Notify>,
    pub cancel: &'a CancellationToken,
    /// Names the items in the log.
    pub what: &'a str,
}

impl Claimer<'_> {
    /// Runs `work` on what `claim` hands out, at most `slots` at a time.
    pub async fn run<T, C, CF, W, WF>(self, claim: C, work: W)
    where
        C: Fn() -> CF,
        CF: Future<Output = DbResult<Option<T>>>,
        W: Fn(T) -> WF,
        WF: Future<Output = ()> + Send + 'static,
    {
        let items = TaskTracker::new();
        let slots = Arc::new(Semaphore::new(self.slots.max(1)));
        loop {
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                _ = self.cancel.cancelled() => break,
            };
            match claim().await {
                Ok(Some(item)) => {
                    let task = work(item);
                    items.spawn(async move {
                        task.await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "cannot claim {}", self.what),
            }
            drop(permit);
            if !self.idle().await {
                break;
            }
        }
        items.close();
        items.wait().await;
    }

    /// Waits for a wake-up or the next poll; false once cancelled.
    async fn idle(&self) -> bool {
        let woken = async {
            match self.wake {
                Some(w) => w.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = woken => true,
            _ = tokio::time::sleep(self.poll) => true,
            _ = self.cancel.cancelled() => false,
        }
    }
}
