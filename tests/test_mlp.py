"""Unit tests of lessons.mlp and of the plotting helpers lesson 7 added to lessons.plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from lessons import seed_everything
from lessons.mlp import MLP
from lessons.plot import confusion_matrix, show_confusion, show_digits


@pytest.mark.parametrize(
    ("hidden", "widths"),
    [((256, 256), [64, 256, 256, 10]), ((32,), [64, 32, 10]), ((), [64, 10]), ([8, 4, 2], None)],
)
def test_layers_and_shapes(hidden, widths):
    model = MLP(in_features=64, hidden=hidden, n_classes=10)
    linears = [m for m in model.layers if isinstance(m, nn.Linear)]
    expected = widths or [64, *hidden, 10]
    assert [m.in_features for m in linears] == expected[:-1]
    assert [m.out_features for m in linears] == expected[1:]
    assert model(torch.randn(7, 64)).shape == (7, 10)
    n_params = sum(a * b + b for a, b in zip(expected[:-1], expected[1:], strict=True))
    assert sum(p.numel() for p in model.parameters()) == n_params


def test_forward_is_the_matrix_products():
    torch.manual_seed(0)
    model = MLP(in_features=5, hidden=(4, 3), n_classes=2)
    first, second, last = (m for m in model.layers if isinstance(m, nn.Linear))
    x = torch.randn(6, 5)
    h1 = torch.relu(x @ first.weight.T + first.bias)
    h2 = torch.relu(h1 @ second.weight.T + second.bias)
    assert torch.allclose(model(x), h2 @ last.weight.T + last.bias, atol=1e-6)


def test_dropout_is_active_only_in_training():
    torch.manual_seed(0)
    model = MLP(hidden=(64,), dropout=0.5)
    assert any(isinstance(m, nn.Dropout) for m in model.layers)
    assert not any(isinstance(m, nn.Dropout) for m in MLP(hidden=(64,)).layers)
    x = torch.rand(4, 64)
    model.train()
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_features": 0}, "in_features must be an integer ≥ 1"),
        ({"in_features": 64.0}, "in_features must be an integer ≥ 1"),
        ({"hidden": (256, 0)}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": 256}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": (2.5,)}, "hidden must be a sequence of integers ≥ 1"),
        ({"hidden": "256"}, "hidden must be a sequence of integers ≥ 1"),
        ({"n_classes": 1}, "n_classes must be an integer ≥ 2"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\)"),
        ({"dropout": -0.1}, r"dropout must be a number in \[0, 1\)"),
        ({"dropout": "0.1"}, r"dropout must be a number in \[0, 1\)"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


@pytest.mark.parametrize("shape", [(4, 63), (4,), (2, 4, 64)])
def test_bad_input_shape_is_named(shape):
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\)"):
        MLP()(torch.zeros(shape))


def test_overfits_one_small_batch(fit_one_batch):
    seed_everything(0)
    model = MLP(hidden=(64, 64))
    x, y = torch.rand(16, 64), torch.arange(16) % 10  # random images, arbitrary labels
    assert fit_one_batch(model, x, y, steps=200) < 1e-2
    assert torch.equal(model(x).argmax(dim=1), y)


def test_confusion_matrix_counts_pairs():
    y_true = torch.tensor([0, 0, 1, 2, 2, 2])
    y_pred = torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(y_true, y_pred, n_classes=4)
    assert matrix.shape == (4, 4) and matrix.dtype == torch.int64
    assert matrix.sum() == 6 and matrix.trace() == 4
    assert matrix[0, 1] == 1 and matrix[2, 0] == 1 and matrix[3].sum() == 0


@pytest.mark.parametrize(
    ("y_true", "y_pred", "n_classes", "message"),
    [
        ([0, 1], [0, 1], 0, "n_classes must be an integer ≥ 1"),
        ([0, 1], [0, 5], 3, r"y_pred must hold integer labels in \[0, 3\)"),
        ([0.0, 1.0], [0, 1], 3, "y_true must be a 1-D tensor of integer labels"),
        ([[0, 1]], [0, 1], 3, "y_true must be a 1-D tensor of integer labels"),
        ([0, 1, 2], [0, 1], 3, "y_true and y_pred must have the same length"),
    ],
)
def test_confusion_matrix_bad_arguments(y_true, y_pred, n_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(torch.tensor(y_true), torch.tensor(y_pred), n_classes)


def test_show_confusion_and_show_digits_draw():
    ax = show_confusion(torch.tensor([[3, 0, 1], [0, 2, 0], [0, 0, 4]]))
    assert [t.get_text() for t in ax.texts] == ["3", "1", "2", "4"]
    fig = show_digits(torch.rand(12, 8, 8), torch.arange(12) % 10, ncols=5)
    assert len(fig.axes) == 12 and fig.axes[3].get_title() == "3"
    plt.close("all")
    with pytest.raises(ValueError, match="labels must have one entry per image"):
        show_digits(torch.rand(3, 64), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="ncols must be an integer ≥ 1"):
        show_digits(torch.rand(3, 64), ncols=0)
