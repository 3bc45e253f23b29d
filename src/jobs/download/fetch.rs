//! Fetching one video into a scratch file: over HTTP(S) through the egress path (every hop
//! resolved, checked and pinned by the download [`Policy`], redirects followed by hand), or
//! from an allowed S3 bucket. Both stream the body to the file within the upload's
//! size and idle limits. A failure says whether another try could help: the far side answered
//! 5xx, 408 or 429, or did not answer in time.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::Url;
use reqwest::header::CONTENT_LENGTH;
use tokio::io::AsyncWriteExt;

use super::source::{Source, redact};
use crate::config::Config;
use crate::egress::http::{self, GetError};
use crate::egress::policy::Policy;
use crate::jobs::JobFailure;

/// Why a try failed; `retry`: another try may succeed.
#[derive(Debug)]
pub struct Failure {
    pub code: JobFailure,
    pub message: String,
    pub retry: bool,
}

impl Failure {
    fn final_(code: JobFailure, message: String) -> Self {
        Self {
            code,
            message,
            retry: false,
        }
    }

    fn transient(message: String) -> Self {
        Self {
            code: JobFailure::DownloadFailed,
            message,
            retry: true,
        }
    }
}

/// The limits of one fetch.
pub struct Fetch<'a> {
    pub config: &'a Config,
    pub policy: &'a Policy,
}

impl Fetch<'_> {
    /// One try: the video written to `path` (created or truncated); its size.
    pub async fn once(&self, source: &Source, path: &Path) -> Result<u64, Failure> {
        match source {
            Source::Http(url) => self.http(url.clone(), path).await,
            Source::S3 { bucket, key } => self.s3(bucket, key, path).await,
        }
    }

    async fn http(&self, url: Url, path: &Path) -> Result<u64, Failure> {
        let d = &self.config.downloads;
        let wait = Duration::from_secs(d.connect_timeout_secs);
        let (url, response) = http::get(self.policy, url, d.max_redirects, wait)
            .await
            .map_err(|e| match e {
                GetError::Refused(m) => Failure::final_(JobFailure::TargetNotAllowed, m),
                GetError::Unreachable(m) => Failure::transient(m),
                GetError::BadRedirect(m) => Failure::final_(JobFailure::DownloadFailed, m),
            })?;
        let status = response.status();
        let shown = redact(&url);
        if status.is_success() {
            let declared = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            self.check_size(declared)?;
            let body = response
                .bytes_stream()
                .map(|r| r.map_err(|e| e.without_url().to_string()));
            return self.save(body, path, &shown).await;
        }
        let message = format!("{shown} answered HTTP {}", status.as_u16());
        let code = status.as_u16();
        Err(if status.is_server_error() || code == 408 || code == 429 {
            Failure::transient(message)
        } else {
            Failure::final_(JobFailure::DownloadFailed, message)
        })
    }

    async fn s3(&self, bucket: &str, key: &str, path: &Path) -> Result<u64, Failure> {
        let shown = format!("s3://{bucket}/{key}");
        let store = crate::storage::s3_bucket(self.config, bucket)
            .map_err(|m| Failure::final_(JobFailure::DownloadFailed, m))?;
        let location = object_store::path::Path::from(key);
        let got = store.get(&location).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => Failure::final_(
                JobFailure::DownloadFailed,
                format!("{shown}: no such object"),
            ),
            e => Failure::transient(format!("{shown}: {}", crate::storage::describe(&e))),
        })?;
        self.check_size(Some(got.meta.size))?;
        let body = got
            .into_stream()
            .map(|r| r.map_err(|e| crate::storage::describe(&e)));
        self.save(body, path, &shown).await
    }

    fn check_size(&self, declared: Option<u64>) -> Result<(), Failure> {
        let max = self.config.limits.max_upload_bytes;
        match declared {
            Some(n) if n > max => Err(too_large(max)),
            _ => Ok(()),
        }
    }

    /// Streams the body to `path`: cut off past `limits.max_upload_bytes`, dropped when no byte
    /// arrives for `limits.upload_idle_secs`. The caller removes the file on failure.
    async fn save(
        &self,
        body: impl Stream<Item = Result<Bytes, String>>,
        path: &Path,
        shown: &str,
    ) -> Result<u64, Failure> {
        let l = &self.config.limits;
        let idle = Duration::from_secs(l.upload_idle_secs.max(1));
        let disk =
            |e: std::io::Error| Failure::transient(format!("cannot write the download: {e}"));
        let mut file = tokio::fs::File::create(path).await.map_err(disk)?;
        let mut body = std::pin::pin!(body);
        let mut bytes = 0u64;
        loop {
            let chunk = tokio::time::timeout(idle, body.next()).await.map_err(|_| {
                Failure::transient(format!("{shown} sent nothing for {} s", idle.as_secs()))
            })?;
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(|e| Failure::transient(format!("{shown}: {e}")))?;
            bytes += chunk.len() as u64;
            if bytes > l.max_upload_bytes {
                return Err(too_large(l.max_upload_bytes));
            }
            file.write_all(&chunk).await.map_err(disk)?;
        }
        file.flush().await.map_err(disk)?;
        Ok(bytes)
    }
}

fn too_large(max: u64) -> Failure {
    Failure::final_(
        JobFailure::TooLarge,
        format!("the video is larger than {max} bytes (limits.max_upload_bytes)"),
    )
}
