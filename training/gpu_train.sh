#!/usr/bin/env bash
# Trains the best recipe on a CUDA machine in a fixed time budget, exports it (float, mirrored-face
# averaging, int8) and prints the accuracies. Made for a short loan of a GPU: no network needed
# there, only PyTorch with CUDA, onnx and onnxruntime already installed, and the packed dataset.
#
#   training/gpu_train.sh DATA.npz [MINUTES]     (default 8 minutes of training)
#   DEVICE=cpu EPOCHS=1 LIMIT=2000 training/gpu_train.sh /tmp/fer2013.npz   (the CPU rehearsal)
#
# The packed file comes from `python3 training/pack_data.py --out /tmp/fer2013.npz` (54 MiB).
# Everything lands in $OUT (default training/runs/emonet_gpu): the log, the metrics, the ONNX files.
set -euo pipefail
cd "$(dirname "$0")"
DATA=${1:?usage: training/gpu_train.sh DATA.npz [MINUTES]}
MINUTES=${2:-8}
DEVICE=${DEVICE:-cuda}
OUT=${OUT:-runs/emonet_gpu}
LIMIT=${LIMIT:-0}
[ -f "$DATA" ] || { echo "no packed dataset at $DATA (make it with training/pack_data.py)" >&2; exit 2; }
python3 - "$DEVICE" <<'EOF' || exit 2
import sys
try:
    import torch, onnx, onnxruntime  # noqa: F401
except ImportError as e:
    sys.exit(f"missing {e.name}: pip install -r training/requirements.txt first")
if sys.argv[1] == "cuda" and not torch.cuda.is_available():
    sys.exit("PyTorch sees no CUDA device (run with DEVICE=cpu to rehearse on the CPU)")
print(f"torch {torch.__version__}, device {sys.argv[1]}"
      + (f" ({torch.cuda.get_device_name(0)})" if sys.argv[1] == "cuda" else ""))
EOF
mkdir -p "$OUT"
# The recipe: EmoNet (the shipped architecture, so the cost per face stays that of emonet_int8),
# a longer one-cycle schedule, random erasing, label smoothing, chosen with mirrored-face averaging.
# A larger batch and learning rate keep a GPU busy; the epoch count is fitted to the budget from
# one timed epoch, so that the schedule runs to its end rather than being cut.
RECIPE=(--arch emonet --width 32 --augment --erase 0.5 --schedule onecycle --optimizer adamw
        --weight-decay 0.05 --label-smoothing 0.1 --flip-tta --batch 128 --lr 4e-3 --limit "$LIMIT")
if [ -z "${EPOCHS:-}" ]; then
  python3 train.py --data "$DATA" --device "$DEVICE" "${RECIPE[@]}" --epochs 1 \
      --out "$OUT/probe" --onnx "$OUT/probe/probe.onnx" > "$OUT/probe.log"
  per_epoch=$(python3 -c "import csv,sys; print(float(next(csv.DictReader(open(sys.argv[1])))['seconds']))" "$OUT/probe/log.csv")
  EPOCHS=$(python3 -c "import sys; print(max(1, min(300, int(float(sys.argv[1]) * 60 / float(sys.argv[2])))))" "$MINUTES" "$per_epoch")
  echo "one epoch took ${per_epoch} s: training ${EPOCHS} epochs in about ${MINUTES} min"
fi
python3 train.py --data "$DATA" --device "$DEVICE" "${RECIPE[@]}" --epochs "$EPOCHS" \
    --time-budget "$(python3 -c "print($MINUTES * 1.25)")" --resume \
    --out "$OUT" --onnx "$OUT/emonet_gpu.onnx" | tee "$OUT/train.log" | grep -v '^{"epoch"' || true
[ -f "$OUT/emonet_gpu.onnx" ] || { echo "training did not finish" >&2; exit 1; }
# The float file above already averages with the mirror (--flip-tta): quantize it as it is.
python3 quantize.py "$OUT/emonet_gpu.onnx" "$OUT/emonet_gpu_int8.onnx" \
    --train "${FER2013_TRAIN:-../../shared/data/fer2013/train}" --faces 512 --runs "$OUT/.." 2>&1 | tail -3
python3 model_card.py "$OUT/metrics.json" > "$OUT/card.md"
sed -n 1,3p "$OUT/card.md"
echo "files: $OUT/emonet_gpu.onnx, $OUT/emonet_gpu_int8.onnx; card: $OUT/card.md"
