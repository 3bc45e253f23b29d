"""Static int8 quantization (QDQ) of an emotion model with ONNX Runtime's own tools.

    python training/quantize.py models/emonet.onnx models/emonet_int8.onnx \
        --train ../shared/data/fer2013/train --faces 512

Calibrates activations on training faces (never on PublicTest or PrivateTest), quantizes
weights per channel, and copies the float model's metadata (labels, preprocessing) so that
Emoscope reads the int8 file like the float one. Check it afterwards with
`emoscope evaluate ../shared/data/fer2013/test --model NAME` and `training/bench_model.py`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process
from PIL import Image

CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


class Faces(CalibrationDataReader):
    """Training faces, scaled as the model's metadata says, in batches of 32."""

    def __init__(self, paths: list[Path], scale: float, mean: float, std: float) -> None:
        x = np.stack([np.asarray(Image.open(p).convert("L"), dtype=np.float32) for p in paths])
        x = ((x * scale) - mean) / std
        self.batches = iter(np.split(x[:, None], range(32, len(x), 32)))

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"input": batch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--train", type=Path, default=Path("../shared/data/fer2013/train"))
    ap.add_argument("--faces", type=int, default=512, help="calibration faces, spread over the classes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=Path, default=Path("training/runs"), help="where metrics.json goes")
    args = ap.parse_args()

    float_model = onnx.load(args.model)
    meta = {p.key: p.value for p in float_model.metadata_props}
    rng = random.Random(args.seed)
    paths: list[Path] = []
    for c in CLASSES:
        files = sorted((args.train / c).glob("*.jpg"))
        if not files:
            raise SystemExit(f"no training faces in {args.train / c} (see ../shared/data/fer2013/README.md)")
        paths += rng.sample(files, min(len(files), args.faces // len(CLASSES)))
    reader = Faces(
        paths,
        float(meta.get("input_scale", 1 / 255)),
        float(meta.get("input_mean", 0)),
        float(meta.get("input_std", 1)),
    )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    prepared = args.out.with_suffix(".prep.onnx")
    quant_pre_process(str(args.model), str(prepared), skip_symbolic_shape=True)
    quantize_static(
        str(prepared),
        str(args.out),
        reader,
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        # 7-bit weights: without VNNI, x86 adds two 8-bit products in 16 bits and saturates
        # (see reduce_range.py); with them every CPU computes the same integers.
        reduce_range=True,
        extra_options={"ActivationSymmetric": True},
    )
    prepared.unlink()

    quantized = onnx.load(args.out)
    meta["name"] = args.out.stem
    meta["quantization"] = (f"int8 QDQ, static, per-channel 7-bit weights (reduce_range), "
                            f"{len(paths)} training faces (seed {args.seed})")
    del quantized.metadata_props[:]
    for k, v in meta.items():
        entry = quantized.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(quantized)
    onnx.save(quantized, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) from {len(paths)} calibration faces")

    # The record tests/it/evaluate.rs compares the service with: both files scored here by ONNX
    # Runtime on PIL-decoded faces, apart from the service's OpenCV and Rust path.
    splits = {"val_PublicTest": args.train.parent / "val", "test_PrivateTest": args.train.parent / "test"}
    record = {"name": args.out.stem, "quantized_from": args.model.stem, "calibration_faces": len(paths),
              "seed": args.seed, "scored_with": "onnxruntime (Python), PIL-decoded faces"}
    for key, split in splits.items():
        record[key] = {"accuracy": accuracy(args.out, split, meta),
                       "float_accuracy": accuracy(args.model, split, meta)}
        print(f"{key}: int8 {record[key]['accuracy']:.4f}, float {record[key]['float_accuracy']:.4f}")
    run = args.runs / args.out.stem
    run.mkdir(parents=True, exist_ok=True)
    (run / "metrics.json").write_text(json.dumps(record, indent=2) + "\n")


def accuracy(model: Path, split: Path, meta: dict[str, str]) -> float:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    scale, mean, std = (float(meta.get(k, d)) for k, d in
                        (("input_scale", 1 / 255), ("input_mean", 0), ("input_std", 1)))
    right = total = 0
    for label, c in enumerate(CLASSES):
        files = sorted((split / c).glob("*.jpg"))
        for i in range(0, len(files), 256):
            x = np.stack([np.asarray(Image.open(p).convert("L"), dtype=np.float32) for p in files[i:i + 256]])
            logits = sess.run(["output"], {"input": (((x * scale) - mean) / std)[:, None]})[0]
            right += int((logits.argmax(1) == label).sum())
            total += len(x)
    return right / total


if __name__ == "__main__":
    main()
