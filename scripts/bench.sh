#!/usr/bin/env bash
# Speed and memory of `emoscope analyze` on a FER-made 1080p H.264 video, next to the time
# ffmpeg needs only to decode it. Prints medians of RUNS runs; results go in docs/benchmarks.md.
#   scripts/bench.sh [RUNS]        (needs scripts/setup.sh done and ../shared for the faces)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
# Camera-like by default (faces drift, sensor noise); BENCH_STILL=1 for a still slideshow, which
# costs ffmpeg almost nothing to decode and so is the hardest case for the ratio.
if [ "${BENCH_STILL:-0}" = 1 ]; then
  VIDEO=${BENCH_VIDEO:-target/bench/fer_1080p_20s_3faces_still.mp4}; STYLE=still
else
  VIDEO=${BENCH_VIDEO:-target/bench/fer_1080p_20s_3faces.mp4}; STYLE=motion
fi
cargo build --release --locked --bins --examples >/dev/null
mkdir -p "$(dirname "$VIDEO")"
[ -f "$VIDEO" ] || ./target/release/examples/make_video "$VIDEO" 1920 1080 20 3 "$STYLE"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Wall seconds and peak RSS (KiB) of one command, from GNU time.
measure() { /usr/bin/time -f "%e %M" -o /tmp/emoscope-bench.time "$@" >/dev/null 2>/dev/null; cat /tmp/emoscope-bench.time; }

frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$VIDEO")
echo "video: $VIDEO ($frames frames, $(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,r_frame_rate,bit_rate -of csv=p=0 "$VIDEO"))"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"

# The *_untracked cases are the same without following faces, for the tracker's cost.
CASES="ffmpeg default default_untracked every_frame every_frame_untracked"
declare -A wall rss
for run in $(seq "$RUNS"); do
  for case in $CASES; do
    case $case in
      ffmpeg) out=$(measure ffmpeg -v error -i "$VIDEO" -f null -) ;;
      default) out=$(measure ./target/release/emoscope analyze "$VIDEO" --quiet) ;;
      default_untracked) out=$(measure ./target/release/emoscope analyze "$VIDEO" --quiet --no-tracking) ;;
      every_frame) out=$(measure ./target/release/emoscope analyze "$VIDEO" --quiet --sample-fps 0) ;;
      every_frame_untracked) out=$(measure ./target/release/emoscope analyze "$VIDEO" --quiet --sample-fps 0 --no-tracking) ;;
    esac
    wall[$case]+="${out% *} "; rss[$case]+="${out#* } "
  done
done
for case in $CASES; do
  w=$(tr ' ' '\n' <<<"${wall[$case]}" | grep . | median)
  m=$(tr ' ' '\n' <<<"${rss[$case]}" | grep . | sort -n | tail -1)
  printf '%-22s median %6.2f s   peak RSS %4d MB   runs: %s\n' "$case" "$w" "$((m / 1024))" "${wall[$case]}"
  eval "med_$case=$w"
done
awk -v d="$med_default" -v f="$med_ffmpeg" -v e="$med_every_frame" -v n="$frames" \
  -v du="$med_default_untracked" -v eu="$med_every_frame_untracked" 'BEGIN {
  printf "default / ffmpeg decode: %.2fx (target <= 2x)\nevery frame: %.1f frames/s (target >= 15)\n", d / f, n / e
  printf "tracking adds: %+.1f %% at the default sampling, %+.1f %% at every frame (target < 5 %%)\n", 100 * (d / du - 1), 100 * (e / eu - 1) }'
