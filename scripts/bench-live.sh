#!/usr/bin/env bash
# Live sessions (GET /v1/live) on this machine: a release `emoscope serve` (one worker), fed
# 640×480 JPEG frames of FER-made videos by examples/bench_live.rs. Prints the server's time per
# frame (median, p95) with 1 and with 3 faces, one session at 10, 15 and 30 frames a second with
# 3 faces (results a second, drops), and four rounds of four sessions at 5 frames a second for
# 30 s with the server's resident memory (now and at its peak) after each.
#   scripts/bench-live.sh   (needs setup done and ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bins --examples >/dev/null
mkdir -p target/bench
for faces in 1 3; do
  v=target/bench/live_640x480_${faces}face.mp4
  [ -f "$v" ] || ./target/release/examples/make_video "$v" 640 480 10 "$faces" people 2>/dev/null
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
EMOSCOPE_DATA_DIR=$data EMOSCOPE_LIMITS__MAX_LIVE_SESSIONS=4 EMOSCOPE_LIMITS__MAX_LIVE_SESSIONS_PER_KEY=4 \
  EMOSCOPE_LIMITS__MAX_LIVE_FPS=30 RUST_LOG=warn \
  ./target/release/emoscope serve --listen 127.0.0.1:$port --workers 1 2>"$data/log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf http://127.0.0.1:$port/readyz >/dev/null; do sleep 0.2; done
rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' /proc/$server/status; echo; }
url=ws://127.0.0.1:$port/v1/live
for faces in 1 3; do
  echo "1 session, closed loop, $faces face(s):"
  ./target/release/examples/bench_live "$url" target/bench/live_640x480_${faces}face.mp4 closed
done
for fps in 10 15 30; do
  echo "1 session, $fps frames/s, 3 faces:"
  ./target/release/examples/bench_live "$url" target/bench/live_640x480_3face.mp4 open 1 $fps 20
done
echo "memory before four sessions: $(rss)"
for round in 1 2 3 4; do
  ./target/release/examples/bench_live "$url" target/bench/live_640x480_1face.mp4 open 4 5 30 | sed -n 1p
  echo "memory after round $round of four sessions: $(rss)"
done
