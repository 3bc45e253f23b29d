#!/usr/bin/env bash
# The speed and memory targets of docs/benchmarks.md, each as a ratio or figure from one run:
#   - analyze at the defaults (5 a second) and at 1 a second against the ffmpeg decode time of
#     the same file, on a 1080p six-face video and on a 720p one-face video (medians of RUNS
#     runs, alternating);
#   - every frame analysed on the 1080p six-face video, in frames per second;
#   - peak memory of analyze at the defaults on a 720p video of 1, 10 and 60 minutes (the minute
#     repeated with `ffmpeg -stream_loop`, so the longer files cost nothing to make);
#   - start-up: analyze on a 0.5 s clip, and how long ONNX Runtime and the model took to open.
#   scripts/bench-targets.sh [RUNS] [speed|memory|startup|all]
#   (needs scripts/setup.sh done and ../shared for the faces; default: 5 runs, all parts)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PART=${2:-all}
part() { [ "$PART" = all ] || [ "$PART" = "$1" ]; }
BIN=./target/release/emoscope
cargo build --release --locked --bins --examples >/dev/null
mkdir -p target/bench
make() { [ -f "$1" ] || ./target/release/examples/make_video "$@" 2>/dev/null; }
V1080=target/bench/fer_1080p_20s_6faces.mp4
V720=target/bench/fer_720p_20s_1face.mp4
MIN=target/bench/fer_720p_60s_1face.mp4
make "$V1080" 1920 1080 20 6
make "$V720" 1280 720 20 1
make "$MIN" 1280 720 60 1
for m in 10 60; do
  f=target/bench/fer_720p_${m}min_1face.mp4
  [ -f "$f" ] || ffmpeg -v error -stream_loop $((m - 1)) -i "$MIN" -c copy "$f"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { /usr/bin/time -f "%e %M" -o /tmp/emoscope-bench.time "$@" >/dev/null 2>/dev/null; cat /tmp/emoscope-bench.time; }
frames() { ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo "model: $(sed -n 's/.*default_model: "\(.*\)".into(),/\1/p' src/config/mod.rs) (the default), YuNet, CPU"

part speed && for video in "$V1080" "$V720"; do
  declare -A wall=() rss=()
  cases="ffmpeg default one_per_second"
  [ "$video" = "$V1080" ] && cases="$cases every_frame"
  for _ in $(seq "$RUNS"); do
    for c in $cases; do
      case $c in
        ffmpeg) out=$(measure ffmpeg -v error -i "$video" -f null -) ;;
        default) out=$(measure "$BIN" analyze "$video" --quiet) ;;
        one_per_second) out=$(measure "$BIN" analyze "$video" --quiet --sample-fps 1) ;;
        every_frame) out=$(measure "$BIN" analyze "$video" --quiet --sample-fps 0) ;;
      esac
      wall[$c]+="${out% *} "; rss[$c]+="${out#* } "
    done
  done
  n=$(frames "$video")
  echo "video: $video ($n frames)"
  for c in $cases; do
    w=$(echo "${wall[$c]}" | tr ' ' '\n' | grep . | median)
    r=$(echo "${rss[$c]}" | tr ' ' '\n' | grep . | sort -n | tail -1)
    extra=""
    case $c in default | one_per_second) extra=" ratio"; esac
    [ -n "$extra" ] && extra=" ratio $(echo "$w ${ffw}" | awk '{printf "%.2f", $1 / $2}')x floor"
    [ "$c" = every_frame ] && extra=" $(echo "$n $w" | awk '{printf "%.1f", $1 / $2}') frames/s"
    [ "$c" = ffmpeg ] && ffw=$w
    echo "  $c: median ${w} s, peak $((r / 1024)) MB,${extra} (runs: ${wall[$c]})"
  done
  unset wall rss
done

part memory && echo "memory in the video's length (720p, one face, defaults):" &&
for m in 1 10 60; do
  f=target/bench/fer_720p_${m}min_1face.mp4
  [ "$m" = 1 ] && f=$MIN
  out=$(measure "$BIN" analyze "$f" --quiet)
  echo "  ${m} min: ${out% *} s, peak $((${out#* } / 1024)) MB"
done

part startup || exit 0
echo "start-up (analyze on a 0.5 s clip; median of $RUNS):"
ffmpeg -v error -y -i "$V720" -t 0.5 -c copy /tmp/emoscope-bench-clip.mp4
walls=""
for _ in $(seq "$RUNS"); do walls+="$(measure "$BIN" analyze /tmp/emoscope-bench-clip.mp4 --quiet | cut -d' ' -f1) "; done
ready=$(RUST_LOG=emoscope=info "$BIN" analyze /tmp/emoscope-bench-clip.mp4 --quiet 2>&1 >/dev/null |
  sed -n 's/.*ms=\([0-9]*\).*ONNX Runtime and models ready.*/\1/p; s/.*ONNX Runtime and models ready.*ms=\([0-9]*\).*/\1/p' | head -1)
echo "  whole run: median $(echo "$walls" | tr ' ' '\n' | grep . | median) s (runs: $walls); ONNX Runtime and the model: ${ready} ms"
