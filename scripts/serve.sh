#!/usr/bin/env bash
# Sets up what is missing, builds the release binary and starts the service on the embedded
# SQLite database in ./data. Extra arguments go to `emoscope serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked
exec ./target/release/emoscope serve "$@"
