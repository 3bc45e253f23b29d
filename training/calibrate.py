"""Fits a temperature on PublicTest's FER+ votes and writes it into the model's ONNX metadata.

    python training/calibrate.py models/emonet_ferplus_flip_int8.onnx

The service divides the model's logits by `temperature` before the softmax. By default
(`--against majority`) the temperature minimises the negative log-likelihood of the annotators'
majority on PublicTest (val), so that of the faces given 0.8 for their top class, about 80 % are
that class to the majority: the probabilities speak of the same thing the percentages count.
`--against votes` minimises the cross-entropy against the ten votes instead, for probabilities
that estimate the share of annotators; a model trained on the votes is then less sure of its top
class than the majority is. A temperature never changes which class is on top. The file is
scored before and after, on PublicTest and on PrivateTest, and the figures are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

import ferplus
from data import default_data_dir, load_split


def logits_of(model: Path, x: np.ndarray, meta: dict[str, str]) -> np.ndarray:
    scale, mean, std = (float(meta.get(k, d)) for k, d in (("input_scale", 1 / 255), ("input_mean", 0), ("input_std", 1)))
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    faces = ((x.astype(np.float32) * scale - mean) / std)[:, None]
    return np.concatenate([sess.run(None, {"input": faces[i : i + 512]})[0] for i in range(0, len(faces), 512)])


def softmax(z: np.ndarray, t: float) -> np.ndarray:
    z = z / t
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def fit_temperature(z: np.ndarray, seven: np.ndarray, other: np.ndarray, against: str) -> float:
    """The temperature with the least cross-entropy against the majority (one-hot) or the vote
    distributions (golden section over log T)."""
    if against == "majority":
        truth = ferplus.majority(seven, other)
        z, dist = z[truth >= 0], np.eye(seven.shape[1], dtype=np.float32)[truth[truth >= 0]]
    else:
        voted = seven.sum(1) > 0
        z, dist = z[voted], ferplus.distributions(seven[voted])

    def loss(log_t: float) -> float:
        return float(-(dist * np.log(np.clip(softmax(z, np.exp(log_t)), 1e-12, 1))).sum(1).mean())

    lo, hi = np.log(0.25), np.log(8.0)
    g = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if loss(a) < loss(b):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))


def scores(z: np.ndarray, t: float, votes: tuple[np.ndarray, np.ndarray]) -> dict:
    found = ferplus.agreement(softmax(z, t), *votes)
    share_error = max(abs(found["predicted_share"][k] - found["true_share"][k]) for k in found["true_share"])
    return {k: found[k] for k in ("agreement", "ece", "cross_entropy")} | {"max_share_error": share_error}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", type=Path, help="the ONNX file; its metadata gets `temperature`")
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="the fer2013 folder")
    ap.add_argument("--votes", type=Path, default=None, help="default: DATA/ferplus/kaggle_to_fer2013_row.csv")
    ap.add_argument("--against", choices=["majority", "votes"], default="majority")
    args = ap.parse_args()
    votes = ferplus.read_votes(args.votes or ferplus.votes_file(args.data))
    proto = onnx.load(str(args.model))
    meta = {p.key: p.value for p in proto.metadata_props}
    if meta.get("output") != "logits":
        raise SystemExit(f"{args.model}: output is {meta.get('output')!r}, a temperature needs logits")

    split = {}
    for name in ("val", "test"):
        names: list[str] = []
        x, _ = load_split(args.data, name, names)
        split[name] = (logits_of(args.model, x, meta), ferplus.split_votes(names, votes))
    t = fit_temperature(split["val"][0], *split["val"][1], args.against)
    report = {"temperature": t, "against": args.against}
    for name, (z, v) in split.items():
        report[name] = {"before": scores(z, 1.0, v), "after": scores(z, t, v)}

    meta["temperature"] = f"{t:.4f}"
    del proto.metadata_props[:]
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(proto, str(args.model))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
