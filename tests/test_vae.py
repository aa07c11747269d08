"""Unit tests of lesson 10's variational autoencoder (lessons.autoencoder) and its full-budget run
(lessons.bench.vae)."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from lessons import seed_everything
from lessons.autoencoder import (
    TAUGHT_IN,
    VAE,
    Autoencoder,
    check_same_shape,
    kl_to_standard_normal,
    vae_loss,
)
from lessons.bench.vae import VAEConfig, run_vae
from lessons.config import field_docs
from lessons.data import load_digits_split


def test_taught_in_names_lesson_10():
    assert {"VAE", "vae_loss", "kl_to_standard_normal"} <= set(TAUGHT_IN)
    assert set(TAUGHT_IN.values()) == {"10-autoencoders"}


@pytest.mark.parametrize(
    ("in_features", "hidden", "code_size"), [(64, (256, 128), 2), (10, (4,), 3), (64, (), 8)]
)
def test_shapes_and_layers(in_features, hidden, code_size):
    vae = VAE(in_features=in_features, hidden=hidden, code_size=code_size)
    x = torch.rand(7, in_features)
    mean, log_var = vae.encode(x)
    assert mean.shape == log_var.shape == (7, code_size)
    x_hat, mean2, log_var2 = vae(x)
    assert x_hat.shape == (7, in_features) and ((x_hat > 0) & (x_hat < 1)).all()
    assert torch.equal(mean, mean2) and torch.equal(log_var, log_var2)
    assert vae.decode(torch.zeros(3, code_size)).shape == (3, in_features)
    # the autoencoder's layers, but the encoder ends in 2 numbers per code number
    plain = Autoencoder(in_features=in_features, hidden=hidden, code_size=code_size)
    last_width = ([in_features, *hidden])[-1]
    extra = last_width * code_size + code_size
    count = sum(p.numel() for p in vae.parameters())
    assert count == sum(p.numel() for p in plain.parameters()) + extra
    assert vae.encoder[-1].out_features == 2 * code_size
    assert [type(m) for m in vae.decoder] == [type(m) for m in plain.decoder]


def test_forward_draws_from_the_encoders_gaussian():
    seed_everything(0)
    vae = VAE(hidden=(32,), code_size=2)
    x = torch.rand(1, 64).expand(20_000, 64)  # one image, many draws
    with torch.no_grad():
        mean, log_var = vae.encode(x[:1])
        codes = []
        original = vae.decode
        vae.decode = lambda z: codes.append(z) or original(z)  # record the drawn codes
        vae(x)
    z = codes[0]
    assert torch.allclose(z.mean(dim=0), mean[0], atol=0.05)
    assert torch.allclose(z.var(dim=0), log_var[0].exp(), rtol=0.05)


def test_gradients_flow_through_the_draw_into_both_heads():
    seed_everything(0)
    vae = VAE(hidden=(16,), code_size=2)
    x = torch.rand(8, 64)
    x_hat, mean, log_var = vae(x)
    reconstruction, kl = vae_loss(x_hat, x, mean, log_var, variance=0.03)
    reconstruction.backward()  # the KL term left out: only the draw links reconstruction to s
    weight = vae.encoder[-1].weight.grad  # (2 * code_size, 16): rows for m, then for ln s²
    assert weight[:2].abs().sum() > 0 and weight[2:].abs().sum() > 0


@pytest.mark.parametrize(("m", "s2"), [(0.0, 1.0), (1.0, 0.25), (-2.0, 0.5), (0.5, 0.01), (3.0, 4)])
def test_kl_closed_form_against_torch_and_monte_carlo(m, s2):
    mean, log_var = torch.tensor([[m]]), torch.tensor([[math.log(s2)]])
    closed = kl_to_standard_normal(mean, log_var).item()
    q, p = Normal(m, math.sqrt(s2)), Normal(0.0, 1.0)
    assert closed == pytest.approx(kl_divergence(q, p).item(), abs=1e-5)
    z = m + math.sqrt(s2) * torch.randn(400_000, generator=torch.Generator().manual_seed(0))
    log_ratio = q.log_prob(z) - p.log_prob(z)
    standard_error = log_ratio.std().item() / math.sqrt(len(z))
    assert abs(closed - log_ratio.mean().item()) < 4 * standard_error + 1e-6


def test_kl_adds_up_over_code_numbers_and_is_zero_only_at_the_prior():
    mean, log_var = torch.tensor([[0.3, -1.0], [0.0, 0.0]]), torch.tensor([[0.1, -2.0], [0.0, 0.0]])
    per_row = kl_to_standard_normal(mean, log_var)
    one_by_one = kl_to_standard_normal(mean[:, :1], log_var[:, :1]) + kl_to_standard_normal(
        mean[:, 1:], log_var[:, 1:]
    )
    assert torch.allclose(per_row, one_by_one)
    assert per_row[0] > 0 and per_row[1] == 0


def test_vae_loss_is_the_gaussian_negative_log_likelihood_plus_kl():
    torch.manual_seed(0)
    x, x_hat = torch.rand(6, 64), torch.rand(6, 64)
    mean, log_var = torch.randn(6, 2), torch.randn(6, 2)
    variance = 0.03
    reconstruction, kl = vae_loss(x_hat, x, mean, log_var, variance=variance)
    nll = -Normal(x_hat, math.sqrt(variance)).log_prob(x).sum(dim=1).mean()
    constant = 32 * math.log(2 * math.pi * variance)  # what the loss leaves out, per image
    assert reconstruction.item() == pytest.approx(nll.item() - constant, rel=1e-5)
    assert kl.item() == pytest.approx(kl_to_standard_normal(mean, log_var).mean().item())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_features": 0}, "in_features must be an integer ≥ 1"),
        ({"hidden": (256, 0)}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": 128}, "hidden must be a sequence of integers ≥ 1"),
        ({"code_size": 0}, "code_size must be an integer ≥ 1"),
        ({"code_size": 2.0}, "code_size must be an integer ≥ 1"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        VAE(**kwargs)


def test_bad_input_and_code_shapes_are_named():
    vae = VAE()
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\)"):
        vae(torch.zeros(3, 63))
    with pytest.raises(ValueError, match=r"z must have shape \(B, 2\)"):
        vae.decode(torch.zeros(3, 4))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x_hat": torch.zeros(4, 63)}, r"x_hat must have the shape of x, \(4, 64\)"),
        ({"x": [0.0] * 64}, "x must be a tensor"),
        ({"x_hat": torch.zeros(64), "x": torch.zeros(64)}, r"x must have shape \(B, in_features\)"),
        ({"log_var": torch.zeros(4, 3)}, r"mean must have the shape of log_var, \(4, 3\)"),
        (
            {"mean": torch.zeros(5, 2), "log_var": torch.zeros(5, 2)},
            r"mean must have shape \(4, code_size\)",
        ),
        ({"variance": 0}, "variance must be a number > 0, got 0"),
        ({"variance": -0.1}, "variance must be a number > 0"),
        ({"variance": True}, "variance must be a number > 0"),
        ({"variance": "0.03"}, "variance must be a number > 0"),
    ],
)
def test_bad_loss_arguments_are_named(change, message):
    arguments = {
        "x_hat": torch.rand(4, 64),
        "x": torch.rand(4, 64),
        "mean": torch.zeros(4, 2),
        "log_var": torch.zeros(4, 2),
        "variance": 0.03,
    }
    with pytest.raises(ValueError, match=message):
        vae_loss(**(arguments | change))


def test_kl_names_mismatched_shapes():
    with pytest.raises(ValueError, match=r"log_var must have the shape of mean, \(4, 2\)"):
        kl_to_standard_normal(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="mean must be a tensor"):
        check_same_shape("log_var", torch.zeros(2), "mean", [0.0, 0.0])


def test_a_short_training_run_lowers_the_loss():
    seed_everything(0)
    x = load_digits_split().X_train[:128]
    vae = VAE(hidden=(64, 32), code_size=2)
    optimizer = torch.optim.Adam(vae.parameters(), lr=3e-3)

    def negative_elbo() -> float:
        with torch.no_grad():
            torch.manual_seed(1)  # the same draws each time we measure
            reconstruction, kl = vae_loss(*_with_target(vae(x), x))
        return (reconstruction + kl).item()

    before = negative_elbo()
    for _ in range(200):
        reconstruction, kl = vae_loss(*_with_target(vae(x), x))
        optimizer.zero_grad()
        (reconstruction + kl).backward()
        optimizer.step()
    after = negative_elbo()
    assert after < 0.4 * before
    with torch.no_grad():
        mean, log_var = vae.encode(x)
    assert kl_to_standard_normal(mean, log_var).mean() > 0.5  # the codes carry information


def _with_target(output, x):
    x_hat, mean, log_var = output
    return x_hat, x, mean, log_var


def test_config_fields_are_documented_and_checked():
    names = {f.name for f in dataclasses.fields(VAEConfig)}
    assert set(field_docs(VAEConfig)) == names
    assert {"seed", "device", "epochs", "n_samples"} <= names
    for bad, message in [
        ({"epochs": 0}, "epochs must be an integer ≥ 1"),
        ({"variance": 0.0}, "variance must be a number > 0"),
        ({"lr": -1.0}, "lr must be a number > 0"),
        ({"hidden": (0,)}, "hidden must be a sequence of integers ≥ 1"),
        ({"weight_decay": -1e-4}, "weight_decay must be a number ≥ 0"),
        ({"n_samples": 0}, "n_samples must be an integer ≥ 1"),
        ({"compare_autoencoder": "yes"}, "compare_autoencoder must be True or False"),
        ({"device": "gpu"}, "device must be one of"),
        ({"seed": -1}, "seed must be an integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            VAEConfig(**bad)


def test_run_vae_at_a_tiny_budget():
    config = VAEConfig(epochs=2, hidden=(16,), judge_epochs=1, n_samples=200)
    result = run_vae(config)
    judged = ("confidence", "class_entropy", "nearest_distance")
    assert set(judged) | {
        f"real_{k}" for k in ("confidence", "entropy", "nearest_distance")
    } <= set(result)
    assert result["real_nearest_distance"] == pytest.approx(1.071, abs=0.01)
    assert result["parameters"] == sum(p.numel() for p in VAE(hidden=(16,)).parameters())
    assert result["train_seconds"] > 0 and result["sample_seconds_per_1000"] > 0
    assert result["seconds"] >= result["train_seconds"]
    assert {f"autoencoder_{key}" for key in judged} <= set(result)


def test_run_vae_is_reproducible_and_can_skip_the_autoencoder():
    config = VAEConfig(
        epochs=1, hidden=(16,), judge_epochs=1, n_samples=100, compare_autoencoder=False
    )
    first, second = run_vae(config), run_vae(config)
    assert "autoencoder_confidence" not in first
    for key in ("confidence", "class_entropy", "nearest_distance", "real_confidence"):
        assert first[key] == second[key]


def test_run_vae_names_a_bad_config():
    with pytest.raises(ValueError, match="config must be a VAEConfig"):
        run_vae({"epochs": 1})  # type: ignore[arg-type]
