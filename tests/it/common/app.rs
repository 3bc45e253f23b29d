//! The real server on port 0 with a fresh data directory, and what tests ask of its API.

use std::path::Path;
use std::time::{Duration, Instant};

use emoscope::app::Service;
use emoscope::config::Config;
use serde_json::Value;

use super::synth::Codec;
use super::{happy_spec, test_config, video};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    /// What the service was started with.
    pub config: Config,
    service: Option<Service>,
}

impl TestApp {
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Self {
        tracing_subscriber_init();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(data_dir.path());
        tweak(&mut config);
        let workers = config.workers;
        let kept = config.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let service = Service::start(config, listener, workers)
            .await
            .expect("service starts");
        Self {
            base: format!("http://{}", service.addr),
            client: reqwest::Client::new(),
            data_dir,
            config: kept,
            service: Some(service),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.service.take() {
            s.stop().await.expect("clean stop");
        }
    }

    /// Uploads a file as multipart with extra form fields; returns (status, body).
    pub async fn upload(&self, path: &Path, fields: &[(&str, &str)]) -> (u16, Value) {
        self.upload_as(&self.client, path, fields).await
    }

    /// [`TestApp::upload`] with another client (another API key).
    pub async fn upload_as(
        &self,
        client: &reqwest::Client,
        path: &Path,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let bytes = std::fs::read(path).expect("read video");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "video",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        let resp = client
            .post(self.url("/v1/jobs"))
            .multipart(form)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.get(self.url(path))).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.delete(self.url(path))).await
    }

    /// Asks for a report on job `id`; returns (status, body).
    /// Asks for a report: the status of the POST, and the report once it has finished (a 202
    /// is polled at its `links.self`).
    pub async fn post_report(&self, id: &str, body: Value) -> (u16, Value) {
        let url = self.url(&format!("/v1/jobs/{id}/report"));
        let (status, report) = status_and_json(self.client.post(url).json(&body)).await;
        if status != 202 {
            return (status, report);
        }
        (status, self.wait_report(&report).await)
    }

    /// Polls a report (as a POST answered it) until it has succeeded or failed.
    pub async fn wait_report(&self, report: &Value) -> Value {
        let path = report["links"]["self"]
            .as_str()
            .expect("links.self")
            .to_string();
        let start = Instant::now();
        loop {
            let (status, r) = self.get(&path).await;
            assert_eq!(status, 200, "{r}");
            if matches!(r["status"].as_str(), Some("succeeded" | "failed")) {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "report not finished: {r}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A POST without a body.
    pub async fn post(&self, path: &str) -> (u16, Value) {
        status_and_json(self.client.post(self.url(path))).await
    }

    /// Upload files: in the media store's folder and in the scratch folders.
    pub fn uploads_count(&self) -> usize {
        media_files(self.data_dir.path()).len()
    }

    /// Polls a job until it has finished (or `timeout` passes).
    pub async fn wait(&self, id: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.get(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if matches!(
                job["status"].as_str(),
                Some("succeeded" | "failed" | "canceled")
            ) {
                return job;
            }
            assert!(
                start.elapsed() < timeout,
                "job {id} did not finish in {timeout:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The names of the upload files under a data folder: the local media store's
/// (`uploads/`) and those on their way in or out (`scratch/slot-*/`).
pub fn media_files(data_dir: &Path) -> Vec<String> {
    let mut dirs = vec![data_dir.join("uploads")];
    if let Ok(slots) = std::fs::read_dir(data_dir.join("scratch")) {
        dirs.extend(slots.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    let mut names: Vec<String> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Sends a request; returns its status and JSON body (`null` when the body is not JSON).
pub async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn tracing_subscriber_init() {
    emoscope::telemetry::init("warn");
}

/// Asserts the API's one error shape and returns its code.
pub fn error_code(body: &Value) -> String {
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"));
    let message = body["error"]["message"].as_str().expect("message");
    assert!(!message.is_empty());
    code.to_string()
}

/// Uploads `n` small jobs one after the other to `api`, waits for each to succeed, and returns
/// the times from upload to a worker's claim (`started_at - created_at`), in ms, sorted.
pub async fn claim_waits(api: &TestApp, n: usize, timeout: Duration) -> Vec<i64> {
    let clip = video("happy", happy_spec, Codec::H264Mp4);
    let mut waits = Vec::new();
    for _ in 0..n {
        let (status, job) = api.upload(&clip, &[("sample_fps", "1")]).await;
        assert_eq!(status, 202, "{job}");
        let id = job["id"].as_str().expect("id").to_string();
        let job = api.wait(&id, timeout).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        waits.push(claim_wait_ms(&job));
    }
    waits.sort_unstable();
    waits
}

/// How long a job waited from its upload to a worker's claim (`started_at - created_at`), ms.
pub fn claim_wait_ms(job: &Value) -> i64 {
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(job[k].as_str().expect("time"))
            .expect("rfc3339")
            .timestamp_millis()
    };
    at("started_at") - at("created_at")
}
