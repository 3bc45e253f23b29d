#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then runs the formatting and lint checks and every
# test. Tests read FER2013 and YuNet from ../shared (EMOSCOPE_SHARED_DIR to change it).
#
#   scripts/test.sh          everything, as CI runs it
#   scripts/test.sh --fast   the inner loop: the unit tests and the API on SQLite, without the
#                            tests that need PostgreSQL, the S3 server, podman, Chromium or
#                            schemathesis, and without fmt and clippy
set -euo pipefail
cd "$(dirname "$0")/.."
FAST=0
for arg in "$@"; do
  case $arg in
    --fast) FAST=1 ;;
    *) echo "usage: scripts/test.sh [--fast]" >&2; exit 2 ;;
  esac
done
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$FAST" = 1 ]; then
  ./scripts/setup.sh
  # Each test boots its own server with its own worker; two at a time suit a small machine.
  exec cargo test --lib --test it --locked -- --test-threads 2 \
    --skip postgres:: --skip topology:: --skip container:: --skip web:: \
    --skip contract::schemathesis --skip contract::openapi_spec_validator \
    --skip contract::every_example
fi
./scripts/setup.sh --test
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --lib --bins --tests --locked -- --test-threads 2
