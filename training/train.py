"""Trains an emotion model on FER2013, picks the epoch on val (PublicTest), reports test
(PrivateTest) once, and exports ONNX with its labels and preprocessing in the metadata.

    python training/train.py --arch emotion_cnn --epochs 12 --out training/runs/emotion_cnn \
        --onnx models/emotion_cnn.onnx

With --targets ferplus it learns the FER+ annotators' vote distributions instead of FER2013's one
label per face, and picks the epoch by agreement with the annotators' majority on PublicTest.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import ferplus
from data import LABELS, default_data_dir, load_split
from degrade import degrade
from export import export_onnx
from facenet import load_mobilefacenet
from init_onnx import load_emonet_onnx
from models import build

# Pixels reach the network as value / 255 with no mean or std: recorded in the ONNX metadata and
# read by the service, so training and serving cannot drift apart.
INPUT_SCALE = 1.0 / 255.0

# Options that may differ between a run and its --resume: where it runs, not what it learns.
RESUMABLE = {"resume", "time_budget", "device", "threads", "data", "onnx", "name"}


DATASETS = {
    "fer2013": "FER2013 (train=Training, model chosen on PublicTest)",
    "ferplus": "FER2013 faces, FER+ vote distributions (train=Training, model chosen on PublicTest)",
    "ferplus-majority": "FER2013 faces, FER+ majority labels (train=Training, model chosen on PublicTest)",
}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def subset_index(count: int, n: int, seed: int) -> np.ndarray:
    """A random n of a split's indices, in order (the files are sorted by class, so the first n
    would be one class)."""
    return np.sort(np.random.default_rng(seed).permutation(count)[:n])


def to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).float().mul_(INPUT_SCALE).unsqueeze(1)


def load_targets(data: Path, split: str, votes: dict | None, args: argparse.Namespace):
    """A split's faces, FER2013 labels, training targets (the labels; the vote distributions over
    the faces that FER+ mostly gives one of the seven; or the majority class of the faces that
    have one), and the votes (seven, other) if any."""
    names: list[str] = []
    x, y = load_split(data, split, names)
    if args.limit:
        idx = subset_index(len(y), args.limit, args.seed)
        x, y, names = x[idx], y[idx], [names[i] for i in idx]
    if votes is None:
        return x, y, y, None
    seven, other = ferplus.split_votes(names, votes)
    majority = args.targets == "ferplus-majority"
    if split == "train":
        keep = ferplus.majority(seven, other) >= 0 if majority else ferplus.trainable(seven, other)
        x, y, seven, other = x[keep], y[keep], seven[keep], other[keep]
    targets = ferplus.majority(seven, other) if majority else ferplus.distributions(seven)
    return x, y, targets, (seven, other)


def validate(model, x: np.ndarray, y: np.ndarray, votes, flip_tta: bool, dev) -> tuple[float, float]:
    """Loss and accuracy on val: against FER2013's labels, or the FER+ distributions and majority."""
    probs = predict(model, x, flip_tta, dev=dev)
    if votes is None:
        loss = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1)).mean()
        return float(loss), float((probs.argmax(1) == y).mean())
    found = ferplus.agreement(probs, *votes)
    return found["cross_entropy"], found["agreement"]


def erase(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Random erasing: with probability p, one rectangle (2-30 % of the face) set to noise."""
    n, _, h, w = x.shape
    apply = torch.rand(n, generator=gen) < p
    area = (0.02 + torch.rand(n, generator=gen) * 0.28) * h * w
    ratio = torch.exp(math.log(0.3) + torch.rand(n, generator=gen) * math.log(3.3 / 0.3))
    eh = torch.sqrt(area * ratio).round().clamp(1, h)
    ew = torch.sqrt(area / ratio).round().clamp(1, w)
    top = (torch.rand(n, generator=gen) * (h - eh + 1)).floor()
    left = (torch.rand(n, generator=gen) * (w - ew + 1)).floor()
    rows = torch.arange(h).view(1, h, 1)
    cols = torch.arange(w).view(1, 1, w)
    box = lambda v: v.view(n, 1, 1)  # noqa: E731
    mask = (
        box(apply)
        & (rows >= box(top))
        & (rows < box(top + eh))
        & (cols >= box(left))
        & (cols < box(left + ew))
    )
    noise = torch.rand(n, 1, h, w, generator=gen)
    # The random numbers come from the CPU generator, so that a run is the same on any device.
    return torch.where(mask.unsqueeze(1).to(x.device), noise.to(x.device), x)


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random flip, rotation (±10°), scale (0.9-1.1) and shift (±4 px) in one affine warp."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(10)
    scale = 0.9 + torch.rand(n, generator=gen) * 0.2
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * (4 / 24)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * flip, -sin, shift[:, 0]], 1),
            torch.stack([sin * flip, cos, shift[:, 1]], 1),
        ],
        1,
    ).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


@torch.no_grad()
@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray, flip_tta: bool, batch: int = 512, dev="cpu") -> np.ndarray:
    """Softmax probabilities for uint8 images."""
    model.eval()
    out = []
    for i in range(0, len(x), batch):
        t = to_tensor(x[i : i + batch]).to(dev)
        logits = model(t).float()
        if flip_tta:
            logits = (logits + model(torch.flip(t, dims=[3])).float()) / 2
        out.append(torch.softmax(logits, 1).cpu().numpy())
    return np.concatenate(out)


def metrics(probs: np.ndarray, y: np.ndarray) -> dict:
    pred = probs.argmax(1)
    k = len(LABELS)
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(y, pred):
        cm[t, p] += 1
    recall = {LABELS[i]: float(cm[i, i] / max(cm[i].sum(), 1)) for i in range(k)}
    return {"accuracy": float((pred == y).mean()), "recall": recall, "confusion": cm.tolist()}


def plot_curves(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(epochs, [r["train_loss"] for r in rows], label="train")
    a.plot(epochs, [r["val_loss"] for r in rows], label="val (PublicTest)")
    a.set_xlabel("epoch"), a.set_ylabel("cross-entropy loss"), a.legend()
    b.plot(epochs, [r["train_acc"] for r in rows], label="train")
    b.plot(epochs, [r["val_acc"] for r in rows], label="val (PublicTest)")
    b.set_xlabel("epoch"), b.set_ylabel("accuracy"), b.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="fer2013 folder or packed .npz")
    ap.add_argument("--arch", choices=["emotion_cnn", "emonet", "facenet"], default="emotion_cnn")
    ap.add_argument("--width", type=int, default=32, help="emonet base width")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--optimizer", choices=["adam", "adamw"], default="adam")
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--augment", action="store_true", help="flip, rotation, scale and shift")
    ap.add_argument("--schedule", choices=["constant", "onecycle"], default="constant")
    ap.add_argument("--flip-tta", action="store_true", help="average with the mirrored face, in ONNX too")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast (CPU with AVX512-BF16, or CUDA)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--seed", type=int, default=2013)
    ap.add_argument("--limit", type=int, default=0, help="use only this many images per split (smoke tests)")
    ap.add_argument("--out", type=Path, required=True, help="folder for the log, curves and metrics")
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--name", default=None, help="model name in the ONNX metadata")
    ap.add_argument("--mixup", type=float, default=0.0, help="mixup alpha (0: off)")
    ap.add_argument("--erase", type=float, default=0.0, help="probability of random erasing per face")
    ap.add_argument(
        "--targets",
        choices=["fer2013", "ferplus", "ferplus-majority"],
        default="fer2013",
        help="FER2013's labels, the FER+ annotators' vote distributions, or their majority",
    )
    ap.add_argument(
        "--votes",
        type=Path,
        default=ferplus.votes_file(default_data_dir()),
        help="FER+ votes per file (kaggle_to_fer2013_row.csv), for --targets ferplus",
    )
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from this exported EmoNet file; for facenet the upstream MobileFaceNet file or a FaceNetEmo export",
    )
    ap.add_argument("--degrade", type=float, default=0.0, help="probability of each video degradation per face")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="continue from the last epoch saved in --out/last.pt (the other options must match)",
    )
    ap.add_argument(
        "--time-budget",
        type=float,
        default=0.0,
        help="minutes: stop after the epoch that would overrun it and export the best epoch so far",
    )
    args = ap.parse_args()

    seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.time()
    votes = ferplus.read_votes(args.votes) if args.targets.startswith("ferplus") else None
    xtr, ytr, ttr, _ = load_targets(args.data, "train", votes, args)
    xva, yva, _, vva = load_targets(args.data, "val", votes, args)
    print(f"loaded train {len(ytr)}, val {len(yva)} in {time.time() - t0:.0f}s", flush=True)

    model = build(args.arch, args.width)
    if args.init:
        load = load_mobilefacenet if args.arch == "facenet" else load_emonet_onnx
        load(model, args.init, to_tensor(xtr[subset_index(len(ytr), 4096, args.seed)]))
    model = model.to(dev)
    if args.arch == "facenet":
        # Its depthwise convolutions run twice as fast with channels last on a CPU (measured at 112 px).
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW if args.optimizer == "adamw" else torch.optim.Adam
    opt = optimizer(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(ytr) / args.batch)
    sched = None
    if args.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
        )
    gen = torch.Generator().manual_seed(args.seed)
    mix_rng = np.random.default_rng(args.seed)
    # The whole training set fits on any device (28,709 faces are 265 MB as float32).
    xtr_t, ytr_t = to_tensor(xtr).to(dev), torch.from_numpy(ttr).to(dev)

    rows, best_acc, best_epoch, first_epoch, trained_before = [], -1.0, 0, 1, 0.0
    ckpt = args.out / "best.pt"
    last = args.out / "last.pt"
    recipe = {k: str(v) for k, v in vars(args).items() if k not in RESUMABLE}
    if args.resume and last.exists():
        state = torch.load(last, map_location=dev, weights_only=False)
        if state["recipe"] != recipe:
            changed = sorted(k for k in recipe if state["recipe"].get(k) != recipe[k])
            raise SystemExit(f"{last} was made with other options: {', '.join(changed)}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched:
            sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        mix_rng.bit_generator.state = state["mix_rng"]
        torch.set_rng_state(state["torch_rng"])
        rows, best_acc, best_epoch = state["rows"], state["best_acc"], state["best_epoch"]
        first_epoch, trained_before = state["epoch"] + 1, state["train_seconds"]
        print(f"resuming {last} after epoch {state['epoch']} (best {best_acc:.4f} at {best_epoch})", flush=True)
    elif args.resume:
        print(f"no {last} yet: starting from epoch 1", flush=True)
    train_start = time.time() - trained_before
    session_start = time.time()
    for epoch in range(first_epoch, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        seen, loss_sum, correct = 0, 0.0, 0
        ep_start = time.time()
        for i in range(0, len(perm), args.batch):
            idx = perm[i : i + args.batch]
            xb, yb = xtr_t[idx], ytr_t[idx]
            xb, yb = xb.to(dev), yb.to(dev)
            if args.augment:
                xb = augment(xb, gen)
            if args.erase:
                xb = erase(xb, args.erase, gen)
            if args.degrade:
                xb = degrade(xb, args.degrade, gen)
            mix = None
            if args.mixup:
                lam = float(mix_rng.beta(args.mixup, args.mixup))
                other = torch.randperm(len(yb), generator=gen).to(dev)
                xb = lam * xb + (1 - lam) * xb[other]
                mix = (lam, yb[other])
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(xb)
                loss = F.cross_entropy(logits.float(), yb, label_smoothing=args.label_smoothing)
                if mix:
                    loss = mix[0] * loss + (1 - mix[0]) * F.cross_entropy(
                        logits.float(), mix[1], label_smoothing=args.label_smoothing
                    )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched:
                sched.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == (yb if yb.dim() == 1 else yb.argmax(1))).sum().item()
        val_loss, val_acc = validate(model, xva, yva, vva, args.flip_tta, dev)
        row = {
            "epoch": epoch,
            "train_loss": loss_sum / seen,
            "train_acc": correct / seen,
            "val_loss": val_loss,
            "val_acc": val_acc,
            "lr": opt.param_groups[0]["lr"],
            "seconds": time.time() - ep_start,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        if row["val_acc"] > best_acc:
            best_acc, best_epoch = row["val_acc"], epoch
            torch.save(model.state_dict(), ckpt)
        with open(args.out / "log.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        # Everything needed to go on after a stop, written whole before it replaces the last one.
        state = {
            "recipe": recipe,
            "epoch": epoch,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict() if sched else None,
            "generator": gen.get_state(),
            "mix_rng": mix_rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "rows": rows,
            "best_acc": best_acc,
            "best_epoch": best_epoch,
            "train_seconds": time.time() - train_start,
        }
        torch.save(state, last.with_suffix(".tmp"))
        last.with_suffix(".tmp").replace(last)
        spent = (time.time() - session_start) / 60
        per_epoch = spent / (epoch - first_epoch + 1)
        if args.time_budget and epoch < args.epochs and spent + per_epoch > args.time_budget:
            print(f"time budget: stopping after epoch {epoch} of {args.epochs} ({spent:.1f} min)", flush=True)
            break
    train_seconds = time.time() - train_start
    plot_curves(rows, args.out / "curves.png", f"{args.arch}: best val epoch {best_epoch}")

    model.load_state_dict(torch.load(ckpt, map_location=dev))
    model = model.cpu()
    xte, yte, _, vte = load_targets(args.data, "test", votes, args)
    pva, pte = predict(model, xva, args.flip_tta), predict(model, xte, args.flip_tta)
    val, test = metrics(pva, yva), metrics(pte, yte)
    if votes:
        val["ferplus"], test["ferplus"] = ferplus.agreement(pva, *vva), ferplus.agreement(pte, *vte)
    print(f"best epoch {best_epoch}: val {val['accuracy']:.4f}, test {test['accuracy']:.4f}", flush=True)

    name = args.name or args.onnx.stem
    max_diff = export_onnx(
        model,
        args.onnx,
        name=name,
        arch=args.arch,
        flip_tta=args.flip_tta,
        input_scale=INPUT_SCALE,
        check_images=xte[:256],
        dataset=DATASETS[args.targets],
    )
    report = {
        "name": name,
        "arch": args.arch,
        "args": {k: str(v) for k, v in vars(args).items()},
        "best_epoch": best_epoch,
        "val_PublicTest": val,
        "test_PrivateTest": test,
        "onnx_max_abs_diff_vs_torch": max_diff,
        "train_seconds": round(train_seconds),
        "hardware": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, {args.device}",
        "torch": torch.__version__,
    }
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("best_epoch", "onnx_max_abs_diff_vs_torch", "train_seconds")}))


if __name__ == "__main__":
    main()
