"""Full-budget run of lesson 10's variational autoencoder, judged like every digit generator.

``run_vae`` trains ``lessons.autoencoder.VAE`` on the 1,437 training digits, decodes ``n_samples``
codes drawn from the prior N(0, I) and scores the images with ``lessons.judge``. With
``compare_autoencoder`` it also trains the plain ``Autoencoder`` with the same layers and budget and
judges its decodings of the same draws, moved onto the spread of its own codes (a Gaussian with the
mean and covariance of its training codes): the comparison lesson 10 makes at a short budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from lessons.autoencoder import VAE, Autoencoder, vae_loss
from lessons.bench.autoencoder import squared_error, train_autoencoder
from lessons.config import (
    RunConfig,
    check_at_least_zero,
    check_budget,
    check_positive,
    check_widths,
)
from lessons.data import load_digits_split
from lessons.judge import judge_generator, train_judge
from lessons.runtime import pick_device, seed_everything


@dataclass(frozen=True)
class VAEConfig(RunConfig):
    """Full-budget training of lesson 10's variational autoencoder on the digits, 2-number code."""

    epochs: int = 300
    """Passes over the 1,437 training digits."""
    hidden: tuple[int, ...] = (256, 128)
    """Width of each hidden layer of the encoder; the decoder mirrors them."""
    code_size: int = 2
    """Numbers in the code; the prior the samples are drawn from is N(0, I) in that many."""
    variance: float = 0.03
    """The decoder's fixed variance per pixel, v: the reconstruction term is squared error / 2v."""
    lr: float = 2e-2
    """Peak learning rate of AdamW's one-cycle schedule."""
    batch_size: int = 128
    """Images per optimizer step."""
    weight_decay: float = 1e-4
    """AdamW's decoupled weight decay."""
    judge_epochs: int = 5
    """Training epochs of the CNN that judges the samples (lessons.judge.train_judge)."""
    n_samples: int = 1000
    """Codes drawn from the prior, decoded and judged."""
    compare_autoencoder: bool = True
    """Also train the plain autoencoder the same way and judge its decodings of the same draws."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(
            self, "lr", "batch_size", "code_size", "variance", "judge_epochs", "n_samples"
        )
        check_widths(self, "hidden")
        check_at_least_zero(self, "weight_decay")
        if not isinstance(self.compare_autoencoder, bool):
            raise ValueError(
                f"compare_autoencoder must be True or False, got {self.compare_autoencoder!r}"
            )


def _negative_elbo(variance: float) -> Callable[[nn.Module, torch.Tensor], torch.Tensor]:
    def loss_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        x_hat, mean, log_var = model(x)  # one code drawn per image
        reconstruction, kl = vae_loss(x_hat, x, mean, log_var, variance=variance)
        return reconstruction + kl

    return loss_of


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_vae(config: VAEConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the VAE at ``config``'s budget, decode ``n_samples`` prior draws and judge them.

    Returns ``lessons.judge.judge_generator``'s numbers for the samples ("confidence",
    "class_entropy", "nearest_distance", each beside the real test digits' "real_confidence",
    "real_entropy", "real_nearest_distance"), and "parameters" (the VAE's), "train_seconds" (its
    training), "sample_seconds_per_1000" (decoding 1,000 draws), "epochs" and "seconds" (the whole
    run). With ``compare_autoencoder``: "autoencoder_confidence", "autoencoder_class_entropy" and
    "autoencoder_nearest_distance" for the plain autoencoder's decodings of the same draws.
    The judge depends on ``seed`` alone (``train_judge``), and the same judge scores both models.
    Shows progress bars on stderr if ``progress``.
    """
    if not isinstance(config, VAEConfig):
        raise ValueError(f"config must be a VAEConfig, got {type(config).__name__}")
    start = time.perf_counter()
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    X_train = split.X_train.to(device)
    model = VAE(hidden=config.hidden, code_size=config.code_size).to(device)
    began = time.perf_counter()
    train_autoencoder(
        model, X_train, _negative_elbo(config.variance), config, name="VAE", progress=progress
    )
    _synchronize(device)
    train_seconds = time.perf_counter() - began

    draws = torch.randn(
        config.n_samples, config.code_size, generator=torch.Generator().manual_seed(1)
    ).to(device)  # (n_samples, code_size): from the prior N(0, I)
    with torch.no_grad():
        model.decode(draws[:10])  # warm up, so the timing below is of decoding alone
        _synchronize(device)
        began = time.perf_counter()
        samples = model.decode(draws)  # (n_samples, 64)
        _synchronize(device)
        sample_seconds = time.perf_counter() - began

    seed_everything(config.seed)  # the judge's first weights do not depend on the run above
    judge = train_judge(split, epochs=config.judge_epochs, seed=config.seed, device=str(device))
    result: dict[str, float] = {
        **judge_generator(judge, samples, split),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": train_seconds,
        "sample_seconds_per_1000": sample_seconds * 1000 / config.n_samples,
        "epochs": config.epochs,
    }
    if config.compare_autoencoder:
        seed_everything(config.seed)
        plain = Autoencoder(hidden=config.hidden, code_size=config.code_size).to(device)
        train_autoencoder(
            plain, X_train, squared_error, config, name="autoencoder", progress=progress
        )
        with torch.no_grad():
            codes = plain.encode(X_train)  # (1437, code_size)
            covariance = torch.atleast_2d(torch.cov(codes.T))  # (code_size, code_size)
            spread = torch.linalg.cholesky(covariance)  # spread @ spread.T == covariance
            plain_samples = plain.decode(codes.mean(dim=0) + draws @ spread.T)
        plain_scores = judge_generator(judge, plain_samples, split)
        for key in ("confidence", "class_entropy", "nearest_distance"):
            result[f"autoencoder_{key}"] = plain_scores[key]
    result["seconds"] = time.perf_counter() - start
    return result
