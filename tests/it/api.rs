//! The HTTP API end to end: the real server, SQLite, models and FER-made videos.

use crate::common;

use std::time::Duration;

use common::synth::{self, Codec};
use common::{TestApp, error_code, main_spec, video};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(180);

fn percent_sum(emotions: &Value) -> f64 {
    emotions["percentages"]
        .as_object()
        .expect("percentages")
        .values()
        .map(|v| v.as_f64().expect("number"))
        .sum()
}

/// Checks the timeline of the main video against where its faces really are.
fn check_timeline(frames: &[Value]) {
    let spec = main_spec();
    let (mut one, mut one_found, mut two, mut two_found) = (0, 0, 0, 0);
    for f in frames {
        let index = f["frame"].as_u64().expect("frame");
        let faces = f["faces"].as_array().expect("faces");
        let seg = spec.segment_of(index);
        match seg.faces.len() {
            0 => assert!(
                faces.is_empty(),
                "frame {index} has no face but {} were found: {f}",
                faces.len()
            ),
            1 => {
                one += 1;
                let want = &seg.faces[0];
                let hit = faces.iter().any(|face| {
                    let b = &face["box"];
                    let cx = b["x"].as_i64().unwrap_or(0) + b["w"].as_i64().unwrap_or(0) / 2;
                    let cy = b["y"].as_i64().unwrap_or(0) + b["h"].as_i64().unwrap_or(0) / 2;
                    (cx - i64::from(want.x + want.size / 2)).abs() < i64::from(want.size / 4)
                        && (cy - i64::from(want.y + want.size / 2)).abs() < i64::from(want.size / 4)
                });
                if hit && faces.len() == 1 {
                    one_found += 1;
                }
            }
            _ => {
                two += 1;
                if faces.len() == 2 {
                    two_found += 1;
                }
            }
        }
        for face in faces {
            let p: f64 = face["probabilities"]
                .as_object()
                .expect("probs")
                .values()
                .filter_map(Value::as_f64)
                .sum();
            assert!((p - 1.0).abs() < 0.01, "probabilities sum to {p}");
            assert!(face["score"].as_f64().expect("score") > 0.0);
        }
    }
    assert_eq!((one, two), (20, 10), "sampled frames per segment");
    assert!(
        one_found * 10 >= one * 9,
        "one-face frames found: {one_found}/{one}"
    );
    assert!(
        two_found * 10 >= two * 9,
        "two-face frames found: {two_found}/{two}"
    );
}

/// Sends only the headers of an upload that claims `length` bytes, and reads the answer.
async fn announce_oversize(app: &TestApp, length: u64) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /v1/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: video/mp4\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

async fn full_timeline(app: &TestApp, id: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut cursor: Option<u64> = None;
    loop {
        let path = match cursor {
            Some(c) => format!("/v1/jobs/{id}/timeline?limit=7&cursor={c}"),
            None => format!("/v1/jobs/{id}/timeline?limit=7"),
        };
        let (status, page) = app.get(&path).await;
        assert_eq!(status, 200, "{page}");
        frames.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_u64() {
            Some(c) => cursor = Some(c),
            None => return frames,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h264_video_is_analysed_at_the_sampling_rate_with_faces_where_they_are() {
    let path = video("main", main_spec, Codec::H264Mp4);
    let app = TestApp::start(|_| {}).await;

    let (status, job) = app.upload(&path, &[("sample_fps", "5")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(job["status"], "queued");
    assert_eq!(job["video"]["width"], 640);
    assert_eq!(job["video"]["height"], 360);
    assert_eq!(job["video"]["frame_count"], 250);
    assert_eq!(job["video"]["codec"], "h264");
    assert_eq!(job["progress"]["frames_total"], 50);

    let job = app.wait(&id, WAIT).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"]["frames_done"], 50);
    assert_eq!(job["progress"]["percent"], 100.0);
    assert_eq!(
        job["video"]["stored"], false,
        "the upload is deleted after analysis"
    );
    assert_eq!(
        std::fs::read_dir(app.data_dir.path().join("uploads"))
            .expect("uploads")
            .count(),
        0
    );

    let (status, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
    assert_eq!(status, 200, "{emotions}");
    assert_eq!(emotions["frames_analyzed"], 50);
    assert_eq!(
        emotions["percentages"].as_object().expect("object").len(),
        7
    );
    assert!((percent_sum(&emotions) - 100.0).abs() < 0.011, "{emotions}");
    let faces = emotions["faces_classified"].as_u64().expect("faces");
    let counted: u64 = emotions["counts"]
        .as_object()
        .expect("counts")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(faces, counted);
    assert!(
        emotions["frames_with_face"].as_u64().expect("n") >= 27,
        "{emotions}"
    );

    let frames = full_timeline(&app, &id).await;
    assert_eq!(frames.len(), 50);
    let times: Vec<u64> = frames
        .iter()
        .map(|f| f["time_ms"].as_u64().expect("time"))
        .collect();
    assert_eq!(times[..3], [0, 200, 400]);
    check_timeline(&frames);

    let resp = app
        .client
        .get(app.url(&format!("/v1/jobs/{id}/timeline?format=csv")))
        .send()
        .await
        .expect("csv");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    let csv = resp.text().await.expect("body");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "frame,time_ms,face,x,y,w,h,score,emotion,angry,disgust,fear,happy,neutral,sad,surprise,track_id"
        )
    );
    let rows: Vec<&str> = lines.collect();
    let face_rows = rows
        .iter()
        .filter(|r| !r.split(',').nth(2).unwrap_or("").is_empty())
        .count() as u64;
    assert_eq!(face_rows, faces, "one CSV row per face");
    let resp = app
        .client
        .get(app.url(&format!("/v1/jobs/{id}/timeline")))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert!(
        resp.text()
            .await
            .expect("body")
            .starts_with("frame,time_ms")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webm_and_avi_videos_are_analysed_too() {
    let app = TestApp::start(|_| {}).await;
    for (codec, name) in [(Codec::Vp9Webm, "vp9"), (Codec::MjpegAvi, "mjpeg")] {
        let path = video("main", main_spec, codec);
        let (status, job) = app.upload(&path, &[("sample_fps", "5")]).await;
        assert_eq!(status, 202, "{job}");
        assert_eq!(job["video"]["codec"], name);
        let job = app.wait(job["id"].as_str().expect("id"), WAIT).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        let id = job["id"].as_str().expect("id");
        let frames = full_timeline(&app, id).await;
        assert_eq!(frames.len(), 50, "{codec:?}");
        check_timeline(&frames);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_of_happy_faces_comes_out_dominantly_happy() {
    let path = video("happy", common::happy_spec, Codec::H264Mp4);
    let app = TestApp::start(|_| {}).await;
    let (_, info) = app.get("/v1/info").await;
    for model in info["models"].as_array().expect("models") {
        let name = model["name"].as_str().expect("name");
        let (status, job) = app
            .upload(&path, &[("sample_fps", "2"), ("model", name)])
            .await;
        assert_eq!(status, 202, "{job}");
        let id = job["id"].as_str().expect("id");
        let job = app.wait(id, WAIT).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        let (_, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
        assert_eq!(emotions["model"], name);
        assert_eq!(emotions["dominant"], "happy", "model {name}: {emotions}");
        assert!(
            emotions["percentages"]["happy"].as_f64().expect("happy") > 50.0,
            "model {name}: {emotions}"
        );
        assert_eq!(emotions["frames_analyzed"], 24);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_harms_nothing() {
    let good = video("main", main_spec, Codec::H264Mp4);
    let app = TestApp::start(|c| c.limits.max_upload_bytes = 2_000_000).await;

    // A good job first, which must stay intact through everything below.
    let (status, job) = app.upload(&good, &[("sample_fps", "1")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let before = app.wait(&id, WAIT).await;
    assert_eq!(before["status"], "succeeded");
    let (_, emotions_before) = app.get(&format!("/v1/jobs/{id}/emotions")).await;

    let dir = tempfile::tempdir().expect("dir");
    let post_raw = |body: Vec<u8>, content_type: &'static str| {
        let req = app
            .client
            .post(app.url("/v1/jobs"))
            .header("content-type", content_type)
            .body(body);
        async move {
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let (status, body) = post_raw(Vec::new(), "video/mp4").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "empty_video"),
        "{body}"
    );

    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is not a video, only text\n".repeat(50)).expect("write");
    let (status, body) = app.upload(&text, &[]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (422, "unsupported_video"),
        "{body}"
    );

    // FFmpeg opens a still image as a one-frame "video"; it is not one.
    let photo = synth::test_faces("happy", 1)
        .pop()
        .expect("a FER face image");
    let (status, body) = app.upload(&photo, &[]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (422, "unsupported_video"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("still image")),
        "{body}"
    );

    // An empty option is a client's mistake, not a request for the default.
    let (status, body) = app.upload(&good, &[("detector", "")]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_option"),
        "{body}"
    );

    let (status, body) = post_raw(b"hello".to_vec(), "text/plain").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (415, "unsupported_media_type"),
        "{body}"
    );

    // Too large by its Content-Length: answered before the body is sent. (A client that sends
    // the body regardless may see its write cut off once the answer has come.)
    let (status, body) = announce_oversize(&app, 2_500_000).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (413, "video_too_large"),
        "{body}"
    );

    for (k, v) in [
        ("sample_fps", "-1"),
        ("sample_fps", "abc"),
        ("detector", "dlib"),
        ("min_face_px", "-3"),
    ] {
        let (status, body) = app.upload(&good, &[(k, v)]).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (400, "invalid_option"),
            "{k}={v}: {body}"
        );
    }
    let (status, body) = app.upload(&good, &[("model", "nope")]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "unknown_model"),
        "{body}"
    );
    let (status, body) = app.upload(&good, &[("colour", "red")]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "unknown_option"),
        "{body}"
    );
    let resp = app
        .client
        .post(app.url("/v1/jobs?sample_fps=-2"))
        .header("content-type", "video/mp4")
        .body(vec![1u8; 10])
        .send()
        .await
        .expect("req");
    assert_eq!(resp.status(), 400);

    // Truncated MP4: with the index at the front it opens, then fails with a clear code.
    let bytes = std::fs::read(&good).expect("read");
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let (status, job) = app.upload(&cut, &[]).await;
    assert_eq!(status, 202, "{job}");
    let failed = app.wait(job["id"].as_str().expect("id"), WAIT).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "truncated_video", "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .expect("message")
            .contains("truncated")
    );
    let (status, body) = app
        .get(&format!(
            "/v1/jobs/{}/emotions",
            failed["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (409, "job_not_succeeded")
    );

    // Only the head of an MP4 whose index is at the end: rejected up front.
    let tail_index = dir.path().join("noindex.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&good)
        .args(["-c", "copy", "-movflags", "-faststart"])
        .arg(&tail_index)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let bytes = std::fs::read(&tail_index).expect("read");
    std::fs::write(&tail_index, &bytes[..bytes.len() / 2]).expect("write");
    let (status, body) = app.upload(&tail_index, &[]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (422, "unsupported_video"),
        "{body}"
    );

    for path in [
        "/v1/jobs/0190b5b4-0000-7000-8000-000000000000",
        "/v1/jobs/not-an-id",
        "/v1/jobs/x/emotions",
        "/nowhere",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (404, "not_found"),
            "{path}: {body}"
        );
    }
    let (status, body) = app.get("/v1/jobs?status=done").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_status")
    );
    let (status, body) = app.get("/v1/jobs?limit=0").await;
    assert_eq!((status, error_code(&body).as_str()), (400, "invalid_limit"));
    let resp = app
        .client
        .put(app.url("/v1/jobs"))
        .send()
        .await
        .expect("req");
    assert_eq!(resp.status(), 405);
    assert_eq!(
        error_code(&resp.json().await.expect("json")),
        "method_not_allowed"
    );

    // Nothing was left behind, the server still serves, the first job is as it was.
    let uploads: Vec<_> = std::fs::read_dir(app.data_dir.path().join("uploads"))
        .expect("uploads")
        .collect();
    assert!(uploads.is_empty(), "stray uploads: {uploads:?}");
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
    let (_, after) = app.get(&format!("/v1/jobs/{id}")).await;
    assert_eq!(after, before);
    let (_, emotions_after) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
    assert_eq!(emotions_after, emotions_before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_list_cancel_and_delete() {
    let path = video("main", main_spec, Codec::H264Mp4);
    // No workers: jobs stay queued, so the states before a result can be observed.
    let app = TestApp::start(|c| c.workers = 0).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let resp = app
            .client
            .post(app.url("/v1/jobs?sample_fps=2&filename=raw.mp4&keep_video=true"))
            .header("content-type", "video/mp4")
            .body(std::fs::read(&path).expect("read"))
            .send()
            .await
            .expect("req");
        assert_eq!(resp.status(), 202);
        let location = resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        let job: Value = resp.json().await.expect("json");
        assert_eq!(
            location,
            format!("/v1/jobs/{}", job["id"].as_str().expect("id"))
        );
        assert_eq!(job["video"]["name"], "raw.mp4");
        assert_eq!(job["options"]["keep_video"], true);
        ids.push(job["id"].as_str().expect("id").to_string());
    }
    let (status, body) = app.get(&format!("/v1/jobs/{}/emotions", ids[0])).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (409, "job_not_succeeded")
    );
    let (status, body) = app.get(&format!("/v1/jobs/{}/timeline", ids[0])).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (409, "job_not_succeeded")
    );

    // Newest first, two per page.
    let (_, page1) = app.get("/v1/jobs?limit=2").await;
    let got: Vec<&str> = page1["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|j| j["id"].as_str())
        .collect();
    assert_eq!(got, vec![ids[2].as_str(), ids[1].as_str()]);
    let cursor = page1["next_cursor"].as_str().expect("cursor");
    let (_, page2) = app.get(&format!("/v1/jobs?limit=2&cursor={cursor}")).await;
    let got: Vec<&str> = page2["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|j| j["id"].as_str())
        .collect();
    assert_eq!(got, vec![ids[0].as_str()]);
    assert!(page2["next_cursor"].is_null());

    let cancel = format!("/v1/jobs/{}/cancel", ids[1]);
    let (status, canceled) = app.post(&cancel).await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("canceled"))
    );
    let (status, body) = app.post(&cancel).await;
    assert_eq!((status, error_code(&body).as_str()), (409, "job_finished"));
    let (_, only) = app.get("/v1/jobs?status=canceled").await;
    assert_eq!(only["items"].as_array().expect("items").len(), 1);
    let (_, queued) = app.get("/v1/jobs?status=queued").await;
    assert_eq!(queued["items"].as_array().expect("items").len(), 2);

    let stored = app
        .data_dir
        .path()
        .join("uploads")
        .join(format!("{}.video", ids[0]));
    assert!(stored.is_file());
    let job = format!("/v1/jobs/{}", ids[0]);
    assert_eq!(app.delete(&job).await.0, 204);
    assert!(!stored.exists(), "delete removes the video");
    assert_eq!(app.get(&job).await.0, 404);
    assert_eq!(app.delete(&job).await.0, 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_limit_health_and_info() {
    let path = video("main", main_spec, Codec::H264Mp4);
    let app = TestApp::start(|c| {
        c.workers = 0;
        c.limits.max_queued_jobs = 1;
    })
    .await;
    let (status, _) = app.upload(&path, &[]).await;
    assert_eq!(status, 202);
    let (status, body) = app.upload(&path, &[]).await;
    assert_eq!((status, error_code(&body).as_str()), (429, "queue_full"));

    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    let (status, info) = app.get("/v1/info").await;
    assert_eq!(status, 200);
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    // No workers in this process: it runs no model, so it names no execution provider.
    assert_eq!(info["execution_provider"], Value::Null);
    assert_eq!(info["detectors"]["yunet"]["available"], true);
    let models = info["models"].as_array().expect("models");
    assert!(models.iter().any(|m| m["name"] == "emotion_cnn"), "{info}");
    for m in models {
        assert_eq!(
            m["labels"],
            serde_json::json!([
                "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"
            ])
        );
        // FER2013's framing at 48 px, or face recognition's ArcFace template at 112.
        let side = match m["input"]["alignment"].as_str() {
            Some("fer2013") => 48,
            Some("arcface") => 112,
            other => panic!("alignment {other:?}: {m}"),
        };
        assert_eq!(m["input"]["shape"], serde_json::json!([-1, 1, side, side]));
    }
    assert_eq!(models.iter().filter(|m| m["default"] == true).count(), 1);
    // The 112 px model on face recognition's template is there beside the 48 px ones, and live
    // sessions have a default of their own (the fast model).
    let facenet = models.iter().find(|m| m["name"] == "facenet_ferplus_int8");
    assert_eq!(
        facenet.expect("facenet_ferplus_int8")["input"]["alignment"],
        "arcface"
    );
    assert_eq!(info["live_model"], "emonet_ferplus_flip_int8");
    app.stop().await;
}
