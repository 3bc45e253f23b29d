//! Bounds how long FFmpeg may wait on a stream: it asks this between its blocking reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Watchdog {
    origin: Instant,
    /// Milliseconds after `origin` past which a wait is given up.
    deadline_ms: AtomicU64,
    timeout: Duration,
    /// Set from outside (a canceled job, Ctrl-C): any wait ends at once.
    pub stop: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn new(timeout: Duration, stop: Arc<AtomicBool>) -> Self {
        Self {
            origin: Instant::now(),
            deadline_ms: AtomicU64::new(u64::MAX),
            timeout,
            stop,
        }
    }

    /// Starts the clock for one wait (opening, or reading the next packet).
    pub fn arm(&self) {
        let deadline = self.origin.elapsed() + self.timeout;
        self.deadline_ms
            .store(deadline.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn expired(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
            || self.origin.elapsed().as_millis() as u64 > self.deadline_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_at_its_deadline_or_when_stopped() {
        let stop = Arc::new(AtomicBool::new(false));
        let dog = Watchdog::new(Duration::from_millis(20), stop.clone());
        assert!(!dog.expired(), "not armed yet");
        dog.arm();
        assert!(!dog.expired());
        std::thread::sleep(Duration::from_millis(40));
        assert!(dog.expired());
        dog.arm();
        assert!(!dog.expired());
        stop.store(true, Ordering::Relaxed);
        assert!(dog.expired());
    }
}
