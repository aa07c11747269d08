"""Capsule networks: vectors for parts, routing by agreement, taught in lesson 13.

A capsule is a small group of neurons whose output is a vector: its length says how likely an
entity (a stroke, a digit) is present, its direction says how it looks (its pose). The network is
built from small blocks: ``squash`` keeps a vector's direction and maps its length into [0, 1);
``PrimaryCapsules`` cuts convolutional feature maps into many small capsules; ``DigitCapsules`` lets
each of them predict every digit capsule and routes them by agreement; ``Decoder`` rebuilds the
image from the winning digit capsule; ``CapsNet`` puts them together. ``margin_loss`` and
``fit_capsnet`` train it. ``overlap_pairs`` makes images of two overlapping digits (the paper's
MultiMNIST, scaled down), on which ``fit_pairs`` trains a network with ``capsule_pair_loss`` or
``cnn_pair_loss`` and ``both_found`` scores it. The full-budget run lives in
``lessons.bench.capsules``.

>>> import torch
>>> v = squash(torch.tensor([[3.0, 4.0], [0.3, 0.4]]))  # lengths 5 and 0.5
>>> v.norm(dim=-1)  # 25 / 26 and 0.25 / 1.25
tensor([0.9615, 0.2000])
>>> model = CapsNet()
>>> x = torch.rand(5, 1, 8, 8)
>>> u = model.primary(model.conv(x))
>>> tuple(u.shape)  # 16 capsule types at 4 x 4 places, 8 numbers each
(5, 256, 8)
>>> v, c = model.digits(u)
>>> tuple(v.shape), tuple(c.shape)
((5, 10, 16), (5, 256, 10))
>>> torch.allclose(c.sum(dim=-1), torch.ones(5, 256))  # each child shares itself out in full
True
>>> tuple(model(x).shape), tuple(model.decoder(v, torch.arange(5)).shape)
((5, 10), (5, 1, 8, 8))
>>> margin_loss(torch.tensor([[0.95, 0.05]]), torch.tensor([0])).item()
0.0
>>> model(torch.zeros(5, 64))
Traceback (most recent call last):
...
ValueError: x must have shape (B, 1, 8, 8), got (5, 64)
>>> DigitCapsules(iterations=0)
Traceback (most recent call last):
...
ValueError: iterations must be an integer ≥ 1, got 0
>>> pairs, y, parts = overlap_pairs(torch.rand(6, 1, 8, 8), torch.arange(6), 4)
>>> tuple(pairs.shape), tuple(y.shape), tuple(parts.shape)
((4, 1, 8, 8), (4, 2), (4, 2, 1, 8, 8))
>>> bool((y[:, 0] != y[:, 1]).all())  # always two different classes
True
>>> both_found(torch.tensor([[0.9, 0.1, 0.8], [0.9, 0.8, 0.1]]), torch.tensor([[2, 0], [0, 2]]))
0.5
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from lessons.cnn import shift_images
from lessons.config import check_int_argument as check_int  # the name lesson 13's page uses
from lessons.runtime import check_seed

TAUGHT_IN = {
    "squash": "13-capsule-networks",
    "PrimaryCapsules": "13-capsule-networks",
    "route": "13-capsule-networks",
    "DigitCapsules": "13-capsule-networks",
    "Decoder": "13-capsule-networks",
    "CapsNet": "13-capsule-networks",
    "margin_loss": "13-capsule-networks",
    "fit_capsnet": "13-capsule-networks",
    "capsule_pair_loss": "13-capsule-networks",
}


def squash(s: torch.Tensor, dim: int = -1, eps: float = 1e-8) -> torch.Tensor:
    """Shrink vectors s (..., D) to length |s|^2 / (1 + |s|^2), keeping their direction.

    Long vectors come out just under length 1, short ones near 0; the shape stays (..., D).
    """
    squared = (s * s).sum(dim=dim, keepdim=True)  # |s|^2
    scale = squared / (1.0 + squared)  # the new length, in [0, 1)
    return scale * s / torch.sqrt(squared + eps)  # s / |s| is the direction


class PrimaryCapsules(nn.Module):
    """A convolution whose output channels are cut into capsules: (B, C, H, W) -> (B, N, dim).

    The convolution makes ``n_types * dim`` channels. At each of its H' x W' output places, every
    one of the ``n_types`` groups of ``dim`` channels is one capsule, so N = n_types * H' * W'.
    """

    def __init__(
        self,
        in_channels: int = 128,
        n_types: int = 16,
        dim: int = 8,
        kernel_size: int = 3,
        stride: int = 2,
        padding: int = 1,
    ) -> None:
        super().__init__()
        check_int("n_types", n_types, 1)
        check_int("dim", dim, 2)
        self.n_types, self.dim = n_types, dim
        self.conv = nn.Conv2d(in_channels, n_types * dim, kernel_size, stride, padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map feature maps (B, in_channels, H, W) to squashed capsules (B, N, dim)."""
        out = self.conv(x)  # (B, n_types * dim, H', W')
        B, _, H, W = out.shape
        out = out.reshape(B, self.n_types, self.dim, H, W)  # (B, n_types, dim, H', W')
        out = out.permute(0, 1, 3, 4, 2)  # (B, n_types, H', W', dim): one capsule per place
        return squash(out.reshape(B, self.n_types * H * W, self.dim))  # (B, N, dim)


def route(u_hat: torch.Tensor, iterations: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """Routing by agreement: votes u_hat (B, n_in, n_out, d) -> parents v (B, n_out, d).

    Also returns the last round's coupling coefficients c (B, n_in, n_out).
    Every child starts by sharing itself out equally over the parents. After each round, a child
    sends more to the parents whose output agrees with its vote (a large dot product u_hat . v).
    A shortcut: gradients flow through the last round only (the authors' code uses every round).
    """
    check_int("iterations", iterations, 1)
    if u_hat.ndim != 4:
        raise ValueError(f"u_hat must have shape (B, n_in, n_out, d), got {tuple(u_hat.shape)}")
    b = torch.zeros(u_hat.shape[:3], device=u_hat.device)  # routing logits (B, n_in, n_out)
    for r in range(iterations):
        last = r == iterations - 1
        votes = u_hat if last else u_hat.detach()  # the earlier rounds only choose c
        e = torch.exp(b - b.amax(dim=2, keepdim=True))  # e^b_ij; the shift cancels in c
        c = e / e.sum(dim=2, keepdim=True)  # coupling: softmax over the parents, sums to 1
        s = torch.einsum("bij,bijd->bjd", c, votes)  # weighted sum of the votes (B, n_out, d)
        v = squash(s)  # the parents' outputs (B, n_out, d)
        if not last:
            b = b + torch.einsum("bijd,bjd->bij", votes, v)  # agreement u_hat . v raises b
    return v, c


class DigitCapsules(nn.Module):
    """Route n_in child capsules (B, n_in, d_in) to n_out parent capsules (B, n_out, d_out).

    Each child i predicts each parent j with its own matrix: u_hat[j|i] = W[i, j] u[i]. Routing by
    agreement then decides, over ``iterations`` rounds, how much of itself each child sends to
    each parent (the coupling coefficients c, which sum to 1 over the parents).
    """

    def __init__(
        self, n_in: int = 256, d_in: int = 8, n_out: int = 10, d_out: int = 16, iterations: int = 3
    ) -> None:
        super().__init__()
        for name, value in [("n_in", n_in), ("d_in", d_in), ("n_out", n_out), ("d_out", d_out)]:
            check_int(name, value, 1)
        check_int("iterations", iterations, 1)
        self.n_in, self.d_in, self.iterations = n_in, d_in, iterations
        self.W = nn.Parameter(0.05 * torch.randn(n_in, n_out, d_out, d_in))  # one W per (i, j)

    def forward(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map children u (B, n_in, d_in) to parents v (B, n_out, d_out) and c (B, n_in, n_out)."""
        if u.ndim != 3 or tuple(u.shape[1:]) != (self.n_in, self.d_in):
            raise ValueError(
                f"u must have shape (B, {self.n_in}, {self.d_in}), got {tuple(u.shape)}"
            )
        u_hat = torch.einsum("ijdk,bik->bijd", self.W, u)  # predictions (B, n_in, n_out, d_out)
        return route(u_hat, self.iterations)


class Decoder(nn.Module):
    """Rebuild images (B, 1, S, S) from digit capsules v (B, n_classes, dim) and labels y (B,).

    Every capsule but the one of class y is set to zero, so the image must come from that one
    capsule's vector alone; a fully connected network turns it into S * S pixels in (0, 1).
    """

    def __init__(
        self, n_classes: int = 10, dim: int = 16, hidden: int = 256, image_size: int = 8
    ) -> None:
        super().__init__()
        for name, value in [("n_classes", n_classes), ("dim", dim), ("hidden", hidden)]:
            check_int(name, value, 1)
        check_int("image_size", image_size, 1)
        self.image_size = image_size
        self.net = nn.Sequential(
            nn.Linear(n_classes * dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 2 * hidden),
            nn.ReLU(),
            nn.Linear(2 * hidden, image_size * image_size),
            nn.Sigmoid(),  # pixels lie in [0, 1]
        )

    def forward(self, v: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Map capsules v (B, n_classes, dim) and labels y (B,) to images (B, 1, S, S)."""
        mask = F.one_hot(y, v.shape[1]).to(v.dtype)  # (B, n_classes): 1 at the label
        flat = (v * mask.unsqueeze(-1)).flatten(1)  # (B, n_classes * dim), one capsule kept
        return self.net(flat).reshape(-1, 1, self.image_size, self.image_size)


class CapsNet(nn.Module):
    """A capsule network from images (B, 1, S, S) to capsule lengths (B, n_classes).

    A 3x3 convolution with ReLU, primary capsules (a strided 3x3 convolution cut into vectors),
    digit capsules reached by routing by agreement, and a decoder that rebuilds the image from the
    capsule of the true (or predicted) class. ``capsules`` gives the digit capsules themselves.
    """

    def __init__(
        self,
        image_size: int = 8,
        conv_channels: int = 128,
        primary_types: int = 16,
        primary_dim: int = 8,
        n_classes: int = 10,
        digit_dim: int = 16,
        iterations: int = 3,
        decoder_hidden: int = 256,
    ) -> None:
        super().__init__()
        check_int("image_size", image_size, 2)
        check_int("conv_channels", conv_channels, 1)
        check_int("n_classes", n_classes, 2)
        self.image_size = image_size
        self.conv = nn.Sequential(
            nn.Conv2d(1, conv_channels, kernel_size=3, padding=1), nn.ReLU()
        )  # (B, conv_channels, S, S)
        self.primary = PrimaryCapsules(conv_channels, primary_types, primary_dim)
        side = (image_size + 1) // 2  # the strided convolution halves the side, rounding up
        self.digits = DigitCapsules(
            primary_types * side * side, primary_dim, n_classes, digit_dim, iterations
        )
        self.decoder = Decoder(n_classes, digit_dim, decoder_hidden, image_size)

    def capsules(self, x: torch.Tensor) -> torch.Tensor:
        """Map images x (B, 1, S, S) to digit capsules (B, n_classes, digit_dim)."""
        expected = (1, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"x must have shape (B, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        v, _ = self.digits(self.primary(self.conv(x)))  # (B, N, primary_dim) -> (B, K, digit_dim)
        return v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images x (B, 1, S, S) to capsule lengths (B, n_classes): one score per class."""
        return self.capsules(x).norm(dim=-1)


def margin_loss(
    lengths: torch.Tensor,
    y: torch.Tensor,
    m_plus: float = 0.9,
    m_minus: float = 0.1,
    down_weight: float = 0.5,
) -> torch.Tensor:
    """Margin loss of capsule lengths (B, K) against labels y (B,), summed over K, mean over B.

    The true class's capsule is pushed to be longer than m_plus, every other one shorter than
    m_minus; the absent classes' terms are multiplied by down_weight. With labels y (B, n), for
    images of n digits, every one of the n classes counts as true.
    """
    T = F.one_hot(y, lengths.shape[1]).to(lengths.dtype)  # (B, K): 1 for the true class
    if T.ndim == 3:  # y (B, n): n digits in each image
        T = T.amax(dim=1)  # (B, K): 1 for every class present
    present = T * F.relu(m_plus - lengths) ** 2
    absent = down_weight * (1 - T) * F.relu(lengths - m_minus) ** 2
    return (present + absent).sum(dim=1).mean()


def fit_capsnet(
    model: CapsNet,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float = 2e-2,
    batch_size: int = 64,
    reconstruction_weight: float = 0.01,
    max_shift: int = 0,
    seed: int = 0,
    on_epoch: Callable[[float], None] | None = None,
) -> list[float]:
    """Train ``model`` on images X (N, 1, S, S) and labels y (N,); return the loss of each epoch.

    The loss is the margin loss plus ``reconstruction_weight`` times the squared error of the
    decoder's image, summed over pixels. Adam with a one-cycle learning rate peaking at ``lr``.
    With ``max_shift`` > 0, every batch is moved by up to that many pixels (the same random move
    for the whole batch): data augmentation. ``on_epoch``, if given, is called with each epoch's
    loss (the command line's progress bar uses it).
    """
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    check_int("max_shift", max_shift, 0)
    device = next(model.parameters()).device
    X, y = X.to(device), y.to(device)
    steps = epochs * ((len(X) + batch_size - 1) // batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb, yb = X[order[start : start + batch_size]], y[order[start : start + batch_size]]
            if max_shift > 0:  # one random move (dy, dx) for the whole batch
                dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator)
                xb = shift_images(xb, int(dx), int(dy))  # zero-filled, as in lesson 8
            v = model.capsules(xb)  # (B, K, D)
            rebuilt = model.decoder(v, yb)  # (B, 1, S, S), from the true class's capsule
            error = ((rebuilt - xb) ** 2).sum(dim=(1, 2, 3)).mean()
            loss = margin_loss(v.norm(dim=-1), yb) + reconstruction_weight * error
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(yb)
        losses.append(total / len(X))
        if on_epoch is not None:
            on_epoch(losses[-1])
    return losses


def check_pair_arguments(
    images: torch.Tensor, labels: torch.Tensor, n_pairs: int, max_shift: int, seed: int
) -> None:
    """Raise a ValueError that names the first bad argument of ``overlap_pairs``."""
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[1] != 1:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images must have shape (N, 1, S, S), got {shape}")
    N, side = images.shape[0], images.shape[-1]
    if not isinstance(labels, torch.Tensor) or tuple(labels.shape) != (N,):
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"labels must have shape ({N},), one per image, got {shape}")
    if labels.unique().numel() < 2:
        raise ValueError("labels must hold at least two classes, to pair different digits")
    check_int("n_pairs", n_pairs, 1)
    check_int("max_shift", max_shift, 0)
    if max_shift >= side:
        raise ValueError(f"max_shift must be smaller than the image side {side}, got {max_shift}")
    check_seed(seed)


def overlap_pairs(
    images: torch.Tensor, labels: torch.Tensor, n_pairs: int, *, max_shift: int = 1, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pairs (n_pairs, 1, S, S) of digits of two classes (n_pairs, 2), and the digits apart.

    Each digit moves by up to ``max_shift`` pixels; the two are added and clipped at 1.
    """
    check_pair_arguments(images, labels, n_pairs, max_shift, seed)
    generator, N, m = torch.Generator().manual_seed(seed), len(images), max_shift
    first = torch.randint(N, (n_pairs,), generator=generator)
    second = torch.randint(N, (n_pairs,), generator=generator)
    same = labels[second] == labels[first]
    while same.any():  # draw again until the two classes differ
        second[same] = torch.randint(N, (int(same.sum()),), generator=generator)
        same = labels[second] == labels[first]
    digits = torch.stack([images[first], images[second]], dim=1)  # (n_pairs, 2, 1, S, S)
    moves = torch.randint(-m, m + 1, (n_pairs, 2, 2), generator=generator)  # (dx, dy) per digit
    moved = torch.zeros_like(digits)
    for dx in range(-m, m + 1):
        for dy in range(-m, m + 1):
            hit = (moves[..., 0] == dx) & (moves[..., 1] == dy)  # the digits moved by (dx, dy)
            moved[hit] = shift_images(digits[hit], dx, dy)  # what slides off is lost
    y = torch.stack([labels[first], labels[second]], dim=1)  # (n_pairs, 2)
    return moved.sum(dim=1).clamp(max=1.0), y, moved


def both_found(scores: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of images whose two highest scores (B, K) are the classes of their two digits y."""
    top2 = scores.topk(2, dim=1).indices.sort(dim=1).values  # (B, 2), in increasing order
    return (top2 == y.sort(dim=1).values).all(dim=1).float().mean().item()


def capsule_pair_loss(
    model: CapsNet, x: torch.Tensor, y: torch.Tensor, parts: torch.Tensor, weight: float = 0.01
) -> torch.Tensor:
    """Margin loss with both digits y (B, 2) present, plus ``weight`` times each digit's squared
    error when the decoder rebuilds it alone, from its own capsule, against parts (B, 2, 1, S, S).
    """
    v = model.capsules(x)  # (B, K, D)
    loss = margin_loss(v.norm(dim=-1), y)  # both digits' capsules long, the others short
    for k in range(y.shape[1]):  # digit k alone, drawn from its own capsule
        error = ((model.decoder(v, y[:, k]) - parts[:, k]) ** 2).sum(dim=(1, 2, 3))  # (B,)
        loss = loss + weight * error.mean()
    return loss


def cnn_pair_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, parts: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy of each class's logit against 1 for both digits y (B, 2), else 0."""
    logits = model(x)  # (B, K); parts is not used: a CNN has nothing to draw with
    target = F.one_hot(y, logits.shape[1]).amax(dim=1).to(logits.dtype)  # (B, K), two 1s
    return F.binary_cross_entropy_with_logits(logits, target)


def fit_pairs(
    model: nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    parts: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    weight_decay: float = 0.0,
    batch_size: int = 64,
    seed: int = 0,
) -> None:
    """Train ``model`` on pairs X (N, 1, S, S), labels y (N, 2) and digits parts (N, 2, 1, S, S).

    Lesson 7's loop with the loss as an argument: ``loss_fn(model, x, y, parts)`` gives a batch's
    loss. AdamW (Adam when ``weight_decay`` is 0) with a one-cycle learning rate peaking at ``lr``;
    the order of the pairs is drawn from ``seed``.
    """
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    device = next(model.parameters()).device
    X, y, parts = X.to(device), y.to(device), parts.to(device)
    steps = epochs * ((len(X) + batch_size - 1) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).to(device).split(batch_size):
            loss = loss_fn(model, X[batch], y[batch], parts[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
