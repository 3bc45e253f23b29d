//! `POST /v1/images` through the real server and model: a picture with two faces as a raw body
//! (PNG, JPEG, WebP) and as a form; every way of sending a wrong one (empty, not a picture, a
//! header claiming a huge picture, too many bytes, a wrong form), the rate limit, a process
//! without models; and nothing stored.

use crate::common;

use common::{TestApp, error_code, synth::two_faces_picture};
use serde_json::Value;

async fn post(app: &TestApp, query: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    common::status_and_json(
        app.client
            .post(app.url(&format!("/v1/images{query}")))
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

async fn post_form(app: &TestApp, form: reqwest::multipart::Form) -> (u16, Value) {
    common::status_and_json(app.client.post(app.url("/v1/images")).multipart(form)).await
}

/// Two faces, left happy and right surprised, as the test picture holds them.
fn assert_two_faces(body: &Value) {
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(640), Some(360)),
        "{body}"
    );
    let faces = body["faces"].as_array().expect("faces");
    assert_eq!(
        common::expressions_left_to_right(&body["faces"]),
        ["happy", "surprise"],
        "{body}"
    );
    for f in faces {
        let sum: f64 = f["probabilities"]
            .as_object()
            .expect("p")
            .values()
            .filter_map(Value::as_f64)
            .sum();
        assert!((sum - 1.0).abs() < 0.01, "{f}");
        assert!(f["track_id"].is_null(), "{f}");
    }
    assert_eq!(body["emotions"]["faces_classified"], 2, "{body}");
    assert_eq!(body["emotions"]["frames_analyzed"], 1, "{body}");
    assert!(
        body["note"]
            .as_str()
            .is_some_and(|n| n.contains("not a diagnosis")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_is_analysed_at_once_and_nothing_is_kept() {
    let app = TestApp::start(|_| {}).await;
    for (ext, content_type) in [
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".webp", "image/webp"),
        (".png", "application/octet-stream"),
    ] {
        let (status, body) = post(&app, "", content_type, two_faces_picture(ext)).await;
        assert_eq!(status, 200, "{ext}: {body}");
        assert_two_faces(&body);
        assert_eq!(body["detector"], "yunet");
    }
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(two_faces_picture(".jpg")).file_name("group.jpg"),
    );
    let (status, body) = post_form(&app, form).await;
    assert_eq!(status, 200, "{body}");
    assert_two_faces(&body);
    // Options: another model, and a least face size that leaves both faces out.
    let (status, body) = post(
        &app,
        "?model=emonet_int8&min_face_px=200",
        "image/png",
        two_faces_picture(".png"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["model"].as_str(),
            body["faces"].as_array().map(Vec::len)
        ),
        (Some("emonet_int8"), Some(0)),
        "{body}"
    );
    assert!(body["emotions"]["dominant"].is_null(), "{body}");
    // Nothing stored: no job, no file.
    let (_, jobs) = app.get("/v1/jobs").await;
    assert_eq!(jobs["items"].as_array().map(Vec::len), Some(0), "{jobs}");
    assert_eq!(app.uploads_count(), 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pictures_get_clear_errors_and_the_server_goes_on() {
    let app = TestApp::start(|c| {
        c.limits.max_image_bytes = 200_000;
        c.limits.max_image_pixels = 1_000_000;
        c.rate_limits.images_per_minute = 0;
    })
    .await;
    // A PNG header that claims 100000 × 100000 pixels: refused before anything is decoded.
    let mut bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    // A PNG cut off after a third: its header is right, its pixels do not decode.
    let mut cut = two_faces_picture(".png");
    cut.truncate(cut.len() / 3);
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("", "image/png", Vec::new(), 400, "empty_image"),
        (
            "",
            "image/png",
            b"not a picture at all".to_vec(),
            422,
            "unsupported_image",
        ),
        ("", "image/png", bomb, 422, "too_many_pixels"),
        ("", "image/png", cut, 422, "unsupported_image"),
        ("", "image/png", vec![0x89; 300_000], 413, "image_too_large"),
        (
            "",
            "text/plain",
            b"hello".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "?model=nope",
            "image/png",
            two_faces_picture(".png"),
            400,
            "unknown_model",
        ),
        (
            "?detector=dlib",
            "image/png",
            two_faces_picture(".png"),
            400,
            "invalid_option",
        ),
        (
            "?sample_fps=5",
            "image/png",
            two_faces_picture(".png"),
            400,
            "invalid_query",
        ),
    ];
    for (query, content_type, body, status, code) in cases {
        let (got, answer) = post(&app, query, content_type, body).await;
        assert_eq!(
            (got, error_code(&answer).as_str()),
            (status, code),
            "{query} {content_type}: {answer}"
        );
    }
    let form = reqwest::multipart::Form::new().text("video", "x");
    let (status, answer) = post_form(&app, form).await;
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (400, "unknown_option"),
        "{answer}"
    );
    let (status, answer) = post_form(&app, reqwest::multipart::Form::new()).await;
    assert_eq!(status, 400, "{answer}");
    // The server still answers a good picture.
    let (status, body) = post(&app, "", "image/png", two_faces_picture(".png")).await;
    assert_eq!(status, 200, "{body}");
    assert_two_faces(&body);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_rate_limited_per_key() {
    let app = TestApp::start(|c| c.rate_limits.images_per_minute = 2).await;
    for _ in 0..2 {
        let (status, body) = post(&app, "", "image/png", two_faces_picture(".png")).await;
        assert_eq!(status, 200, "{body}");
    }
    let resp = app
        .client
        .post(app.url("/v1/images"))
        .header("content-type", "image/png")
        .body(two_faces_picture(".png"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_without_models_says_so() {
    let data = tempfile::tempdir().expect("dir");
    let server = common::server::Server::start(data.path(), 0, &[]);
    let (status, body) = common::status_and_json(
        reqwest::Client::new()
            .post(server.url("/v1/images"))
            .header("content-type", "image/png")
            .body(two_faces_picture(".png")),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (503, "images_unavailable"),
        "{body}"
    );
}
