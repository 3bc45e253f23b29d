#!/usr/bin/env bash
# One short run on a CUDA machine, after `scripts/setup.sh --gpu`: frames per second of `analyze`
# on the 1080p benchmark video (every frame, then the defaults) and the default model's accuracy on
# FER2013 PrivateTest, on the CUDA execution provider, beside the same on the CPU. It fails when
# ONNX Runtime fell back to the CPU, so a figure is never reported for the wrong device.
#   scripts/gpu-check.sh            (FER2013 from ../shared/data/fer2013 or EMOSCOPE_FER2013_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=$PWD/third_party/gpu
[ -f "$GPU/libonnxruntime.so.1.31.1" ] || { echo "no GPU runtime in $GPU: run scripts/setup.sh --gpu" >&2; exit 2; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
FER=${EMOSCOPE_FER2013_DIR:-../shared/data/fer2013}
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked --bins --examples >/dev/null
VIDEO=target/bench/fer_1080p_20s_6faces.mp4
mkdir -p target/bench
[ -f "$VIDEO" ] || ./target/release/examples/make_video "$VIDEO" 1920 1080 20 6 >/dev/null

# analyze's JSON: the provider it really ran on, frames analysed, seconds.
summary() {
  python3 -c 'import json,sys; r=json.load(sys.stdin); e=r["emotions"]
print(r["execution_provider"], e["frames_analyzed"], e["faces_classified"], r["seconds"],
      round(e["frames_analyzed"] / r["seconds"], 1))'
}
run() { # provider, label, analyze options...
  local provider=$1 label=$2; shift 2
  read -r used frames faces seconds fps < <(EMOSCOPE_EXECUTION_PROVIDER=$provider \
      ./target/release/emoscope analyze "$VIDEO" --quiet --format json "$@" | summary)
  echo "$label: $frames frames, $faces faces in $seconds s = $fps frames/s (provider $used)"
  if [ "$provider" = cuda ] && [ "$used" != cuda ]; then
    echo "ONNX Runtime fell back to the CPU: see the warning above" >&2
    exit 1
  fi
}
export EMOSCOPE_ONNXRUNTIME_LIB=$GPU/libonnxruntime.so.1.31.1
export LD_LIBRARY_PATH=$GPU${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
run cuda "cuda, every frame" --sample-fps 0
run cpu "cpu, every frame" --sample-fps 0
run cuda "cuda, defaults"
run cpu "cpu, defaults"
if [ -d "$FER/test" ]; then
  for provider in cuda cpu; do
    EMOSCOPE_EXECUTION_PROVIDER=$provider ./target/release/emoscope evaluate "$FER/test" |
      sed -n "1,3s/^/$provider: /p"
  done
else
  echo "no FER2013 at $FER: accuracy not checked" >&2
fi
