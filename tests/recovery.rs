//! A worker killed mid-job (SIGKILL, no chance to clean up): after a restart the job is claimed
//! again and finishes, with no frame counted twice.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::synth::Codec;
use common::{status_and_json, test_config, video};
use serde_json::Value;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `emoscope serve` on a free port and reads the address from its JSON log.
fn start(data_dir: &std::path::Path) -> Server {
    let c = test_config(data_dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_emoscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--workers", "1"])
        .env("EMOSCOPE_DATA_DIR", data_dir)
        .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
        .env("EMOSCOPE_YUNET_MODEL", &c.yunet_model)
        .env("EMOSCOPE_ONNXRUNTIME_LIB", &c.onnxruntime_lib)
        .env("EMOSCOPE_QUEUE__HEARTBEAT_SECS", "1")
        .env("EMOSCOPE_QUEUE__STALE_AFTER_SECS", "3")
        .env("EMOSCOPE_QUEUE__POLL_MS", "100")
        .env("EMOSCOPE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start emoscope serve");
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
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_s_job_is_finished_after_restart() {
    let path = video("long", common::long_spec, Codec::H264Mp4);
    let data = tempfile::tempdir().expect("dir");
    let client = reqwest::Client::new();

    let mut server = start(data.path());
    let resp = client
        .post(format!("{}/v1/jobs?sample_fps=0", server.base))
        .header("content-type", "video/mp4")
        .body(std::fs::read(&path).expect("read"))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), 202);
    let job: Value = resp.json().await.expect("json");
    let id = job["id"].as_str().expect("id").to_string();
    let total = job["progress"]["frames_total"].as_u64().expect("total");
    assert_eq!(total, 600);

    // Kill it once it is part-way through.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, job) = status_and_json(client.get(format!("{}/v1/jobs/{id}", server.base))).await;
        let done = job["progress"]["frames_done"].as_u64().unwrap_or(0);
        if job["status"] == "running" && done > 0 && done < total / 2 {
            break;
        }
        assert_ne!(
            job["status"], "succeeded",
            "the job finished before it could be killed; make the video longer"
        );
        assert!(Instant::now() < deadline, "job never started: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");

    let server = start(data.path());
    let deadline = Instant::now() + Duration::from_secs(300);
    let job = loop {
        let (_, job) = status_and_json(client.get(format!("{}/v1/jobs/{id}", server.base))).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            break job;
        }
        assert!(
            Instant::now() < deadline,
            "job not finished after restart: {job}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 2, "claimed once by each server: {job}");
    let emotions: Value = client
        .get(format!("{}/v1/jobs/{id}/emotions", server.base))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(emotions["frames_analyzed"], 600);
    let csv = client
        .get(format!("{}/v1/jobs/{id}/timeline?format=csv", server.base))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let mut frames: Vec<u64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    frames.dedup();
    assert_eq!(frames.len(), 600, "every frame once");
}
