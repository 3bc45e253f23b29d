"""The networks: the article's EmotionCNN, unchanged, and the project's better default."""

from __future__ import annotations

import torch
from torch import nn


class EmotionCNN(nn.Module):
    """The article's model, layer for layer."""

    def __init__(self, num_classes: int = 7) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 12 * 12, 1024)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(torch.relu(self.fc1(x)))
        return self.fc2(x)


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class EmoNet(nn.Module):
    """A small VGG-style network with batch norm: still cheap next to face detection on a CPU.

    Widths are kept low at 48x48, where convolutions cost the most, and grow as the map shrinks.
    """

    def __init__(self, num_classes: int = 7, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            conv_bn(1, w),
            conv_bn(w, w),
            nn.MaxPool2d(2),  # 24x24
            conv_bn(w, 2 * w),
            conv_bn(2 * w, 2 * w),
            nn.MaxPool2d(2),  # 12x12
            conv_bn(2 * w, 4 * w),
            conv_bn(4 * w, 4 * w),
            nn.MaxPool2d(2),  # 6x6
            conv_bn(4 * w, 8 * w),
            conv_bn(8 * w, 8 * w),
            nn.MaxPool2d(2),  # 3x3
        )
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.4),
            nn.Linear(8 * w * 9, 256),
            nn.ReLU(inplace=True),
            nn.Dropout(0.4),
            nn.Linear(256, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build(arch: str, width: int = 32) -> nn.Module:
    if arch == "emotion_cnn":
        return EmotionCNN()
    if arch == "emonet":
        return EmoNet(width=width)
    if arch == "facenet":
        from facenet import FaceNetEmo

        return FaceNetEmo()
    raise SystemExit(f"unknown --arch {arch}")
