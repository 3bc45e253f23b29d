//! Where a job's video is fetched from: an `https://` (or allowed `http://`) URL, or an object
//! of an allowed bucket (`s3://bucket/key`). A URL may carry credentials (a user and password,
//! a signed query), so it is only ever shown redacted: scheme, host, port and path.

use reqwest::Url;

use crate::config::Config;
use crate::egress::policy::{MAX_URL_CHARS, Policy};

/// Longest S3 object key (the S3 limit).
const MAX_KEY_BYTES: usize = 1024;

/// A video's source. Its `Debug` shows only the redacted form.
#[derive(Clone)]
pub enum Source {
    Http(Url),
    S3 { bucket: String, key: String },
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl Source {
    /// The URL, if its form is one this server fetches; says why not otherwise (never
    /// quoting the URL).
    pub fn parse(raw: &str, policy: &Policy, config: &Config) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("video_url is empty".into());
        }
        if let Some(rest) = raw.strip_prefix("s3://") {
            return s3(rest, config);
        }
        let mut url = policy.parse(raw).map_err(|e| e.to_string())?;
        url.set_fragment(None);
        Ok(Self::Http(url))
    }

    /// The source as jobs, logs and errors show it.
    pub fn shown(&self) -> String {
        match self {
            Self::Http(url) => redact(url),
            Self::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }

    /// The last part of its path, decoded: the video's name unless the client gave one (the
    /// API cleans it as it cleans an upload's file name).
    pub fn file_name(&self) -> Option<String> {
        let path = match self {
            Self::Http(url) => url.path().to_string(),
            Self::S3 { key, .. } => key.clone(),
        };
        let last = path.rsplit('/').next().unwrap_or("");
        (!last.is_empty()).then(|| percent_decode(last))
    }
}

fn s3(rest: &str, config: &Config) -> Result<Source, String> {
    let (bucket, key) = rest
        .split_once('/')
        .ok_or("an s3:// video_url names a bucket and a key: s3://bucket/key")?;
    if bucket.is_empty()
        || key.is_empty()
        || key.len() > MAX_KEY_BYTES
        || rest.len() > MAX_URL_CHARS
    {
        return Err(format!(
            "an s3:// video_url names a bucket and a key of at most {MAX_KEY_BYTES} bytes: s3://bucket/key"
        ));
    }
    if key.chars().any(char::is_control) {
        return Err("the key of an s3:// video_url holds a control character".into());
    }
    if !config.downloads.s3_buckets.0.iter().any(|b| b == bucket) {
        let allowed = &config.downloads.s3_buckets.0;
        return Err(if allowed.is_empty() {
            "this server fetches no s3:// URLs (downloads.s3_buckets is empty)".into()
        } else {
            format!(
                "the bucket {bucket:?} is not one this server reads from (downloads.s3_buckets)"
            )
        });
    }
    Ok(Source::S3 {
        bucket: bucket.into(),
        key: key.into(),
    })
}

/// Scheme, host, port and path: the user, password, query and fragment may be credentials.
/// A query shows as `?…`, so that it is clear one was sent.
pub fn redact(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(Some(h)), Some(Some(l))) = (
                bytes.get(i + 1).map(|&b| hex(b)),
                bytes.get(i + 2).map(|&b| hex(b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DownloadConfig, List};

    fn config(buckets: &[&str]) -> Config {
        Config {
            downloads: DownloadConfig {
                s3_buckets: List(buckets.iter().map(|b| b.to_string()).collect()),
                ..DownloadConfig::default()
            },
            ..Config::default()
        }
    }

    #[test]
    fn credentials_never_show() {
        let c = config(&[]);
        let policy = Policy::for_downloads(&c.downloads);
        let source = Source::parse(
            "https://bob:hunter2@cdn.example.com:8443/v/talk%20one.mp4?X-Amz-Signature=abc#t=3",
            &policy,
            &c,
        )
        .expect("parsed");
        let shown = source.shown();
        assert_eq!(shown, "https://cdn.example.com:8443/v/talk%20one.mp4?…");
        assert_eq!(format!("{source:?}"), shown);
        for secret in ["bob", "hunter2", "abc", "Signature", "t=3"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(source.file_name().as_deref(), Some("talk one.mp4"));
    }

    #[test]
    fn forms_are_checked() {
        let c = config(&["videos"]);
        let policy = Policy::for_downloads(&c.downloads);
        for (bad, why) in [
            ("", "empty"),
            ("http://cdn.example.com/a.mp4", "https"),
            ("ftp://cdn.example.com/a.mp4", "https"),
            ("file:///etc/passwd", "https"),
            ("s3://other/a.mp4", "not one this server reads"),
            ("s3://videos", "bucket and a key"),
            ("s3://videos/", "bucket and a key"),
        ] {
            let e = Source::parse(bad, &policy, &c).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        let s3 = Source::parse("s3://videos/in/a.mp4", &policy, &c).expect("s3");
        assert_eq!(s3.shown(), "s3://videos/in/a.mp4");
        assert_eq!(s3.file_name().as_deref(), Some("a.mp4"));
        let none = config(&[]);
        let e = Source::parse("s3://videos/a.mp4", &policy, &none).expect_err("no buckets");
        assert!(e.contains("downloads.s3_buckets"), "{e}");
    }
}
