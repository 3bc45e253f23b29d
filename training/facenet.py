"""FaceNetEmo: MobileFaceNet (Chen et al. 2018; foamliu/MobileFaceNet, Apache-2.0), a network
trained to recognise faces, turned into an expression classifier at 112x112.

The trunk is MobileFaceNet's up to its global depthwise convolution (512 numbers a face); the
128-d embedding layer is replaced by a linear layer to the seven expressions. The whole network
is fine-tuned: a recognition network's late layers discard expression, so a head on the frozen
trunk is not enough (#37's measurement: 73.7 % against 81.2 % for EmoNet's features).

Input: one grey channel, value / 255, the face aligned on the ArcFace template by its five
landmarks (the identity cue's crop). The upstream file takes RGB standardised with ImageNet's mean
and deviation: the network repeats the grey face in the three channels (R = G = B) and
standardises them itself, so it starts out computing exactly what the file does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

SIDE = 112
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, act: type | None = nn.ReLU6) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2 if k == 3 else 0, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            conv_bn(cin, hidden, 1),
            conv_bn(hidden, hidden, 3, stride=stride, groups=hidden),
            conv_bn(hidden, cout, 1, act=None),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return x + y if self.residual else y


# (expansion, channels out, blocks, first stride): MobileFaceNet's bottlenecks.
SETTINGS = [(2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1)]


class FaceNetEmo(nn.Module):
    def __init__(self, num_classes: int = 7, dropout: float = 0.2) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.conv1 = conv_bn(3, 64, 3, stride=2)
        self.dw_conv = nn.Sequential(
            conv_bn(64, 64, 3, groups=64, act=nn.ReLU),
            conv_bn(64, 64, 1, act=nn.ReLU),
        )
        blocks, cin = [], 64
        for t, c, n, s in SETTINGS:
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.features = nn.Sequential(*blocks)
        self.conv2 = conv_bn(128, 512, 1)
        self.gdconv = conv_bn(512, 512, 7, groups=512, act=None)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(512, num_classes))

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.expand(-1, 3, -1, -1) - self.mean) / self.std
        x = self.dw_conv(self.conv1(x))
        return self.gdconv(self.conv2(self.features(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))

    def conv_bns(self) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
        """Every convolution with its batch norm, in the order of the upstream file's Convs."""
        pairs = []
        for m in self.modules():
            if isinstance(m, nn.Sequential) and len(m) >= 2 and isinstance(m[0], nn.Conv2d):
                pairs.append((m[0], m[1]))
        return pairs


def onnx_weights(proto: onnx.ModelProto) -> dict[str, torch.Tensor]:
    """Every constant of a file by name, a quantized one (int8 QDQ) as the float it stands for."""
    arrays = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "DequantizeLinear" and all(i in arrays for i in node.input):
            q, scale, zero = (arrays[i] for i in node.input[:3])
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            shape = [-1 if d == axis % q.ndim else 1 for d in range(q.ndim)] if scale.ndim else []
            x = (q.astype(np.float64) - zero.reshape(shape)) * scale.reshape(shape)
            arrays[node.output[0]] = x.astype(np.float32)
    return {name: torch.from_numpy(a.copy()) for name, a in arrays.items()}


@torch.no_grad()
def load_mobilefacenet(model: FaceNetEmo, path: Path, faces: torch.Tensor) -> None:
    """A file's weights into the network; `faces` (N,1,112,112, value / 255, aligned) set the
    batch norms' statistics. The file is either the upstream MobileFaceNet (its trunk; the head
    starts anew) or a FaceNetEmo this project exported, int8 or not (all of it: training goes on
    from it). Each export folded every batch norm into its convolution; each is rebuilt so that
    the network computes what the file does and starts from the statistics it really sees."""
    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    ours = meta.get("arch") == "facenet"
    if ours and meta.get("flip_tta") != "false":
        raise SystemExit(f"{path}: --init takes a FaceNetEmo file without the mirrored-face averaging")
    weights = onnx_weights(proto)
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    if not ours:
        convs = convs[:-1]  # upstream's last one is the embedding
    pairs = model.conv_bns()
    if len(convs) != len(pairs):
        raise SystemExit(f"{path}: {len(convs) + int(not ours)} convolutions; is it MobileFaceNet?")
    if ours:
        (gemm,) = [n for n in proto.graph.node if n.op_type == "Gemm"]
        model.head[-1].weight.copy_(weights[gemm.input[1]])
        model.head[-1].bias.copy_(weights[gemm.input[2]])
    biases = []
    for node, (conv, bn) in zip(convs, pairs):
        w, b = weights[node.input[1]], weights[node.input[2]]
        if w.shape != conv.weight.shape:
            raise SystemExit(f"{path}: {node.name} is {tuple(w.shape)}, expected {tuple(conv.weight.shape)}")
        conv.weight.copy_(w)
        biases.append(b)
        bn.weight.fill_(1.0), bn.bias.copy_(b)
        bn.running_mean.zero_(), bn.running_var.fill_(1.0 - bn.eps)

    # What each batch norm receives on real faces: per channel count, sum and sum of squares.
    sums = [torch.zeros(3, bn.num_features, dtype=torch.float64) for _, bn in pairs]

    def record(k: int, x: torch.Tensor) -> None:
        x = x.transpose(0, 1).flatten(1).double()
        sums[k] += torch.stack([torch.full_like(x[:, 0], x.shape[1]), x.sum(1), (x * x).sum(1)])

    hooks = [bn.register_forward_pre_hook(lambda _m, inp, k=k: record(k, inp[0])) for k, (_, bn) in enumerate(pairs)]
    model.eval()
    for i in range(0, len(faces), 128):
        model.trunk(faces[i : i + 128])
    for h in hooks:
        h.remove()
    # Each layer's output is unchanged by the rebuild, so every statistic holds as measured.
    for k, (_, bn) in enumerate(pairs):
        n, total, squares = sums[k]
        mean = total / n
        var = (squares / n - mean * mean).clamp_min(0)
        bn.running_mean.copy_(mean.float()), bn.running_var.copy_(var.float())
        bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        bn.bias.copy_((mean + biases[k].double()).float())


def check_trunk(model: FaceNetEmo, path: Path, faces: np.ndarray) -> float:
    """How far the rebuilt trunk's embedding is from the file's on grey faces (uint8 N,112,112):
    the largest |difference| relative to the embedding's scale."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    proto = onnx.load(str(path))
    weights = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    last = [n for n in proto.graph.node if n.op_type == "Conv"][-1]
    w, b = weights[last.input[1]], weights[last.input[2]]
    worst, scale = 0.0, 0.0
    model.eval()
    for face in faces:
        g = face.astype(np.float32) / 255
        rgb = np.stack([(g - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)])[None]
        want = sess.run(None, {sess.get_inputs()[0].name: rgb})[0][0]
        with torch.no_grad():
            t = model.trunk(torch.from_numpy(g)[None, None]).numpy()[0, :, 0, 0]
        got = w[:, :, 0, 0] @ t + b
        worst, scale = max(worst, float(np.abs(got - want).max())), max(scale, float(np.abs(want).max()))
    return worst / scale
