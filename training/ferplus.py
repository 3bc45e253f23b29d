"""FER+ (Barsoum et al., ICMI 2016; MIT): ten annotators' votes for every FER2013 face.

Targets are the vote distributions over the seven expressions. A face is kept for training when
the seven get more votes than contempt, unknown and not-a-face together; it counts for agreement
(as in `emoscope evaluate --labels ferplus`) when one expression has strictly more votes than each
other one and more than those three together.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from data import LABELS

# The votes file's columns for the seven expressions, in the project's label order.
SEVEN = [
    "ferplus_anger",
    "ferplus_disgust",
    "ferplus_fear",
    "ferplus_happiness",
    "ferplus_neutral",
    "ferplus_sadness",
    "ferplus_surprise",
]
OTHER = ["ferplus_contempt", "ferplus_unknown", "ferplus_NF"]
assert len(SEVEN) == len(LABELS)


def votes_file(data: Path) -> Path:
    return data / "ferplus" / "kaggle_to_fer2013_row.csv"


def read_votes(path: Path) -> dict[str, tuple[np.ndarray, int]]:
    """File name -> (votes for the seven, votes for none of them); images without votes are absent."""
    votes = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                seven = np.array([int(row[c]) for c in SEVEN], dtype=np.float32)
                other = sum(int(row[c]) for c in OTHER)
            except (KeyError, ValueError):
                continue
            votes[row["file"]] = (seven, other)
    if not votes:
        raise SystemExit(f"no votes in {path}")
    return votes


def split_votes(names: list[str], votes: dict) -> tuple[np.ndarray, np.ndarray]:
    """For each image: its seven votes (zeros without votes) and the votes for none of the seven."""
    seven = np.zeros((len(names), len(SEVEN)), dtype=np.float32)
    other = np.zeros(len(names), dtype=np.float32)
    for i, name in enumerate(names):
        if name in votes:
            seven[i], other[i] = votes[name]
    return seven, other


def trainable(seven: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Faces whose votes go mostly to the seven expressions."""
    return seven.sum(1) > other


def distributions(seven: np.ndarray) -> np.ndarray:
    return seven / np.maximum(seven.sum(1, keepdims=True), 1)


def majority(seven: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The majority class of each face, or -1 where there is none."""
    top = seven.max(1)
    alone = (seven == top[:, None]).sum(1) == 1
    return np.where(alone & (top > other), seven.argmax(1), -1)


def agreement(probs: np.ndarray, seven: np.ndarray, other: np.ndarray) -> dict:
    """Agreement with the majority, recall and shares per class, ECE and cross-entropy."""
    truth = majority(seven, other)
    counted = truth >= 0
    pred, conf = probs.argmax(1)[counted], probs.max(1)[counted]
    truth = truth[counted]
    k = len(LABELS)
    recall = {LABELS[c]: float((pred[truth == c] == c).mean()) if (truth == c).any() else 0.0 for c in range(k)}
    predicted = {LABELS[c]: float((pred == c).mean()) for c in range(k)}
    true = {LABELS[c]: float((truth == c).mean()) for c in range(k)}
    bins = np.minimum((conf * 15).astype(int), 14)
    hit = pred == truth
    ece = sum(abs(hit[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean() for b in range(15) if (bins == b).any())
    voted = seven.sum(1) > 0
    dist = distributions(seven[voted])
    ce = float(-(dist * np.log(np.clip(probs[voted], 1e-12, 1))).sum(1).mean())
    return {
        "faces": int(counted.sum()),
        "agreement": float(hit.mean()),
        "recall": recall,
        "predicted_share": predicted,
        "true_share": true,
        "ece": float(ece),
        "cross_entropy": ce,
    }
