//! Where media lives between the API and the workers: a local folder (one machine), or an
//! S3-compatible bucket that every API and worker process reads and writes (many machines).
//! Both are `object_store` backends under one prefix; the local one also moves and reads files
//! in place, so that a single machine copies nothing.
//!
//! Errors name the folder or the bucket and endpoint, never the credentials.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{Config, StorageBackend};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("no such object")]
    NotFound,
    /// The store did not answer, or refused: worth another try later.
    #[error("{0}")]
    Unavailable(String),
}

/// An object's name under the prefix, and when it was last written.
pub struct Entry {
    pub name: String,
    pub modified: std::time::SystemTime,
}

pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
    prefix: Key,
    /// The folder of the local backend, where files are moved and read in place.
    local: Option<PathBuf>,
    /// The folder or bucket, for messages.
    place: String,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.place)
    }
}

/// Bytes read from a local file per write to the store.
const CHUNK: usize = 1 << 20;

/// The S3 client the `storage.*` settings describe (the usual `AWS_*` variables first; what the
/// config sets wins).
fn s3_builder(config: &Config) -> AmazonS3Builder {
    let s = &config.storage;
    let mut b = AmazonS3Builder::from_env();
    if !s.bucket.is_empty() {
        b = b.with_bucket_name(&s.bucket);
    }
    if !s.endpoint.is_empty() {
        b = b.with_endpoint(&s.endpoint);
    }
    if !s.region.is_empty() {
        b = b.with_region(&s.region);
    }
    if !s.access_key_id.is_empty() {
        b = b.with_access_key_id(&s.access_key_id);
    }
    if let Some(secret) = s.secret_access_key.expose() {
        b = b.with_secret_access_key(secret);
    }
    let timeout = Duration::from_secs(s.timeout_secs.max(1));
    let endpoint = b
        .get_config_value(&object_store::aws::AmazonS3ConfigKey::Endpoint)
        .unwrap_or_default();
    b.with_virtual_hosted_style_request(!s.path_style)
        .with_client_options(
            ClientOptions::new()
                .with_allow_http(endpoint.starts_with("http://"))
                .with_timeout(timeout)
                .with_connect_timeout(Duration::from_secs(5)),
        )
        .with_retry(RetryConfig {
            max_retries: 2,
            retry_timeout: timeout,
            ..RetryConfig::default()
        })
}

/// Another bucket of the same S3 service, with the same endpoint and credentials: where
/// `s3://bucket/key` video URLs are read from. Errors never hold the credentials.
pub fn s3_bucket(config: &Config, bucket: &str) -> Result<Arc<dyn ObjectStore>, String> {
    s3_builder(config)
        .with_bucket_name(bucket)
        .build()
        .map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
        .map_err(|e| format!("S3 bucket {bucket:?}: {}", clean(&e)))
}

/// The error's text on one line, without credentials (see [`clean`]).
pub fn describe(e: &object_store::Error) -> String {
    clean(e)
}

impl MediaStore {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let s = &config.storage;
        match s.backend {
            StorageBackend::Local => Self::local(&config.uploads_dir()),
            StorageBackend::S3 => {
                let b = s3_builder(config);
                let bucket = b
                    .get_config_value(&object_store::aws::AmazonS3ConfigKey::Bucket)
                    .unwrap_or_default();
                let endpoint = b
                    .get_config_value(&object_store::aws::AmazonS3ConfigKey::Endpoint)
                    .unwrap_or_else(|| "AWS".into());
                let place = format!("S3 bucket {bucket:?} at {endpoint}");
                let store = b
                    .build()
                    .map_err(|e| anyhow::anyhow!("storage: {place}: {}", clean(&e)))?;
                Ok(Self {
                    objects: Arc::new(store),
                    prefix: Key::from(s.prefix.trim_matches('/')),
                    local: None,
                    place,
                })
            }
        }
    }

    /// A store in a local folder (created if missing).
    pub fn local(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| anyhow::anyhow!("storage: {}: {e}", dir.display()))?;
        Ok(Self {
            objects: Arc::new(store),
            prefix: Key::default(),
            local: Some(dir.to_path_buf()),
            place: format!("folder {}", dir.display()),
        })
    }

    /// The folder or bucket, as messages and `/readyz` name it.
    pub fn place(&self) -> &str {
        &self.place
    }

    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    fn key(&self, name: &str) -> Key {
        self.prefix.child(name)
    }

    /// Where an object is, as the job records it.
    pub fn location(&self, name: &str) -> String {
        match &self.local {
            Some(dir) => dir.join(name).display().to_string(),
            None => format!("{}/{}", self.place, self.key(name)),
        }
    }

    /// The object's file, when the store is a local folder.
    pub fn local_path(&self, name: &str) -> Option<PathBuf> {
        self.local.as_ref().map(|d| d.join(name))
    }

    /// One cheap request that fails when the store is unreachable, misconfigured or refuses us.
    pub async fn check(&self) -> Result<(), MediaError> {
        let mut list = self.objects.list(Some(&self.prefix));
        match list.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(self.fault(e)),
        }
    }

    /// Moves a finished local file into the store: a rename in the local folder, a streamed
    /// (multipart) upload to S3, aborted on failure so that nothing half-written stays.
    pub async fn put_file(&self, name: &str, file: &Path) -> Result<(), MediaError> {
        if let Some(target) = self.local_path(name) {
            if tokio::fs::rename(file, &target).await.is_ok() {
                return Ok(());
            }
            // Another file system: copy, then let the caller delete its file.
            return match tokio::fs::copy(file, &target).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = tokio::fs::remove_file(&target).await;
                    Err(MediaError::Unavailable(format!(
                        "cannot write to the {}: {e}",
                        self.place
                    )))
                }
            };
        }
        let mut source = tokio::fs::File::open(file)
            .await
            .map_err(|e| MediaError::Unavailable(format!("cannot read the upload: {e}")))?;
        let mut writer = BufWriter::new(self.objects.clone(), self.key(name));
        let mut buf = vec![0u8; CHUNK];
        let written: Result<(), MediaError> = async {
            loop {
                let n = source
                    .read(&mut buf)
                    .await
                    .map_err(|e| MediaError::Unavailable(format!("cannot read the upload: {e}")))?;
                if n == 0 {
                    return Ok(());
                }
                writer
                    .write_all(&buf[..n])
                    .await
                    .map_err(|e| self.io_fault(e))?;
            }
        }
        .await;
        if let Err(e) = written {
            let _ = writer.abort().await;
            return Err(e);
        }
        // A failed finish leaves no object: S3 shows a multipart upload only once it completes
        // (the parts of an unfinished one go with the bucket's lifecycle rule).
        writer.shutdown().await.map_err(|e| self.io_fault(e))
    }

    /// The object as a local file: the file itself for the local backend, else a copy streamed
    /// into `scratch` (the caller removes it). Returns the path and whether it is a copy.
    pub async fn fetch(&self, name: &str, scratch: &Path) -> Result<(PathBuf, bool), MediaError> {
        if let Some(path) = self.local_path(name) {
            return match tokio::fs::metadata(&path).await {
                Ok(m) if m.is_file() => Ok((path, false)),
                _ => Err(MediaError::NotFound),
            };
        }
        let copy = scratch.join(name);
        let result = async {
            let got = self
                .objects
                .get(&self.key(name))
                .await
                .map_err(|e| self.fault(e))?;
            let mut out = tokio::fs::File::create(&copy).await.map_err(|e| {
                MediaError::Unavailable(format!("cannot write {}: {e}", copy.display()))
            })?;
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.fault(e))?;
                out.write_all(&chunk).await.map_err(|e| {
                    MediaError::Unavailable(format!("cannot write {}: {e}", copy.display()))
                })?;
            }
            out.flush().await.map_err(|e| {
                MediaError::Unavailable(format!("cannot write {}: {e}", copy.display()))
            })
        }
        .await;
        match result {
            Ok(()) => Ok((copy, true)),
            Err(e) => {
                let _ = tokio::fs::remove_file(&copy).await;
                Err(e)
            }
        }
    }

    /// Deletes an object; `Ok(false)` when there was none.
    pub async fn delete(&self, name: &str) -> Result<bool, MediaError> {
        // S3 answers a delete of nothing with success, so ask first to know what went.
        match self.objects.head(&self.key(name)).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(self.fault(e)),
        }
        match self.objects.delete(&self.key(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(true),
            Err(e) => Err(self.fault(e)),
        }
    }

    /// The object's size, `None` when there is none.
    pub async fn size(&self, name: &str) -> Result<Option<u64>, MediaError> {
        match self.objects.head(&self.key(name)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.fault(e)),
        }
    }

    /// The bytes of `range` (a valid range of the object), as a stream.
    pub async fn read(
        &self,
        name: &str,
        range: Range<u64>,
    ) -> Result<impl Stream<Item = Result<Bytes, MediaError>> + Send + 'static, MediaError> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..GetOptions::default()
        };
        let got = self
            .objects
            .get_opts(&self.key(name), options)
            .await
            .map_err(|e| self.fault(e))?;
        let place = self.place.clone();
        Ok(got
            .into_stream()
            .map_err(move |e| MediaError::Unavailable(format!("{place}: {}", clean(&e)))))
    }

    /// Every object directly under the prefix.
    pub async fn list(&self) -> Result<Vec<Entry>, MediaError> {
        let mut out = Vec::new();
        let mut list = self.objects.list(Some(&self.prefix));
        while let Some(meta) = list.next().await {
            let meta = meta.map_err(|e| self.fault(e))?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            out.push(Entry {
                name: name.to_string(),
                modified: meta.last_modified.into(),
            });
        }
        Ok(out)
    }

    fn fault(&self, e: object_store::Error) -> MediaError {
        match e {
            object_store::Error::NotFound { .. } => MediaError::NotFound,
            e => MediaError::Unavailable(format!("the {} failed: {}", self.place, clean(&e))),
        }
    }

    fn io_fault(&self, e: std::io::Error) -> MediaError {
        MediaError::Unavailable(format!("the {} failed: {e}", self.place))
    }
}

/// The error's text on one line. `object_store` errors carry the request's URL (bucket and
/// key) but no credentials: requests are signed in headers.
fn clean(e: &dyn std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_local_backend_moves_reads_lists_and_deletes() {
        let dir = tempfile::tempdir().expect("dir");
        let store = MediaStore::local(&dir.path().join("uploads")).expect("store");
        store.check().await.expect("reachable");
        let scratch = dir.path().join("a.part");
        std::fs::write(&scratch, b"0123456789").expect("write");
        store.put_file("a.video", &scratch).await.expect("put");
        assert!(!scratch.exists(), "the file is moved, not copied");
        assert_eq!(store.size("a.video").await.expect("head"), Some(10));
        let (path, copy) = store.fetch("a.video", dir.path()).await.expect("fetch");
        assert_eq!((path, copy), (dir.path().join("uploads/a.video"), false));
        let part: Vec<Bytes> = store
            .read("a.video", 2..5)
            .await
            .expect("range")
            .try_collect()
            .await
            .expect("bytes");
        assert_eq!(part.concat(), b"234");
        let names: Vec<String> = store
            .list()
            .await
            .expect("list")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a.video"]);
        assert!(store.delete("a.video").await.expect("delete"));
        assert!(!store.delete("a.video").await.expect("delete again"));
        assert!(matches!(
            store.fetch("a.video", dir.path()).await,
            Err(MediaError::NotFound)
        ));
    }
}
