//! The FER-made test videos, made once per test binary, and ffmpeg-made ones.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::synth::{self, Codec, Face, Segment, VideoSpec};

/// The main test video: 640×360 at 25 fps, 10 s:
/// 0–2 s no face; 2–6 s one happy face a second (200 px at 220,80); 6–8 s no face;
/// 8–10 s two faces (happy 150 px at 60,100 and surprise 150 px at 420,120).
pub fn main_spec() -> VideoSpec {
    let fps = 25;
    let mut segments = vec![Segment {
        frames: 50,
        faces: vec![],
    }];
    segments.extend(synth::single_face_segments(
        "happy", 4, fps, 1.0, 220, 80, 200,
    ));
    segments.push(Segment {
        frames: 50,
        faces: vec![],
    });
    let happy = synth::test_faces("happy", 6).pop().expect("face");
    let surprise = synth::test_faces("surprise", 1).pop().expect("face");
    segments.push(Segment {
        frames: 50,
        faces: vec![
            Face {
                image: happy,
                x: 60,
                y: 100,
                size: 150,
            },
            Face {
                image: surprise,
                x: 420,
                y: 120,
                size: 150,
            },
        ],
    });
    small_video(fps, segments)
}

/// 640×360, still frames: the size of every test video.
fn small_video(fps: u32, segments: Vec<Segment>) -> VideoSpec {
    VideoSpec {
        width: 640,
        height: 360,
        fps,
        segments,
        motion: false,
    }
}

/// Only happy test faces, a different one every half second, 12 s.
pub fn happy_spec() -> VideoSpec {
    let fps = 10;
    let segments = synth::single_face_segments("happy", 24, fps, 0.5, 180, 40, 240);
    small_video(fps, segments)
}

/// A long video for the crash test: 24 s at 25 fps of changing faces, analysed at every frame.
pub fn long_spec() -> VideoSpec {
    let fps = 25;
    let mut segments = synth::single_face_segments("neutral", 12, fps, 1.0, 200, 60, 220);
    segments.extend(synth::single_face_segments(
        "sad", 12, fps, 1.0, 200, 60, 220,
    ));
    small_video(fps, segments)
}

/// Videos are made once per test binary, in a folder that outlives the tests of that binary.
pub fn video(name: &str, spec: fn() -> VideoSpec, codec: Codec) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    let path = dir.path().join(format!("{name}.{}", codec.extension()));
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        synth::write_video(&spec(), codec, &path).unwrap_or_else(|e| panic!("making {name}: {e}"));
    }
    path
}

/// An H.264 MP4 made by ffmpeg from a `lavfi` source (e.g. `testsrc=size=320x240:rate=10:duration=2`),
/// with `extra` arguments before the codec's.
pub fn lavfi_video(path: &Path, source: &str, extra: &[&str]) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", source])
        .args(extra)
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(path)
        .output()
        .expect("ffmpeg (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The expressions of an answer's faces (`[{box, emotion, …}]`), left to right.
pub fn expressions_left_to_right(faces: &Value) -> Vec<String> {
    let mut seen: Vec<(i64, String)> = faces
        .as_array()
        .expect("faces")
        .iter()
        .map(|f| {
            let x = f["box"]["x"].as_i64().expect("x");
            (x, f["emotion"].as_str().expect("emotion").to_string())
        })
        .collect();
    seen.sort();
    seen.into_iter().map(|(_, e)| e).collect()
}
