"""ONNX export with the labels and preprocessing in the file's metadata, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from data import LABELS


class FlipAveraged(nn.Module):
    """Averages the logits of a face and its mirror image, so the service gets TTA for free."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.inner(x) + self.inner(torch.flip(x, dims=[3]))) / 2


def export_onnx(
    model: nn.Module,
    path: Path,
    *,
    name: str,
    arch: str,
    flip_tta: bool,
    input_scale: float,
    check_images: np.ndarray,
    dataset: str = "FER2013 (train=Training, model chosen on PublicTest)",
) -> float:
    """Writes the model and returns the largest |ONNX - PyTorch| logit difference on real images."""
    model = model.cpu().eval()
    net = (FlipAveraged(model) if flip_tta else model).eval()
    side = check_images.shape[-1]
    dummy = torch.zeros(1, 1, side, side)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        net,
        dummy,
        str(path),
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
        opset_version=17,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    meta = {
        "name": name,
        "arch": arch,
        "labels": ",".join(LABELS),
        "input_size": f"{side}x{side}",
        "input_color": "gray",
        # How the face is framed: where FER2013's faces have their landmarks (48 px models), or
        # the ArcFace template of face recognition (FaceNetEmo; training/align.py).
        "alignment": "arcface" if side == 112 else "fer2013",
        "input_scale": repr(input_scale),
        "input_mean": "0",
        "input_std": "1",
        "output": "logits",
        "flip_tta": str(flip_tta).lower(),
        "dataset": dataset,
    }
    del proto.metadata_props[:]
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    proto.producer_name = "emoscope-training"
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))

    net.eval()  # export restores the wrapper's training flag, which would turn dropout back on
    x = torch.from_numpy(check_images).float().mul_(input_scale).unsqueeze(1)
    with torch.no_grad():
        want = net(x).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["output"], {"input": x.numpy()})[0]
    diff = float(np.abs(got - want).max())
    print(f"exported {path}: max |onnx - torch| = {diff:.2e} on {len(x)} test images", flush=True)
    if diff > 1e-3:
        raise SystemExit("ONNX export disagrees with PyTorch")
    return diff
