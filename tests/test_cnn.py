"""Unit tests of lessons.cnn: the LeNet-style CNN of lesson 8 and the shift helper."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lessons import seed_everything
from lessons.cnn import CNN, TAUGHT_IN, shift_images


def test_taught_in_names_lesson_8():
    assert TAUGHT_IN == {"CNN": "08-convolutional-networks"}


@pytest.mark.parametrize(
    ("kwargs", "shape", "final"),
    [
        ({}, (7, 1, 8, 8), 2),
        ({"channels": (4,)}, (3, 1, 8, 8), 8),
        ({"channels": (4, 4, 4, 4)}, (2, 1, 8, 8), 1),
        (
            {"in_channels": 3, "image_size": 16, "channels": (8, 16), "n_classes": 5},
            (2, 3, 16, 16),
            8,
        ),
    ],
)
def test_shapes_and_parameter_count(kwargs, shape, final):
    model = CNN(**kwargs)
    n_classes = kwargs.get("n_classes", 10)
    assert model(torch.randn(shape)).shape == (shape[0], n_classes)
    features = model.features(torch.randn(shape))
    channels = kwargs.get("channels", (32, 64, 128))
    assert features.shape == (shape[0], channels[-1], final, final)
    widths = [shape[1], *channels]
    convs = sum(a * b * 9 for a, b in zip(widths[:-1], widths[1:], strict=True))  # no conv bias
    norms = 2 * sum(channels)  # gamma and beta per channel
    hidden = kwargs.get("hidden", 128)
    head = channels[-1] * final * final * hidden + hidden + hidden * n_classes + n_classes
    assert sum(p.numel() for p in model.parameters()) == convs + norms + head


def test_default_model_size():
    assert sum(p.numel() for p in CNN().parameters()) == 159_850


def test_first_layer_is_a_convolution_of_the_input():
    torch.manual_seed(0)
    model = CNN()
    x = torch.randn(4, 1, 8, 8)
    conv = model.features[0]
    assert isinstance(conv, nn.Conv2d)
    assert torch.allclose(conv(x), F.conv2d(x, conv.weight, padding=1), atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_channels": 0}, "in_channels must be an integer ≥ 1"),
        ({"image_size": 8.0}, "image_size must be an integer ≥ 1"),
        ({"hidden": True}, "hidden must be an integer ≥ 1"),
        ({"n_classes": 1}, "n_classes must be an integer ≥ 2"),
        ({"channels": ()}, "channels must be a non-empty sequence of integers ≥ 1"),
        ({"channels": 32}, "channels must be a non-empty sequence of integers ≥ 1"),
        ({"channels": (32, 0)}, "channels must be a non-empty sequence of integers ≥ 1"),
        ({"channels": (8,) * 5}, r"image_size must be divisible by 2\*\*4 for 5 blocks"),
        ({"image_size": 6, "channels": (8, 8, 8)}, r"image_size must be divisible by 2\*\*2"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CNN(**kwargs)


@pytest.mark.parametrize("shape", [(4, 64), (4, 8, 8), (4, 2, 8, 8), (4, 1, 7, 8), (1, 4, 1, 8, 8)])
def test_bad_input_shape_is_named(shape):
    with pytest.raises(ValueError, match=r"x must have shape \(B, 1, 8, 8\)"):
        CNN()(torch.zeros(shape))


def test_overfits_one_small_batch(fit_one_batch):
    seed_everything(0)
    model = CNN(channels=(8, 16, 16), hidden=32)
    x, y = torch.rand(16, 1, 8, 8), torch.arange(16) % 10  # random images, arbitrary labels
    assert fit_one_batch(model, x, y, steps=150) < 1e-2
    assert torch.equal(model(x).argmax(dim=1), y)


@pytest.mark.parametrize(("dx", "dy"), [(0, 0), (1, 0), (-2, 0), (0, 3), (1, -1), (-3, 2)])
def test_shift_matches_roll_with_zeroed_edges(dx, dy):
    images = torch.rand(5, 6, 7)
    rolled = torch.roll(images, shifts=(dy, dx), dims=(-2, -1))
    if dy > 0:
        rolled[..., :dy, :] = 0
    elif dy < 0:
        rolled[..., dy:, :] = 0
    if dx > 0:
        rolled[..., :dx] = 0
    elif dx < 0:
        rolled[..., dx:] = 0
    shifted = shift_images(images, dx, dy)
    assert shifted.shape == images.shape
    assert torch.equal(shifted, rolled)


def test_shift_past_the_edge_is_blank_and_keeps_input():
    images = torch.rand(2, 1, 8, 8)
    copy = images.clone()
    assert torch.equal(shift_images(images, 8, 0), torch.zeros_like(images))
    assert torch.equal(shift_images(images, 0, -9), torch.zeros_like(images))
    shift_images(images, 1, 1)
    assert torch.equal(images, copy)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((torch.zeros(3, 3), 1.0, 0), "dx must be an integer number of pixels"),
        ((torch.zeros(3, 3), 0, True), "dy must be an integer number of pixels"),
        ((torch.zeros(3), 1, 0), r"images must have shape \(\.\.\., H, W\)"),
    ],
)
def test_shift_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        shift_images(*args)
