"""Autoencoders: squeeze an input through a narrow code and rebuild it, taught in lesson 10.

An autoencoder is two networks in a row. The **encoder** maps an input of ``in_features`` numbers to
a short **code** of ``code_size`` numbers; the **decoder** maps the code back to ``in_features``
numbers in (0, 1) (a sigmoid at the end, to match pixels scaled to [0, 1]). Trained to reproduce its
input, it must keep in the code what matters most about the input.

>>> import torch
>>> model = Autoencoder(in_features=64, hidden=(256, 128), code_size=2)
>>> x = torch.rand(5, 64)
>>> tuple(model.encode(x).shape), tuple(model(x).shape)
((5, 2), (5, 64))
>>> [m.out_features for m in model.encoder if isinstance(m, torch.nn.Linear)]
[256, 128, 2]
>>> [m.out_features for m in model.decoder if isinstance(m, torch.nn.Linear)]
[128, 256, 64]
>>> bool(((model(x) > 0) & (model(x) < 1)).all())
True
>>> Autoencoder(code_size=0)
Traceback (most recent call last):
...
ValueError: code_size must be a positive integer, got 0
>>> model.decode(torch.zeros(5, 3))
Traceback (most recent call last):
...
ValueError: z must have shape (B, 2), got (5, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

TAUGHT_IN = {"Autoencoder": "10-autoencoders"}


class Autoencoder(nn.Module):
    """A fully connected autoencoder: encoder to a ``code_size``-number code, decoder back.

    The encoder has one Linear + ReLU layer per width in ``hidden`` and a final Linear layer to the
    code (no activation: the code may be any real numbers). The decoder mirrors it, widths reversed,
    and ends with a sigmoid so that every output lies in (0, 1), like the pixels.
    """

    def __init__(
        self, in_features: int = 64, hidden: Sequence[int] = (256, 128), code_size: int = 2
    ) -> None:
        super().__init__()
        if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
            raise ValueError(f"in_features must be a positive integer, got {in_features!r}")
        if (
            isinstance(hidden, str | bytes)
            or not isinstance(hidden, Sequence)
            or not all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden)
        ):
            raise ValueError(
                f"hidden must be a sequence of positive integers (layer widths), got {hidden!r}"
            )
        if isinstance(code_size, bool) or not isinstance(code_size, int) or code_size < 1:
            raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
        self.in_features = in_features
        self.code_size = code_size
        widths = [in_features, *hidden, code_size]  # e.g. 64 -> 256 -> 128 -> 2
        encoder: list[nn.Module] = []
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            encoder += [nn.Linear(n_in, n_out), nn.ReLU()]
        encoder.pop()  # no ReLU on the code: it may be any real numbers
        backwards = widths[::-1]  # the decoder mirrors the encoder: 2 -> 128 -> 256 -> 64
        decoder: list[nn.Module] = []
        for n_in, n_out in zip(backwards[:-1], backwards[1:], strict=True):
            decoder += [nn.Linear(n_in, n_out), nn.ReLU()]
        decoder[-1] = nn.Sigmoid()  # outputs in (0, 1), like the pixels
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map inputs (B, in_features) to codes (B, code_size)."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (B, {self.in_features}), got {tuple(x.shape)}")
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map codes (B, code_size) to reconstructions (B, in_features), each entry in (0, 1)."""
        if z.ndim != 2 or z.shape[1] != self.code_size:
            raise ValueError(f"z must have shape (B, {self.code_size}), got {tuple(z.shape)}")
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct inputs (B, in_features) through the code: (B, in_features)."""
        return self.decode(self.encode(x))  # (B, in_features) -> (B, code_size) -> (B, in_features)
