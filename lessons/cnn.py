"""Convolutional networks for small images, taught in lesson 8.

A LeNet-style network: a stack of convolution blocks (convolution, batch normalisation, ReLU, and,
after the first block, 2×2 max pooling), then a small fully connected head that returns one logit
per class. Built for the 1×8×8 digits, but the sizes are arguments.

>>> import torch
>>> model = CNN(channels=(32, 64, 128), hidden=128, n_classes=10)
>>> tuple(model(torch.zeros(5, 1, 8, 8)).shape)
(5, 10)
>>> sum(p.numel() for p in model.parameters())  # convs 92,448, BN 448, head 66,954
159850
>>> model(torch.zeros(5, 64))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 1, 8, 8), got (5, 64)
>>> CNN(channels=(8, 8, 8, 8, 8))
Traceback (most recent call last):
...
ValueError: image_size must be divisible by 2**4 for 5 blocks of channels, got 8
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import check_int_argument, check_layer_widths

TAUGHT_IN = {"CNN": "08-convolutional-networks"}


def check_cnn_arguments(
    in_channels: int, image_size: int, channels: Sequence[int], hidden: int, n_classes: int
) -> None:
    """Raise a ValueError that names the first bad argument of ``CNN``.

    >>> check_cnn_arguments(1, 8, (32, 64, 128), 128, 10)
    >>> check_cnn_arguments(1, 8, (8, 8, 8, 8, 8), 128, 10)
    Traceback (most recent call last):
    ...
    ValueError: image_size must be divisible by 2**4 for 5 blocks of channels, got 8
    """
    check_int_argument("in_channels", in_channels)
    check_int_argument("image_size", image_size)
    check_int_argument("hidden", hidden)
    check_int_argument("n_classes", n_classes, least=2)
    check_layer_widths("channels", channels, nonempty=True)
    if image_size % 2 ** (len(channels) - 1) != 0:  # each block after the first halves it
        raise ValueError(
            f"image_size must be divisible by 2**{len(channels) - 1} for {len(channels)} "
            f"blocks of channels, got {image_size}"
        )


class CNN(nn.Module):
    """A convolutional network from images (B, C_in, S, S) to class logits (B, n_classes).

    Each width in ``channels`` adds one block: a 3×3 convolution with padding 1 (the size stays),
    batch normalisation, ReLU, and, in every block after the first, 2×2 max pooling (the size
    halves). The head flattens the last feature maps and applies Linear, ReLU, Linear.
    """

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 8,
        channels: Sequence[int] = (32, 64, 128),
        hidden: int = 128,
        n_classes: int = 10,
    ) -> None:
        super().__init__()
        check_cnn_arguments(in_channels, image_size, channels, hidden, n_classes)  # names a bad one
        self.in_channels = in_channels
        self.image_size = image_size
        blocks: list[nn.Module] = []
        width = in_channels
        for i, c in enumerate(channels):
            conv = nn.Conv2d(width, c, kernel_size=3, padding=1, bias=False)  # BN adds the bias
            blocks += [conv, nn.BatchNorm2d(c), nn.ReLU()]
            if i > 0:
                blocks.append(nn.MaxPool2d(2))  # short sight: keep the strongest of each 2x2
            width = c
        self.features = nn.Sequential(*blocks)
        final = image_size // 2 ** (len(channels) - 1)  # side of the last feature maps
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(width * final * final, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),  # no activation: logits for cross-entropy
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images (B, in_channels, image_size, image_size) to logits (B, n_classes)."""
        expected = (self.in_channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"x must have shape (B, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        return self.head(self.features(x))  # (B, C, S, S) -> (B, C_last, s, s) -> (B, n_classes)


def shift_images(images: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Move images ``dx`` pixels right and ``dy`` pixels down, filling the uncovered edge with 0.

    ``images`` is ``(..., H, W)``; the result has the same shape. Negative ``dx`` moves left,
    negative ``dy`` moves up; what slides past the edge is lost.

    >>> image = torch.arange(1.0, 10.0).reshape(3, 3)
    >>> shift_images(image, dx=1, dy=0)
    tensor([[0., 1., 2.],
            [0., 4., 5.],
            [0., 7., 8.]])
    >>> shift_images(image, dx=-1, dy=2)
    tensor([[0., 0., 0.],
            [0., 0., 0.],
            [2., 3., 0.]])
    >>> shift_images(image, dx=0.5, dy=0)
    Traceback (most recent call last):
    ...
    ValueError: dx must be an integer number of pixels, got 0.5
    """
    for name, value in (("dx", dx), ("dy", dy)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer number of pixels, got {value!r}")
    images = torch.as_tensor(images)
    if images.ndim < 2:
        raise ValueError(f"images must have shape (..., H, W), got {tuple(images.shape)}")
    H, W = images.shape[-2:]
    shifted = torch.zeros_like(images)
    if abs(dx) >= W or abs(dy) >= H:
        return shifted  # everything slid out of the picture
    # the source rows/columns that stay inside, and where they land
    src_y, dst_y = slice(max(0, -dy), H - max(0, dy)), slice(max(0, dy), H - max(0, -dy))
    src_x, dst_x = slice(max(0, -dx), W - max(0, dx)), slice(max(0, dx), W - max(0, -dx))
    shifted[..., dst_y, dst_x] = images[..., src_y, src_x]
    return shifted


# Full-budget run: what `python -m lessons run cnn` trains (lesson 8's page uses a short one).


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    *,
    shift: float = 1.0,
    degrees: float = 12.0,
    scale: float = 0.1,
) -> torch.Tensor:
    """Move, turn and resize each image at random: a new, plausible copy of the same digit.

    ``images`` is ``(B, C, H, W)``. Each image is shifted by up to ``shift`` pixels along each
    axis, rotated by up to ``degrees`` either way and scaled by a factor in ``1 ± scale``, all drawn
    uniformly from ``generator``; pixels are interpolated bilinearly and the uncovered edge is 0.

    >>> g = torch.Generator().manual_seed(0)
    >>> image = torch.zeros(1, 1, 8, 8); image[..., 2:6, 3:5] = 1.0
    >>> moved = random_affine(image, g)
    >>> moved.shape == image.shape, bool(moved.ne(image).any())
    (True, True)
    >>> torch.equal(random_affine(image, g, shift=0, degrees=0, scale=0), image)  # the identity
    True
    """
    B, _, H, W = images.shape
    uniform = lambda *size: 2 * torch.rand(*size, generator=generator) - 1  # noqa: E731  U(-1, 1)
    angle = uniform(B) * math.radians(degrees)
    zoom = 1 + uniform(B) * scale
    # affine_grid works in coordinates where the image spans [-1, 1]: one pixel is 2 / W wide
    offset = uniform(B, 2) * shift * torch.tensor([2 / W, 2 / H])
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom  # the map from output to input
    theta = torch.stack(
        [torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1
    ).to(images.device)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)  # (B, H, W, 2)
    return F.grid_sample(images, grid, align_corners=False)
