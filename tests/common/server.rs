//! The real `emoscope serve` binary as a child process: for tests that kill it, restart it on the
//! same data folder, or measure its memory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::test_config;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    env: Vec<(String, String)>,
    workers: usize,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `emoscope serve` on a free port with the test models, `workers` workers (none:
    /// `--api-only`) and the given extra `EMOSCOPE_*` variables, and waits until it listens.
    pub fn start(data_dir: &Path, workers: usize, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::spawn(data_dir.to_path_buf(), workers, env)
    }

    fn spawn(data_dir: PathBuf, workers: usize, env: Vec<(String, String)>) -> Self {
        let c = test_config(&data_dir);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_emoscope"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"]);
        if workers == 0 {
            cmd.arg("--api-only");
        } else {
            cmd.arg("--workers").arg(workers.to_string());
        }
        cmd.env("EMOSCOPE_DATA_DIR", &data_dir)
            .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
            .env("EMOSCOPE_YUNET_MODEL", &c.yunet_model)
            .env("EMOSCOPE_ONNXRUNTIME_LIB", &c.onnxruntime_lib)
            .env("EMOSCOPE_INFERENCE_THREADS", "1")
            .env("EMOSCOPE_QUEUE__HEARTBEAT_SECS", "1")
            .env("EMOSCOPE_QUEUE__STALE_AFTER_SECS", "3")
            .env("EMOSCOPE_QUEUE__POLL_MS", "100")
            .env("EMOSCOPE_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start emoscope serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            assert!(Instant::now() < deadline, "server did not start");
            let line = lines
                .next()
                .expect("server exited early")
                .expect("log line");
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if v["fields"]["message"] == "emoscope listening" {
                break v["fields"]["addr"].as_str().expect("addr").to_string();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            base: format!("http://{addr}"),
            data_dir,
            env,
            workers,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Kills the server and starts a new one on the same data folder and settings.
    pub fn restart(mut self) -> Self {
        self.kill();
        let (dir, workers, env) = (
            self.data_dir.clone(),
            self.workers,
            std::mem::take(&mut self.env),
        );
        drop(self);
        Self::spawn(dir, workers, env)
    }

    /// Resident memory now and at its peak, in bytes (`VmRSS`, `VmHWM`).
    pub fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("process status");
        let kb = |key: &str| -> u64 {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .expect("memory field")
                * 1024
        };
        (kb("VmRSS:"), kb("VmHWM:"))
    }

    /// Waits (up to 10 s) until the uploads folder is empty: a worker deletes a job's video just
    /// after recording its end, so a client can see the end first.
    pub async fn wait_for_no_uploads(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.uploads().is_empty() {
            assert!(
                Instant::now() < deadline,
                "uploads left: {:?}",
                self.uploads()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn uploads(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.data_dir.join("uploads"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Polls `GET /v1/jobs/{id}` until `done` says so or `timeout` passes; returns the last job.
pub async fn poll_job(
    client: &reqwest::Client,
    base: &str,
    id: &str,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let job: Value = match client.get(format!("{base}/v1/jobs/{id}")).send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        if done(&job) {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} still {job} after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn finished(job: &Value) -> bool {
    matches!(
        job["status"].as_str(),
        Some("succeeded" | "failed" | "canceled")
    )
}
