//! Results per person through the HTTP API on SQLite (PostgreSQL: `tests/postgres.rs`).

use crate::common;

use common::TestApp;
use common::people::WAIT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_listed_paged_and_deleted_with_their_job() {
    let app = TestApp::start(|_| {}).await;
    common::people::check_people_api(&app).await;
    app.stop().await;
}

/// `annotate=true`: an H.264 MP4 of the analysed frames with boxes drawn, served with ranges,
/// deleted with its job; never made unless asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_annotated_video_is_made_on_request_served_in_ranges_and_deleted_with_the_job() {
    use opencv::core::{Mat, Rect};
    use opencv::prelude::*;
    use opencv::videoio::{CAP_FFMPEG, VideoCapture};

    let app = TestApp::start(|_| {}).await;
    let source = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let (_, plain) = app.upload(&source, &[]).await;
    let (status, job) = app.upload(&source, &[("annotate", "true")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(job["options"]["annotate"], true);
    assert_eq!(
        job["links"]["annotated"],
        format!("/v1/jobs/{id}/annotated.mp4")
    );
    let plain = plain["id"].as_str().expect("id");
    assert_eq!(app.wait(plain, WAIT).await["status"], "succeeded");
    let done = app.wait(&id, WAIT).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let (status, body) = app.get(&format!("/v1/jobs/{plain}/annotated.mp4")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(common::error_code(&body), "not_annotated");
    let uploads = app.data_dir.path().join("uploads");
    assert!(!uploads.join(format!("{plain}.annotated.mp4")).exists());

    let resp = app
        .client
        .get(app.url(&format!("/v1/jobs/{id}/annotated.mp4")))
        .send()
        .await
        .expect("get");
    let files: Vec<_> = std::fs::read_dir(&uploads)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name())).collect())
        .unwrap_or_default();
    assert_eq!(resp.status(), 200, "{done} {files:?}");
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    assert_eq!(resp.headers()["accept-ranges"], "bytes");
    let bytes = resp.bytes().await.expect("body");
    let file = app.data_dir.path().join("annotated.mp4");
    std::fs::write(&file, &bytes).expect("write");
    let resp = app
        .client
        .get(app.url(&format!("/v1/jobs/{id}/annotated.mp4")))
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect("range");
    assert_eq!(resp.status(), 206);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes 100-199/{}", bytes.len())
    );
    assert_eq!(resp.bytes().await.expect("part")[..], bytes[100..200]);
    let resp = app
        .client
        .get(app.url(&format!("/v1/jobs/{id}/annotated.mp4")))
        .header("range", format!("bytes={}-", bytes.len() + 10))
        .send()
        .await
        .expect("range");
    assert_eq!(resp.status(), 416);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(common::error_code(&body), "range_not_satisfiable");

    // ffmpeg reads it: H.264, one frame per analysed frame, as long as the video.
    let probe = common::run_tool(
        std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-count_frames",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=codec_name,nb_read_frames,width,height:format=duration",
                "-of",
                "json",
            ])
            .arg(&file),
        "ffprobe",
    );
    let probe: serde_json::Value = serde_json::from_str(&probe).expect("json");
    let stream = &probe["streams"][0];
    assert_eq!(stream["codec_name"], "h264", "{probe}");
    assert_eq!(
        (stream["width"].as_u64(), stream["height"].as_u64()),
        (Some(640), Some(360))
    );
    let (_, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
    let frames = emotions["frames_analyzed"].as_u64().expect("frames");
    assert_eq!(
        stream["nb_read_frames"]
            .as_str()
            .and_then(|n| n.parse().ok()),
        Some(frames)
    );
    let duration: f64 = probe["format"]["duration"]
        .as_str()
        .expect("duration")
        .parse()
        .expect("f64");
    assert!((duration - 8.0).abs() < 0.5, "{duration}");

    // The boxes are drawn: the first analysed frame differs from the source along each face's
    // box, and hardly elsewhere.
    let (_, page) = app.get(&format!("/v1/jobs/{id}/timeline?limit=1")).await;
    let first = &page["items"][0];
    let read_first = |path: &std::path::Path| {
        let mut cap = VideoCapture::from_file(&*path.to_string_lossy(), CAP_FFMPEG).expect("open");
        let mut m = Mat::default();
        assert!(cap.read(&mut m).expect("read"));
        m
    };
    let (drawn, original) = (read_first(&file), read_first(&source));
    let diff = |r: Rect| -> f64 {
        let a = Mat::roi(&drawn, r).expect("roi");
        let b = Mat::roi(&original, r).expect("roi");
        let mut d = Mat::default();
        opencv::core::absdiff(&a, &b, &mut d).expect("absdiff");
        opencv::core::mean(&d, &opencv::core::no_array()).expect("mean")[0]
    };
    for face in first["faces"].as_array().expect("faces") {
        let b = &face["box"];
        let (x, y, w) = (
            b["x"].as_i64().unwrap_or(0) as i32,
            b["y"].as_i64().unwrap_or(0) as i32,
            b["w"].as_i64().unwrap_or(0) as i32,
        );
        let edge = diff(Rect::new(x, y, w, 2));
        assert!(edge > 25.0, "the box edge at {b} changed by {edge}");
    }
    let background = diff(Rect::new(600, 320, 30, 30));
    assert!(background < 6.0, "the background changed by {background}");

    let (status, _) = app.delete(&format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 204);
    assert!(!uploads.join(format!("{id}.annotated.mp4")).exists());
    app.stop().await;
}

/// One person in three shots with another between, joined at the end of the job (SQLite; the
/// same on PostgreSQL in `postgres.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_of_the_job_joins_a_person_seen_in_several_shots() {
    let app = TestApp::start(|c| c.tracking.reid_ms = 0).await;
    common::people::check_joined_people(&app).await;
    app.stop().await;
}
