"""FER2013's faces aligned as the service aligns a face for FaceNetEmo: YuNet's five landmarks
placed on the 112x112 ArcFace template (the identity cue's crop).

Each 48x48 face is scaled up to 160 px (bilinear), set in a 320x320 canvas with its edges
repeated, and given to YuNet (2023, through ONNX Runtime); the best face scoring at least 0.5
gives the landmarks. Where YuNet finds none, the face is aligned by where FER2013's faces have
their landmarks on average (`FER_LANDMARKS`, the service's `crop.rs`), so no face is dropped.
Then the 48x48 face is warped onto the template (bilinear, edges repeated), as the service warps
a frame. `emoscope evaluate` does the same for a 112 px model (`pipeline/crop.rs`).

    python3 training/align.py --data ../shared/data/fer2013 --yunet third_party/face_detection_yunet_2023mar.onnx \
        --out /tmp/fer112.npz
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from data import SPLITS, default_data_dir, load_split

# The ArcFace template (right eye, left eye, nose tip, right and left mouth corner) in 112x112.
ARCFACE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)
# Where FER2013's faces have them, as fractions of the side (crop.rs FER_LANDMARKS).
FER_LANDMARKS = np.array(
    [[0.300, 0.388], [0.689, 0.388], [0.493, 0.596], [0.341, 0.765], [0.665, 0.765]], dtype=np.float64
)
SIDE = 112
UPSCALED = 160
CANVAS = 320
MIN_SCORE = 0.5
STRIDES = (8, 16, 32)


def similarity_fit(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """The least-squares similarity (rotation, uniform scale, shift) mapping src onto dst, as the
    2x3 matrix [[a, -b, tx], [b, a, ty]] (crop.rs similarity_fit)."""
    ps, qs = src.mean(0), dst.mean(0)
    a_, b_ = src - ps, dst - qs
    norm = (a_**2).sum()
    if not np.isfinite(norm) or norm <= 1e-6:
        return None
    a = (a_ * b_).sum() / norm
    b = (a_[:, 0] * b_[:, 1] - a_[:, 1] * b_[:, 0]).sum() / norm
    tx = qs[0] - (a * ps[0] - b * ps[1])
    ty = qs[1] - (b * ps[0] + a * ps[1])
    return np.array([[a, -b, tx], [b, a, ty]])


def warp(face: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    m = similarity_fit(landmarks, ARCFACE)
    if m is None:
        m = similarity_fit(FER_LANDMARKS * face.shape[0], ARCFACE)
    return cv2.warpAffine(face, m, (SIDE, SIDE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


class YuNet:
    def __init__(self, path: Path, threads: int) -> None:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self.sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.names = [o.name for o in self.sess.get_outputs()]

    def landmarks(self, face48: np.ndarray) -> np.ndarray | None:
        """The landmarks (5x2, in the 48 px face) of the best face scoring >= MIN_SCORE."""
        big = cv2.resize(face48, (UPSCALED, UPSCALED), interpolation=cv2.INTER_LINEAR)
        pad = (CANVAS - UPSCALED) // 2
        canvas = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        bgr = np.repeat(canvas[None, :, :].astype(np.float32), 3, 0)[None]
        out = dict(zip(self.names, self.sess.run(None, {"input": bgr})))
        best, best_score = None, MIN_SCORE
        for s in STRIDES:
            score = np.sqrt(np.clip(out[f"cls_{s}"][0, :, 0], 0, 1) * np.clip(out[f"obj_{s}"][0, :, 0], 0, 1))
            i = int(score.argmax())
            if score[i] >= best_score:
                cols = CANVAS // s
                row, col = divmod(i, cols)
                kps = out[f"kps_{s}"][0, i].reshape(5, 2)
                best = (np.stack([(col + kps[:, 0]) * s, (row + kps[:, 1]) * s], 1) - pad) * (48 / UPSCALED)
                best_score = score[i]
        return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data_dir())
    ap.add_argument("--yunet", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    yunet = YuNet(args.yunet, args.threads)
    packed, found_counts = {}, {}
    for split in SPLITS:
        t0 = time.time()
        names: list[str] = []
        x, y = load_split(args.data, split, names)
        aligned = np.empty((len(x), SIDE, SIDE), dtype=np.uint8)
        found = np.zeros(len(x), dtype=bool)
        for i, face in enumerate(x):
            points = yunet.landmarks(face)
            found[i] = points is not None
            aligned[i] = warp(face, points if points is not None else FER_LANDMARKS * 48)
        packed[f"{split}_x"], packed[f"{split}_y"] = aligned, y
        packed[f"{split}_names"], packed[f"{split}_found"] = np.array(names), found
        found_counts[split] = {"faces": len(x), "found": int(found.sum())}
        print(f"{split}: YuNet found {found.sum()} of {len(x)} faces ({time.time() - t0:.0f} s)", flush=True)
    np.savez(args.out, **packed)
    print(json.dumps(found_counts))


if __name__ == "__main__":
    main()
