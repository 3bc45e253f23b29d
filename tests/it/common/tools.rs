//! The tools `scripts/setup.sh --test` installs, run with their output kept for a failure.

use std::path::PathBuf;

use super::repo;

/// A tool installed by `scripts/setup.sh --test` (in `third_party/venv` or `tests/e2e`), or a
/// failure that says how to get it.
pub fn test_tool(path: &str) -> PathBuf {
    let p = repo().join(path);
    assert!(
        p.exists(),
        "{} is missing: run `scripts/setup.sh --test` (it installs the test tools)",
        p.display()
    );
    p
}

/// Runs a command; fails the test with its output unless it exits 0. Returns stdout.
pub fn run_tool(cmd: &mut std::process::Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    tool_output(out, what)
}

/// A command's stdout; fails the test with its output unless it exited 0.
pub fn tool_output(out: std::process::Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        tail(&stdout, 12_000),
        tail(&stderr, 4_000)
    );
    stdout
}

fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Where tests leave files for people to look at (screenshots, fuzzer logs).
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = repo().join("target/test-artifacts").join(name);
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
