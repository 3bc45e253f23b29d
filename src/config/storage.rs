//! `storage.*`: the media store.

use serde::Deserialize;

use super::Secret;

/// Where uploads and annotated videos live between the API and the workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `local`: `{data_dir}/uploads` (one machine); `s3`: a bucket every process shares.
    pub backend: StorageBackend,
    /// S3 bucket; empty: `AWS_BUCKET_NAME`. Each S3 setting left empty here is read from the
    /// usual `AWS_*` variable (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...).
    pub bucket: String,
    /// Key prefix inside the bucket, so that one bucket can serve several deployments.
    pub prefix: String,
    /// Endpoint of a self-hosted store (MinIO, Ceph, Garage...); `http://` is allowed.
    pub endpoint: String,
    pub region: String,
    /// `{endpoint}/{bucket}/key` addressing, which self-hosted stores expect; false:
    /// `{bucket}.{endpoint}/key`.
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// One store request fails after this long (it is retried twice within it).
    pub timeout_secs: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            bucket: String::new(),
            prefix: "emoscope".into(),
            endpoint: String::new(),
            region: String::new(),
            path_style: true,
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
            timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}
