//! `queue.*`: heartbeats, take-overs, retries and the sweeper.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// How often a running job's worker proves it is alive.
    pub heartbeat_secs: u64,
    /// A running job whose heartbeat is older than this is given to another worker.
    pub stale_after_secs: u64,
    /// How often an idle worker looks for work.
    pub poll_ms: u64,
    /// Tries per job before it fails for good (failures of the analysis itself).
    pub max_attempts: u32,
    /// A job whose worker process died this many times in a row at the same point is taken to
    /// be what kills it (a poison job) and fails with `worker_lost`; other restarts cost nothing.
    pub max_crashes: u32,
    /// How often the sweeper looks for uploads that outlived their job.
    pub sweep_secs: u64,
    /// An upload file that belongs to no job is removed once it is this old (a crash mid-upload).
    pub orphan_grace_secs: u64,
    /// On SIGTERM (or Ctrl-C) a process's workers take no new job and have this long to finish
    /// the ones they hold; a job still running then is handed back to the queue at once, its
    /// frames dropped and its attempt not counted. Keep it under the time the platform waits
    /// before it kills the process (Kubernetes: `terminationGracePeriodSeconds`, 30 by default).
    pub stop_grace_secs: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            heartbeat_secs: 5,
            stale_after_secs: 30,
            poll_ms: 500,
            max_attempts: 3,
            max_crashes: 5,
            sweep_secs: 60,
            orphan_grace_secs: 600,
            stop_grace_secs: 25,
        }
    }
}
