"""Unit tests of lessons.diffusion (lesson 16) and its full-budget run, lessons.bench.diffusion."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import lessons.diffusion as diffusion
from lessons import seed_everything
from lessons.bench.diffusion import DiffusionConfig, run_diffusion
from lessons.diffusion import (
    Denoiser,
    NoiseSchedule,
    add_noise,
    diffusion_loss,
    sample_ancestral,
    sample_ddim,
    to_pixels,
    train_diffusion,
)


def test_taught_in_names_lesson_16():
    assert set(diffusion.TAUGHT_IN.values()) == {"16-diffusion-models"}
    assert {"NoiseSchedule", "add_noise", "Denoiser", "sample_ancestral", "sample_ddim"} <= set(
        diffusion.TAUGHT_IN
    )


def test_schedule_matches_its_definition():
    schedule = NoiseSchedule(T=50, beta_1=1e-3, beta_T=0.2)
    assert schedule.betas.shape == (51,) and schedule.betas[0] == 0
    assert math.isclose(schedule.betas[1].item(), 1e-3, rel_tol=1e-5)
    assert math.isclose(schedule.betas[50].item(), 0.2, rel_tol=1e-6)
    product = 1.0
    for t in range(51):  # alpha_bar_t is the product of (1 - beta_s) for s <= t
        product *= 1 - schedule.betas[t].item()
        assert math.isclose(schedule.alpha_bars[t].item(), product, rel_tol=1e-4)


def test_closed_form_matches_the_step_by_step_chain():
    """The chain's mean and variance after t steps are the one-jump formula's (the oracle)."""
    schedule = NoiseSchedule(T=20, beta_1=0.01, beta_T=0.3)
    rng = torch.Generator().manual_seed(0)
    x0 = torch.linspace(-1, 1, 8)
    x = x0.expand(40_000, 8).clone()
    for t in range(1, 21):
        x = schedule.alphas[t].sqrt() * x + schedule.betas[t].sqrt() * torch.randn(
            x.shape, generator=rng
        )
    jumped = add_noise(
        schedule, x0.expand(40_000, 8), torch.full((40_000,), 20), torch.randn(40_000, 8)
    )
    mean, variance = schedule.alpha_bars[20].sqrt() * x0, 1 - schedule.alpha_bars[20]
    for samples in (x, jumped):
        assert (samples.mean(0) - mean).abs().max() < 0.03
        assert (samples.var(0) - variance).abs().max() < 0.03


def test_add_noise_is_the_formula():
    schedule = NoiseSchedule()
    x0, noise, t = torch.randn(4, 64), torch.randn(4, 64), torch.tensor([0, 1, 50, 100])
    ab = schedule.alpha_bars[t].unsqueeze(1)
    assert torch.allclose(
        add_noise(schedule, x0, t, noise), ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    )
    assert torch.equal(add_noise(schedule, x0, torch.zeros(4, dtype=torch.long), noise), x0)


class OracleDenoiser(nn.Module):
    """The exact noise predictor when every training image is ``target``: a known answer."""

    def __init__(self, schedule: NoiseSchedule, target: torch.Tensor) -> None:
        super().__init__()
        self.schedule, self.target, self.pixels = schedule, target, target.shape[0]
        self.dummy = nn.Parameter(torch.zeros(1))  # the samplers read the device from a parameter

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.schedule.alpha_bars[t].unsqueeze(1)
        return (x - ab.sqrt() * self.target) / (1 - ab).sqrt()


@pytest.mark.parametrize("sampler", ["ancestral", "ddim"])
def test_samplers_recover_the_data_with_the_exact_noise(sampler):
    """With the exact noise predictor for a one-image data set, both samplers return that image."""
    schedule = NoiseSchedule(T=100)
    target = torch.linspace(-1, 1, 64)
    oracle = OracleDenoiser(schedule, target)
    generator = torch.Generator().manual_seed(0)
    if sampler == "ancestral":
        x = sample_ancestral(oracle, schedule, 16, generator=generator)
    else:
        x = sample_ddim(oracle, schedule, 16, 7, generator=generator)
    assert (x - target).abs().max() < 1e-3


def test_ddim_with_every_step_is_deterministic_given_its_start():
    schedule = NoiseSchedule(T=30)
    seed_everything(0)
    model = Denoiser(T=30, width=16, depth=1).eval()
    first = sample_ddim(model, schedule, 5, 30, generator=torch.Generator().manual_seed(3))
    again = sample_ddim(model, schedule, 5, 30, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, again)


def test_denoiser_shapes_and_time_signature():
    model = Denoiser(T=100, pixels=64, width=32, depth=3)
    out = model(torch.randn(7, 64), torch.randint(0, 101, (7,)))
    assert out.shape == (7, 64)
    assert model.signatures.shape == (101, 32)
    assert len(model.blocks) == 3


def test_training_learns_the_noise_and_is_reproducible():
    """A small denoiser on 32 digits' worth of images lowers its loss well below guessing zero."""
    images = torch.rand(32, 64) * 2 - 1
    losses = []
    for _ in range(2):
        seed_everything(0)
        model = Denoiser(T=50, width=64, depth=1)
        ema, history = train_diffusion(
            model,
            NoiseSchedule(T=50),
            images,
            steps=300,
            batch_size=32,
            keep_steps=(0, 300),
            seed=1,
        )
        losses.append(history["loss"])
    assert losses[0] == losses[1]
    loss = torch.tensor(losses[0])
    assert loss[-50:].mean() < 0.5 * loss[:20].mean()
    assert [step for step, _ in history["kept"]] == [0, 300]
    assert not ema.training and not any(p.requires_grad for p in ema.parameters())


def test_ema_decay_zero_returns_the_trained_weights():
    seed_everything(0)
    model = Denoiser(T=20, width=16, depth=1)
    ema, _ = train_diffusion(
        model, NoiseSchedule(T=20), torch.randn(16, 64), steps=5, batch_size=8, ema_decay=0.0
    )
    for averaged, trained in zip(ema.parameters(), model.parameters(), strict=True):
        assert torch.equal(averaged, trained)


def test_diffusion_loss_of_a_perfect_guess_is_zero():
    schedule = NoiseSchedule(T=100)
    target = torch.linspace(-1, 1, 64)
    loss = diffusion_loss(OracleDenoiser(schedule, target), schedule, target.expand(10, 64))
    assert loss.item() < 1e-8


def test_to_pixels_maps_and_clips():
    assert torch.equal(
        to_pixels(torch.tensor([-3.0, -1.0, 0.0, 1.0, 2.0])), torch.tensor([0, 0, 0.5, 1, 1])
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: NoiseSchedule(T=0), "T must be an integer ≥ 1, got 0"),
        (lambda: NoiseSchedule(beta_1=0.0), "beta_1 and beta_T must satisfy"),
        (lambda: NoiseSchedule(beta_T=1.0), "beta_1 and beta_T must satisfy"),
        (lambda: Denoiser(width=127), "width must be an even integer ≥ 2, got 127"),
        (lambda: Denoiser(depth=-1), "depth must be an integer ≥ 0, got -1"),
        (lambda: Denoiser(pixels=0), "pixels must be an integer ≥ 1, got 0"),
        (
            lambda: Denoiser()(torch.zeros(2, 63), torch.tensor([1, 2])),
            r"x must have shape \(B, 64\)",
        ),
        (
            lambda: Denoiser()(torch.zeros(2, 64), torch.tensor([1.0, 2.0])),
            "t must be a tensor of integer",
        ),
        (
            lambda: Denoiser()(torch.zeros(2, 64), torch.tensor([1, 2, 3])),
            r"t must have shape \(2,\)",
        ),
        (
            lambda: Denoiser()(torch.zeros(2, 64), torch.tensor([-1, 2])),
            r"t must hold integer steps in \[0, 100\]",
        ),
        (
            lambda: sample_ddim(Denoiser(), NoiseSchedule(), 4, 0),
            r"steps must be an integer in \[1, 100\]",
        ),
        (
            lambda: sample_ddim(Denoiser(), NoiseSchedule(), 0, 5),
            "n must be an integer ≥ 1, got 0",
        ),
        (lambda: sample_ancestral(Denoiser(), "schedule", 4), "schedule must be a NoiseSchedule"),
        (
            lambda: train_diffusion(Denoiser(), NoiseSchedule(), torch.zeros(4, 64), steps=0),
            "steps must be an integer ≥ 1, got 0",
        ),
        (
            lambda: train_diffusion(Denoiser(), NoiseSchedule(), torch.zeros(4, 64), steps=1, lr=0),
            "lr must be a number > 0, got 0",
        ),
        (
            lambda: train_diffusion(
                Denoiser(), NoiseSchedule(), torch.zeros(4, 64), steps=1, ema_decay=1.0
            ),
            r"ema_decay must be a number in \[0, 1\), got 1.0",
        ),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"steps": 0}, "steps must be an integer ≥ 1, got 0"),
        ({"width": 511}, "width must be an even integer ≥ 2, got 511"),
        ({"ema_decay": 1.0}, r"ema_decay must be a number in \[0, 1\), got 1.0"),
        ({"beta_1": 0.5, "beta_T": 0.1}, "beta_1 and beta_T must satisfy"),
        ({"fast_steps": 101}, r"fast_steps must be an integer in \[1, 100\] \(T\), got 101"),
        ({"device": "tpu"}, "device must be one of"),
    ],
)
def test_config_checks_itself(fields, message):
    with pytest.raises(ValueError, match=message):
        DiffusionConfig(**fields)


def test_run_diffusion_quick():
    config = DiffusionConfig(
        steps=30, width=16, depth=1, T=20, fast_steps=5, judge_epochs=1, n_samples=50
    )
    out = run_diffusion(config)
    keys = {
        "confidence",
        "class_entropy",
        "nearest_distance",
        "fast_confidence",
        "fast_class_entropy",
        "fast_nearest_distance",
        "real_confidence",
        "real_entropy",
        "real_nearest_distance",
        "parameters",
        "train_seconds",
        "sample_seconds_per_1000",
        "fast_sample_seconds_per_1000",
        "steps",
        "seconds",
    }
    assert keys <= set(out)
    assert out["parameters"] == sum(p.numel() for p in Denoiser(20, 64, 16, 1).parameters())
    assert 0 < out["train_seconds"] < out["seconds"] and out["steps"] == 30
    assert 0.1 <= out["confidence"] <= 1 and 0 <= out["class_entropy"] <= math.log(10) + 1e-6
    assert abs(out["real_nearest_distance"] - 1.071) < 0.001  # the test digits' own yardstick
    assert out["fast_sample_seconds_per_1000"] > 0
