//! The loop of the background claimers (report writers, the webhook sender): take a free slot,
//! claim one item, work on it in a task of its own, or, with nothing to claim, wait for a
//! wake-up or the next poll. Ends when `cancel` is cancelled.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::store::StoreResult;

/// Runs `work` on what `claim` hands out, at most `slots` at a time. `what` names the items in
/// the log.
pub async fn run<T, C, CF, W, WF>(
    slots: usize,
    poll: Duration,
    wake: Option<&Notify>,
    cancel: &CancellationToken,
    what: &str,
    claim: C,
    work: W,
) where
    C: Fn() -> CF,
    CF: Future<Output = StoreResult<Option<T>>>,
    W: Fn(T) -> WF,
    WF: Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(slots.max(1)));
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = cancel.cancelled() => return,
        };
        match claim().await {
            Ok(Some(item)) => {
                let task = work(item);
                tokio::spawn(async move {
                    task.await;
                    drop(permit);
                });
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot claim {what}"),
        }
        drop(permit);
        let woken = async {
            match wake {
                Some(w) => w.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(poll) => {}
            _ = cancel.cancelled() => return,
        }
    }
}
