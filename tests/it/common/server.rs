//! The real `emoscope serve` (or `emoscope worker`) binary as a child process: for tests that
//! kill it, restart it on the same data folder, read its log, or measure its memory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::test_config;

pub struct Server {
    pub child: Child,
    /// The API's address; empty for a `worker` process.
    pub base: String,
    pub data_dir: PathBuf,
    env: Vec<(String, String)>,
    role: Role,
    log: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone, Copy)]
enum Role {
    /// `serve`, with this many workers (none: `--api-only`).
    Serve(usize),
    /// `worker`, with this many workers and no API.
    Worker(usize),
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
        Self::spawn(data_dir.to_path_buf(), Role::Serve(workers), owned(env))
    }

    /// Starts `emoscope worker` (no API) and waits until its workers run.
    pub fn worker(data_dir: &Path, workers: usize, env: &[(&str, &str)]) -> Self {
        Self::spawn(data_dir.to_path_buf(), Role::Worker(workers), owned(env))
    }

    fn spawn(data_dir: PathBuf, role: Role, env: Vec<(String, String)>) -> Self {
        let c = test_config(&data_dir);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_emoscope"));
        match role {
            Role::Serve(0) => cmd.args(["serve", "--listen", "127.0.0.1:0", "--api-only"]),
            Role::Serve(n) => cmd.args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--workers",
                &n.to_string(),
            ]),
            Role::Worker(n) => cmd.args(["worker", "--workers", &n.to_string()]),
        };
        cmd.env("EMOSCOPE_DATA_DIR", &data_dir)
            .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
            .env("EMOSCOPE_YUNET_MODEL", &c.yunet_model)
            .env("EMOSCOPE_IDENTITY_MODEL", &c.identity_model)
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
        let log = Arc::new(Mutex::new(Vec::new()));
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            assert!(Instant::now() < deadline, "server did not start");
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("exited early: {:?}", log.lock().expect("log")))
                .expect("log line");
            log.lock().expect("log").push(line.clone());
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            match (role, v["fields"]["message"].as_str()) {
                (Role::Serve(_), Some("emoscope listening")) => {
                    break format!("http://{}", v["fields"]["addr"].as_str().expect("addr"));
                }
                (Role::Worker(_), Some("worker started")) => break String::new(),
                _ => {}
            }
        };
        // Keep reading the log so the process never blocks on a full pipe.
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().expect("log").push(line);
            }
        });
        Self {
            child,
            base,
            data_dir,
            env,
            role,
            log,
        }
    }

    /// Every line the process has logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, as a platform stops a process (a deploy, a scale-down), and its exit, waited
    /// for at most `within`.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot send SIGTERM");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {within:?} after SIGTERM: {:?}",
                self.log().last()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Kills the server and starts a new one on the same data folder and settings.
    pub fn restart(mut self) -> Self {
        self.kill();
        let (dir, role, env) = (
            self.data_dir.clone(),
            self.role,
            std::mem::take(&mut self.env),
        );
        drop(self);
        Self::spawn(dir, role, env)
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
        super::media_files(&self.data_dir)
    }
}

fn owned(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
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
