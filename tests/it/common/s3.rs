//! A real S3-protocol server for tests: `s3s-fs` from crates.io (`scripts/setup.sh --test`
//! installs it; `EMOSCOPE_TEST_S3S_FS` names another binary), serving a temporary folder on a
//! loopback port, with credentials of its own. It can be stopped and started again on the same
//! port and folder, as an outage would.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BUCKET: &str = "emoscope-test";
pub const ACCESS_KEY: &str = "emoscope-access";
/// Tests check that this never appears in a log, an error or a response.
pub const SECRET_KEY: &str = "s3-secret-never-shown-8d1f";

pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    root: tempfile::TempDir,
}

fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("EMOSCOPE_TEST_S3S_FS") {
        return path.into();
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let installed = PathBuf::from(home).join(".cargo/bin/s3s-fs");
    if installed.is_file() {
        return installed;
    }
    panic!(
        "no s3s-fs binary: `scripts/setup.sh --test` installs it (cargo install s3s-fs), or set \
         EMOSCOPE_TEST_S3S_FS"
    )
}

impl S3Server {
    /// A server with one empty bucket, [`BUCKET`].
    pub fn start() -> Self {
        let root = tempfile::tempdir().expect("s3 root");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut server = Self {
            child: None,
            port,
            root,
        };
        server.resume();
        server
    }

    /// Starts the server (again) on its port and folder; waits until it accepts connections.
    pub fn resume(&mut self) {
        let child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server: the store is down until [`S3Server::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `EMOSCOPE_STORAGE__*` variables that point a process at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("EMOSCOPE_STORAGE__BACKEND", "s3".into()),
            ("EMOSCOPE_STORAGE__BUCKET", BUCKET.into()),
            ("EMOSCOPE_STORAGE__ENDPOINT", self.endpoint()),
            ("EMOSCOPE_STORAGE__REGION", "us-east-1".into()),
            ("EMOSCOPE_STORAGE__ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("EMOSCOPE_STORAGE__SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("EMOSCOPE_STORAGE__TIMEOUT_SECS", "5".into()),
        ]
    }

    /// The same settings, read as a process reads them, for a store opened in the test itself.
    pub fn config(&self, c: &mut emoscope::config::Config) {
        let vars = self.env().into_iter().map(|(k, v)| (k.to_string(), v));
        c.storage = emoscope::config::Config::layered(None, vars)
            .expect("storage settings")
            .storage;
    }

    /// The bucket as the service sees it, through the S3 protocol.
    pub fn store(&self) -> emoscope::storage::MediaStore {
        let mut c = emoscope::config::Config::default();
        self.config(&mut c);
        emoscope::storage::MediaStore::open(&c).expect("store")
    }

    /// The names of the objects in the bucket.
    pub async fn objects(&self) -> Vec<String> {
        let store = self.store();
        let mut names: Vec<String> = store
            .list()
            .await
            .expect("list")
            .into_iter()
            .map(|e| e.name)
            .collect();
        names.sort();
        names
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
