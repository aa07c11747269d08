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
ValueError: hidden must be a sequence of integers ≥ 1, got (256, 0)
>>> model(torch.zeros(5, 8))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 64), got (5, 8)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lessons.config import (
    check_fraction_argument,
    check_int_argument,
    check_layer_widths,
)

TAUGHT_IN = {"MLP": "07-fully-connected-networks"}


def check_mlp_arguments(
    in_features: int, hidden: Sequence[int], n_classes: int, dropout: float
) -> None:
    """Raise a ``ValueError`` that names the first bad argument of :class:`MLP`.

    >>> check_mlp_arguments(64, (256, 256), 10, 0.0)
    >>> check_mlp_arguments(64, (256, 256), 1, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: n_classes must be an integer ≥ 2, got 1
    """
    check_int_argument("in_features", in_features)
    check_layer_widths("hidden", hidden)
    check_int_argument("n_classes", n_classes, least=2)
    check_fraction_argument("dropout", dropout)


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
        check_mlp_arguments(in_features, hidden, n_classes, dropout)  # names a bad one
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


# Full-budget run: what `python -m lessons run mlp` trains (lesson 7's page uses a short one).
