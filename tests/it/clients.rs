//! The clients (`clients/typescript`, `clients/python`): what they generate from the contract
//! matches the committed contract, they build or install, and their own tests pass against the
//! real server (a key, a video, a picture, a webhook to a local receiver, typed errors).
//! `scripts/setup.sh --test` installs their tools (npm; third_party/venv).

use crate::common;

use std::path::Path;
use std::process::Command;

use common::server::Server;

fn client_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/typescript"))
}

fn python_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/python"))
}

/// A tool of the test venv, or a clear message that setup did not run.
fn venv_bin(name: &str) -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("third_party/venv/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh --test",
        path.display()
    );
    path
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

/// A server with one worker whose webhooks may reach this machine, and a key for it; the test
/// video and picture. The directory holds the server's data and must outlive it.
struct Setup {
    _data: tempfile::TempDir,
    server: Server,
    key: String,
    secret: String,
    video: std::path::PathBuf,
    picture: std::path::PathBuf,
}

impl Setup {
    fn start() -> Self {
        let data = tempfile::tempdir().expect("dir");
        let (key, secret) = make_key(data.path());
        let server = Server::start(
            data.path(),
            1,
            &[
                ("EMOSCOPE_WEBHOOKS__ALLOW_HTTP", "true"),
                ("EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS", "127.0.0.1"),
                ("EMOSCOPE_WEBHOOKS__RETRY_BASE_MS", "200"),
                ("EMOSCOPE_DOWNLOADS__ALLOW_HTTP", "true"),
                ("EMOSCOPE_DOWNLOADS__ALLOWED_NETWORKS", "127.0.0.1"),
            ],
        );
        let video = common::scenes::scene_file("crossing", &common::scenes::crossing());
        let picture = data.path().join("two.png");
        std::fs::write(&picture, common::synth::two_faces_picture(".png")).expect("picture");
        Self {
            _data: data,
            server,
            key,
            secret,
            video,
            picture,
        }
    }

    /// A command with the environment the clients' tests read.
    fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .env("EMOSCOPE_URL", &self.server.base)
            .env("EMOSCOPE_KEY", &self.key)
            .env("EMOSCOPE_WEBHOOK_SECRET", &self.secret)
            .env("EMOSCOPE_VIDEO", &self.video)
            .env("EMOSCOPE_PICTURE", &self.picture);
        cmd
    }
}

#[test]
fn the_typescript_client_passes_its_tests_against_the_real_server() {
    common::run_tool(
        Command::new(bin("tsc"))
            .args(["-p", "."])
            .current_dir(client_dir()),
        "tsc",
    );
    let setup = Setup::start();
    let out = setup
        .command(Path::new("node"), client_dir())
        .args(["--test", "dist/test/"])
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("# pass 4") && report.contains("# fail 0"),
        "the TypeScript client's tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir` (caches aside), by its path inside it, with its contents.
fn tree(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "__pycache__") {
                    stack.push(path);
                }
            } else {
                let inside = path.strip_prefix(dir).expect("inside").to_path_buf();
                out.insert(inside, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

#[test]
fn the_python_client_is_generated_from_the_committed_contract() {
    venv_bin("openapi-python-client");
    let out = tempfile::tempdir().expect("dir");
    let generated = out.path().join("emoscope_api");
    common::run_tool(
        Command::new(python_dir().join("generate.sh")).arg(&generated),
        "generate.sh",
    );
    let (fresh, committed) = (tree(&generated), tree(&python_dir().join("emoscope_api")));
    let differ: Vec<_> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|k| fresh.get(*k) != committed.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "clients/python/emoscope_api is not the contract's (run clients/python/generate.sh): {differ:?}"
    );
}

#[test]
fn the_python_client_installs_and_passes_its_tests_against_the_real_server() {
    // `pip install ./clients/python` works (here into a folder, offline).
    let target = tempfile::tempdir().expect("dir");
    common::run_tool(
        Command::new(venv_bin("pip"))
            .args([
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--target",
            ])
            .arg(target.path())
            .arg(python_dir()),
        "pip install",
    );
    for package in ["emoscope/__init__.py", "emoscope_api/client.py"] {
        assert!(
            target.path().join(package).is_file(),
            "{package} not installed"
        );
    }
    let setup = Setup::start();
    let out = setup
        .command(&venv_bin("python"), python_dir())
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .env("PYTHONPATH", target.path())
        .output()
        .expect("run pytest");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("4 passed"),
        "the Python client's tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
