"""Full-budget run of lesson 13's capsule network, for the command line and the results page.

>>> CapsNetConfig(epochs=0)  # a config checks itself when built
Traceback (most recent call last):
...
ValueError: epochs must be an integer ≥ 1, got 0
"""

from __future__ import annotations

from dataclasses import dataclass

import lessons
from lessons.capsules import CapsNet, fit_capsnet
from lessons.config import RunConfig, check_at_least_zero, check_budget, check_positive
from lessons.runtime import progress_bar, stopwatch


@dataclass(frozen=True)
class CapsNetConfig(RunConfig):
    """Full-budget training of lesson 13's capsule network on the digits."""

    epochs: int = 30
    """Passes over the 1,437 training digits."""
    lr: float = 1e-2
    """Peak learning rate of Adam's one-cycle schedule."""
    batch_size: int = 64
    """Digits per optimizer step."""
    iterations: int = 3
    """Rounds of routing by agreement (at least 1)."""
    conv_channels: int = 128
    """Channels of the first 3x3 convolution."""
    primary_types: int = 16
    """Kinds of primary capsule at each of the 4 x 4 places (16 gives 256 capsules)."""
    primary_dim: int = 8
    """Numbers in each primary capsule's vector."""
    digit_dim: int = 16
    """Numbers in each digit capsule's vector."""
    reconstruction_weight: float = 0.01
    """Weight of the decoder's squared error (summed over the 64 pixels) in the loss."""
    max_shift: int = 1
    """Largest random move of a training batch, in pixels (0: no augmentation)."""

    def __post_init__(self) -> None:
        check_budget(self)
        sizes = ("iterations", "conv_channels", "primary_types", "primary_dim", "digit_dim")
        check_positive(self, "lr", "batch_size", *sizes)
        check_at_least_zero(self, "reconstruction_weight", "max_shift")


def run_capsnet(config: CapsNetConfig, *, progress: bool = False) -> dict[str, float]:
    """Train a ``CapsNet`` at ``config``'s budget on the digits and measure it on the test split.

    Returns ``test_accuracy`` (fraction of the 360 test digits whose longest capsule is the right
    class), ``epochs`` (passes over the training digits) and ``train_seconds`` (wall time of the
    training alone).
    """
    if not isinstance(config, CapsNetConfig):  # a CapsNetConfig checked its fields when built
        raise ValueError(f"config must be a CapsNetConfig, got {type(config).__name__}")
    from lessons.data import load_digits_split
    from lessons.train import accuracy

    lessons.seed_everything(config.seed)
    device = lessons.pick_device(config.device)
    split = load_digits_split()
    model = CapsNet(
        conv_channels=config.conv_channels,
        primary_types=config.primary_types,
        primary_dim=config.primary_dim,
        digit_dim=config.digit_dim,
        iterations=config.iterations,
    ).to(device)
    bar = progress_bar(total=config.epochs, unit="epoch", enabled=progress)
    with stopwatch() as training:
        fit_capsnet(
            model,
            split.X_train.reshape(-1, 1, 8, 8),
            split.y_train,
            epochs=config.epochs,
            lr=config.lr,
            batch_size=config.batch_size,
            reconstruction_weight=config.reconstruction_weight,
            max_shift=config.max_shift,
            seed=config.seed,
            on_epoch=lambda loss: bar.update(),
        )
    bar.close()
    test_accuracy = accuracy(model, split.X_test.reshape(-1, 1, 8, 8), split.y_test)
    return {
        "test_accuracy": test_accuracy,
        "epochs": config.epochs,
        "train_seconds": training["seconds"],
    }
