"""Linear classifiers: softmax regression, taught in lesson 5.

A softmax regression is one fully connected layer whose ``n_classes`` outputs are read as logits;
softmax turns them into class probabilities and cross-entropy trains them.

>>> import torch
>>> model = SoftmaxRegression(in_features=64, n_classes=10)
>>> logits = model(torch.zeros(5, 64))
>>> tuple(logits.shape), tuple(model.linear.weight.shape)
((5, 10), (10, 64))
>>> torch.softmax(logits, dim=1).sum(dim=1).allclose(torch.ones(5))
True
>>> SoftmaxRegression(in_features=64, n_classes=1)
Traceback (most recent call last):
...
ValueError: n_classes must be an integer ≥ 2, got 1
>>> model(torch.zeros(5, 8))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 64), got (5, 8)
"""

from __future__ import annotations

import torch
from torch import nn

from lessons.config import check_int_argument

TAUGHT_IN = {"SoftmaxRegression": "05-logistic-softmax-regression"}


def check_softmax_arguments(in_features: int, n_classes: int) -> None:
    """Raise a ``ValueError`` that names the first bad argument of :class:`SoftmaxRegression`.

    >>> check_softmax_arguments(64, 10)
    >>> check_softmax_arguments(64, 1)
    Traceback (most recent call last):
    ...
    ValueError: n_classes must be an integer ≥ 2, got 1
    """
    check_int_argument("in_features", in_features)
    check_int_argument("n_classes", n_classes, least=2)


class SoftmaxRegression(nn.Module):
    """Multi-class logistic regression: one linear layer from features to class logits.

    The weight matrix has shape (n_classes, in_features): row k is the template that class k
    matches against the input.
    """

    def __init__(self, in_features: int, n_classes: int) -> None:
        super().__init__()
        check_softmax_arguments(in_features, n_classes)  # names a bad one
        self.in_features = in_features
        self.n_classes = n_classes
        self.linear = nn.Linear(in_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map features (B, in_features) to logits (B, n_classes); softmax gives probabilities."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (B, {self.in_features}), got {tuple(x.shape)}")
        return self.linear(x)  # z = x W^T + b: (B, in_features) -> (B, n_classes)
