"""Re-exports a run's best checkpoint, with or without mirrored-face averaging, and rewrites the
run's metrics.json for what was exported (val and test measured again, against the FER+ majority
too when the run learned the votes).

    python training/export_checkpoint.py --run training/runs/emonet --arch emonet \
        --onnx models/emonet.onnx [--flip-tta]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import ferplus
from data import default_data_dir, load_split
from export import export_onnx
from models import build
from train import DATASETS, INPUT_SCALE, metrics, predict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--flip-tta", action="store_true")
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="as the run had it (FaceNetEmo: align.py's .npz)")
    args = ap.parse_args()

    model = build(args.arch, args.width)
    model.load_state_dict(torch.load(args.run / "best.pt", map_location="cpu"))
    model.eval()
    report = json.loads((args.run / "metrics.json").read_text())
    targets = report["args"].get("targets", "fer2013")
    # The votes file the run learned from (its --votes), which need not lie beside --data.
    votes_path = Path(report["args"].get("votes", ferplus.votes_file(args.data)))
    votes = ferplus.read_votes(votes_path) if targets.startswith("ferplus") else None
    for key, split in (("val_PublicTest", "val"), ("test_PrivateTest", "test")):
        names: list[str] = []
        x, y = load_split(args.data, split, names)
        probs = predict(model, x, args.flip_tta)
        report[key] = metrics(probs, y)
        if votes:
            report[key]["ferplus"] = ferplus.agreement(probs, *ferplus.split_votes(names, votes))
    # `x` is the test split now: the export is checked on its first faces.
    report["exported_flip_tta"] = args.flip_tta
    report["onnx_max_abs_diff_vs_torch"] = export_onnx(
        model,
        args.onnx,
        name=args.onnx.stem,
        arch=args.arch,
        flip_tta=args.flip_tta,
        input_scale=INPUT_SCALE,
        check_images=x[:256],
        dataset=DATASETS[targets],
    )
    (args.run / "metrics.json").write_text(json.dumps(report, indent=2))
    print(f"val {report['val_PublicTest']['accuracy']:.4f}, test {report['test_PrivateTest']['accuracy']:.4f}")


if __name__ == "__main__":
    main()
