"""Loads an exported EmoNet back into PyTorch to fine-tune it.

The export folds each batch norm into the convolution before it, so a convolution comes back
with a bias and its batch norm is gone. The batch norm is rebuilt so that the network computes
exactly what the file does, and so that training starts from the statistics the layer really
sees: its running mean and variance are measured on training faces, and its scale and shift
undo them, adding the folded bias back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from models import EmoNet


def _conv_blocks(model: EmoNet) -> list[nn.Sequential]:
    return [m for m in model.features if isinstance(m, nn.Sequential)]


@torch.no_grad()
def load_emonet_onnx(model: EmoNet, path: Path, faces: torch.Tensor) -> None:
    """Loads the weights of `path` into `model`; `faces` (N,1,48,48, scaled) set the statistics."""
    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    if meta.get("arch") != "emonet" or meta.get("flip_tta") != "false":
        raise SystemExit(f"{path}: --init takes an EmoNet file without the mirrored-face averaging")
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in proto.graph.initializer}
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    blocks = _conv_blocks(model)
    if len(convs) != len(blocks):
        raise SystemExit(f"{path}: {len(convs)} convolutions, the model has {len(blocks)} (is --width right?)")
    biases = []
    for node, block in zip(convs, blocks):
        conv, bn = block[0], block[1]
        conv.weight.copy_(weights[node.input[1]])
        biases.append(weights[node.input[2]])
        # An identity batch norm for now: y = x + bias.
        bn.weight.fill_(1.0), bn.bias.copy_(biases[-1])
        bn.running_mean.zero_(), bn.running_var.fill_(1.0 - bn.eps)
    for name in ("head.2.weight", "head.2.bias", "head.5.weight", "head.5.bias"):
        model.get_parameter(name).copy_(weights[name])

    # What each batch norm receives, on real faces.
    seen: list[list[torch.Tensor]] = [[] for _ in blocks]
    hooks = [
        block[1].register_forward_pre_hook(lambda _m, inp, k=k: seen[k].append(inp[0].transpose(0, 1).flatten(1)))
        for k, block in enumerate(blocks)
    ]
    model.eval()
    for i in range(0, len(faces), 512):
        model(faces[i : i + 512])
    for h in hooks:
        h.remove()
    for k, block in enumerate(blocks):
        bn = block[1]
        x = torch.cat(seen[k], 1).double()
        mean, var = x.mean(1), x.var(1, unbiased=False)
        bn.running_mean.copy_(mean.float()), bn.running_var.copy_(var.float())
        bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        bn.bias.copy_((mean + biases[k].double()).float())


def check_against_file(model: EmoNet, path: Path, faces: torch.Tensor) -> float:
    """The largest |PyTorch - ONNX Runtime| logit difference on `faces`."""
    import onnxruntime as ort

    model.eval()
    with torch.no_grad():
        want = model(faces).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: faces.numpy()})[0]
    return float(np.abs(got - want).max())
