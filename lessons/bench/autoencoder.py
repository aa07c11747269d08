"""Full-budget run of lesson 10's autoencoder (2-number code), for the command line and the
results page."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lessons.autoencoder import Autoencoder
from lessons.config import (
    RunConfig,
    check_at_least_zero,
    check_budget,
    check_positive,
    check_widths,
)
from lessons.data import load_digits_split
from lessons.runtime import pick_device, progress_bar, seed_everything


@dataclass(frozen=True)
class AutoencoderConfig(RunConfig):
    """Full-budget training of lesson 10's autoencoder on the digits, with a 2-number code."""

    epochs: int = 100
    """Passes over the 1,437 training digits."""
    hidden: tuple[int, ...] = (512, 256, 128)
    """Width of each hidden layer of the encoder; the decoder mirrors them."""
    code_size: int = 2
    """Numbers in the code each image is squeezed through."""
    lr: float = 1e-2
    """Peak learning rate of AdamW's one-cycle schedule."""
    batch_size: int = 64
    """Images per optimizer step."""
    weight_decay: float = 1e-4
    """AdamW's decoupled weight decay."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size", "code_size")
        check_widths(self, "hidden")
        check_at_least_zero(self, "weight_decay")


def pca_test_mse(X_train: torch.Tensor, X_test: torch.Tensor, k: int) -> float:
    """Mean squared error per pixel rebuilding ``X_test`` from its first ``k`` principal components.

    The components and the mean come from ``X_train`` ``(N, D)``: the best linear code of ``k``
    numbers, the yardstick an autoencoder's code is measured against.
    """
    mean = X_train.mean(dim=0)
    _, _, Vh = torch.linalg.svd(X_train - mean, full_matrices=False)
    V = Vh[:k]  # (k, D): the k directions of largest variance
    rebuilt = (X_test - mean) @ V.T @ V + mean
    return F.mse_loss(rebuilt, X_test).item()


def squared_error(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(model(x), x)  # the plain autoencoder: the target is the input itself


def train_autoencoder(
    model: nn.Module,
    X_train: torch.Tensor,
    loss_of: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    config: Any,
    *,
    name: str,
    progress: bool,
) -> None:
    """Lesson 10's loop for the autoencoder and the VAE (``config`` gives epochs, lr, batch_size,
    weight_decay and seed): AdamW, one-cycle schedule, reshuffled batches; ``loss_of(model, x)``."""
    n = X_train.shape[0]
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.epochs * math.ceil(n / config.batch_size)
    )
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    for _ in progress_bar(range(config.epochs), desc=name, unit="epoch", enabled=progress):
        order = torch.randperm(n, generator=generator).to(X_train.device)
        for start in range(0, n, config.batch_size):
            loss = loss_of(model, X_train[order[start : start + config.batch_size]])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()


def run_autoencoder(config: AutoencoderConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the autoencoder on the digits at ``config``'s budget; return its metrics.

    Keys: ``test_mse`` (mean squared error per pixel rebuilding the 360 test digits, pixels 0–1),
    ``train_mse``, ``pca_test_mse`` (the same for PCA with ``code_size`` components) and ``epochs``.
    Shows a progress bar on stderr if ``progress``.

    >>> metrics = run_autoencoder(AutoencoderConfig(epochs=1, hidden=(16,)))
    >>> 0 < metrics["test_mse"] < 0.2, round(metrics["pca_test_mse"], 3)
    (True, 0.053)
    """
    if not isinstance(config, AutoencoderConfig):
        raise ValueError(f"config must be an AutoencoderConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    X_train, X_test = split.X_train.to(device), split.X_test.to(device)
    model = Autoencoder(hidden=config.hidden, code_size=config.code_size).to(device)
    train_autoencoder(model, X_train, squared_error, config, name="autoencoder", progress=progress)
    with torch.no_grad():
        test_mse = F.mse_loss(model(X_test), X_test).item()
        train_mse = F.mse_loss(model(X_train), X_train).item()
    return {
        "test_mse": test_mse,
        "train_mse": train_mse,
        "pca_test_mse": pca_test_mse(X_train, X_test, config.code_size),
        "epochs": config.epochs,
    }
