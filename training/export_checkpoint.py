"""Re-exports a run's best checkpoint, with or without mirrored-face averaging, and rewrites the
run's metrics.json for what was exported (val and test measured again).

    python training/export_checkpoint.py --run training/runs/emonet --arch emonet \
        --onnx models/emonet.onnx [--flip-tta]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from data import default_data_dir, load_split
from export import export_onnx
from models import build
from train import INPUT_SCALE, metrics, predict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--flip-tta", action="store_true")
    ap.add_argument("--data", type=Path, default=default_data_dir())
    args = ap.parse_args()

    model = build(args.arch, args.width)
    model.load_state_dict(torch.load(args.run / "best.pt", map_location="cpu"))
    model.eval()
    xva, yva = load_split(args.data, "val")
    xte, yte = load_split(args.data, "test")
    report = json.loads((args.run / "metrics.json").read_text())
    report["val_PublicTest"] = metrics(predict(model, xva, args.flip_tta), yva)
    report["test_PrivateTest"] = metrics(predict(model, xte, args.flip_tta), yte)
    report["exported_flip_tta"] = args.flip_tta
    report["onnx_max_abs_diff_vs_torch"] = export_onnx(
        model,
        args.onnx,
        name=args.onnx.stem,
        arch=args.arch,
        flip_tta=args.flip_tta,
        input_scale=INPUT_SCALE,
        check_images=xte[:256],
    )
    (args.run / "metrics.json").write_text(json.dumps(report, indent=2))
    print(f"val {report['val_PublicTest']['accuracy']:.4f}, test {report['test_PrivateTest']['accuracy']:.4f}")


if __name__ == "__main__":
    main()
