//! Fetching one video into a scratch file: over HTTP(S), every hop resolved, checked and pinned
//! by the download [`Policy`] (redirects are followed by hand, each one checked like the first
//! URL), or from an allowed S3 bucket. Both stream the body to the file within the upload's
//! size and idle limits. A failure says whether another try could help: the far side answered
//! 5xx, 408 or 429, or did not answer in time.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::Url;
use reqwest::header::{CONTENT_LENGTH, LOCATION, USER_AGENT};
use tokio::io::AsyncWriteExt;

use super::source::{Source, redact};
use crate::config::Config;
use crate::jobs::JobFailure;
use crate::webhooks::target::{Policy, Refused};

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

    async fn http(&self, mut url: Url, path: &Path) -> Result<u64, Failure> {
        let d = &self.config.downloads;
        let wait = Duration::from_secs(d.connect_timeout_secs);
        for _ in 0..=d.max_redirects {
            let addrs = self.policy.resolve(&url).await.map_err(|e| match e {
                Refused::Unresolved(m) => Failure::transient(m),
                Refused::Form(m) | Refused::NotPublic(m) => {
                    Failure::final_(JobFailure::TargetNotAllowed, m)
                }
            })?;
            let host = url.host_str().unwrap_or_default().to_string();
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(wait)
                .resolve_to_addrs(&host, &addrs)
                .build()
                .map_err(|e| Failure::transient(e.without_url().to_string()))?;
            let request = client
                .get(url.clone())
                .header(USER_AGENT, concat!("Emoscope/", env!("CARGO_PKG_VERSION")));
            let response = tokio::time::timeout(wait, request.send())
                .await
                .map_err(|_| {
                    Failure::transient(format!("{} did not answer within {wait:?}", redact(&url)))
                })?
                .map_err(|e| {
                    Failure::transient(format!("{}: {}", redact(&url), e.without_url()))
                })?;
            let status = response.status();
            if status.is_redirection() {
                url = self.next_hop(&url, response.headers().get(LOCATION))?;
                continue;
            }
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
            return Err(if status.is_server_error() || code == 408 || code == 429 {
                Failure::transient(message)
            } else {
                Failure::final_(JobFailure::DownloadFailed, message)
            });
        }
        Err(Failure::final_(
            JobFailure::DownloadFailed,
            format!(
                "more than {} redirects (downloads.max_redirects)",
                d.max_redirects
            ),
        ))
    }

    /// A redirect's target, checked like the first URL (a hop to a refused address is found
    /// when it is resolved).
    fn next_hop(
        &self,
        from: &Url,
        location: Option<&reqwest::header::HeaderValue>,
    ) -> Result<Url, Failure> {
        let bad = |m: String| Failure::final_(JobFailure::DownloadFailed, m);
        let location = location
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| bad(format!("{} redirected without a Location", redact(from))))?;
        let next = from
            .join(location)
            .map_err(|e| bad(format!("{} redirected to a bad URL: {e}", redact(from))))?;
        let mut next = self.policy.parse(next.as_str()).map_err(|e| {
            Failure::final_(JobFailure::TargetNotAllowed, format!("a redirect: {e}"))
        })?;
        next.set_fragment(None);
        Ok(next)
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
