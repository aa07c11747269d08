"""Fully connected feed-forward networks (multi-layer perceptrons), taught in lesson 7.

An MLP is a stack of fully connected layers. Every hidden layer computes ``relu(h W^T + b)``;
the last layer has no activation and returns one logit per class, for the cross-entropy loss.

>>> import torch
>>> model = MLP(in_features=64, hidden=(256, 256), n_classes=10)
>>> tuple(model(torch.zeros(5, 64)).shape)
(5, 10)
>>> sum(p.numel() for p in model.parameters())  # (64*256 + 256) + (256*256 + 256) + (256*10 + 10)
85002
>>> sum(p.numel() for p in MLP(hidden=()).parameters())  # no hidden layer: softmax regression
650
>>> MLP(hidden=(256, 0))
Traceback (most recent call last):
...
ValueError: hidden must be a sequence of positive integers (layer widths), got (256, 0)
>>> model(torch.zeros(5, 8))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 64), got (5, 8)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

TAUGHT_IN = {"MLP": "07-fully-connected-networks"}


class MLP(nn.Module):
    """A fully connected feed-forward network from features to class logits.

    Each width in ``hidden`` adds one hidden layer: Linear, then ReLU, then (if ``dropout`` > 0)
    Dropout. A final Linear layer maps the last hidden layer to ``n_classes`` logits.
    """

    def __init__(
        self,
        in_features: int = 64,
        hidden: Sequence[int] = (256, 256),
        n_classes: int = 10,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
            raise ValueError(f"in_features must be a positive integer, got {in_features!r}")
        if (
            isinstance(hidden, str | bytes)
            or not isinstance(hidden, Sequence)
            or not all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden)
        ):
            raise ValueError(
                f"hidden must be a sequence of positive integers (layer widths), got {hidden!r}"
            )
        if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer of at least 2, got {n_classes!r}")
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not (0.0 <= dropout < 1.0)
        ):
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        self.in_features = in_features
        self.n_classes = n_classes
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]  # the ReLU keeps the layers from collapsing
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_classes))  # no activation: logits for cross-entropy
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map features (B, in_features) to logits (B, n_classes)."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (B, {self.in_features}), got {tuple(x.shape)}")
        return self.layers(x)  # (B, in_features) -> (B, hidden[0]) -> ... -> (B, n_classes)
