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
ValueError: n_classes must be an integer of at least 2, got 1
>>> model(torch.zeros(5, 8))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 64), got (5, 8)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # plain: tqdm.auto warns on stderr in a notebook without ipywidgets

from lessons.config import check_int_argument

TAUGHT_IN = {"SoftmaxRegression": "05-logistic-softmax-regression"}


def check_softmax_arguments(in_features: int, n_classes: int) -> None:
    """Raise a ``ValueError`` that names the first bad argument of :class:`SoftmaxRegression`.

    >>> check_softmax_arguments(64, 10)
    >>> check_softmax_arguments(64, 1)
    Traceback (most recent call last):
    ...
    ValueError: n_classes must be an integer of at least 2, got 1
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


# Full-budget run: what `python -m lessons run softmax` trains (lesson 5's page uses a short one).


def train_classifier(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    make_optimizer: Callable[[int], tuple[torch.optim.Optimizer, object]],
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    seed: int = 0,
    progress: bool = False,
    desc: str = "",
) -> float:
    """Train ``model`` with mini-batches and cross-entropy; return its accuracy on the test set.

    The full-budget runs of the digit classifiers share this loop. ``make_optimizer(total_steps)``
    returns the optimizer and the learning-rate schedule, stepped once per batch. ``augment(x, g)``,
    if given, transforms each training batch (data augmentation), drawing from the generator ``g``
    that also shuffles the data, so a run repeats with its seed. Inputs ``X`` are ``(N, ...)``
    already on the model's device; labels ``y`` are ``(N,)``.
    """
    n = X_train.shape[0]
    optimizer, schedule = make_optimizer(epochs * math.ceil(n / batch_size))
    generator = torch.Generator().manual_seed(seed)
    for _ in tqdm(range(epochs), desc=desc, unit="epoch", disable=not progress, leave=False):
        model.train()
        order = torch.randperm(n, generator=generator).to(X_train.device)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            x = X_train[batch]
            if augment is not None:
                x = augment(x, generator)
            loss = F.cross_entropy(model(x), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    with torch.no_grad():
        return (model(X_test).argmax(dim=1) == y_test).float().mean().item()
