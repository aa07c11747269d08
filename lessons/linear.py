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
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # plain: tqdm.auto warns on stderr in a notebook without ipywidgets

from lessons.config import check_budget, check_int_argument, check_positive
from lessons.data import load_digits_split
from lessons.runtime import pick_device, seed_everything

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


@dataclass(frozen=True)
class SoftmaxConfig:
    """Full-budget training of lesson 5's softmax regression on the digits.

    A linear model has no width or depth to choose; its settings are how long it trains and how
    strongly weight decay holds its weights back from fitting every training digit.
    """

    epochs: int = 100
    """Passes over the 1,437 training digits."""
    lr: float = 3e-2
    """AdamW's learning rate at the start; a cosine schedule takes it to zero by the last step."""
    batch_size: int = 64
    """Digits per optimizer step."""
    weight_decay: float = 0.1
    """AdamW's decoupled weight decay: each step multiplies the weights by 1 - (that step's
    learning rate) × weight_decay."""
    seed: int = 0
    """Seed for every random number generator the run uses."""
    device: str = "cpu"
    """Where to train: "cpu", "cuda", "cuda:1" or "mps"."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be ≥ 0, got {self.weight_decay!r}")


def run_softmax(config: SoftmaxConfig, *, progress: bool = False) -> dict[str, float]:
    """Train softmax regression on the digits at ``config``'s budget; return its metrics.

    Keys: ``test_accuracy`` (fraction of the 360 test digits right), ``train_accuracy``,
    ``parameters`` and ``epochs``. Shows a progress bar on stderr if ``progress``.

    >>> metrics = run_softmax(SoftmaxConfig(epochs=2))
    >>> 0.8 < metrics["test_accuracy"] <= 1.0, metrics["epochs"]
    (True, 2)
    >>> SoftmaxConfig(epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be ≥ 1, got 0
    """
    if not isinstance(config, SoftmaxConfig):
        raise ValueError(f"config must be a SoftmaxConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    X_train, y_train = split.X_train.to(device), split.y_train.to(device)
    model = SoftmaxRegression(in_features=64, n_classes=10).to(device)

    def make_optimizer(total_steps: int):
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        return optimizer, torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total_steps)

    test_accuracy = train_classifier(
        model,
        X_train,
        y_train,
        split.X_test.to(device),
        split.y_test.to(device),
        epochs=config.epochs,
        batch_size=config.batch_size,
        make_optimizer=make_optimizer,
        seed=config.seed,
        progress=progress,
        desc="softmax",
    )
    with torch.no_grad():
        train_accuracy = (model(X_train).argmax(dim=1) == y_train).float().mean().item()
    return {
        "test_accuracy": test_accuracy,
        "train_accuracy": train_accuracy,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": config.epochs,
    }
