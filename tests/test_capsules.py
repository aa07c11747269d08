"""Unit tests of lessons.capsules: squash, routing, the capsule network and its full-budget run."""

from __future__ import annotations

import dataclasses
import typing

import pytest
import torch

from lessons import seed_everything
from lessons.bench.capsules import CapsNetConfig, run_capsnet
from lessons.capsules import (
    TAUGHT_IN,
    CapsNet,
    Decoder,
    DigitCapsules,
    PrimaryCapsules,
    fit_capsnet,
    margin_loss,
    route,
    squash,
)


def test_taught_in_names_lesson_13():
    assert set(TAUGHT_IN.values()) == {"13-capsule-networks"}
    assert "CapsNet" in TAUGHT_IN and "route" in TAUGHT_IN


def test_squash_keeps_direction_and_bounds_length():
    torch.manual_seed(0)
    s = torch.randn(500, 16) * torch.logspace(-3, 2, 500)[:, None]
    v = squash(s)
    norm_s, norm_v = s.norm(dim=-1), v.norm(dim=-1)
    assert (norm_v < 1).all()
    assert torch.allclose(norm_v, norm_s**2 / (1 + norm_s**2), atol=1e-6)
    assert torch.allclose(torch.nn.functional.cosine_similarity(s, v, dim=-1), torch.ones(500))
    assert torch.equal(squash(torch.zeros(2, 3)), torch.zeros(2, 3))


def test_squash_along_another_axis():
    s = torch.randn(4, 8, 5)
    assert torch.allclose(squash(s, dim=1), squash(s.transpose(1, 2)).transpose(1, 2))


@pytest.mark.parametrize("iterations", [1, 2, 3, 5])
def test_coupling_sums_to_one_over_parents(iterations):
    torch.manual_seed(0)
    v, c = route(torch.randn(3, 20, 6, 4), iterations)
    assert v.shape == (3, 6, 4) and c.shape == (3, 20, 6)
    assert torch.allclose(c.sum(dim=-1), torch.ones(3, 20), atol=1e-6)
    assert (c > 0).all()


def test_one_round_squashes_the_plain_sum_over_k():
    torch.manual_seed(0)
    u_hat = torch.randn(2, 12, 5, 4)
    v, c = route(u_hat, 1)
    assert torch.allclose(v, squash(u_hat.sum(dim=1) / 5))  # every child sends 1/5 to each parent
    assert torch.allclose(c, torch.full_like(c, 0.2))


def test_routing_favours_agreeing_votes():
    agree = torch.tensor([[2.0, 1.0], [1.9, 1.1], [2.1, 0.9]])
    scatter = torch.tensor([[2.0, -1.0], [-1.5, 1.5], [-0.5, -2.0]])
    v, c = route(torch.stack([agree, scatter], dim=1)[None], 3)
    assert (c[0, :, 0] > 0.9).all() and v[0, 0].norm() > v[0, 1].norm()


def test_gradients_flow_through_the_last_round_only():
    """Our shortcut (the authors' TensorFlow code back-propagates through every round)."""
    torch.manual_seed(0)
    u_hat = torch.randn(1, 4, 3, 2, requires_grad=True)
    v, c = route(u_hat, 3)
    v.sum().backward()
    # the earlier rounds only choose c: the gradient is that of the last round with c held fixed
    last_round = squash((c.detach().unsqueeze(-1) * u_hat).sum(dim=1)).sum()
    expected = torch.autograd.grad(last_round, u_hat)[0]
    assert torch.allclose(u_hat.grad, expected, atol=1e-6)


def test_multiply_adds_counted_by_hand_match_pytorchs_counter():
    """Lesson 13 counts multiply-adds from the shapes; FlopCounterMode counts 2 FLOPs for each."""
    from torch.utils.flop_counter import FlopCounterMode

    def flops(function, *args):
        with FlopCounterMode(display=False) as counter:
            function(*args)
        return counter.get_total_flops()

    model = CapsNet()
    x = torch.rand(1, 1, 8, 8)
    with torch.no_grad():
        maps = model.conv(x)
        u = model.primary(maps)
        u_hat = torch.einsum("ijdk,bik->bijd", model.digits.W, u)
        v, _ = route(u_hat, 3)
        assert flops(model.conv, x) == 2 * 128 * 1 * 3 * 3 * 8 * 8
        assert flops(model.primary, maps) == 2 * 128 * 128 * 3 * 3 * 4 * 4
        assert flops(torch.einsum, "ijdk,bik->bijd", model.digits.W, u) == 2 * 256 * 10 * 16 * 8
        for rounds in (1, 2, 3):
            assert flops(route, u_hat, rounds) == 2 * (2 * rounds - 1) * 256 * 10 * 16
        decoder = 160 * 256 + 256 * 512 + 512 * 64
        assert flops(model.decoder, v, torch.tensor([0])) == 2 * decoder


def test_shapes_through_the_blocks():
    seed_everything(0)
    x = torch.rand(4, 1, 8, 8)
    model = CapsNet()
    u = model.primary(model.conv(x))
    v, c = model.digits(u)
    assert u.shape == (4, 256, 8) and v.shape == (4, 10, 16) and c.shape == (4, 256, 10)
    assert model(x).shape == (4, 10) and torch.allclose(model(x), v.norm(dim=-1))
    images = model.decoder(v, torch.tensor([0, 1, 2, 3]))
    assert images.shape == (4, 1, 8, 8) and ((images > 0) & (images < 1)).all()
    small = CapsNet(conv_channels=8, primary_types=4, primary_dim=4, digit_dim=6, n_classes=3)
    assert small.capsules(x).shape == (4, 3, 6)


def test_primary_capsules_group_channels_by_place():
    layer = PrimaryCapsules(in_channels=2, n_types=3, dim=4)
    x = torch.randn(2, 2, 8, 8)
    out = layer(x)
    raw = layer.conv(x)  # (2, 12, 4, 4)
    assert out.shape == (2, 3 * 16, 4)
    # capsule of type 1 at place (2, 3) is channels 4..7 at that place, squashed
    assert torch.allclose(out[:, 1 * 16 + 2 * 4 + 3], squash(raw[:, 4:8, 2, 3]), atol=1e-6)


def test_decoder_sees_only_the_chosen_capsule():
    torch.manual_seed(0)
    decoder = Decoder(n_classes=3, dim=4, hidden=8)
    v = torch.randn(2, 3, 4)
    other = v.clone()
    other[:, 1:] = torch.randn(2, 2, 4)  # change every capsule but class 0's
    y = torch.zeros(2, dtype=torch.long)
    assert torch.equal(decoder(v, y), decoder(other, y))


def test_margin_loss_by_hand():
    lengths = torch.tensor([[0.5, 0.3, 0.05], [0.95, 0.0, 0.2]])
    y = torch.tensor([0, 0])
    first = (0.9 - 0.5) ** 2 + 0.5 * (0.3 - 0.1) ** 2
    second = 0.5 * (0.2 - 0.1) ** 2
    assert margin_loss(lengths, y).item() == pytest.approx((first + second) / 2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DigitCapsules(iterations=0), "iterations must be an integer ≥ 1"),
        (lambda: DigitCapsules(n_in=2.5), "n_in must be an integer ≥ 1"),
        (lambda: PrimaryCapsules(dim=1), "dim must be an integer ≥ 2"),
        (lambda: Decoder(hidden=True), "hidden must be an integer ≥ 1"),
        (lambda: CapsNet(n_classes=1), "n_classes must be an integer ≥ 2"),
        (lambda: CapsNet(conv_channels=0), "conv_channels must be an integer ≥ 1"),
        (lambda: route(torch.zeros(1, 2, 3, 4), 0), "iterations must be an integer"),
        (lambda: route(torch.zeros(2, 3, 4), 1), r"u_hat must have shape \(B, n_in, n_out, d\)"),
        (lambda: CapsNet()(torch.zeros(3, 64)), r"x must have shape \(B, 1, 8, 8\)"),
        (lambda: DigitCapsules()(torch.zeros(3, 256, 4)), r"u must have shape \(B, 256, 8\)"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_overfits_one_batch():
    seed_everything(0)
    model = CapsNet(conv_channels=16, primary_types=4, iterations=3)
    x, y = torch.rand(16, 1, 8, 8), torch.arange(16) % 10
    losses = fit_capsnet(model, x, y, epochs=40, lr=2e-2, batch_size=16, seed=0)
    assert losses[-1] < 0.1 * losses[0]
    assert (model(x).argmax(dim=1) == y).all()


def test_fit_with_shifts_and_callback():
    seed_everything(0)
    seen = []
    model = CapsNet(conv_channels=8, primary_types=2)
    fit_capsnet(
        model, torch.rand(8, 1, 8, 8), torch.arange(8), epochs=2, max_shift=1, on_epoch=seen.append
    )
    assert len(seen) == 2
    with pytest.raises(ValueError, match="max_shift must be an integer ≥ 0"):
        fit_capsnet(model, torch.rand(8, 1, 8, 8), torch.arange(8), epochs=1, max_shift=-1)


def test_config_fields_are_documented_and_frozen():
    hints = typing.get_type_hints(CapsNetConfig)
    names = [f.name for f in dataclasses.fields(CapsNetConfig)]
    assert {"epochs", "seed", "device"} <= set(names)
    assert hints["seed"] is int and hints["device"] is str
    with pytest.raises(dataclasses.FrozenInstanceError):
        CapsNetConfig().epochs = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer ≥ 1, got 0"),
        ({"iterations": 0}, "iterations must be an integer ≥ 1, got 0"),
        ({"lr": 0.0}, "lr must be a number > 0, got 0.0"),
        ({"seed": -1}, r"seed must be an integer in \[0, 2\*\*32 - 1\]"),
        ({"max_shift": -1}, "max_shift must be an integer ≥ 0, got -1"),
        ({"reconstruction_weight": -1.0}, "reconstruction_weight must be a number ≥ 0"),
        ({"device": "tpu"}, "device must be one of"),
    ],
)
def test_config_checks_itself_when_built(change, message):
    with pytest.raises(ValueError, match=message):
        CapsNetConfig(**change)


def test_run_at_a_tiny_budget():
    config = CapsNetConfig(epochs=1, conv_channels=8, primary_types=2, iterations=1)
    result = run_capsnet(config)
    assert set(result) == {"test_accuracy", "epochs", "train_seconds"}
    assert result["epochs"] == 1 and 0.0 <= result["test_accuracy"] <= 1.0


def test_run_capsnet_refuses_another_config():
    with pytest.raises(ValueError, match="config must be a CapsNetConfig, got dict"):
        run_capsnet({"epochs": 1})
