//! The TypeScript client (`clients/typescript`): its generated types match the committed
//! contract, it builds, and its own tests pass against the real server (a key, a video, a
//! picture, a webhook to a local receiver). `scripts/setup.sh --test` installs its packages.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::server::Server;

fn client_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/typescript"))
}

/// A tool of the client's `node_modules/.bin`, or a clear message that setup did not run.
fn bin(name: &str) -> std::path::PathBuf {
    let path = client_dir().join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh --test (npm ci in clients/typescript)",
        path.display()
    );
    path
}

#[test]
fn the_typescript_types_are_generated_from_the_committed_contract() {
    let out = tempfile::tempdir().expect("dir");
    let generated = out.path().join("schema.ts");
    common::run_tool(
        Command::new(bin("openapi-typescript"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"))
            .arg("-o")
            .arg(&generated)
            .current_dir(client_dir()),
        "openapi-typescript",
    );
    let committed = std::fs::read_to_string(client_dir().join("src/schema.ts")).expect("schema.ts");
    let fresh = std::fs::read_to_string(&generated).expect("generated");
    assert!(
        committed == fresh,
        "clients/typescript/src/schema.ts is not the contract's: run `npm run generate` in clients/typescript"
    );
}

/// The key's token and webhook secret, from `emoscope keys create`.
fn make_key(data: &Path) -> (String, String) {
    let c = common::test_config(data);
    let out = Command::new(env!("CARGO_BIN_EXE_emoscope"))
        .args(["keys", "create", "--name", "typescript client"])
        .env("EMOSCOPE_DATA_DIR", data)
        .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
        .output()
        .expect("run emoscope keys");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    (field("key:"), field("webhook secret:"))
}

#[test]
fn the_typescript_client_passes_its_tests_against_the_real_server() {
    common::run_tool(
        Command::new(bin("tsc"))
            .args(["-p", "."])
            .current_dir(client_dir()),
        "tsc",
    );
    let data = tempfile::tempdir().expect("dir");
    let (key, secret) = make_key(data.path());
    let server = Server::start(
        data.path(),
        1,
        &[
            ("EMOSCOPE_WEBHOOKS__ALLOW_HTTP", "true"),
            ("EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS", "127.0.0.1"),
            ("EMOSCOPE_WEBHOOKS__RETRY_BASE_MS", "200"),
        ],
    );
    let video = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let picture = data.path().join("two.png");
    std::fs::write(&picture, common::synth::two_faces_picture(".png")).expect("picture");
    let out = Command::new("node")
        .args(["--test", "dist/test/"])
        .current_dir(client_dir())
        .env("EMOSCOPE_URL", &server.base)
        .env("EMOSCOPE_KEY", &key)
        .env("EMOSCOPE_WEBHOOK_SECRET", &secret)
        .env("EMOSCOPE_VIDEO", &video)
        .env("EMOSCOPE_PICTURE", &picture)
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("# pass 3") && report.contains("# fail 0"),
        "the TypeScript client's tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
