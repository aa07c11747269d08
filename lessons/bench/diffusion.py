"""The full-budget run of lesson 16's diffusion model: train, sample both ways, judge.

``run_diffusion`` trains the noise-predicting ``Denoiser`` of ``lessons.diffusion`` at the budget
of a ``DiffusionConfig``, draws ``n_samples`` digits with ancestral sampling (all T steps) and
with DDIM (``fast_steps`` strides), and scores both with ``lessons.judge``: the same judge and the
same three numbers as every other generator of digits on the site.

>>> DiffusionConfig(fast_steps=500)
Traceback (most recent call last):
...
ValueError: fast_steps must be an integer in [1, 100] (T), got 500
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from lessons.config import RunConfig, check_budget, check_fraction, check_positive
from lessons.diffusion import (
    Denoiser,
    NoiseSchedule,
    check_denoiser_arguments,
    check_schedule_arguments,
    sample_ancestral,
    sample_ddim,
    to_pixels,
    train_diffusion,
)

__all__ = ["DiffusionConfig", "run_diffusion"]


@dataclass(frozen=True)
class DiffusionConfig(RunConfig):
    """Full-budget training of lesson 16's diffusion model on the digits, judged like the GANs."""

    steps: int = 6000
    """Training steps, each on batch_size digits drawn at random from the 1,437 training digits."""
    lr: float = 3e-3
    """AdamW's peak learning rate (one-cycle schedule)."""
    batch_size: int = 512
    """Digits per training step (drawn with replacement, each with its own step t and noise)."""
    width: int = 256
    """Width of the denoiser's residual blocks (an even number)."""
    depth: int = 3
    """Number of residual blocks."""
    T: int = 100
    """Steps of the forward (noising) process; ancestral sampling makes T network calls."""
    beta_1: float = 1e-4
    """Noise variance of the first forward step."""
    beta_T: float = 0.1
    """Noise variance of the last forward step (the betas rise linearly in between)."""
    ema_decay: float = 0.995
    """Decay of the exponential moving average of the weights that the samples are drawn from."""
    fast_steps: int = 10
    """Strides of the fast sampler (DDIM, eta = 0); at most T."""
    judge_epochs: int = 5
    """Training epochs of the CNN that judges the samples."""
    n_samples: int = 1000
    """Generated digits the judge scores, for each sampler."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(
            self, "lr", "batch_size", "width", "depth", "T", "fast_steps", "judge_epochs"
        )
        check_positive(self, "n_samples", "beta_1", "beta_T")
        check_fraction(self, "ema_decay")
        check_schedule_arguments(self.T, self.beta_1, self.beta_T)
        check_denoiser_arguments(self.T, 64, self.width, self.depth)
        if self.fast_steps > self.T:
            raise ValueError(
                f"fast_steps must be an integer in [1, {self.T}] (T), got {self.fast_steps!r}"
            )


def _timed(device: torch.device, work):
    """Run ``work()`` and return (its result, the seconds it took, waiting for the GPU if any)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    result = work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return result, time.perf_counter() - start


def run_diffusion(config: DiffusionConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the diffusion model at ``config``'s budget and judge both of its samplers.

    Returns the judge's numbers for ancestral sampling ("confidence", the headline, "class_entropy",
    "nearest_distance"), the same for DDIM with ``fast_steps`` strides ("fast_confidence",
    "fast_class_entropy", "fast_nearest_distance"), the real test digits' values
    ("real_confidence", "real_entropy", "real_nearest_distance"), "parameters" (the denoiser's),
    "train_seconds", "sample_seconds_per_1000" and "fast_sample_seconds_per_1000" (wall time to
    draw 1,000 digits), "steps" and "seconds" (wall time of the whole run, judge included).
    """
    from lessons import pick_device, seed_everything
    from lessons.data import load_digits_split
    from lessons.judge import judge_generator, train_judge

    start = time.perf_counter()
    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    X = 2 * split.X_train - 1  # pixels [0, 1] -> the model's [-1, 1]
    schedule = NoiseSchedule(config.T, config.beta_1, config.beta_T)
    model = Denoiser(config.T, 64, config.width, config.depth).to(device)
    (ema, _), train_seconds = _timed(
        device,
        lambda: train_diffusion(
            model,
            schedule,
            X,
            steps=config.steps,
            lr=config.lr,
            batch_size=config.batch_size,
            ema_decay=config.ema_decay,
            seed=config.seed,
            progress=progress,
        ),
    )
    judge = train_judge(split, epochs=config.judge_epochs, seed=config.seed, device=str(device))
    n = config.n_samples
    full, full_seconds = _timed(
        device,
        lambda: sample_ancestral(ema, schedule, n, generator=torch.Generator().manual_seed(1)),
    )
    fast, fast_seconds = _timed(
        device,
        lambda: sample_ddim(
            ema, schedule, n, config.fast_steps, generator=torch.Generator().manual_seed(1)
        ),
    )
    scores = judge_generator(judge, to_pixels(full).cpu(), split)
    fast_scores = judge_generator(judge, to_pixels(fast).cpu(), split)
    return {
        **scores,
        "fast_confidence": fast_scores["confidence"],
        "fast_class_entropy": fast_scores["class_entropy"],
        "fast_nearest_distance": fast_scores["nearest_distance"],
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": train_seconds,
        "sample_seconds_per_1000": full_seconds * 1000 / n,
        "fast_sample_seconds_per_1000": fast_seconds * 1000 / n,
        "steps": config.steps,
        "seconds": time.perf_counter() - start,
    }
