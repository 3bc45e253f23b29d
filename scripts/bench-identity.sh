#!/usr/bin/env bash
# What telling people apart by a face embedding costs: `emoscope analyze` on a 1080p video with
# six faces, at the defaults (5 samples a second) and at every frame, with the embedding (the
# default) and without it (EMOSCOPE_TRACKING__IDENTITY=false), alternating; medians of RUNS
# runs, the ratios, frames per second, and how many faces were embedded. STYLE `people` (the
# default): six people who stay, as in a meeting; `changing`: each place shows another person
# every second (the benchmarks' usual video, the worst case: every change is checked);
# `walking`: eight people walk across the picture, cross each other's paths, leave and come
# back (faces that move, appear and leave, as in a street).
#   scripts/bench-identity.sh [RUNS] [people|changing|walking]   (needs setup done and ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BIN=./target/release/emoscope
cargo build --release --locked --bins --examples >/dev/null
mkdir -p target/bench
STYLE=${2:-people}
case $STYLE in
  people) VIDEO=target/bench/fer_1080p_20s_6people.mp4 ;;
  changing) VIDEO=target/bench/fer_1080p_20s_6faces.mp4; STYLE=motion ;;
  walking) VIDEO=target/bench/walking_1080p_20s_8people.mp4 ;;
  *) echo "STYLE: people, changing or walking" >&2; exit 2 ;;
esac
if [ ! -f "$VIDEO" ]; then
  case $STYLE in
    walking) ./target/release/examples/make_walking "$VIDEO" 1920 1080 20 8 2>/dev/null ;;
    *) ./target/release/examples/make_video "$VIDEO" 1920 1080 20 6 "$STYLE" 2>/dev/null ;;
  esac
fi
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$VIDEO")
echo "video: $VIDEO ($frames frames)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A wall
for run in $(seq "$RUNS"); do
  for case in default default_off every_frame every_frame_off; do
    args=(analyze "$VIDEO" --quiet)
    [[ $case == every_frame* ]] && args+=(--sample-fps 0)
    identity=true
    [[ $case == *_off ]] && identity=false
    start=$(date +%s.%N)
    EMOSCOPE_TRACKING__IDENTITY=$identity RUST_LOG=emoscope=debug "$BIN" "${args[@]}" >/dev/null 2>/tmp/emoscope-identity.log
    end=$(date +%s.%N)
    wall[$case]+="$(echo "$end - $start" | bc) "
    if [ "$run" = 1 ]; then
      echo "$case: $(grep -o 'embedded=[0-9]* reidentified=[0-9]* merged=[0-9]*' /tmp/emoscope-identity.log | head -1)"
    fi
  done
done
for case in default default_off every_frame every_frame_off; do
  m=$(echo "${wall[$case]}" | tr ' ' '\n' | grep . | median)
  declare "med_$case=$m"
  echo "$case: median $m s (runs: ${wall[$case]})"
done
echo "defaults: with / without = $(echo "scale=4; $med_default / $med_default_off" | bc)"
echo "every frame: with / without = $(echo "scale=4; $med_every_frame / $med_every_frame_off" | bc)"
echo "every frame: $(echo "scale=1; $frames / $med_every_frame" | bc) frames/s with, $(echo "scale=1; $frames / $med_every_frame_off" | bc) without"
