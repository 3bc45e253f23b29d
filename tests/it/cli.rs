//! `emoscope analyze` on a real video: JSON, CSV and table output, the timeline file, and clear
//! messages for bad input.

use crate::common;

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
        .env("EMOSCOPE_IDENTITY_MODEL", &c.identity_model)
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
        csv.starts_with(
            "person,emotion,percent,count,mean_probability,screen_ms,first_ms,last_ms\nall,angry,"
        ),
        "{csv}"
    );
    // The whole video, then each person: the main video shows five people (four one after
    // another, then two at once, one of them new).
    let people = result["people"].as_array().expect("people").len();
    assert!(people >= 2, "{result}");
    assert_eq!(csv.lines().count(), 1 + 7 * (1 + people), "{csv}");

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
            "must be yunet or haar",
        ),
        (
            vec!["analyze", "--sample-fps=-1", text.to_str().expect("path")],
            "--sample-fps must be",
        ),
    ] {
        let out = emoscope(dir.path()).args(&args).output().expect("run");
        // 2 is clap's code for a flag it refused, 1 ours for everything else.
        let want_code = if args.contains(&"--detector") { 2 } else { 1 };
        assert_eq!(out.status.code(), Some(want_code), "{args:?}");
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

/// A phone-like video whose frame rate changes (2 s at 30 fps, then 2 s at 10 fps): frame times
/// are the decoder's presentation times, and sampling is even in time, not in frames.
#[test]
fn variable_frame_rate_videos_are_timed_and_sampled_by_presentation_time() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("vfr.mp4");
    // Frames after 2 s keep only every third, shown at their own times: 10 fps.
    common::lavfi_video(
        &path,
        "testsrc=size=320x240:rate=30:duration=4",
        &["-vf", "select='lt(t,2)+not(mod(n,3))'", "-fps_mode", "vfr"],
    );

    let frames = |fps: &str| -> Vec<u64> {
        let timeline = dir.path().join(format!("frames-{fps}.jsonl"));
        let out = emoscope(dir.path())
            .args(["analyze", "--quiet", "--sample-fps", fps, "--timeline"])
            .arg(&timeline)
            .arg(&path)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&timeline)
            .expect("timeline")
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("json")["time_ms"]
                    .as_u64()
                    .expect("time")
            })
            .collect()
    };
    let every = frames("0");
    assert_eq!(every.len(), 60 + 20, "{every:?}");
    // The last frame is shown at 3.9 s; counting frames at a nominal rate would say about 2.7 s.
    let last = *every.last().expect("frames");
    assert!((3850..=3950).contains(&last), "last frame at {last} ms");
    let gaps: Vec<u64> = every.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[..59].iter().all(|g| (32..=35).contains(g)), "{gaps:?}");
    assert!(
        gaps[60..].iter().all(|g| (99..=101).contains(g)),
        "{gaps:?}"
    );

    // Five a second in both halves, 200 ms apart.
    let sampled = frames("5");
    assert_eq!(sampled.len(), 20, "{sampled:?}");
    for w in sampled.windows(2) {
        assert!((190..=210).contains(&(w[1] - w[0])), "{sampled:?}");
    }
}

/// `emoscope migrate` on `url`, which must fail; returns what it said, checked for secrets.
fn migrate_fails(dir: &std::path::Path, url: &str) -> String {
    let out = emoscope(dir)
        .arg("migrate")
        .env("EMOSCOPE_DATABASE_URL", url)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("hunter3"),
        "{err}"
    );
    err
}

/// Database passwords never reach the terminal: not in errors (`tests/postgres.rs` checks a
/// successful migrate).
#[test]
fn database_urls_are_shown_without_their_password() {
    let dir = tempfile::tempdir().expect("dir");
    let err = migrate_fails(dir.path(), "mysql://root:hunter2@db/x?password=hunter3");
    assert!(err.contains("database_url must start with"), "{err}");
    // A PostgreSQL server that is not there: the error names it without the secret.
    let err = migrate_fails(
        dir.path(),
        "postgres://emoscope:hunter2@127.0.0.1:1/emoscope?password=hunter3",
    );
    assert!(err.contains("emoscope:***@127.0.0.1:1"), "{err}");
}

#[test]
fn analyze_reads_a_still_picture() {
    let dir = tempfile::tempdir().expect("dir");
    let picture = dir.path().join("two.png");
    std::fs::write(&picture, common::synth::two_faces_picture(".png")).expect("write");
    let out = emoscope(dir.path())
        .arg("analyze")
        .arg(&picture)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        (
            result["image"]["width"].as_u64(),
            result["image"]["height"].as_u64()
        ),
        (Some(640), Some(360))
    );
    let faces = result["faces"].as_array().expect("faces");
    assert_eq!(
        common::expressions_left_to_right(&result["faces"]),
        ["happy", "surprise"],
        "{result}"
    );
    assert!(
        faces
            .iter()
            .all(|f| f.get("track_id").is_none_or(Value::is_null)),
        "{result}"
    );
    assert_eq!(result["emotions"]["faces_classified"], 2);
    assert_eq!(result["emotions"]["counts"]["happy"], 1);

    let out = emoscope(dir.path())
        .args(["analyze", "--format", "csv"])
        .arg(&picture)
        .output()
        .expect("run");
    let csv = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        csv.starts_with("face,x,y,w,h,score,emotion,angry,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");

    let out = emoscope(dir.path())
        .args(["analyze", "--format", "table"])
        .arg(&picture)
        .output()
        .expect("run");
    let table = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        table.contains("face 2 at") && table.contains("not a diagnosis"),
        "{table}"
    );

    // Not a picture, and what only a video has: clear messages.
    let fake = dir.path().join("fake.jpg");
    std::fs::write(&fake, "not a picture").expect("write");
    // A PNG header that claims 100000 × 100000 pixels: refused before anything is decoded.
    let bomb = dir.path().join("bomb.png");
    let mut header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(&bomb, header).expect("write");
    let timeline = dir.path().join("t.jsonl");
    for (args, want) in [
        (vec!["analyze".into(), fake.clone()], "cannot read"),
        (
            vec!["analyze".into(), bomb.clone()],
            "larger than limits.max_frame_side",
        ),
        (
            vec![
                "analyze".into(),
                "--timeline".into(),
                timeline.clone(),
                picture.clone(),
            ],
            "are for videos",
        ),
    ] {
        let out = emoscope(dir.path()).args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(want) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

/// `emoscope live` on an HLS stream (ffmpeg's segments served over HTTP by a local server):
/// the three people of the scene, a line when each one's expression is first known, the people
/// at the end when the stream ends, and the URL's query never printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_follows_the_people_of_an_hls_stream() {
    let scene = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let dir = tempfile::tempdir().expect("dir");
    let (playlist, _served) = common::video_host::hls(&scene, false).await;
    let url = format!("{playlist}?token=hls-s3cr3t");
    let mut cmd = emoscope(dir.path());
    cmd.args(["live", "--fps", "5"]).arg(&url);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    for person in 1..=3 {
        assert!(
            stdout.contains(&format!("person {person}: mostly")),
            "person {person}:\n{stdout}"
        );
    }
    assert!(stdout.contains("frames analysed"), "{stdout}");
    assert!(stderr.contains("index.m3u8?…"), "{stderr}");
    assert!(!stdout.contains("hls-s3cr3t") && !stderr.contains("hls-s3cr3t"));

    let none = emoscope(dir.path())
        .args(["live", "http://127.0.0.1:9/none.m3u8"])
        .output()
        .expect("run");
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("cannot open"));
}
