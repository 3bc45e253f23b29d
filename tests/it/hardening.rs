//! Attacks on the edges a client controls: huge form fields, silent and slow clients, and the
//! rule that no upload outlives its job (unless the job asked to keep it).

use crate::common;

use std::time::{Duration, Instant};

use common::server::{Server, finished, poll_job};
use common::synth::Codec;
use common::{TestApp, error_code, main_spec, video};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(180);

/// Reads one HTTP response (status and JSON body) from a raw connection.
async fn read_response(stream: &mut tokio::net::tcp::OwnedReadHalf) -> (u16, Value) {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok());
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&got);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Offers a multipart upload whose field `name` is `bytes` long (chunked, generated on the fly)
/// and returns the answer, read while the body is still being sent.
async fn offer_huge_field(addr: &str, name: &str, bytes: u64) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut rx, mut tx) = stream.into_split();
    let head = format!(
        "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let part = format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n");
    let writer = tokio::spawn(async move {
        tx.write_all(head.as_bytes()).await?;
        tx.write_all(format!("{:x}\r\n{part}\r\n", part.len()).as_bytes())
            .await?;
        let chunk = vec![b'a'; 1 << 20];
        let mut sent = 0u64;
        while sent < bytes {
            tx.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            tx.write_all(&chunk).await?;
            tx.write_all(b"\r\n").await?;
            sent += chunk.len() as u64;
        }
        Ok::<u64, std::io::Error>(sent)
    });
    let answer = tokio::time::timeout(Duration::from_secs(60), read_response(&mut rx))
        .await
        .expect("an answer within a minute");
    writer.abort();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_form_fields_are_refused_and_memory_stays_flat() {
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(data.path(), 1, &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let (_, peak_before) = server.memory();
    let gib = 1u64 << 30;
    for (name, status, code) in [
        ("comment", 400, "unknown_option"),
        ("filename", 400, "field_too_large"),
        ("sample_fps", 400, "field_too_large"),
    ] {
        let (got, body) = offer_huge_field(&addr, name, 3 * gib).await;
        assert_eq!(
            (got, error_code(&body).as_str()),
            (status, code),
            "{name}: {body}"
        );
    }
    let (_, peak_after) = server.memory();
    assert!(
        peak_after < peak_before + (64 << 20),
        "peak memory grew from {} MB to {} MB",
        peak_before >> 20,
        peak_after >> 20
    );
    // Nothing was stored, and the server still works.
    let client = reqwest::Client::new();
    let (status, list) = common::status_and_json(client.get(server.url("/v1/jobs"))).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    assert_eq!(server.uploads(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_clients_are_dropped_and_leave_nothing_behind() {
    let app = TestApp::start(|c| {
        c.limits.upload_idle_secs = 1;
        c.limits.request_timeout_secs = 1;
        c.report.timeout_secs = 1;
        c.report.retries = 0;
        c.report.max_backoff_secs = 0;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();

    // Half an upload, then silence: 408 after the idle time, and the partial file is gone.
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut rx, mut tx) = stream.into_split();
    let head = format!(
        "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: video/mp4\r\nContent-Length: 1000000\r\n\r\n"
    );
    tx.write_all(head.as_bytes()).await.expect("head");
    tx.write_all(&[0u8; 100_000]).await.expect("half");
    let started = Instant::now();
    let (status, body) = tokio::time::timeout(Duration::from_secs(10), read_response(&mut rx))
        .await
        .expect("answered");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (408, "upload_idle"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.uploads_count(), 0);

    // A request body that never comes on another route: the request deadline answers.
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut rx, mut tx) = stream.into_split();
    let id = uuid::Uuid::now_v7();
    let head = format!(
        "POST /v1/jobs/{id}/report HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"lang"
    );
    tx.write_all(head.as_bytes()).await.expect("head");
    let (status, body) = tokio::time::timeout(Duration::from_secs(10), read_response(&mut rx))
        .await
        .expect("answered");
    assert_eq!(
        (status, error_code(&body).as_str()),
        (503, "timeout"),
        "{body}"
    );
    drop(tx);
    app.stop().await;
}

/// Cuts a connection after half an upload (as a client that goes away would).
async fn disconnect_mid_upload(addr: &str, bytes: &[u8]) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: video/mp4\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&bytes[..bytes.len() / 2])
        .await
        .expect("half");
    stream.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_upload_outlives_its_job_unless_kept() {
    let main = video("main", main_spec, Codec::H264Mp4);
    let long = video("long", common::long_spec, Codec::H264Mp4);
    let app = TestApp::start(|_| {}).await;
    let listing = || common::media_files(app.data_dir.path());
    let id_of = |job: &Value| job["id"].as_str().expect("id").to_string();

    // Succeeded, kept and not kept.
    let (_, a) = app.upload(&main, &[("sample_fps", "1")]).await;
    let (_, kept) = app
        .upload(&main, &[("sample_fps", "1"), ("keep_video", "true")])
        .await;
    for (job, keep) in [(&a, false), (&kept, true)] {
        let done = app.wait(&id_of(job), WAIT).await;
        assert_eq!(done["status"], "succeeded");
        // From the first `succeeded` a client reads, `stored` says what will be kept.
        assert_eq!(done["video"]["stored"], keep, "{done}");
    }

    // Failed: a truncated MP4 whose index is at the front opens, then fails.
    let dir = tempfile::tempdir().expect("dir");
    let cut = dir.path().join("cut.mp4");
    let bytes = std::fs::read(&main).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let (_, failed) = app.upload(&cut, &[]).await;
    assert_eq!(app.wait(&id_of(&failed), WAIT).await["status"], "failed");

    // Canceled while running, then deleted while running.
    for action in ["cancel", "delete"] {
        let (status, job) = app.upload(&long, &[("sample_fps", "0")]).await;
        assert_eq!(status, 202, "{job}");
        let id = id_of(&job);
        poll_job(&app.client, &app.base, &id, WAIT, |j| {
            j["status"] == "running" && j["progress"]["frames_done"].as_u64() > Some(0)
        })
        .await;
        if action == "cancel" {
            let (status, _) = app.post(&format!("/v1/jobs/{id}/cancel")).await;
            assert_eq!(status, 202);
            let job = poll_job(&app.client, &app.base, &id, WAIT, finished).await;
            assert_eq!(job["status"], "canceled", "{job}");
        } else {
            let (status, _) = app.delete(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 204);
        }
    }

    // A client that goes away half-way through its upload.
    disconnect_mid_upload(app.base.trim_start_matches("http://"), &bytes).await;

    let want = vec![format!("{}.video", id_of(&kept))];
    let deadline = Instant::now() + Duration::from_secs(10);
    while listing() != want {
        assert!(
            Instant::now() < deadline,
            "uploads left: {:?}, want {want:?}",
            listing()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

/// Sends a whole upload as a plain client does (head, then every byte of the body, and only
/// then reads), and returns the answer; a connection reset under it is a failure.
async fn plain_upload(addr: &str, extra: &str, body: &[u8]) -> Result<(u16, String), String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut rx, mut tx) = stream.into_split();
    let head = format!(
        "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: video/mp4\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    tx.write_all(head.as_bytes())
        .await
        .map_err(|e| format!("head: {e}"))?;
    tx.write_all(body).await.map_err(|e| format!("body: {e}"))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match rx.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if got.is_empty() => return Err(format!("read: {e}")),
            Err(_) => break,
        }
        if String::from_utf8_lossy(&got).contains("\r\n\r\n{") && got.ends_with(b"}") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&got).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line in {text:?}"))?;
    Ok((status, text))
}

/// A 429 or a 403 answered before the body is read still reaches a client that sends its whole
/// body before reading: the server reads (a bounded part of) the body before it answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_clients_read_an_early_refusal() {
    let app = TestApp::start(|c| {
        c.rate_limits.uploads_per_minute = 1;
        c.workers = 0;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Large enough that a server closing with it unread resets the connection under the
    // client (checked: with `refused_body_drain_bytes = 0` the writes fail with a broken pipe),
    // and under the default drain of 8 MiB.
    let body = vec![7u8; 6 << 20];
    // The minute's one upload: junk, so it is refused once read (422), and costs no analysis.
    let (status, _) = plain_upload(&addr, "", &body).await.expect("first upload");
    assert_eq!(status, 422);
    let mut tries = Vec::new();
    for _ in 0..24 {
        let (addr, body) = (addr.clone(), body.clone());
        tries.push(tokio::spawn(
            async move { plain_upload(&addr, "", &body).await },
        ));
    }
    for t in tries {
        let (status, text) = t.await.expect("task").expect("the answer, not a reset");
        assert_eq!(status, 429, "{text}");
        assert!(text.to_ascii_lowercase().contains("retry-after:"), "{text}");
        assert!(text.contains("rate_limited"), "{text}");
    }
    // The guard's refusal of another site's page comes before the handler: the same holds.
    let other_site = "Origin: https://attacker.example\r\n";
    let (status, text) = plain_upload(&addr, other_site, &body)
        .await
        .expect("the answer, not a reset");
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("origin_not_allowed"), "{text}");
    assert_eq!(app.uploads_count(), 0);
    app.stop().await;
}

/// The first scrape of a new process already carries the job gauges (it once answered an
/// empty page: the recorder was installed after they were set). A child process, because this
/// binary's recorder is long installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_metrics_scrape_of_a_new_server_has_the_job_gauges() {
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(data.path(), 0, &[]);
    let response = reqwest::get(server.url("/metrics")).await.expect("scrape");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(
        text.contains("emoscope_jobs{status=\"queued\"} 0"),
        "first scrape: {text:?}"
    );
}
