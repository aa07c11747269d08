"""Unit tests of lessons.autoencoder."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lessons import seed_everything
from lessons.autoencoder import TAUGHT_IN, Autoencoder
from lessons.data import load_digits_split


def test_taught_in_names_lesson_10():
    assert TAUGHT_IN["Autoencoder"] == "10-autoencoders"  # with the VAE's names (tests/test_vae.py)
    assert set(TAUGHT_IN.values()) == {"10-autoencoders"}


def linear_widths(module: nn.Sequential) -> list[int]:
    linears = [m for m in module if isinstance(m, nn.Linear)]
    return [linears[0].in_features] + [m.out_features for m in linears]


@pytest.mark.parametrize(
    ("in_features", "hidden", "code_size"),
    [(64, (256, 128), 2), (10, (4,), 2), (64, (), 8), (64, [32, 16, 8], 3)],
)
def test_layers_mirror_and_shapes(in_features, hidden, code_size):
    model = Autoencoder(in_features=in_features, hidden=hidden, code_size=code_size)
    widths = [in_features, *hidden, code_size]
    assert linear_widths(model.encoder) == widths
    assert linear_widths(model.decoder) == widths[::-1]
    assert not isinstance(model.encoder[-1], nn.ReLU)  # the code has no activation
    assert isinstance(model.decoder[-1], nn.Sigmoid)
    x = torch.rand(7, in_features)
    z = model.encode(x)
    assert z.shape == (7, code_size)
    assert model.decode(z).shape == (7, in_features)
    assert torch.equal(model(x), model.decode(model.encode(x)))
    pairs = list(zip(widths[:-1], widths[1:], strict=True))
    encoder_params = sum(a * b + b for a, b in pairs)
    decoder_params = sum(a * b + a for a, b in pairs)  # the same layers, run backwards
    assert sum(p.numel() for p in model.parameters()) == encoder_params + decoder_params


def test_defaults_are_64_256_128_2():
    model = Autoencoder()
    assert linear_widths(model.encoder) == [64, 256, 128, 2]
    assert linear_widths(model.decoder) == [2, 128, 256, 64]
    assert sum(p.numel() for p in model.parameters()) == 99_650


def test_outputs_are_in_the_unit_interval_and_codes_may_be_negative():
    seed_everything(0)
    model = Autoencoder()
    out = model.decode(100 * torch.randn(50, 2))  # far from any training code
    assert ((out >= 0) & (out <= 1)).all()
    assert (model.encode(torch.rand(50, 64)) < 0).any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_features": 0}, "in_features must be an integer ≥ 1"),
        ({"in_features": True}, "in_features must be an integer ≥ 1"),
        ({"in_features": 64.0}, "in_features must be an integer ≥ 1"),
        ({"hidden": (256, 0)}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": 256}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": "256"}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": (2.5,)}, "hidden must be a sequence of integers ≥ 1"),
        ({"code_size": 0}, "code_size must be an integer ≥ 1"),
        ({"code_size": 2.0}, "code_size must be an integer ≥ 1"),
        ({"code_size": False}, "code_size must be an integer ≥ 1"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder(**kwargs)


@pytest.mark.parametrize("shape", [(4, 63), (4,), (2, 4, 64)])
def test_bad_input_shape_is_named(shape):
    model = Autoencoder()
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\)"):
        model.encode(torch.zeros(shape))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\)"):
        model(torch.zeros(shape))


@pytest.mark.parametrize("shape", [(4, 3), (4,), (4, 64)])
def test_bad_code_shape_is_named(shape):
    with pytest.raises(ValueError, match=r"z must have shape \(B, 2\)"):
        Autoencoder().decode(torch.zeros(shape))


def test_overfits_one_small_batch():
    seed_everything(0)
    x = load_digits_split().X_train[:16]  # sixteen real digits
    baseline = F.mse_loss(x.mean(dim=0).expand_as(x), x).item()  # always draw the mean image
    model = Autoencoder(hidden=(64, 32), code_size=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.01 and loss.item() < 0.1 * baseline
