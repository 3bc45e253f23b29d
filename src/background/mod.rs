//! What runs beside the requests and the workers, in every process with a store: the claim loop
//! of the report writers and the webhook sender ([`claimer`]), [`housekeeping`], and this
//! process's slot among those sharing a data folder ([`instance`]). Every task is owned by one
//! [`Background`], which stops them all and waits for them.

pub mod claimer;
pub mod housekeeping;
pub mod instance;

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The background tasks of one process.
#[derive(Default)]
pub struct Background {
    tasks: TaskTracker,
    cancel: CancellationToken,
}

impl Background {
    /// A token that is cancelled when the process stops.
    pub fn token(&self) -> CancellationToken {
        self.cancel.child_token()
    }

    /// Where tasks started later (a download per job) are tracked, so that [`Background::stop`]
    /// waits for them too.
    pub fn tracker(&self) -> TaskTracker {
        self.tasks.clone()
    }

    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Tells every task to stop, without waiting.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Cancels every task and waits, at most `limit`, for them to end. A task still running
    /// then is left to the runtime's end; what it held is taken back at the next start.
    pub async fn stop(&self, limit: Duration) {
        self.cancel.cancel();
        self.tasks.close();
        if tokio::time::timeout(limit, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(?limit, "background tasks still running after the limit");
        }
    }
}
