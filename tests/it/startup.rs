//! How the service starts when its surroundings are not as they should be: a model of the wrong
//! shape stops it with a clear message; a missing YuNet or an unusable CUDA falls back, loudly.

use crate::common;

use std::time::Duration;

use common::synth::Codec;
use common::{TestApp, main_spec, test_config, video};
use emoscope::app::Service;
use emoscope::pipeline::Engine;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_of_another_shape_stops_the_start() {
    let data = tempfile::tempdir().expect("dir");
    let models = tempfile::tempdir().expect("dir");
    let mut config = test_config(data.path());
    // The face detector is a valid ONNX file, but not an emotion model.
    std::fs::copy(&config.yunet_model, models.path().join("detector.onnx")).expect("copy");
    config.models_dir = models.path().to_path_buf();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = match Service::start(config, listener, 1).await {
        Ok(_) => panic!("the service started with a wrong model"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("detector.onnx") && err.contains("[N,1,48,48]"),
        "{err}"
    );
}

/// `analyze` and `evaluate` open only the model they use: the others are read for their metadata,
/// so a model of another shape fails the command that asks for it, and only that one.
#[test]
fn a_one_shot_command_opens_only_its_model() {
    let data = tempfile::tempdir().expect("dir");
    let models = tempfile::tempdir().expect("dir");
    let mut config = test_config(data.path());
    std::fs::copy(&config.yunet_model, models.path().join("detector.onnx")).expect("copy");
    std::fs::copy(
        config.models_dir.join("emonet_int8.onnx"),
        models.path().join("emonet_int8.onnx"),
    )
    .expect("copy");
    config.models_dir = models.path().to_path_buf();

    let err = Engine::load(&config, 1)
        .err()
        .expect("a server checks every model");
    assert!(format!("{err:#}").contains("detector.onnx"), "{err:#}");

    let engine = Engine::load_for(&config, 1, "emonet_int8").expect("only emonet_int8 is opened");
    let names: Vec<&str> = engine.models.keys().map(String::as_str).collect();
    assert_eq!(names, ["detector", "emonet_int8"]);
    let model = engine.emotion_model("emonet_int8").expect("emonet_int8");
    assert_eq!(model.info.labels.len(), 7);
    let err = engine
        .emotion_model("detector")
        .err()
        .expect("the detector is no emotion model");
    assert!(err.message.contains("[N,1,48,48]"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_yunet_the_haar_fallback_is_used_and_said() {
    let app = TestApp::start(|c| c.yunet_model = "/nonexistent/yunet.onnx".into()).await;
    let (_, info) = app.get("/v1/info").await;
    assert_eq!(info["detectors"]["yunet"]["available"], false);
    assert_eq!(info["detectors"]["fallback_active"], true);
    let problem = info["detectors"]["yunet"]["problem"]
        .as_str()
        .expect("problem");
    assert!(problem.contains("yunet.onnx"), "{problem}");
    // The file's name, never the server's paths.
    assert!(!problem.contains("/nonexistent"), "{problem}");

    let (status, job) = app
        .upload(
            &video("main", main_spec, Codec::H264Mp4),
            &[("sample_fps", "1")],
        )
        .await;
    assert_eq!(status, 202, "{job}");
    assert!(
        job["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("Haar"),
        "{job}"
    );
    let job = app
        .wait(job["id"].as_str().expect("id"), Duration::from_secs(180))
        .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let (_, emotions) = app
        .get(&format!(
            "/v1/jobs/{}/emotions",
            job["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(emotions["frames_analyzed"], 10);
    assert!(
        emotions["faces_classified"].as_u64().expect("faces") > 0,
        "Haar finds the big faces: {emotions}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cuda_request_that_cannot_be_met_runs_on_the_cpu() {
    // This ONNX Runtime build has no CUDA provider, so registering it must fail and fall back.
    let app =
        TestApp::start(|c| c.execution_provider = emoscope::runtime::ExecutionProvider::Cuda).await;
    let (_, info) = app.get("/v1/info").await;
    assert_eq!(info["execution_provider_requested"], "cuda");
    assert_eq!(info["execution_provider"], "cpu", "{info}");
    app.stop().await;
}

/// A process without workers lists the models from their files' metadata: it loads no ONNX
/// Runtime (its library path may point nowhere) and no model, and says the same as a full server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_only_server_loads_no_runtime_and_lists_the_same_models() {
    let full = TestApp::start(|_| {}).await;
    let (_, want) = full.get("/v1/info").await;
    assert_eq!(want["execution_provider"], "cpu");

    let data = tempfile::tempdir().expect("dir");
    let api = common::server::Server::start(
        data.path(),
        0,
        &[("EMOSCOPE_ONNXRUNTIME_LIB", "/nonexistent/libonnxruntime.so")],
    );
    let client = reqwest::Client::new();
    let (status, info) = common::status_and_json(client.get(api.url("/v1/info"))).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["models"], want["models"], "{info}");
    assert_eq!(info["default_model"], want["default_model"]);
    assert_eq!(info["detectors"]["yunet"]["available"], true);
    assert_eq!(info["execution_provider"], serde_json::Value::Null);

    let (status, job) = common::status_and_json(
        client
            .post(api.url("/v1/jobs?sample_fps=1"))
            .header("content-type", "video/mp4")
            .body(std::fs::read(video("main", main_spec, Codec::H264Mp4)).expect("read")),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["status"], "queued");
    full.stop().await;
}
