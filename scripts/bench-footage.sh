#!/usr/bin/env bash
# #36's benchmark set: videos like the ones people send, each analysed at the defaults (5 a
# second), at 1 a second and at every frame, against a full `ffmpeg -f null` decode of the same
# file in the same round (medians of RUNS rounds, cases alternating; peak RSS from GNU time):
#   - tears_1080p_gop250: the real CC BY clip of ../shared/media (hard cuts, one or two people
#     who move and turn), scaled to 1080p and looped to 60 s, key frames 250 frames apart with
#     B-pyramids, x264 veryfast (one reference: its P-frames never refer to a B-frame);
#   - tears_720p_gop60: the same clip at 720p, key frames 60 apart, x264 medium (three
#     references, B-frames that P-frames refer to, as most encoders make);
#   - walking_1080p_8: eight people walking across a 1080p picture, crossing, leaving and coming
#     back (examples/make_walking.rs; x264 defaults, key frames up to 250 apart);
#   - walking_720p_1: one person walking across 720p.
#   scripts/bench-footage.sh [RUNS] [BINARY...]
# With several binaries (a build before a change, say), each case runs on each in turn, so their
# ratios come from the same rounds. Needs scripts/setup.sh done and ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=(./target/release/emoscope)
SHARED=${EMOSCOPE_SHARED:-../shared}
CLIP=$SHARED/media/tears_of_steel_cuts.mp4
[ -f "$CLIP" ] || { echo "needs $CLIP (../shared, or EMOSCOPE_SHARED)" >&2; exit 2; }
cargo build --release --locked --bins --examples >/dev/null
export EMOSCOPE_ONNXRUNTIME_LIB=${EMOSCOPE_ONNXRUNTIME_LIB:-third_party/onnxruntime/libonnxruntime.so.1.31.1}
export EMOSCOPE_YUNET_MODEL=${EMOSCOPE_YUNET_MODEL:-third_party/face_detection_yunet_2023mar.onnx}
export EMOSCOPE_IDENTITY_MODEL=${EMOSCOPE_IDENTITY_MODEL:-third_party/mobilefacenet.onnx}

D=target/bench
mkdir -p $D
pyramid="bframes=3:b-pyramid=normal:scenecut=0"
declare -A VIDEOS=(
  [tears_1080p_gop250]=$D/tears_1080p_60s_gop250.mp4
  [tears_720p_gop60]=$D/tears_720p_60s_gop60.mp4
  [walking_1080p_8]=$D/walking_1080p_20s_8people.mp4
  [walking_720p_1]=$D/walking_720p_20s_1person.mp4
)
ORDER="tears_1080p_gop250 tears_720p_gop60 walking_1080p_8 walking_720p_1"
loop() { ffmpeg -v error -y -stream_loop 5 -i "$CLIP" -vf "scale=$1" -c:v libx264 "${@:2}"; }
[ -f "${VIDEOS[tears_1080p_gop250]}" ] || loop 1920:1080 -preset veryfast \
  -x264-params "keyint=250:min-keyint=250:$pyramid" "${VIDEOS[tears_1080p_gop250]}"
[ -f "${VIDEOS[tears_720p_gop60]}" ] || loop 1280:720 -preset medium \
  -x264-params "keyint=60:min-keyint=60:ref=3:$pyramid" "${VIDEOS[tears_720p_gop60]}"
[ -f "${VIDEOS[walking_1080p_8]}" ] ||
  ./target/release/examples/make_walking "${VIDEOS[walking_1080p_8]}" 1920 1080 20 8 2>/dev/null
[ -f "${VIDEOS[walking_720p_1]}" ] ||
  ./target/release/examples/make_walking "${VIDEOS[walking_720p_1]}" 1280 720 20 1 2>/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { /usr/bin/time -f "%e %M" -o /tmp/emoscope-footage.time "$@" >/dev/null 2>/dev/null; cat /tmp/emoscope-footage.time; }
frames() { ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(grep -m1 -o -w 'avx512_vnni' /proc/cpuinfo || echo 'no VNNI'), $(date -u +%F); $RUNS rounds"

declare -A wall rss
cases="ffmpeg"
for b in "${!BINS[@]}"; do cases+=" default@$b one_per_second@$b every_frame@$b"; done
for _ in $(seq "$RUNS"); do
  for name in $ORDER; do
    video=${VIDEOS[$name]}
    for c in $cases; do
      bin=""
      [ "$c" = ffmpeg ] || bin=${BINS[${c#*@}]}
      case ${c%@*} in
        ffmpeg) out=$(measure ffmpeg -v error -i "$video" -f null -) ;;
        default) out=$(measure "$bin" analyze "$video" --quiet) ;;
        one_per_second) out=$(measure "$bin" analyze "$video" --quiet --sample-fps 1) ;;
        every_frame) out=$(measure "$bin" analyze "$video" --quiet --sample-fps 0) ;;
      esac
      wall[$name/$c]+="${out% *} "
      rss[$name/$c]+="${out#* } "
    done
  done
done

for name in $ORDER; do
  video=${VIDEOS[$name]}
  n=$(frames "$video")
  echo "$name: $video, $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,r_frame_rate -of csv=p=0 "$video"), $n frames"
  ffw=$(echo "${wall[$name/ffmpeg]}" | tr ' ' '\n' | grep . | median)
  for c in $cases; do
    w=$(echo "${wall[$name/$c]}" | tr ' ' '\n' | grep . | median)
    r=$(echo "${rss[$name/$c]}" | tr ' ' '\n' | grep . | sort -n | tail -1)
    label=${c%@*}
    [ "$c" = ffmpeg ] || label+=" (${BINS[${c#*@}]})"
    extra=""
    case ${c%@*} in
      default | one_per_second) extra=", $(echo "$w $ffw" | awk '{printf "%.2f", $1 / $2}')× the decode" ;;
      every_frame) extra=", $(echo "$n $w" | awk '{printf "%.1f", $1 / $2}') frames/s" ;;
    esac
    echo "  $label: median $w s, peak $((r / 1024)) MB$extra (runs: ${wall[$name/$c]% })"
  done
done
