"""CPU cost of an emotion model per face, with the ONNX Runtime the service uses (1.31.1).

    python training/bench_model.py models/emonet.onnx --threads 1
Prints the median milliseconds per face at each --batches size (1 and 64 unless told).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 64], help="batch sizes to time")
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.model, opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    side = sess.get_inputs()[0].shape[-1]  # 48, or 112 for FaceNetEmo
    for batch in args.batches:
        x = rng.random((batch, 1, side, side), dtype=np.float32)
        for _ in range(5):
            sess.run(["output"], {"input": x})
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            sess.run(["output"], {"input": x})
            times.append((time.perf_counter() - t) * 1000 / batch)
        print(f"batch {batch:>2}: {statistics.median(times):.3f} ms per face (median of {args.runs}, {args.threads} thread)")


if __name__ == "__main__":
    main()
