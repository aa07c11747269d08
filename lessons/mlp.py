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
from dataclasses import dataclass

import torch
from torch import nn

from lessons.config import (
    check_budget,
    check_fraction,
    check_int_argument,
    check_layer_widths,
    check_positive,
    check_widths,
)
from lessons.data import load_digits_split
from lessons.linear import train_classifier
from lessons.runtime import pick_device, seed_everything

TAUGHT_IN = {"MLP": "07-fully-connected-networks"}


def check_mlp_arguments(
    in_features: int, hidden: Sequence[int], n_classes: int, dropout: float
) -> None:
    """Raise a ``ValueError`` that names the first bad argument of :class:`MLP`.

    >>> check_mlp_arguments(64, (256, 256), 10, 0.0)
    >>> check_mlp_arguments(64, (256, 256), 1, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: n_classes must be an integer of at least 2, got 1
    """
    check_int_argument("in_features", in_features)
    check_layer_widths("hidden", hidden)
    check_int_argument("n_classes", n_classes, least=2)
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")


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


@dataclass(frozen=True)
class MLPConfig:
    """Full-budget training of lesson 7's fully connected network on the digits.

    Wider than the page's 256-256 network, and regularised three ways so the extra width does not
    just memorise the 1,437 training digits: dropout, Gaussian noise on the input pixels, and
    weight decay.
    """

    epochs: int = 100
    """Passes over the 1,437 training digits."""
    hidden: tuple[int, ...] = (512, 512)
    """Width of each hidden layer."""
    dropout: float = 0.3
    """Probability of zeroing each hidden unit during training."""
    input_noise: float = 0.2
    """Standard deviation of the Gaussian noise added to every training pixel (pixels are 0–1)."""
    lr: float = 1e-2
    """Peak learning rate of AdamW's one-cycle schedule."""
    batch_size: int = 64
    """Digits per optimizer step."""
    weight_decay: float = 1e-4
    """AdamW's decoupled weight decay."""
    seed: int = 0
    """Seed for every random number generator the run uses."""
    device: str = "cpu"
    """Where to train: "cpu", "cuda", "cuda:1" or "mps"."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size")
        check_fraction(self, "dropout")
        check_widths(self, "hidden")
        if self.input_noise < 0 or self.weight_decay < 0:
            name = "input_noise" if self.input_noise < 0 else "weight_decay"
            raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)!r}")


def run_mlp(config: MLPConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the MLP on the digits at ``config``'s budget; return its metrics.

    Keys: ``test_accuracy`` (fraction of the 360 test digits right), ``parameters`` and ``epochs``.
    Shows a progress bar on stderr if ``progress``.

    >>> metrics = run_mlp(MLPConfig(epochs=1, hidden=(32,)))
    >>> 0.5 < metrics["test_accuracy"] <= 1.0, metrics["parameters"]
    (True, 2410)
    """
    if not isinstance(config, MLPConfig):
        raise ValueError(f"config must be an MLPConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    model = MLP(hidden=config.hidden, dropout=config.dropout).to(device)

    def make_optimizer(total_steps: int):
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        return optimizer, torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, total_steps=total_steps
        )

    def add_noise(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=generator).to(x.device)
        return x + config.input_noise * noise  # a digit jittered is still the same digit

    test_accuracy = train_classifier(
        model,
        split.X_train.to(device),
        split.y_train.to(device),
        split.X_test.to(device),
        split.y_test.to(device),
        epochs=config.epochs,
        batch_size=config.batch_size,
        make_optimizer=make_optimizer,
        augment=add_noise if config.input_noise > 0 else None,
        seed=config.seed,
        progress=progress,
        desc="mlp",
    )
    return {
        "test_accuracy": test_accuracy,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": config.epochs,
    }
