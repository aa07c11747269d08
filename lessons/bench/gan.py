"""Full-budget runs of lesson 11's GANs (fully connected and convolutional), judged by
``lessons.judge``, for the command line and the results page."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lessons.config import RunConfig, check_budget, check_positive
from lessons.gan import (
    ConvDiscriminator,
    ConvGenerator,
    Discriminator,
    Generator,
    train_gan,
)
from lessons.runtime import stopwatch


@dataclass(frozen=True)
class GANConfig(RunConfig):
    """Full-budget training of lesson 11's fully connected GAN on the digits."""

    epochs: int = 300
    """Passes over the 1,437 training digits (22 generator steps each)."""
    lr: float = 1e-3
    """Adam's learning rate, the same for both players (betas 0.5, 0.999)."""
    batch_size: int = 64
    """Real digits per step, and as many generated ones."""
    latent_dim: int = 32
    """Length of the noise vector z the generator starts from."""
    hidden: int = 256
    """Width of each of the two hidden layers, in both networks."""
    judge_epochs: int = 5
    """Training epochs of the CNN that judges the samples."""
    n_samples: int = 1000
    """Generated digits the judge scores."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(
            self, "lr", "batch_size", "latent_dim", "hidden", "judge_epochs", "n_samples"
        )


def _judge_run(
    generator: nn.Module, config, split, device, train_seconds: float
) -> dict[str, float]:
    """Draw ``config.n_samples`` digits from ``generator`` and judge them (``lessons.judge``)."""
    from lessons.judge import judge_generator, train_judge

    judge = train_judge(split, epochs=config.judge_epochs, seed=config.seed, device=str(device))
    noise = torch.randn(
        config.n_samples, config.latent_dim, generator=torch.Generator().manual_seed(1)
    )
    with stopwatch() as sampling, torch.no_grad():
        samples = generator.eval()(noise.to(device)).reshape(-1, 1, 8, 8).cpu()
    return {
        **judge_generator(judge, samples, split),
        "parameters": sum(p.numel() for p in generator.parameters()),
        "epochs": config.epochs,
        "train_seconds": train_seconds,
        "sample_seconds_per_1000": sampling["seconds"] * 1000 / config.n_samples,
    }


def run_gan(config: GANConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the fully connected GAN at ``config``'s budget and judge its samples.

    Returns "confidence" (the judge's mean confidence on ``n_samples`` generated digits, the
    headline), "class_entropy" (entropy of the predicted-class histogram, ideal ln 10 ≈ 2.30), the
    same two numbers on the 360 real test digits ("real_confidence", "real_entropy"), the
    nearest-training-digit distances of both ("nearest_distance", "real_nearest_distance"),
    "parameters" (the generator's), "epochs", "train_seconds" and "sample_seconds_per_1000".
    """
    from lessons import pick_device, seed_everything
    from lessons.data import load_digits_split

    if not isinstance(config, GANConfig):  # a GANConfig checked its fields when built
        raise ValueError(f"config must be a GANConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    generator = Generator(config.latent_dim, (config.hidden, config.hidden)).to(device)
    discriminator = Discriminator(64, (config.hidden, config.hidden)).to(device)
    with stopwatch() as training:
        train_gan(
            generator,
            discriminator,
            split.X_train,
            epochs=config.epochs,
            lr=config.lr,
            batch_size=config.batch_size,
            seed=config.seed,
            progress=progress,
        )
    return _judge_run(generator, config, split, device, training["seconds"])


@dataclass(frozen=True)
class DCGANConfig(RunConfig):
    """Full-budget training of lesson 11's convolutional GAN, kept diverse by minibatch std."""

    epochs: int = 30
    """Passes over the 1,437 training digits (22 generator steps each)."""
    lr: float = 1e-3
    """Adam's learning rate, the same for both players (betas 0.5, 0.999)."""
    batch_size: int = 64
    """Real digits per step, and as many generated ones."""
    latent_dim: int = 32
    """Length of the noise vector z the generator starts from."""
    width: int = 32
    """Channels of the first convolution; the others have 2 and 4 times as many."""
    minibatch_std: bool = True
    """Give the discriminator the batch's spread (the cure for mode collapse); False collapses."""
    judge_epochs: int = 5
    """Training epochs of the CNN that judges the samples."""
    n_samples: int = 1000
    """Generated digits the judge scores."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "lr", "batch_size", "latent_dim", "width", "judge_epochs", "n_samples")
        if not isinstance(self.minibatch_std, bool):
            raise ValueError(f"minibatch_std must be True or False, got {self.minibatch_std!r}")


def run_dcgan(config: DCGANConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the convolutional GAN at ``config``'s budget and judge its samples.

    Returns "confidence" (the judge's mean confidence on ``n_samples`` generated digits),
    "class_entropy" (entropy of the predicted-class histogram, the headline: ln 10 ≈ 2.30 is ideal,
    near 0 means mode collapse), the same two numbers on the 360 real test digits
    ("real_confidence", "real_entropy"), the nearest-training-digit distances of both
    ("nearest_distance", "real_nearest_distance"), "parameters" (the generator's), "epochs",
    "train_seconds" and "sample_seconds_per_1000".
    """
    from lessons import pick_device, seed_everything
    from lessons.data import load_digits_split

    if not isinstance(config, DCGANConfig):  # a DCGANConfig checked its fields when built
        raise ValueError(f"config must be a DCGANConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    generator = ConvGenerator(config.latent_dim, config.width).to(device)
    discriminator = ConvDiscriminator(config.width, config.minibatch_std).to(device)
    with stopwatch() as training:
        train_gan(
            generator,
            discriminator,
            split.X_train.reshape(-1, 1, 8, 8),
            epochs=config.epochs,
            lr=config.lr,
            batch_size=config.batch_size,
            seed=config.seed,
            progress=progress,
        )
    return _judge_run(generator, config, split, device, training["seconds"])
