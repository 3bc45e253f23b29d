"""Prints the measured part of a model card (accuracy, recall, confusion matrix) from a run's
metrics.json, so the cards in models/README.md are never typed by hand.

    python training/model_card.py training/runs/emonet/metrics.json
"""

from __future__ import annotations

import json
import sys

from data import LABELS


def main() -> None:
    m = json.load(open(sys.argv[1]))
    test, val = m["test_PrivateTest"], m["val_PublicTest"]
    print(f"| split | accuracy |\n|---|---|")
    print(f"| PrivateTest (test, 3,589 faces) | **{test['accuracy'] * 100:.2f} %** |")
    print(f"| PublicTest (val, 3,589 faces; used to pick the epoch) | {val['accuracy'] * 100:.2f} % |")
    print()
    print("Recall per class on PrivateTest:\n")
    print("| " + " | ".join(LABELS) + " |")
    print("|" + "---|" * len(LABELS))
    print("| " + " | ".join(f"{test['recall'][l] * 100:.1f} %" for l in LABELS) + " |")
    print()
    print("Confusion matrix on PrivateTest (rows: true label, columns: predicted):\n")
    print("| | " + " | ".join(LABELS) + " |")
    print("|---|" + "---|" * len(LABELS))
    for label, row in zip(LABELS, test["confusion"]):
        print(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    print()
    print(f"Best epoch {m['best_epoch']} (chosen on PublicTest); training took {m['train_seconds'] / 60:.0f} min "
          f"on {m['hardware']} with torch {m['torch']}; ONNX export matches PyTorch within "
          f"{m['onnx_max_abs_diff_vs_torch']:.1e} (max |logit difference| on 256 test faces).")


if __name__ == "__main__":
    main()
