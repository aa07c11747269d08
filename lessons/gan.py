"""Generative adversarial networks (GANs), taught in lesson 11.

Two networks play a game. The **generator** turns random noise ``z`` into samples; the
**discriminator** gives each sample a logit, high for "real", low for "generated". The
discriminator learns to tell the two apart; the generator learns to fool it.

``Generator`` and ``Discriminator`` are small fully connected networks (the MLP GAN);
``ConvGenerator`` and ``ConvDiscriminator`` are their convolutional, DCGAN-style versions for
1×8×8 images. ``MinibatchStd`` lets the discriminator see how varied a whole batch is, which keeps
the convolutional GAN from collapsing onto one digit. ``gan_step`` is one round of the game,
``train_gan`` the loop, and ``judge_samples`` measures samples with a trained digits classifier.
Their full-budget runs live in ``lessons.bench.gan``.

>>> import torch
>>> G, D = Generator(latent_dim=32), Discriminator()
>>> x = G(torch.randn(5, 32))
>>> tuple(x.shape), tuple(D(x).shape)
((5, 64), (5,))
>>> CG, CD = ConvGenerator(latent_dim=32, width=16), ConvDiscriminator(width=16, minibatch_std=True)
>>> images = CG(torch.randn(5, 32))
>>> tuple(images.shape), tuple(CD(images).shape)
((5, 1, 8, 8), (5,))
>>> Generator(latent_dim=0)
Traceback (most recent call last):
...
ValueError: latent_dim must be an integer ≥ 1, got 0
>>> D(torch.zeros(5, 63))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 64), got (5, 63)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import check_int_argument, check_layer_widths, check_positive_argument
from lessons.runtime import progress_bar

SLUG = "11-generative-adversarial-networks"
TAUGHT_IN = {
    "Generator": SLUG,
    "Discriminator": SLUG,
    "gan_step": SLUG,
    "train_gan": SLUG,
    "judge_samples": SLUG,
    "ConvGenerator": SLUG,
    "MinibatchStd": SLUG,
    "ConvDiscriminator": SLUG,
}


class Generator(nn.Module):
    """Noise (B, latent_dim) in, samples (B, out_features) out, each entry in (0, 1).

    One Linear + LeakyReLU(0.2) layer per width in ``hidden``, then a Linear layer and a sigmoid,
    so that every output lies in (0, 1), like the pixels of the digits.
    """

    def __init__(
        self, latent_dim: int = 32, hidden: Sequence[int] = (256, 256), out_features: int = 64
    ) -> None:
        super().__init__()
        check_int_argument("latent_dim", latent_dim)
        check_layer_widths("hidden", hidden)
        check_int_argument("out_features", out_features)
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers += [nn.Linear(width, out_features), nn.Sigmoid()]  # outputs in (0, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map noise (B, latent_dim) to samples (B, out_features)."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        return self.net(z)


class Discriminator(nn.Module):
    """Samples (B, in_features) in, one logit per sample (B,) out: high means "real".

    One Linear + LeakyReLU(0.2) layer per width in ``hidden``, then a Linear layer to one number.
    No sigmoid at the end: the loss, ``F.binary_cross_entropy_with_logits``, applies it.
    """

    def __init__(self, in_features: int = 64, hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        check_int_argument("in_features", in_features)
        check_layer_widths("hidden", hidden)
        self.in_features = in_features
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, 1))  # one logit: log-odds that the sample is real
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map samples (B, in_features) to logits (B,)."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (B, {self.in_features}), got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


def gan_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    x_real: torch.Tensor,
    z: torch.Tensor,
) -> tuple[float, float]:
    """One round of the game on a batch of real samples x_real (B, ...) and noise z (B, latent).

    First the discriminator takes a step to call x_real real (label 1) and G(z) fake (label 0);
    then the generator takes a step to make the discriminator call G(z) real (the non-saturating
    loss). Returns the two losses as floats: (discriminator's, generator's).
    """
    if x_real.shape[0] != z.shape[0]:
        raise ValueError(
            f"x_real and z must have the same batch size, got {x_real.shape[0]} and {z.shape[0]}"
        )
    ones = torch.ones(x_real.shape[0], device=x_real.device)
    zeros = torch.zeros(x_real.shape[0], device=x_real.device)
    fake = generator(z)
    # the discriminator's turn: fake.detach() so that this step leaves the generator alone
    loss_d = F.binary_cross_entropy_with_logits(
        discriminator(x_real), ones
    ) + F.binary_cross_entropy_with_logits(discriminator(fake.detach()), zeros)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    # the generator's turn: maximise log D(G(z)), i.e. the cross-entropy with the label "real"
    loss_g = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return loss_d.item(), loss_g.item()


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    X: torch.Tensor,
    *,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    fixed_noise: torch.Tensor | None = None,
    snapshot_epochs: Sequence[int] = (),
    seed: int = 0,
    progress: bool = False,
) -> dict[str, list]:
    """Train a GAN on the real samples X (N, ...) for ``epochs`` passes; return its history.

    Both players use Adam with learning rate ``lr`` and betas (0.5, 0.999) instead of Adam's
    default (0.9, 0.999), as DCGAN does: a shorter memory of past gradients. The history holds
    the mean losses per epoch ("loss_d", "loss_g") and, for each epoch in ``snapshot_epochs``
    (0 means before training), the generator's samples of ``fixed_noise`` (K, latent_dim), in
    "snapshots" as (epoch, samples) pairs.
    """
    check_int_argument("epochs", epochs)
    check_int_argument("batch_size", batch_size)
    check_positive_argument("lr", lr)
    device = next(generator.parameters()).device
    X = X.to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(seed)  # shuffling and noise, reproducible on any device
    history: dict[str, list] = {"loss_d": [], "loss_g": [], "snapshots": []}

    def snapshot(epoch: int) -> None:
        if fixed_noise is not None and epoch in snapshot_epochs:
            generator.eval()  # batch norm uses its running averages to draw samples
            with torch.no_grad():
                history["snapshots"].append((epoch, generator(fixed_noise.to(device)).cpu()))
            generator.train()

    generator.train()
    discriminator.train()
    snapshot(0)
    n = X.shape[0]
    for epoch in progress_bar(range(1, epochs + 1), unit="epoch", enabled=progress):
        order = torch.randperm(n, generator=rng)
        losses = []
        for start in range(0, n - batch_size + 1, batch_size):  # full batches only
            x_real = X[order[start : start + batch_size].to(device)]
            z = torch.randn(batch_size, generator.latent_dim, generator=rng).to(device)
            losses.append(gan_step(generator, discriminator, opt_g, opt_d, x_real, z))
        history["loss_d"].append(sum(d for d, _ in losses) / len(losses))
        history["loss_g"].append(sum(g for _, g in losses) / len(losses))
        snapshot(epoch)
    generator.eval()
    return history


@torch.no_grad()
def judge_samples(judge: nn.Module, images: torch.Tensor) -> tuple[float, float]:
    """Score images (N, ...) with a trained classifier: (mean confidence, class entropy).

    The confidence of one image is the judge's largest softmax probability; a crisp digit gets
    nearly 1. The class entropy is that of the histogram of predicted classes, in nats:
    ln 10 ≈ 2.30 when the ten digits are equally common, 0 when all are called the same digit.
    """
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(f"images must be a non-empty batch (N, ...), got {tuple(images.shape)}")
    was_training = judge.training
    judge.eval()
    device = next(judge.parameters()).device
    probs = F.softmax(judge(images.to(device)), dim=1).cpu()  # (N, n_classes)
    judge.train(was_training)
    confidence = probs.max(dim=1).values.mean().item()
    counts = torch.bincount(probs.argmax(dim=1), minlength=probs.shape[1]).float()
    share = counts[counts > 0] / counts.sum()  # how often each class was predicted
    entropy = -(share * share.log()).sum().item()
    return confidence, entropy


class ConvGenerator(nn.Module):
    """Noise (B, latent_dim) in, images (B, 1, 8, 8) out, in the DCGAN style.

    A Linear layer makes (B, 4 * width, 2, 2) feature maps; two transposed convolutions (kernel 4,
    stride 2) double the side twice, 2 -> 4 -> 8. Batch norm and ReLU between, sigmoid at the end.
    """

    def __init__(self, latent_dim: int = 32, width: int = 64) -> None:
        super().__init__()
        check_int_argument("latent_dim", latent_dim)
        check_int_argument("width", width)
        self.latent_dim = latent_dim
        self.width = width
        self.project = nn.Sequential(
            nn.Linear(latent_dim, 4 * width * 2 * 2), nn.BatchNorm1d(4 * width * 2 * 2), nn.ReLU()
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(4 * width, 2 * width, kernel_size=4, stride=2, padding=1),  # 2 -> 4
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, 1, kernel_size=4, stride=2, padding=1),  # 4 -> 8
            nn.Sigmoid(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map noise (B, latent_dim) to images (B, 1, 8, 8)."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        maps = self.project(z).reshape(-1, 4 * self.width, 2, 2)  # (B, 4 * width, 2, 2)
        return self.upsample(maps)  # (B, 1, 8, 8)


class MinibatchStd(nn.Module):
    """Append one feature map that holds how much the whole batch varies: (B, C, H, W) -> C + 1.

    The spread is the standard deviation over the batch of every feature at every position,
    averaged to one number and copied to every sample. A batch of identical images gets nearly 0
    (the 1e-8 under the square root keeps the gradient finite there, where sqrt's is infinite).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map feature maps (B, C, H, W) to (B, C + 1, H, W)."""
        if x.ndim != 4:
            raise ValueError(f"x must have shape (B, C, H, W), got {tuple(x.shape)}")
        variance = x.var(dim=0, correction=0)  # (C, H, W): each feature's spread over the batch
        spread = (variance + 1e-8).sqrt().mean()  # one number for the whole batch
        return torch.cat([x, spread.expand(x.shape[0], 1, *x.shape[2:])], dim=1)


class ConvDiscriminator(nn.Module):
    """Images (B, 1, 8, 8) in, one logit per image (B,) out, in the DCGAN style.

    Two strided convolutions (kernel 4, stride 2) halve the side twice, 8 -> 4 -> 2, each followed
    by LeakyReLU(0.2); a Linear layer maps the (B, 2 * width, 2, 2) features to one logit. With
    ``minibatch_std`` a ``MinibatchStd`` layer sits between the two convolutions.
    """

    def __init__(self, width: int = 64, minibatch_std: bool = False) -> None:
        super().__init__()
        check_int_argument("width", width)
        if not isinstance(minibatch_std, bool):
            raise ValueError(f"minibatch_std must be True or False, got {minibatch_std!r}")
        extra = 1 if minibatch_std else 0  # the spread adds one feature map
        self.net = nn.Sequential(
            nn.Conv2d(1, width, kernel_size=4, stride=2, padding=1),  # 8 -> 4
            nn.LeakyReLU(0.2),
            MinibatchStd() if minibatch_std else nn.Identity(),
            nn.Conv2d(width + extra, 2 * width, kernel_size=4, stride=2, padding=1),  # 4 -> 2
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 2 * 2, 1),  # one logit per image
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images (B, 1, 8, 8) to logits (B,)."""
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(f"x must have shape (B, 1, 8, 8), got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


__all__ = [
    "ConvDiscriminator",
    "ConvGenerator",
    "Discriminator",
    "Generator",
    "MinibatchStd",
    "gan_step",
    "judge_samples",
    "train_gan",
]
