"""FER2013 loading: folder-per-class JPEGs, or one packed .npz made by pack_data.py."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

# The project's one label order (alphabetical, as the dataset folders). FER2013's own numeric
# ids (Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral) are never used.
LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
SPLITS = ["train", "val", "test"]


def default_data_dir() -> Path:
    env = os.environ.get("EMOSCOPE_FER2013_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fer2013"


def decode(jpeg: bytes, what: str) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as im:
        arr = np.asarray(im.convert("L"), dtype=np.uint8)
    if arr.shape != (48, 48):
        raise SystemExit(f"{what}: expected 48x48, got {arr.shape}")
    return arr


def read_split_files(root: Path, split: str, names: list[str] | None = None) -> tuple[list[bytes], np.ndarray]:
    """The split's JPEG files as bytes and their labels, in a sorted, deterministic order; their
    file names are appended to `names` when given."""
    files, labels = [], []
    for idx, label in enumerate(LABELS):
        folder = root / split / label
        if not folder.is_dir():
            raise SystemExit(f"missing {folder}: point --data at the fer2013 folder")
        for path in sorted(folder.iterdir()):
            files.append(path.read_bytes())
            labels.append(idx)
            if names is not None:
                names.append(path.name)
    return files, np.asarray(labels, dtype=np.int64)


def load_split(data: Path, split: str, names: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`data` is the fer2013 folder, a packed .npz file, or aligned faces from align.py; the file
    names go to `names` if given."""
    if data.suffix == ".npz":
        with np.load(data) as packed:
            if f"{split}_x" in packed:
                if names is not None:
                    names.extend(str(n) for n in packed[f"{split}_names"])
                return packed[f"{split}_x"], packed[f"{split}_y"]
        # The packed file keeps the original JPEG bytes: smaller than pixels, and decoded alike.
        with np.load(data) as packed:
            blob, offsets, y = packed[f"{split}_jpeg"], packed[f"{split}_offsets"], packed[f"{split}_y"]
            if names is not None:
                names.extend(str(n) for n in packed[f"{split}_names"])
        files = [blob[offsets[i] : offsets[i + 1]].tobytes() for i in range(len(y))]
    else:
        files, y = read_split_files(data, split, names)
    x = np.stack([decode(f, f"{split}[{i}]") for i, f in enumerate(files)])
    return x, y
