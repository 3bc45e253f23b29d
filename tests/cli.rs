//! `emoscope analyze` on a real video: JSON, CSV and table output, the timeline file, and clear
//! messages for bad input.

mod common;

use std::process::Command;

use common::synth::Codec;
use common::{main_spec, test_config, video};
use serde_json::Value;

fn emoscope(data: &std::path::Path) -> Command {
    let c = test_config(data);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emoscope"));
    cmd.env("EMOSCOPE_DATA_DIR", data)
        .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
        .env("EMOSCOPE_YUNET_MODEL", &c.yunet_model)
        .env("EMOSCOPE_ONNXRUNTIME_LIB", &c.onnxruntime_lib);
    cmd
}

#[test]
fn analyze_prints_the_result_of_a_real_video() {
    let path = video("main", main_spec, Codec::H264Mp4);
    let dir = tempfile::tempdir().expect("dir");
    let timeline = dir.path().join("frames.jsonl");

    let out = emoscope(dir.path())
        .args(["analyze", "--sample-fps", "5", "--timeline"])
        .arg(&timeline)
        .arg(&path)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(result["emotions"]["frames_analyzed"], 50);
    assert_eq!(result["video"]["info"]["frame_count"], 250);
    assert_eq!(result["detector_used"], "yunet");
    let sum: f64 = result["emotions"]["percentages"]
        .as_object()
        .expect("p")
        .values()
        .filter_map(Value::as_f64)
        .sum();
    assert!((sum - 100.0).abs() < 0.011);
    let lines = std::fs::read_to_string(&timeline).expect("timeline");
    assert_eq!(lines.lines().count(), 50);
    let first: Value =
        serde_json::from_str(lines.lines().next().expect("line")).expect("json line");
    assert_eq!(first["frame"], 0);

    let out = emoscope(dir.path())
        .args(["analyze", "--format", "csv", "--quiet"])
        .arg(&path)
        .output()
        .expect("run");
    let csv = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        csv.starts_with("emotion,percent,count,mean_probability\nangry,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 8);

    let out = emoscope(dir.path())
        .args(["analyze", "--format", "table", "--quiet"])
        .arg(&path)
        .output()
        .expect("run");
    let table = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        table.contains("dominant: ") && table.contains("not a diagnosis"),
        "{table}"
    );
}

#[test]
fn analyze_explains_bad_input() {
    let dir = tempfile::tempdir().expect("dir");
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video").expect("write");
    for (args, want) in [
        (vec!["analyze", "/no/such/video.mp4"], "no such file"),
        (
            vec!["analyze", text.to_str().expect("path")],
            "unreadable_video",
        ),
        (
            vec![
                "analyze",
                "--detector",
                "dlib",
                text.to_str().expect("path"),
            ],
            "--detector must be yunet or haar",
        ),
        (
            vec!["analyze", "--sample-fps=-1", text.to_str().expect("path")],
            "--sample-fps must be",
        ),
    ] {
        let out = emoscope(dir.path()).args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn openapi_prints_the_committed_contract() {
    let dir = tempfile::tempdir().expect("dir");
    let out = emoscope(dir.path()).arg("openapi").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("utf8");
    let committed =
        std::fs::read_to_string(common::repo().join("openapi/openapi.json")).expect("file");
    assert_eq!(
        printed, committed,
        "regenerate: cargo run -- openapi > openapi/openapi.json"
    );
}
