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
ValueError: code_size must be an integer ≥ 1, got 0
>>> model.decode(torch.zeros(5, 3))
Traceback (most recent call last):
...
ValueError: z must have shape (B, 2), got (5, 3)

A **variational autoencoder** (``VAE``) gives each input a Gaussian over codes instead of one code,
and its loss (``vae_loss``, the negative ELBO) pulls those Gaussians towards the standard normal,
so that codes drawn from N(0, I) decode to digits:

>>> vae = VAE(in_features=64, hidden=(256, 128), code_size=2)
>>> mean, log_var = vae.encode(x)
>>> tuple(mean.shape), tuple(log_var.shape)
((5, 2), (5, 2))
>>> x_hat, mean, log_var = vae(x)  # one code drawn per input
>>> reconstruction, kl = vae_loss(x_hat, x, mean, log_var, variance=0.03)
>>> kl_to_standard_normal(torch.zeros(1, 2), torch.zeros(1, 2))  # N(0, I) is the prior itself
tensor([0.])
>>> vae_loss(x_hat, x, mean, log_var, variance=0)
Traceback (most recent call last):
...
ValueError: variance must be a number > 0, got 0
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lessons.config import (
    check_int_argument,
    check_layer_widths,
    check_positive_argument,
)

TAUGHT_IN = {
    "Autoencoder": "10-autoencoders",
    "VAE": "10-autoencoders",
    "kl_to_standard_normal": "10-autoencoders",
    "vae_loss": "10-autoencoders",
}


def check_autoencoder_arguments(in_features: int, hidden: Sequence[int], code_size: int) -> None:
    """Raise a ValueError that names the first bad argument of ``Autoencoder``.

    >>> check_autoencoder_arguments(64, (256, 128), 2)
    >>> check_autoencoder_arguments(64, (256, 0), 2)
    Traceback (most recent call last):
    ...
    ValueError: hidden must be a sequence of integers ≥ 1, got (256, 0)
    """
    check_int_argument("in_features", in_features)
    check_layer_widths("hidden", hidden)
    check_int_argument("code_size", code_size)


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
        check_autoencoder_arguments(in_features, hidden, code_size)  # names a bad one
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


def check_same_shape(name: str, tensor: torch.Tensor, like_name: str, like: torch.Tensor) -> None:
    """Raise a ValueError naming ``name`` unless ``tensor`` has the shape of ``like``.

    >>> check_same_shape("log_var", torch.zeros(4, 3), "mean", torch.zeros(4, 2))
    Traceback (most recent call last):
    ...
    ValueError: log_var must have the shape of mean, (4, 2), got (4, 3)
    """
    for label, value in ((name, tensor), (like_name, like)):
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{label} must be a tensor, got {type(value).__name__}")
    if tensor.shape != like.shape:
        raise ValueError(
            f"{name} must have the shape of {like_name}, {tuple(like.shape)}, "
            f"got {tuple(tensor.shape)}"
        )


def check_vae_loss_arguments(
    x_hat: torch.Tensor, x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor, variance: float
) -> None:
    """Raise a ValueError that names the first bad argument of ``vae_loss``."""
    check_same_shape("x_hat", x_hat, "x", x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (B, in_features), got {tuple(x.shape)}")
    check_same_shape("mean", mean, "log_var", log_var)
    if mean.ndim != 2 or mean.shape[0] != x.shape[0]:
        raise ValueError(
            f"mean must have shape ({x.shape[0]}, code_size), one row per image, "
            f"got {tuple(mean.shape)}"
        )
    check_positive_argument("variance", variance)


class VAE(Autoencoder):
    """A variational autoencoder: the encoder gives each input a Gaussian over codes, not one code.

    The layers are the autoencoder's, except that the encoder's last layer outputs two numbers per
    code number: the mean m and the log-variance ln s² of a Gaussian. ``forward`` draws one code
    from that Gaussian with the reparameterisation trick and decodes it.
    """

    def __init__(
        self, in_features: int = 64, hidden: Sequence[int] = (256, 128), code_size: int = 2
    ) -> None:
        super().__init__(in_features, hidden, code_size)  # the autoencoder's layers, checked
        last = self.encoder[-1]  # Linear(hidden[-1], code_size): one number per code number
        self.encoder[-1] = nn.Linear(last.in_features, 2 * code_size)  # now m and ln s² for each

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map inputs (B, in_features) to the means m and log-variances ln s² of their codes."""
        both = super().encode(x)  # (B, 2 * code_size): the autoencoder's encoder
        mean, log_var = both.chunk(2, dim=1)  # (B, code_size) each
        return mean, log_var

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rebuild inputs (B, in_features) from one code drawn for each: (x_hat, mean, log_var)."""
        mean, log_var = self.encode(x)
        eps = torch.randn_like(mean)  # (B, code_size): noise from N(0, I), no parameters in it
        z = mean + torch.exp(0.5 * log_var) * eps  # the reparameterisation trick: z ~ N(m, s²)
        return self.decode(z), mean, log_var


def kl_to_standard_normal(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL divergence from N(mean, exp(log_var)) to N(0, I), one number per row: (B, k) -> (B,)."""
    check_same_shape("log_var", log_var, "mean", mean)
    return 0.5 * (mean**2 + log_var.exp() - 1 - log_var).sum(dim=-1)  # closed form, summed over k


def vae_loss(
    x_hat: torch.Tensor,
    x: torch.Tensor,
    mean: torch.Tensor,
    log_var: torch.Tensor,
    variance: float = 0.03,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two terms of the negative ELBO, each averaged over the batch: (reconstruction, KL).

    The reconstruction term is -ln p(x | z) for a decoder that outputs the mean of a Gaussian with
    a fixed ``variance`` per pixel, without its constant: squared errors summed over the pixels,
    divided by 2 * variance. Both terms are in nats per image; their sum is the loss.
    """
    check_vae_loss_arguments(x_hat, x, mean, log_var, variance)  # names a bad one
    reconstruction = ((x_hat - x) ** 2).sum(dim=1) / (2 * variance)  # (B,)
    kl = kl_to_standard_normal(mean, log_var)  # (B,)
    return reconstruction.mean(), kl.mean()
