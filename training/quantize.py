"""Static int8 quantization (QDQ) of an emotion model with ONNX Runtime's own tools.

    python training/quantize.py models/emonet.onnx models/emonet_int8.onnx \
        --train ../shared/data/fer2013/train --faces 512

A 112 px model (FaceNetEmo) takes `--train` as the aligned faces of `align.py` (an .npz), and is
scored on that file's val and test.

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

    def __init__(self, x: np.ndarray, scale: float, mean: float, std: float) -> None:
        x = ((x.astype(np.float32) * scale) - mean) / std
        self.batches = iter(np.split(x[:, None], range(32, len(x), 32)))

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"input": batch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--train", type=Path, default=Path("../shared/data/fer2013/train"),
                    help="the training folder, or the aligned faces of align.py (.npz)")
    ap.add_argument("--faces", type=int, default=512, help="calibration faces, spread over the classes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=Path, default=Path("training/runs"), help="where metrics.json goes")
    args = ap.parse_args()

    float_model = onnx.load(args.model)
    meta = {p.key: p.value for p in float_model.metadata_props}
    rng = random.Random(args.seed)
    aligned = np.load(args.train) if args.train.suffix == ".npz" else None
    picked: list[np.ndarray] = []
    for label, c in enumerate(CLASSES):
        if aligned is not None:
            faces = list(aligned["train_x"][aligned["train_y"] == label])
        else:
            faces = sorted((args.train / c).glob("*.jpg"))
        if not faces:
            raise SystemExit(f"no training faces of {c} in {args.train} (see ../shared/data/fer2013/README.md)")
        picked += [read_face(f) for f in rng.sample(faces, min(len(faces), args.faces // len(CLASSES)))]
    reader = Faces(
        np.stack(picked),
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
                            f"{len(picked)} training faces (seed {args.seed})")
    del quantized.metadata_props[:]
    for k, v in meta.items():
        entry = quantized.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(quantized)
    onnx.save(quantized, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) from {len(picked)} calibration faces")

    # The record tests/it/evaluate.rs compares the service with: both files scored here by ONNX
    # Runtime on PIL-decoded faces, apart from the service's OpenCV and Rust path.
    splits = {"val_PublicTest": "val", "test_PrivateTest": "test"}
    record = {"name": args.out.stem, "quantized_from": args.model.stem, "calibration_faces": len(picked),
              "seed": args.seed, "scored_with": "onnxruntime (Python), " + (
                  "the faces of training/align.py (YuNet-aligned, 112 px)" if aligned is not None else "PIL-decoded faces")}
    for key, split in splits.items():
        x, y = split_faces(args.train, split, aligned)
        record[key] = {"accuracy": accuracy(args.out, x, y, meta),
                       "float_accuracy": accuracy(args.model, x, y, meta)}
        print(f"{key}: int8 {record[key]['accuracy']:.4f}, float {record[key]['float_accuracy']:.4f}")
    run = args.runs / args.out.stem
    run.mkdir(parents=True, exist_ok=True)
    (run / "metrics.json").write_text(json.dumps(record, indent=2) + "\n")


def read_face(face: Path | np.ndarray) -> np.ndarray:
    return face if isinstance(face, np.ndarray) else np.asarray(Image.open(face).convert("L"))


def split_faces(train: Path, split: str, aligned) -> tuple[np.ndarray, np.ndarray]:
    """A split's faces (uint8) and labels: beside the training folder, or in the aligned file."""
    if aligned is not None:
        return aligned[f"{split}_x"], aligned[f"{split}_y"]
    faces, labels = [], []
    for label, c in enumerate(CLASSES):
        for p in sorted((train.parent / split / c).glob("*.jpg")):
            faces.append(read_face(p))
            labels.append(label)
    return np.stack(faces), np.array(labels)


def accuracy(model: Path, x: np.ndarray, y: np.ndarray, meta: dict[str, str]) -> float:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    scale, mean, std = (float(meta.get(k, d)) for k, d in
                        (("input_scale", 1 / 255), ("input_mean", 0), ("input_std", 1)))
    right = 0
    for i in range(0, len(x), 256):
        faces = (((x[i:i + 256].astype(np.float32) * scale) - mean) / std)[:, None]
        logits = sess.run(["output"], {"input": faces})[0]
        right += int((logits.argmax(1) == y[i:i + 256]).sum())
    return right / len(x)


if __name__ == "__main__":
    main()
