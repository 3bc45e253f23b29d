//! Test helpers: the real models and configuration (here), the real server (`app`), videos
//! (`videos`, `synth`, `scenes`), the rules every store keeps (`store_rules`), the setup's
//! tools (`tools`), and fake far-away services (receivers, video hosts, S3).

mod app;
mod store_rules;
mod tools;
mod videos;

pub use app::*;
pub use store_rules::*;
pub use tools::*;
pub use videos::*;

pub mod keys;
pub mod mot;
pub mod opencv_frames;
pub mod people;
pub mod pg;
pub mod receiver;
pub mod s3;
pub mod scans;
pub mod scenes;
pub mod server;
pub mod synth;
pub mod video_host;

use std::path::{Path, PathBuf};

use emoscope::config::Config;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, or `EMOSCOPE_SHARED_DIR`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("EMOSCOPE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
}

/// A configuration that uses the real models: the project's own in `models/`, YuNet from
/// `../shared/models` (or `EMOSCOPE_YUNET_MODEL`), ONNX Runtime from `third_party/` (setup.sh).
pub fn test_config(data_dir: &Path) -> Config {
    let mut c = Config {
        data_dir: data_dir.to_path_buf(),
        models_dir: std::env::var_os("EMOSCOPE_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("models")),
        yunet_model: std::env::var_os("EMOSCOPE_YUNET_MODEL")
            .map(PathBuf::from)
            .unwrap_or_else(|| shared_dir().join("models/face_detection_yunet.onnx")),
        identity_model: std::env::var_os("EMOSCOPE_IDENTITY_MODEL")
            .map(PathBuf::from)
            .unwrap_or_else(|| shared_dir().join("models/mobilefacenet.onnx")),
        onnxruntime_lib: std::env::var_os("EMOSCOPE_ONNXRUNTIME_LIB")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("third_party/onnxruntime/libonnxruntime.so.1.31.1")),
        workers: 1,
        inference_threads: 2,
        ..Config::default()
    };
    assert!(
        c.yunet_model.is_file(),
        "these tests need the YuNet model at {} (set EMOSCOPE_YUNET_MODEL or EMOSCOPE_SHARED_DIR)",
        c.yunet_model.display()
    );
    assert!(
        c.identity_model.is_file(),
        "these tests need the MobileFaceNet model at {} (set EMOSCOPE_IDENTITY_MODEL or EMOSCOPE_SHARED_DIR)",
        c.identity_model.display()
    );
    assert!(
        c.onnxruntime_lib.is_file(),
        "these tests need ONNX Runtime at {} (run scripts/setup.sh)",
        c.onnxruntime_lib.display()
    );
    c.queue.poll_ms = 100;
    c.queue.heartbeat_secs = 1;
    c.queue.stale_after_secs = 5;
    // A test's server stops at once, handing back what runs (recovery.rs tests the grace).
    c.queue.stop_grace_secs = 0;
    c
}
