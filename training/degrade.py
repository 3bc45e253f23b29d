"""What video does to a face, as training augmentation: blur, sensor noise, JPEG, dim light, a
small face scaled up, and a stronger tilt than `augment` gives. Each is applied to a face with
probability p, independently; the random numbers come from the CPU generator, so a run repeats.

The strengths span the conditions of `emoscope evaluate --through-pipeline` at the 48 px crop;
a larger face (FaceNetEmo's 112 px) gets the same in proportion (blur, the small face's side).
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def _pick(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.nonzero(torch.rand(n, generator=gen) < p).flatten()


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + torch.rand(n, generator=gen) * (hi - lo)


def blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Gaussian blur with one sigma per face (a 7x7 separable kernel)."""
    r = torch.arange(-3, 4, dtype=torch.float32, device=x.device)
    k = torch.exp(-(r[None, :] ** 2) / (2 * sigma.to(x.device)[:, None] ** 2))
    k = k / k.sum(1, keepdim=True)
    n, side = x.shape[0], x.shape[-1]
    # Each face is its own channel, so one grouped convolution blurs all of them.
    y = x.view(1, n, side, side)
    y = F.conv2d(F.pad(y, (3, 3, 0, 0), mode="replicate"), k.view(n, 1, 1, 7), groups=n)
    y = F.conv2d(F.pad(y, (0, 0, 3, 3), mode="replicate"), k.view(n, 1, 7, 1), groups=n)
    return y.view(n, 1, side, side)


def tilt(x: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    a = torch.deg2rad(degrees)
    cos, sin, zero = torch.cos(a), torch.sin(a), torch.zeros_like(a)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def jpeg(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    out = []
    for face, q in zip(x.cpu(), quality.tolist()):
        buf = io.BytesIO()
        pixels = (face[0].clamp(0, 1) * 255).round().byte().numpy()
        Image.fromarray(pixels).save(buf, format="JPEG", quality=int(q))
        buf.seek(0)
        back = np.asarray(Image.open(buf).convert("L"), dtype=np.float32) / 255
        out.append(torch.from_numpy(back)[None])
    return torch.stack(out).to(x.device)


def small(x: torch.Tensor, side: int) -> torch.Tensor:
    """A face seen at `side` pixels, scaled back up as the crop does."""
    down = F.interpolate(x, size=(side, side), mode="area")
    return F.interpolate(down, size=x.shape[-2:], mode="bilinear", align_corners=False)


def degrade(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Each degradation on a random share p of the faces (a face may get several)."""
    x = x.clone()
    n, face = x.shape[0], x.shape[-1]
    # Strengths in pixels of a 48 px face, scaled to this one.
    px = face / 48
    if len(i := _pick(n, p, gen)):
        x[i] = tilt(x[i], _uniform(len(i), -25, 25, gen))
    if len(i := _pick(n, p, gen)):
        side = int(_uniform(1, 14, 40, gen).item() * px)
        x[i] = small(x[i], side)
    if len(i := _pick(n, p, gen)):
        x[i] = blur(x[i], _uniform(len(i), 0.4, 1.6, gen) * px)
    if len(i := _pick(n, p, gen)):
        x[i] = x[i] * _uniform(len(i), 0.25, 0.8, gen).view(-1, 1, 1, 1).to(x.device)
    if len(i := _pick(n, p, gen)):
        sigma = _uniform(len(i), 2, 12, gen).view(-1, 1, 1, 1) / 255
        x[i] = x[i] + torch.randn(len(i), 1, face, face, generator=gen).mul(sigma).to(x.device)
    if len(i := _pick(n, p, gen)):
        x[i] = jpeg(x[i], _uniform(len(i), 15, 60, gen).round())
    return x.clamp(0, 1)
