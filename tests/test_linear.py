"""Unit tests of lessons.linear: shapes, the p - y gradient, bad arguments, learning the digits."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lessons import seed_everything
from lessons.data import load_digits_split
from lessons.linear import TAUGHT_IN, SoftmaxRegression
from lessons.train import accuracy, fit


def test_taught_in_names_lesson_5():
    assert TAUGHT_IN == {"SoftmaxRegression": "05-logistic-softmax-regression"}


def test_forward_maps_features_to_logits():
    model = SoftmaxRegression(in_features=7, n_classes=3)
    logits = model(torch.randn(4, 7))
    assert logits.shape == (4, 3)
    assert model.linear.weight.shape == (3, 7) and model.linear.bias.shape == (3,)
    x = torch.randn(2, 7)
    expected = x @ model.linear.weight.T + model.linear.bias
    assert torch.allclose(model(x), expected, atol=1e-6)


def test_softmax_cross_entropy_gradient_is_p_minus_y():
    torch.manual_seed(0)
    model = SoftmaxRegression(in_features=5, n_classes=4).double()
    x = torch.randn(8, 5, dtype=torch.float64)
    y = torch.randint(0, 4, (8,))
    logits = model(x)
    logits.retain_grad()
    F.cross_entropy(logits, y).backward()
    p_minus_y = (torch.softmax(logits.detach(), dim=1) - F.one_hot(y, 4).double()) / len(y)
    assert torch.allclose(logits.grad, p_minus_y, atol=1e-12)
    assert torch.allclose(model.linear.weight.grad, p_minus_y.T @ x, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_features": 0, "n_classes": 3}, "in_features must be an integer ≥ 1"),
        ({"in_features": 2.0, "n_classes": 3}, "in_features must be an integer ≥ 1"),
        ({"in_features": True, "n_classes": 3}, "in_features must be an integer ≥ 1"),
        ({"in_features": 2, "n_classes": 1}, "n_classes must be an integer ≥ 2"),
        ({"in_features": 2, "n_classes": "10"}, "n_classes must be an integer ≥ 2"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxRegression(**kwargs)


@pytest.mark.parametrize("shape", [(4, 6), (4,), (2, 4, 5)])
def test_bad_input_shape_is_named(shape):
    model = SoftmaxRegression(in_features=5, n_classes=3)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 5\)"):
        model(torch.zeros(shape))


def test_learns_the_digits():
    split = load_digits_split()
    seed_everything(0)
    model = SoftmaxRegression(in_features=64, n_classes=10)
    fit(model, split.X_train, split.y_train, epochs=20, lr=0.2, batch_size=64, seed=0)
    assert accuracy(model, split.X_test, split.y_test) > 0.96  # the page says "over 96 %"
