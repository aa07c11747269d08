"""Overlapping digits (lesson 13's MultiMNIST, scaled down): the pairs, the score, the losses."""

from __future__ import annotations

import itertools
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lessons.capsules import (
    CapsNet,
    both_found,
    capsule_pair_loss,
    cnn_pair_loss,
    fit_pairs,
    margin_loss,
    overlap_pairs,
)
from lessons.cnn import shift_images


def digits(n: int = 30, side: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """n distinct random images (n, 1, side, side) with labels cycling through the 10 classes."""
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, side, side, generator=g), torch.arange(n) % 10


def test_pairs_have_the_promised_shapes_and_two_different_classes():
    X, y = digits()
    pairs, labels, parts = overlap_pairs(X, y, 50, seed=3)
    assert (
        pairs.shape == (50, 1, 8, 8) and labels.shape == (50, 2) and parts.shape == (50, 2, 1, 8, 8)
    )
    assert (labels[:, 0] != labels[:, 1]).all()
    assert 0 <= pairs.min() and pairs.max() <= 1


def test_the_overlay_is_the_sum_of_the_two_digits_clipped_at_one():
    X, y = digits()
    pairs, _, parts = overlap_pairs(X, y, 40, seed=1)
    assert torch.equal(pairs, (parts[:, 0] + parts[:, 1]).clamp(max=1.0))
    assert (parts.sum(dim=1) > 1).any()  # the clipping is exercised


def test_each_part_is_a_digit_of_its_label_moved_by_at_most_max_shift():
    X, y = digits()
    _, labels, parts = overlap_pairs(X, y, 40, max_shift=1, seed=2)
    moves = list(itertools.product(range(-1, 2), repeat=2))
    for part, label in zip(parts.flatten(0, 1), labels.flatten(), strict=True):
        sources = X[y == label]
        assert any(
            torch.equal(part, shift_images(source, dx, dy))
            for source in sources
            for dx, dy in moves
        )


def test_no_shift_keeps_the_digits_as_they_are():
    X, y = digits()
    _, labels, parts = overlap_pairs(X, y, 20, max_shift=0, seed=0)
    for part, label in zip(parts.flatten(0, 1), labels.flatten(), strict=True):
        assert any(torch.equal(part, source) for source in X[y == label])


def test_the_same_seed_gives_the_same_pairs_and_another_seed_others():
    X, y = digits()
    first, second, third = (overlap_pairs(X, y, 30, seed=s) for s in (7, 7, 8))
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    assert not torch.equal(first[0], third[0])


def test_a_larger_canvas_works_too():
    X, y = digits(side=12)
    pairs, _, parts = overlap_pairs(X, y, 10, max_shift=2, seed=0)
    assert pairs.shape == (10, 1, 12, 12) and parts.shape == (10, 2, 1, 12, 12)


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"images": torch.rand(30, 8, 8)}, "images must have shape (N, 1, S, S)"),
        ({"images": torch.rand(30, 3, 8, 8)}, "images must have shape (N, 1, S, S)"),
        ({"labels": torch.arange(29) % 10}, "labels must have shape (30,)"),
        ({"labels": torch.zeros(30, dtype=torch.long)}, "labels must hold at least two classes"),
        ({"n_pairs": 0}, "n_pairs must be an integer ≥ 1"),
        ({"n_pairs": 2.5}, "n_pairs must be an integer ≥ 1"),
        ({"max_shift": -1}, "max_shift must be an integer ≥ 0"),
        ({"max_shift": 8}, "max_shift must be smaller than the image side 8"),
        ({"seed": -1}, "seed must be an integer in"),
    ],
)
def test_a_bad_argument_is_named(kwargs, names):
    X, y = digits()
    arguments = {"images": X, "labels": y, "n_pairs": 5, "max_shift": 1, "seed": 0} | kwargs
    with pytest.raises(ValueError, match="^" + re.escape(names)):
        overlap_pairs(
            arguments["images"],
            arguments["labels"],
            arguments["n_pairs"],
            max_shift=arguments["max_shift"],
            seed=arguments["seed"],
        )


def test_both_found_counts_a_pair_only_when_its_two_top_scores_are_its_two_classes():
    scores = torch.tensor([[0.9, 0.1, 0.8, 0.0], [0.9, 0.8, 0.1, 0.0], [0.1, 0.2, 0.9, 0.8]])
    y = torch.tensor([[2, 0], [0, 2], [3, 2]])  # right (either order), wrong, right
    assert both_found(scores, y) == pytest.approx(2 / 3)


def test_both_found_agrees_with_comparing_sets():
    g = torch.Generator().manual_seed(0)
    scores = torch.rand(200, 10, generator=g)
    y = torch.stack([torch.randperm(10, generator=g)[:2] for _ in range(200)])
    scores[:100] = scores[:100] + 2 * F.one_hot(y[:100], 10).sum(dim=1)  # the first half is right
    by_sets = [
        set(s.topk(2).indices.tolist()) == set(t.tolist()) for s, t in zip(scores, y, strict=True)
    ]
    assert both_found(scores, y) == pytest.approx(sum(by_sets) / 200)
    assert 0.5 <= both_found(scores, y) < 1


def test_margin_loss_with_two_labels_counts_both_as_present():
    lengths = torch.tensor([[0.95, 0.5, 0.3, 0.05]])
    by_hand = (0.9 - 0.5) ** 2 + 0.5 * (0.3 - 0.1) ** 2  # class 0 long enough, 1 short, 2 wrong
    assert margin_loss(lengths, torch.tensor([[0, 1]])).item() == pytest.approx(by_hand)
    single = torch.tensor([2, 0])
    lengths = torch.rand(2, 4)
    assert torch.allclose(margin_loss(lengths, single[:, None]), margin_loss(lengths, single))


def test_capsule_pair_loss_is_margin_plus_each_digit_rebuilt_from_its_capsule():
    torch.manual_seed(0)
    model = CapsNet(conv_channels=8, primary_types=2, primary_dim=4, digit_dim=4, decoder_hidden=8)
    X, y = digits()
    pairs, labels, parts = overlap_pairs(X, y, 6, seed=0)
    v = model.capsules(pairs)
    expected = margin_loss(v.norm(dim=-1), labels)
    for k in range(2):
        expected = (
            expected
            + 0.1 * ((model.decoder(v, labels[:, k]) - parts[:, k]) ** 2).sum(dim=(1, 2, 3)).mean()
        )
    loss = capsule_pair_loss(model, pairs, labels, parts, weight=0.1)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert model.decoder.net[0].weight.grad.abs().sum() > 0  # the drawings train the decoder


def test_cnn_pair_loss_is_binary_cross_entropy_against_two_ones():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    X, y = digits()
    pairs, labels, parts = overlap_pairs(X, y, 8, seed=0)
    p = torch.sigmoid(model(pairs))
    t = torch.zeros(8, 10)
    t[torch.arange(8)[:, None], labels] = 1.0
    by_hand = -(t * p.log() + (1 - t) * (1 - p).log()).mean()
    assert cnn_pair_loss(model, pairs, labels, parts).item() == pytest.approx(
        by_hand.item(), rel=1e-5
    )


def test_fit_pairs_learns_a_small_set_and_repeats_itself():
    X, y = digits(n=20)
    pairs, labels, parts = overlap_pairs(X, y, 64, max_shift=0, seed=0)

    def trained() -> nn.Module:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
        fit_pairs(model, cnn_pair_loss, pairs, labels, parts, epochs=60, lr=0.05, batch_size=16)
        return model

    first, second = trained(), trained()
    with torch.no_grad():
        assert both_found(first(pairs), labels) > 0.9  # far above guessing (1 in 45)
        assert torch.equal(first(pairs), second(pairs))


def test_fit_pairs_names_a_bad_argument():
    X, y = digits()
    pairs, labels, parts = overlap_pairs(X, y, 4, seed=0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    with pytest.raises(ValueError, match="^epochs must be an integer ≥ 1"):
        fit_pairs(model, cnn_pair_loss, pairs, labels, parts, epochs=0, lr=0.1)
    with pytest.raises(ValueError, match="^batch_size must be an integer ≥ 1"):
        fit_pairs(model, cnn_pair_loss, pairs, labels, parts, epochs=1, lr=0.1, batch_size=0)
