//! Upload files: where they live, when they go. Every end of a job (success, failure, cancel,
//! delete, a worker lost for good) passes through [`Uploads::release`] or [`Uploads::remove`], and
//! the [`Uploads::sweep`] catches what a crash, a dropped connection or a store outage left
//! behind, so that no video outlives its job unless the job asked to keep it.
//!
//! Objects in the media store (a folder or a bucket, `storage.rs`): `{id}.video`, the whole upload
//! waiting for its analysis; `{id}.annotated.mp4`, the annotated video (opt-in), kept until the
//! job is deleted. Files on their way in or out live in this process's scratch folder
//! (`instance.rs`, emptied at every start): `{id}.part` while the body arrives,
//! `{id}.annotating.mp4` while it is drawn, and a worker's copy of a video from a bucket.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Job;
use crate::db::JobStore;
use crate::storage::{MediaError, MediaStore};

#[derive(Debug, Clone)]
pub struct Uploads {
    media: Arc<MediaStore>,
    scratch: PathBuf,
}

/// The objects of a job in the store; `Part` and `Annotating` are left by versions that wrote
/// them into the uploads folder.
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

/// A job's video as a local file for the decoder; a copy fetched from a bucket is removed when
/// this is dropped.
pub struct LocalVideo {
    pub path: PathBuf,
    copy: bool,
}

impl Drop for LocalVideo {
    fn drop(&mut self) {
        if self.copy {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn video_name(id: &str) -> String {
    format!("{id}.video")
}

fn annotated_name(id: &str) -> String {
    format!("{id}.annotated.mp4")
}

impl Uploads {
    pub fn new(media: Arc<MediaStore>, scratch: impl Into<PathBuf>) -> Self {
        Self {
            media,
            scratch: scratch.into(),
        }
    }

    pub fn media(&self) -> &MediaStore {
        &self.media
    }

    /// Where the body is written while it arrives.
    pub fn partial_path(&self, id: &str) -> PathBuf {
        self.scratch.join(format!("{id}.part"))
    }

    /// Where the annotated video is written while the job runs.
    pub fn annotating_path(&self, id: &str) -> PathBuf {
        self.scratch.join(format!("{id}.annotating.mp4"))
    }

    /// Moves a whole, checked upload into the store; returns where it is, for the job's record.
    /// An upload on its way in, with no job yet; see [`Incoming`].
    pub fn incoming(&self, id: &str) -> Incoming {
        Incoming {
            uploads: self.clone(),
            id: id.to_string(),
            path: self.partial_path(id),
            committed: false,
            kept: false,
        }
    }

    pub async fn commit(&self, id: &str, partial: &Path) -> Result<String, MediaError> {
        let name = video_name(id);
        self.media.put_file(&name, partial).await?;
        let _ = tokio::fs::remove_file(partial).await;
        Ok(self.media.location(&name))
    }

    /// The job's video as a local file.
    pub async fn fetch_video(&self, id: &str) -> Result<LocalVideo, MediaError> {
        let (path, copy) = self.media.fetch(&video_name(id), &self.scratch).await?;
        Ok(LocalVideo { path, copy })
    }

    /// Moves a finished annotated video into the store.
    pub async fn store_annotated(&self, id: &str, file: &Path) -> Result<(), MediaError> {
        let stored = self.media.put_file(&annotated_name(id), file).await;
        let _ = tokio::fs::remove_file(file).await;
        stored
    }

    /// The annotated video's name in the store.
    pub fn annotated(&self, id: &str) -> String {
        annotated_name(id)
    }

    /// The job's id from an object's name, with which of its objects it is.
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
    /// that it is gone. Returns whether a file was removed. When the store fails, the record
    /// stays and the sweeper tries again.
    pub async fn release(&self, store: &dyn JobStore, job: &Job) -> bool {
        if !job.status.is_finished() || job.keep_video || job.video_path.is_none() {
            return false;
        }
        self.release_video(store, &job.id).await
    }

    async fn release_video(&self, store: &dyn JobStore, id: &str) -> bool {
        let Ok(removed) = self.delete(&[video_name(id), format!("{id}.part")]).await else {
            return false;
        };
        if let Err(e) = store.forget_video(id).await {
            tracing::warn!(job = %id, error = %e, "cannot record the upload's deletion");
        }
        removed
    }

    /// Deletes the job's objects, the annotated video too, whatever the job's state (the job
    /// itself is being deleted). What a store outage keeps, the sweeper removes later.
    pub async fn remove(&self, id: &str) -> bool {
        let names = [
            video_name(id),
            format!("{id}.part"),
            format!("{id}.annotating.mp4"),
            annotated_name(id),
        ];
        self.delete(&names).await.unwrap_or(false)
    }

    /// Deletes the named objects; whether one was there, or the first failure.
    async fn delete(&self, names: &[String]) -> Result<bool, MediaError> {
        let mut removed = false;
        for name in names {
            match self.media.delete(name).await {
                Ok(gone) => removed |= gone,
                Err(e) => {
                    tracing::warn!(error = %e, object = %name, "cannot delete an upload");
                    return Err(e);
                }
            }
        }
        if removed {
            tracing::info!(objects = ?names.first(), "upload deleted");
        }
        Ok(removed)
    }

    /// Removes every object whose job has ended (and is not to be kept) or does not exist. An
    /// object of no job is left alone until it is `grace` old: its job may be a moment from
    /// being stored. Safe to run in several processes at once: a delete of what another
    /// process deleted is no error.
    pub async fn sweep(&self, store: &dyn JobStore, grace: Duration) -> Result<Swept, MediaError> {
        let mut swept = Swept::default();
        for entry in self.media.list().await? {
            let Some((id, kind)) = Self::parse(&entry.name) else {
                continue;
            };
            let job = match store.get(id).await {
                Ok(job) => job,
                Err(e) => {
                    tracing::warn!(error = %e, "sweep: cannot read a job; trying later");
                    continue;
                }
            };
            let gone = match job {
                // An annotated video lives as long as its job.
                Some(_) if kind == Kind::Annotated => false,
                Some(job) if job.status.is_finished() && kind != Kind::Video => self
                    .delete(std::slice::from_ref(&entry.name))
                    .await
                    .unwrap_or(false),
                Some(job) if job.status.is_finished() && !job.keep_video => {
                    self.release_video(store, id).await
                }
                Some(_) => false,
                None => {
                    let age = SystemTime::now()
                        .duration_since(entry.modified)
                        .unwrap_or_default();
                    if age < grace {
                        continue;
                    }
                    if self.remove(id).await {
                        swept.orphans += 1;
                    }
                    continue;
                }
            };
            if gone {
                swept.finished += 1;
            }
        }
        Ok(swept)
    }
}

/// An upload that has no job yet: its file in the scratch folder, then its object in the media
/// store, both removed when this is dropped unless [`Incoming::keep`] says the job was stored.
pub struct Incoming {
    uploads: Uploads,
    id: String,
    /// Where the body is written as it arrives.
    pub path: PathBuf,
    committed: bool,
    kept: bool,
}

impl Incoming {
    /// The whole upload, moved into the media store where workers look for it; returns where.
    /// A store that fails leaves nothing behind (an S3 multipart upload is aborted).
    pub async fn commit(&mut self) -> Result<String, MediaError> {
        let location = self.uploads.commit(&self.id, &self.path).await?;
        self.committed = true;
        Ok(location)
    }

    /// The job is stored: the upload is its now.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let _ = std::fs::remove_file(&self.path);
        if self.committed {
            // The job was refused after its video reached the store; the sweeper would take it
            // after its grace time, this takes it now.
            let (uploads, id) = (self.uploads.clone(), self.id.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { uploads.remove(&id).await });
            }
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
        assert_eq!(Uploads::parse(&format!("sub/{id}.video")), None);
    }
}
