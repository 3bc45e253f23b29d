//! Who this process is, among the processes that run workers from one data folder on one
//! machine: slot `k`, held by an exclusive lock on `{data_dir}/instances/slot-{k}.lock` for as
//! long as the process lives. The kernel drops the lock when the process dies, however it dies,
//! so a process that gets slot `k` knows that the one before it is gone, and may take back the
//! jobs its workers held without waiting for their heartbeats to go stale.
//!
//! The slot also owns a scratch folder, `{data_dir}/scratch/slot-{k}`, for files on their way
//! into or out of the media store. Whatever a killed process left there is deleted when the
//! next process takes the slot.

use std::fs::{File, OpenOptions};
use std::path::Path;

use anyhow::{Context, Result};

/// Slots tried before giving up; more processes than this on one data folder is a mistake.
const MAX_SLOTS: usize = 256;

pub struct Instance {
    /// `{host}:{data folder}:{slot}/`: the start of every worker id of this process.
    pub worker_prefix: String,
    /// This process's scratch folder, empty at the start.
    pub scratch: std::path::PathBuf,
    /// Held, not read: the lock lives as long as this file handle.
    _lock: File,
}

impl Instance {
    /// Takes the lowest free slot.
    pub fn acquire(data_dir: &Path) -> Result<Self> {
        let dir = data_dir.join("instances");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let folder = std::fs::canonicalize(data_dir)
            .unwrap_or_else(|_| data_dir.to_path_buf())
            .display()
            .to_string();
        for slot in 0..MAX_SLOTS {
            let path = dir.join(format!("slot-{slot}.lock"));
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {
                    let scratch = data_dir.join("scratch").join(format!("slot-{slot}"));
                    clear(&scratch)?;
                    return Ok(Self {
                        worker_prefix: format!("{}:{folder}:{slot}/", hostname()),
                        scratch,
                        _lock: file,
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        anyhow::bail!(
            "more than {MAX_SLOTS} processes run workers from {}",
            data_dir.display()
        )
    }
}

/// Empties the folder (creating it if need be).
fn clear(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot empty {}", dir.display())),
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::Instance;

    #[test]
    fn each_live_instance_has_its_own_slot_and_a_dead_one_s_slot_is_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let a = Instance::acquire(dir.path()).expect("a");
        let b = Instance::acquire(dir.path()).expect("b");
        assert_ne!(a.worker_prefix, b.worker_prefix);
        assert!(a.worker_prefix.ends_with(":0/"), "{}", a.worker_prefix);
        assert_ne!(a.scratch, b.scratch);
        let a_prefix = a.worker_prefix.clone();
        let left = a.scratch.join("x.part");
        std::fs::write(&left, b"half an upload").expect("write");
        drop(a);
        let c = Instance::acquire(dir.path()).expect("c");
        assert_eq!(c.worker_prefix, a_prefix);
        assert!(
            !left.exists(),
            "what the dead process left in its scratch folder is gone"
        );
        assert!(c.scratch.is_dir());
    }
}
