//! Upload files: where they live, when they go. Every end of a job (success, failure, cancel,
//! delete, a worker lost for good) passes through [`Uploads::release`] or [`Uploads::remove`], and
//! the [`Uploads::sweep`] catches what a crash or a dropped connection left behind, so that no
//! video outlives its job unless the job asked to keep it.
//!
//! Layout: `{uploads}/{id}.part` while the body arrives, renamed to `{id}.video` once it is whole;
//! the annotated video (opt-in) is `{id}.annotating.mp4` while it is written, then
//! `{id}.annotated.mp4`, kept until the job is deleted.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::Job;
use super::store::JobStore;

#[derive(Debug, Clone)]
pub struct Uploads {
    dir: PathBuf,
}

/// The files of a job in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Part,
    Video,
    Annotating,
    Annotated,
}

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Videos of finished jobs that were not to be kept.
    pub finished: u64,
    /// Files of no job: jobs deleted, or uploads cut off by a crash.
    pub orphans: u64,
}

impl Uploads {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the body is written while it arrives.
    pub fn partial_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// Where a whole upload waits for its analysis.
    pub fn video_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.video"))
    }

    /// Where the annotated video is written while the job runs.
    pub fn annotating_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.annotating.mp4"))
    }

    /// The annotated video of a succeeded job that asked for one.
    pub fn annotated_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.annotated.mp4"))
    }

    /// The job's id from a file name of this folder, with which of its files it is.
    fn parse(name: &str) -> Option<(&str, Kind)> {
        let (id, kind) = if let Some(id) = name.strip_suffix(".annotated.mp4") {
            (id, Kind::Annotated)
        } else if let Some(id) = name.strip_suffix(".annotating.mp4") {
            (id, Kind::Annotating)
        } else {
            let (id, ext) = name.rsplit_once('.')?;
            match ext {
                "video" => (id, Kind::Video),
                "part" => (id, Kind::Part),
                _ => return None,
            }
        };
        uuid::Uuid::parse_str(id).ok()?;
        Some((id, kind))
    }

    /// Deletes the job's upload if the job has ended and did not ask to keep it, and records
    /// that it is gone. Returns whether a file was removed.
    pub async fn release(&self, store: &dyn JobStore, job: &Job) -> bool {
        if !job.status.is_finished() || job.keep_video || job.video_path.is_none() {
            return false;
        }
        let removed = self.remove_files(&job.id, false).await;
        if let Err(e) = store.forget_video(&job.id).await {
            tracing::warn!(job = %job.id, error = %e, "cannot record the upload's deletion");
        }
        removed
    }

    /// Deletes the job's files, the annotated video too, whatever the job's state (the job
    /// itself is being deleted).
    pub async fn remove(&self, id: &str) -> bool {
        self.remove_files(id, true).await
    }

    /// The upload's files, and the annotated video's when `annotated`.
    async fn remove_files(&self, id: &str, annotated: bool) -> bool {
        let mut removed = false;
        let mut paths = vec![self.video_path(id), self.partial_path(id)];
        if annotated {
            paths.extend([self.annotating_path(id), self.annotated_path(id)]);
        }
        for path in paths {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed = true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(error = %e, path = %path.display(), "cannot delete an upload")
                }
            }
        }
        if removed {
            tracing::info!(job = %id, "upload deleted");
        }
        removed
    }

    /// Removes every file whose job has ended (and is not to be kept) or does not exist. A file
    /// of no job is left alone until it is `grace` old: its upload may still be arriving, or its
    /// job may be a moment from being stored. Safe to run in several processes at once.
    pub async fn sweep(&self, store: &dyn JobStore, grace: Duration) -> std::io::Result<Swept> {
        let mut swept = Swept::default();
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(swept),
            Err(e) => return Err(e),
        };
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some((id, kind)) = name.to_str().and_then(Self::parse) else {
                continue;
            };
            let job = match store.get(id).await {
                Ok(job) => job,
                Err(e) => {
                    tracing::warn!(error = %e, "sweep: cannot read a job; trying later");
                    continue;
                }
            };
            match job {
                // An annotated video lives as long as its job; one left half-written by a
                // crash goes once the job has ended.
                Some(_) if kind == Kind::Annotated => {}
                Some(job) if kind == Kind::Annotating => {
                    if job.status.is_finished() && remove_file(&entry.path()).await {
                        swept.finished += 1;
                    }
                }
                Some(job) if job.status.is_finished() && !job.keep_video => {
                    if self.release(store, &job).await {
                        swept.finished += 1;
                    }
                }
                Some(_) => {}
                None => {
                    let age = entry
                        .metadata()
                        .await
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .unwrap_or_default();
                    if age >= grace && self.remove(id).await {
                        swept.orphans += 1;
                    }
                }
            }
        }
        Ok(swept)
    }
}

async fn remove_file(path: &Path) -> bool {
    match tokio::fs::remove_file(path).await {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "cannot delete a file");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Uploads};

    #[test]
    fn only_the_folder_s_own_files_are_recognised() {
        let id = "019ac6a1-7441-76ea-a89d-2fb3757ceca0";
        assert_eq!(
            Uploads::parse(&format!("{id}.video")),
            Some((id, Kind::Video))
        );
        assert_eq!(
            Uploads::parse(&format!("{id}.part")),
            Some((id, Kind::Part))
        );
        assert_eq!(
            Uploads::parse(&format!("{id}.annotated.mp4")),
            Some((id, Kind::Annotated))
        );
        assert_eq!(
            Uploads::parse(&format!("{id}.annotating.mp4")),
            Some((id, Kind::Annotating))
        );
        assert_eq!(Uploads::parse(&format!("{id}.mp4")), None);
        assert_eq!(Uploads::parse(&format!("{id}.txt")), None);
        assert_eq!(Uploads::parse("notes.video"), None);
        assert_eq!(Uploads::parse("emoscope.db"), None);
    }
}
