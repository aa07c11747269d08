"""Full-budget runs of the digit classifiers: softmax regression (lesson 5), the MLP (lesson 7) and
the CNN (lesson 8), for the command line and the results page.

>>> CNNConfig(epochs=0)  # a config checks itself when built
Traceback (most recent call last):
...
ValueError: epochs must be an integer ≥ 1, got 0
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lessons.cnn import (
    CNN,
    random_affine,
)
from lessons.config import (
    RunConfig,
    check_at_least_zero,
    check_budget,
    check_fraction,
    check_positive,
    check_widths,
)
from lessons.data import load_digits_split
from lessons.linear import (
    SoftmaxRegression,
)
from lessons.mlp import (
    MLP,
)
from lessons.runtime import pick_device, seed_everything
from lessons.train import accuracy, fit


@dataclass(frozen=True)
class SoftmaxConfig(RunConfig):
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

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size")
        check_at_least_zero(self, "weight_decay")


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
    ValueError: epochs must be an integer ≥ 1, got 0
    """
    if not isinstance(config, SoftmaxConfig):
        raise ValueError(f"config must be a SoftmaxConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    X_train, y_train = split.X_train.to(device), split.y_train.to(device)
    model = SoftmaxRegression(in_features=64, n_classes=10).to(device)

    fit(
        model,
        X_train,
        y_train,
        epochs=config.epochs,
        lr=config.lr,
        batch_size=config.batch_size,
        weight_decay=config.weight_decay,
        seed=config.seed,
        schedule="cosine",
        record_accuracy=False,
        progress=progress,
        desc="softmax",
    )
    test_accuracy = accuracy(model, split.X_test, split.y_test)
    train_accuracy = accuracy(model, X_train, y_train)
    return {
        "test_accuracy": test_accuracy,
        "train_accuracy": train_accuracy,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": config.epochs,
    }


@dataclass(frozen=True)
class MLPConfig(RunConfig):
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

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size")
        check_fraction(self, "dropout")
        check_widths(self, "hidden")
        check_at_least_zero(self, "input_noise", "weight_decay")


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

    def add_noise(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=generator).to(x.device)
        return x + config.input_noise * noise  # a digit jittered is still the same digit

    fit(
        model,
        split.X_train,
        split.y_train,
        epochs=config.epochs,
        lr=config.lr,
        batch_size=config.batch_size,
        weight_decay=config.weight_decay,
        seed=config.seed,
        augment=add_noise if config.input_noise > 0 else None,
        record_accuracy=False,
        progress=progress,
        desc="mlp",
    )
    test_accuracy = accuracy(model, split.X_test, split.y_test)
    return {
        "test_accuracy": test_accuracy,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": config.epochs,
    }


@dataclass(frozen=True)
class CNNConfig(RunConfig):
    """Full-budget training of lesson 8's CNN on the digits, with data augmentation.

    Every training batch is a new random variation of its digits (shifted, turned, resized), so
    30 epochs see 30 different versions of each digit rather than the same one 30 times.
    """

    epochs: int = 30
    """Passes over the 1,437 training digits."""
    channels: tuple[int, ...] = (32, 64, 128)
    """Output channels of each convolution block."""
    hidden: int = 128
    """Width of the fully connected layer in the head."""
    lr: float = 3e-3
    """Peak learning rate of AdamW's one-cycle schedule."""
    batch_size: int = 64
    """Digits per optimizer step."""
    weight_decay: float = 1e-4
    """AdamW's decoupled weight decay."""
    shift: float = 1.0
    """Augmentation: largest random shift along each axis, in pixels (0 turns it off)."""
    degrees: float = 12.0
    """Augmentation: largest random rotation either way, in degrees (0 turns it off)."""
    scale: float = 0.1
    """Augmentation: largest random change of size, as a fraction (0.1: 90 % to 110 %)."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size", "hidden")
        check_widths(self, "channels")
        check_fraction(self, "scale")
        check_at_least_zero(self, "shift", "degrees", "weight_decay")


def run_cnn(config: CNNConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the CNN on the digits at ``config``'s budget; return its metrics.

    Keys: ``test_accuracy`` (fraction of the 360 test digits right), ``parameters`` and ``epochs``.
    Shows a progress bar on stderr if ``progress``.

    >>> metrics = run_cnn(CNNConfig(epochs=1, channels=(4, 8), hidden=16))
    >>> 0.1 < metrics["test_accuracy"] <= 1.0, metrics["epochs"]
    (True, 1)
    """
    if not isinstance(config, CNNConfig):
        raise ValueError(f"config must be a CNNConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    as_images = lambda X: X.reshape(-1, 1, 8, 8).to(device)  # noqa: E731  (N, 64) -> (N, 1, 8, 8)
    model = CNN(channels=config.channels, hidden=config.hidden).to(device)

    def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_affine(
            x, generator, shift=config.shift, degrees=config.degrees, scale=config.scale
        )

    augmenting = config.shift > 0 or config.degrees > 0 or config.scale > 0
    fit(
        model,
        as_images(split.X_train),
        split.y_train,
        epochs=config.epochs,
        lr=config.lr,
        batch_size=config.batch_size,
        weight_decay=config.weight_decay,
        seed=config.seed,
        augment=augment if augmenting else None,
        record_accuracy=False,
        progress=progress,
        desc="cnn",
    )
    test_accuracy = accuracy(model, as_images(split.X_test), split.y_test)
    return {
        "test_accuracy": test_accuracy,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": config.epochs,
    }
