//! The web page end to end in real headless Chromium (Debian's), driven by Playwright
//! (`tests/e2e/page.mjs`): upload a real video, follow it, check the charts and numbers against
//! the API, write a template report, delete the job, open the API docs; nothing may be fetched
//! from another host; the live camera (Chromium's fake camera playing a scene of three people)
//! shows faces and people and keeps its session as a job. The server asks for an API key,
//! which the page asks for. Screenshots land in `target/test-artifacts/web/`.

use crate::common;

use std::process::Command;

use common::synth::Codec;
use common::{TestApp, artifacts_dir, main_spec, repo, test_tool, tool_output, video};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_analyses_a_video_and_shows_what_the_api_says() {
    test_tool("tests/e2e/node_modules/playwright-core");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: run `scripts/setup.sh --test` (it installs Debian's chromium)"
    );
    let app = TestApp::start(|_| {}).await;
    // The server asks for keys, as a shared deployment does; the page must ask for one.
    let (_, key) = common::keys::make_key(&app, "browser", false).await;
    let clip = video("main", main_spec, Codec::H264Mp4);
    let out = artifacts_dir("web");
    // The fake camera plays a y4m file: three people, 640×480.
    let scene = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let camera = out.join("camera.y4m");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&scene)
        .args(["-t", "4", "-vf", "scale=640:480", "-pix_fmt", "yuv420p"])
        .arg(&camera)
        .status()
        .expect("ffmpeg");
    assert!(made.success(), "cannot make the camera's y4m");
    let mut cmd = Command::new("node");
    cmd.arg(repo().join("tests/e2e/page.mjs"))
        .env("BASE_URL", &app.base)
        .env("VIDEO", &clip)
        .env("CAMERA", &camera)
        .env("API_KEY", &key)
        .env("OUT_DIR", &out)
        .env("CHROMIUM", &chromium);
    // Blocking, on another thread: the server under test runs on this runtime.
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("node starts");
    let log = tool_output(output, "the browser test");
    assert!(log.contains("steps of the browser test passed"), "{log}");
    for shot in ["page.png", "page-phone.png", "docs.png", "live.png"] {
        let size = std::fs::metadata(out.join(shot)).map_or(0, |m| m.len());
        assert!(size > 10_000, "screenshot {shot} is missing or blank");
    }
    app.stop().await;
}
