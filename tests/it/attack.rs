//! The server under attack, bounded in time: SIGKILLs at random moments while a queue runs, a
//! burst of concurrent uploads, and a mutation fuzz of real video bytes and multipart framing.
//! `docs/reliability.md` records the counts these print (`--nocapture`).

use crate::common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use common::server::{Server, finished, poll_job};
use common::synth::Codec;
use common::{error_code, main_spec, status_and_json, video};
use serde_json::Value;

/// A small deterministic generator, so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("EMOSCOPE_ATTACK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261128)
}

async fn upload_raw(
    client: &reqwest::Client,
    server: &Server,
    query: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    status_and_json(
        client
            .post(server.url(&format!("/v1/jobs{query}")))
            .header("content-type", "video/mp4")
            .body(body),
    )
    .await
}

async fn expect_success(client: &reqwest::Client, server: &Server, id: &str) {
    let job = poll_job(client, &server.base, id, Duration::from_secs(300), finished).await;
    assert_eq!(job["status"], "succeeded", "{job}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_soak_every_job_ends_with_every_frame_once() {
    let path = video("main", main_spec, Codec::H264Mp4);
    let bytes = std::fs::read(&path).expect("read");
    let data = tempfile::tempdir().expect("dir");
    let client = reqwest::Client::new();
    // Kills at random moments must never fail a job. On a 50-frame job, progress is recorded at
    // 16, 32 and 48 frames, so a few kills easily land at the same point and would look like a
    // poison job to the default rule (5 in a row); that rule has tests of its own.
    let mut server = Server::start(data.path(), 2, &[("EMOSCOPE_QUEUE__MAX_CRASHES", "100")]);
    let mut ids = Vec::new();
    for _ in 0..8 {
        let (status, job) = upload_raw(&client, &server, "?sample_fps=5", bytes.clone()).await;
        assert_eq!(status, 202, "{job}");
        ids.push(job["id"].as_str().expect("id").to_string());
    }
    let mut rng = Rng(seed());
    let mut kills = 0;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300 + rng.below(2500))).await;
        server = server.restart();
        kills += 1;
    }
    for id in &ids {
        expect_success(&client, &server, id).await;
        let (_, emotions) =
            status_and_json(client.get(server.url(&format!("/v1/jobs/{id}/emotions")))).await;
        assert_eq!(emotions["frames_analyzed"], 50, "{emotions}");
        let (_, timeline) =
            status_and_json(client.get(server.url(&format!("/v1/jobs/{id}/timeline?limit=1000"))))
                .await;
        let frames: Vec<u64> = timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| f["frame"].as_u64().expect("frame"))
            .collect();
        let unique: HashSet<u64> = frames.iter().copied().collect();
        assert_eq!(
            (frames.len(), unique.len()),
            (50, 50),
            "every sampled frame exactly once"
        );
    }
    server.wait_for_no_uploads().await;
    println!(
        "kill soak: {kills} SIGKILLs, {} jobs, all succeeded with every frame once",
        ids.len()
    );
}

/// A two-second test pattern: quick to analyse, so that a hundred jobs drain fast.
fn small_video(dir: &Path) -> Vec<u8> {
    let path = dir.join("small.mp4");
    common::lavfi_video(&path, "testsrc=size=320x240:rate=10:duration=2", &[]);
    std::fs::read(path).expect("read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_uploads_gets_202_or_429_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let bytes = small_video(dir.path());
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(
        data.path(),
        2,
        // The queue's admission is under test here, not the per-key rate limit.
        &[
            ("EMOSCOPE_LIMITS__MAX_QUEUED_JOBS", "60"),
            ("EMOSCOPE_RATE_LIMITS__UPLOADS_PER_MINUTE", "0"),
        ],
    );
    let client = reqwest::Client::new();
    let (mut accepted, mut refused) = (Vec::new(), 0);
    for _round in 0..3 {
        let sends: Vec<_> = (0..100)
            .map(|_| {
                let (client, url, body) = (client.clone(), server.url("/v1/jobs"), bytes.clone());
                tokio::spawn(async move {
                    status_and_json(
                        client
                            .post(url)
                            .header("content-type", "video/mp4")
                            .body(body),
                    )
                    .await
                })
            })
            .collect();
        for s in sends {
            let (status, body) = s.await.expect("send");
            match status {
                202 => accepted.push(body["id"].as_str().expect("id").to_string()),
                429 => {
                    assert_eq!(error_code(&body), "queue_full");
                    refused += 1;
                }
                _ => panic!("{status}: {body}"),
            }
        }
        for id in &accepted {
            expect_success(&client, &server, id).await;
        }
    }
    let (rss, peak) = server.memory();
    println!(
        "burst: 300 uploads, {} accepted, {refused} refused (429), rss after {} MB, peak {} MB",
        accepted.len(),
        rss >> 20,
        peak >> 20
    );
    assert!(
        accepted.len() >= 60 && refused > 0,
        "{} accepted",
        accepted.len()
    );
    assert!(peak < 300 << 20, "peak memory {} MB", peak >> 20);
    server.wait_for_no_uploads().await;
}

/// One mutated request: the body and how it is sent.
enum Attack {
    Raw(&'static str, Vec<u8>),
    Multipart { file_name: String, body: Vec<u8> },
    Framing(Vec<u8>),
}

fn mutate(rng: &mut Rng, good: &[u8]) -> Vec<u8> {
    let mut b = good.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(40) {
                let i = rng.below(b.len() as u64) as usize;
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => b.truncate(rng.below(b.len() as u64) as usize),
        2 => {
            let start = rng.below(b.len() as u64) as usize;
            let end = (start + 1 + rng.below(20_000) as usize).min(b.len());
            let chunk = b[start..end].to_vec();
            let at = rng.below(b.len() as u64) as usize;
            b.splice(at..at, chunk);
        }
        _ => {
            let start = rng.below(b.len() as u64) as usize;
            let end = (start + rng.below(5_000) as usize).min(b.len());
            b[start..end].fill(0);
        }
    }
    b
}

fn attacks(rng: &mut Rng, good: &[u8]) -> Vec<Attack> {
    let hostile = [
        "../../../../tmp/escaped.mp4",
        "/etc/passwd",
        "a\u{0}b.mp4",
        "evil\u{202E}4pm.exe",
        "..",
        "\r\nX-Injected: 1",
        &"long".repeat(300),
    ];
    let mut out = Vec::new();
    for _ in 0..24 {
        out.push(Attack::Raw("video/mp4", mutate(rng, good)));
    }
    for ct in [
        "text/plain",
        "application/json",
        "video/webm",
        "application/octet-stream",
    ] {
        out.push(Attack::Raw(ct, mutate(rng, good)));
    }
    for name in hostile {
        out.push(Attack::Multipart {
            file_name: name.to_string(),
            body: good.to_vec(),
        });
    }
    let boundary = "--B";
    let framings: Vec<Vec<u8>> = vec![
        format!("{boundary}\r\nContent-Disposition: form-data; name=\"video\"\r\n\r\n").into_bytes(),
        b"--WRONG\r\n\r\n".to_vec(),
        format!("{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n\r\n")
            .into_bytes()
            .into_iter()
            .chain(good[..good.len() / 3].iter().copied())
            .collect(),
        format!("{boundary}--\r\n").into_bytes(),
        vec![0xff; 1000],
    ];
    for f in framings {
        out.push(Attack::Framing(f));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutation_fuzz_never_gets_a_5xx_and_writes_nothing_outside_the_data_folder() {
    let path = video("main", main_spec, Codec::H264Mp4);
    let good = std::fs::read(&path).expect("read");
    let parent = tempfile::tempdir().expect("dir");
    let data = parent.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let server = Server::start(&data, 1, &[("EMOSCOPE_DEFAULTS__SAMPLE_FPS", "1")]);
    let client = reqwest::Client::new();
    let mut rng = Rng(seed());
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut accepted = Vec::new();
    let cases = attacks(&mut rng, &good);
    let n = cases.len();
    for attack in cases {
        let request = match attack {
            Attack::Raw(ct, body) => client
                .post(server.url("/v1/jobs"))
                .header("content-type", ct)
                .body(body),
            Attack::Multipart { file_name, body } => {
                let part = reqwest::multipart::Part::bytes(body).file_name(file_name);
                client
                    .post(server.url("/v1/jobs"))
                    .multipart(reqwest::multipart::Form::new().part("video", part))
            }
            Attack::Framing(body) => client
                .post(server.url("/v1/jobs"))
                .header("content-type", "multipart/form-data; boundary=B")
                .body(body),
        };
        let (status, body) = status_and_json(request).await;
        *statuses.entry(status).or_default() += 1;
        assert!(status < 500, "{status}: {body}");
        if status == 202 {
            accepted.push(body["id"].as_str().expect("id").to_string());
        } else {
            error_code(&body);
        }
    }
    let mut ends = std::collections::BTreeMap::<String, usize>::new();
    for id in &accepted {
        let job = poll_job(
            &client,
            &server.base,
            id,
            Duration::from_secs(300),
            finished,
        )
        .await;
        let end = match job["status"].as_str() {
            Some("failed") => format!(
                "failed:{}",
                job["error"]["code"]
                    .as_str()
                    .expect("a failed job has a code")
            ),
            other => other.unwrap_or("?").to_string(),
        };
        *ends.entry(end).or_default() += 1;
        let name = job["video"]["name"].as_str().unwrap_or("");
        assert!(
            !name.contains(['/', '\\', '\u{0}', '\u{202E}', '\r', '\n']),
            "{name:?}"
        );
    }
    // Only the data folder changed in the parent, and only the server's own files are in it.
    let beside: Vec<String> = std::fs::read_dir(parent.path())
        .expect("parent")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(beside, vec!["data".to_string()]);
    assert!(!Path::new("/tmp/escaped.mp4").exists());
    server.wait_for_no_uploads().await;
    let mut server = server;
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "the server is alive"
    );
    println!("mutation fuzz: {n} requests, statuses {statuses:?}, accepted jobs ended {ends:?}");
}
