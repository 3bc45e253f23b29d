//! The container image, built and run for real with podman and no registry
//! (`docker/build-image.sh`: FROM scratch, this test's binary and the libraries it loads), and
//! the compose file checked against the Compose schema. `scripts/setup.sh --test` installs
//! podman, runc and docker-compose; the test needs root, as CI has.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::server::{finished, poll_job};
use common::synth::Codec;
use common::{happy_spec, repo, run_tool, status_and_json, video};

const TAG: &str = "localhost/emoscope:test";

fn podman(args: &[&str]) -> String {
    run_tool(
        Command::new(repo().join("docker/podman.sh")).args(args),
        &format!("podman {}", args.join(" ")),
    )
}

/// Removes the container however the test ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("docker/podman.sh"))
            .args(["rm", "--force", "--volumes", &self.0])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_runs_a_job_through_its_published_port() {
    let started = Instant::now();
    run_tool(
        Command::new(repo().join("docker/build-image.sh"))
            .arg(env!("CARGO_BIN_EXE_emoscope"))
            .arg(TAG),
        "docker/build-image.sh",
    );
    let size = podman(&["image", "inspect", TAG, "--format", "{{.Size}}"]);
    eprintln!(
        "image {TAG}: {} MB, built in {:.0} s",
        size.trim().parse::<u64>().unwrap_or(0) / 1_000_000,
        started.elapsed().as_secs_f64()
    );

    let id = podman(&[
        "run",
        "--detach",
        "--init",
        "--publish",
        "127.0.0.1::8080",
        "--env",
        "EMOSCOPE_AUTH__ALLOW_ANONYMOUS=true",
        "--env",
        "EMOSCOPE_WORKERS=1",
        TAG,
    ])
    .trim()
    .to_string();
    let container = Container(id);
    let port = podman(&["port", &container.0, "8080"]);
    let base = format!("http://{}", port.trim());
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the container never got ready: {}",
            podman(&["logs", &container.0])
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The image's own health check passes, and the service does not run as root.
    podman(&["healthcheck", "run", &container.0]);
    // (`podman top` reads the processes from outside: the image has no shell and no `id`.)
    let processes = podman(&["top", &container.0, "huser", "comm"]);
    let users: Vec<(&str, &str)> = processes
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(user, command)| (user, command.trim()))
        .collect();
    assert!(users.iter().any(|(_, c)| *c == "emoscope"), "{processes}");
    assert!(users.iter().all(|(u, _)| *u == "10001"), "{processes}");

    let clip = video("happy", happy_spec, Codec::H264Mp4);
    let (status, job) = status_and_json(
        client
            .post(format!("{base}/v1/jobs?sample_fps=2"))
            .header("content-type", "video/mp4")
            .body(std::fs::read(&clip).expect("read")),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id");
    let done = poll_job(&client, &base, id, Duration::from_secs(120), finished).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (_, emotions) = status_and_json(client.get(format!("{base}/v1/jobs/{id}/emotions"))).await;
    assert_eq!(emotions["frames_analyzed"], 24, "{emotions}");
    assert_eq!(emotions["dominant"], "happy", "{emotions}");
    let happy = emotions["percentages"]["happy"].as_f64().unwrap_or(0.0);
    assert!(happy > 50.0, "{emotions}");
}

#[test]
fn the_compose_file_follows_the_compose_schema() {
    let file = repo().join("docker/compose.yaml");
    let services = run_tool(
        Command::new("docker-compose")
            .arg("-f")
            .arg(&file)
            .args(["config", "--services"]),
        "docker-compose config",
    );
    let mut services: Vec<&str> = services.lines().collect();
    services.sort();
    assert_eq!(services, ["api", "bucket", "postgres", "s3", "worker"]);
    // The API and the workers share only the database and the bucket.
    let config = run_tool(
        Command::new("docker-compose")
            .arg("-f")
            .arg(&file)
            .arg("config"),
        "docker-compose config",
    );
    for setting in [
        "EMOSCOPE_STORAGE__BACKEND: s3",
        "EMOSCOPE_DATABASE_URL: postgres://",
        "command:\n    - worker",
        "- --api-only",
    ] {
        assert!(config.contains(setting), "no {setting:?} in\n{config}");
    }
}
