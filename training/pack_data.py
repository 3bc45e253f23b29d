"""Packs FER2013 into one compressed .npz (under 64 MiB) that can be carried to a GPU machine.

    python training/pack_data.py --data ../shared/data/fer2013 --out /tmp/fer2013.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from data import SPLITS, default_data_dir, read_split_files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=default_data_dir())
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    arrays = {}
    for split in SPLITS:
        names: list[str] = []
        files, y = read_split_files(args.data, split, names)
        offsets = np.cumsum([0] + [len(f) for f in files])
        arrays[f"{split}_jpeg"] = np.frombuffer(b"".join(files), dtype=np.uint8)
        arrays[f"{split}_offsets"] = offsets
        arrays[f"{split}_y"] = y
        arrays[f"{split}_names"] = np.array(names)
        print(f"{split}: {len(y)} images")
    np.savez(args.out, **arrays)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 2**20:.1f} MiB)")
    if size > 64 * 2**20:
        raise SystemExit("packed file is over 64 MiB")


if __name__ == "__main__":
    main()
