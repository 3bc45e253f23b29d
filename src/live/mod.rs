//! Live analysis: a camera's frames sent over a WebSocket (`GET /v1/live`), analysed as they
//! come, per person. [`LiveSessions`] admits sessions within the limits (in all and per key)
//! and holds the short-lived tickets a browser uses to open one; [`session`] analyses one
//! session's frames on a thread of its own; [`capture`] reads a camera, a stream or a file as
//! it plays. A finished session kept as a job, and stream jobs, are jobs (`jobs/keep.rs`,
//! `jobs/stream.rs`).

pub mod capture;
pub mod session;
pub mod tickets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::auth::Caller;
use crate::config::Config;
use crate::pipeline::Engine;

/// This process's live sessions.
#[derive(Clone)]
pub struct LiveSessions {
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    /// What the jobs of this process's sessions and streams are held by (then `-` and the
    /// job's or session's id): it starts with this instance's prefix, so that a restart fails
    /// what its previous process left running.
    pub holder: String,
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    /// By API key; the open server's callers under "".
    by_key: HashMap<String, usize>,
}

/// Why a session was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// `limits.max_live_sessions` are open.
    Full(usize),
    /// This key has `limits.max_live_sessions_per_key` open.
    KeyFull(usize),
}

/// A place among the open sessions, given back when dropped.
pub struct Place {
    open: Arc<Mutex<Open>>,
    key: String,
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            open.total = open.total.saturating_sub(1);
            metrics::gauge!("emoscope_live_sessions").set(open.total as f64);
            if let Some(n) = open.by_key.get_mut(&self.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.by_key.remove(&self.key);
                }
            }
        }
    }
}

impl LiveSessions {
    pub fn new(engine: Arc<Engine>, config: Arc<Config>, holder: String) -> Self {
        Self {
            engine,
            config,
            holder,
            open: Arc::default(),
        }
    }

    /// A place for a new session of `caller`, or why there is none.
    pub fn admit(&self, caller: &Caller) -> Result<Place, Refused> {
        let l = &self.config.limits;
        let key = caller.owner().unwrap_or_default().to_string();
        let mut open = self.open.lock().map_err(|_| Refused::Full(0))?;
        if open.total >= l.max_live_sessions {
            return Err(Refused::Full(l.max_live_sessions));
        }
        let mine = open.by_key.get(&key).copied().unwrap_or(0);
        if mine >= l.max_live_sessions_per_key {
            return Err(Refused::KeyFull(l.max_live_sessions_per_key));
        }
        open.total += 1;
        metrics::gauge!("emoscope_live_sessions").set(open.total as f64);
        *open.by_key.entry(key.clone()).or_default() += 1;
        Ok(Place {
            open: self.open.clone(),
            key,
        })
    }

    /// Sessions open now.
    pub fn open(&self) -> usize {
        self.open.lock().map(|o| o.total).unwrap_or(0)
    }
}
