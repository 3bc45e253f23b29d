#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then runs the formatting and lint checks and every
# test. Tests read FER2013 and YuNet from ../shared (EMOSCOPE_SHARED_DIR to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# Each test boots its own server with its own worker; two at a time suit a small machine.
cargo test --lib --bins --tests --locked -- --test-threads 2
