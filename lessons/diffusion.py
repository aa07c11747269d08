"""Diffusion models: learn to undo noise, taught in lesson 16.

The **forward process** turns an image into noise in ``T`` small steps: step t scales the image by
sqrt(1 - beta_t) and adds normal noise of variance beta_t. ``NoiseSchedule`` holds the betas and
what follows from them; ``add_noise`` jumps from a clean image straight to step t in closed form.
A ``Denoiser`` learns to predict the noise in a noisy image (the "simple" loss of Ho et al., 2020,
``diffusion_loss``; ``train_diffusion`` is the loop). ``sample_ancestral`` then draws new images by
undoing the steps one at a time from pure noise, and ``sample_ddim`` by DDIM's deterministic jumps
(Song et al., 2021), in far fewer network calls. Images are in the model's units, [-1, 1];
``to_pixels`` maps them back to pixels in [0, 1].

>>> schedule = NoiseSchedule(T=200)
>>> tuple(schedule.betas.shape), schedule.alpha_bars[0].item()  # entry 0 is the clean image
((201,), 1.0)
>>> model = Denoiser(T=200, pixels=64, width=32, depth=1)
>>> x0 = torch.zeros(5, 64)
>>> t = torch.tensor([1, 50, 100, 150, 200])
>>> tuple(model(add_noise(schedule, x0, t, torch.randn(5, 64)), t).shape)
(5, 64)
>>> tuple(sample_ddim(model, schedule, 3, steps=10).shape)
(3, 64)
>>> NoiseSchedule(T=200, beta_1=0.1, beta_T=0.01)
Traceback (most recent call last):
...
ValueError: beta_1 and beta_T must satisfy 0 < beta_1 <= beta_T < 1, got 0.1 and 0.01
>>> model(x0, torch.tensor([0, 1, 2, 3, 201]))
Traceback (most recent call last):
...
ValueError: t must hold integer steps in [0, 200], got values from 0 to 201
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lessons.attention import positional_encoding
from lessons.config import check_fraction_argument, check_int_argument, check_positive_argument

SLUG = "16-diffusion-models"
TAUGHT_IN = {
    "NoiseSchedule": SLUG,
    "add_noise": SLUG,
    "to_pixels": SLUG,
    "Denoiser": SLUG,
    "diffusion_loss": SLUG,
    "train_diffusion": SLUG,
    "sample_ancestral": SLUG,
    "sample_ddim": SLUG,
}


def check_schedule_arguments(T: int, beta_1: float, beta_T: float) -> None:
    """Raise a ValueError that names the first bad argument of ``NoiseSchedule``.

    >>> check_schedule_arguments(200, 1e-4, 0.1)
    >>> check_schedule_arguments(0, 1e-4, 0.1)
    Traceback (most recent call last):
    ...
    ValueError: T must be an integer ≥ 1, got 0
    """
    check_int_argument("T", T)
    numbers = all(isinstance(b, int | float) and not isinstance(b, bool) for b in (beta_1, beta_T))
    if not numbers or not 0 < beta_1 <= beta_T < 1:
        raise ValueError(
            "beta_1 and beta_T must satisfy 0 < beta_1 <= beta_T < 1, "
            f"got {beta_1!r} and {beta_T!r}"
        )


def check_noisy_batch(x: torch.Tensor, t: torch.Tensor, T: int, pixels: int) -> None:
    """Raise a ValueError unless x is (B, pixels) and t is (B,) integer steps in [0, T].

    >>> check_noisy_batch(torch.zeros(2, 64), torch.tensor([0, 200]), 200, 64)
    >>> check_noisy_batch(torch.zeros(2, 64), torch.tensor([0.5, 1.0]), 200, 64)
    Traceback (most recent call last):
    ...
    ValueError: t must be a tensor of integer steps, got dtype torch.float32
    """
    if x.ndim != 2 or x.shape[1] != pixels:
        raise ValueError(f"x must have shape (B, {pixels}), got {tuple(x.shape)}")
    if not isinstance(t, torch.Tensor) or t.dtype.is_floating_point or t.dtype == torch.bool:
        kind = f"dtype {t.dtype}" if isinstance(t, torch.Tensor) else type(t).__name__
        raise ValueError(f"t must be a tensor of integer steps, got {kind}")
    if t.shape != (x.shape[0],):
        raise ValueError(f"t must have shape ({x.shape[0]},) like x's batch, got {tuple(t.shape)}")
    low, high = t.min().item(), t.max().item()
    if low < 0 or high > T:
        raise ValueError(f"t must hold integer steps in [0, {T}], got values from {low} to {high}")


def check_denoiser_arguments(T: int, pixels: int, width: int, depth: int) -> None:
    """Raise a ValueError that names the first bad argument of ``Denoiser``.

    >>> check_denoiser_arguments(200, 64, 127, 2)
    Traceback (most recent call last):
    ...
    ValueError: width must be an even integer ≥ 2, got 127
    """
    check_int_argument("T", T)
    check_int_argument("pixels", pixels)
    if isinstance(width, bool) or not isinstance(width, int) or width < 2 or width % 2:
        raise ValueError(f"width must be an even integer ≥ 2, got {width!r}")
    check_int_argument("depth", depth, least=0)


def check_training_arguments(steps: int, batch_size: int, lr: float, ema_decay: float) -> None:
    """Raise a ValueError that names the first bad argument of ``train_diffusion``.

    >>> check_training_arguments(1500, 128, 4e-3, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: ema_decay must be a number in [0, 1), got 1.0
    """
    check_int_argument("steps", steps)
    check_int_argument("batch_size", batch_size)
    check_positive_argument("lr", lr)
    check_fraction_argument("ema_decay", ema_decay)


def check_sampler_arguments(schedule: NoiseSchedule, n: int, steps: int | None = None) -> None:
    """Raise a ValueError unless n is an integer ≥ 1 and steps (if given) is in [1, T].

    >>> check_sampler_arguments(NoiseSchedule(T=200), 10, steps=201)
    Traceback (most recent call last):
    ...
    ValueError: steps must be an integer in [1, 200] (the schedule's T), got 201
    """
    if not isinstance(getattr(schedule, "T", None), int) or not hasattr(schedule, "alpha_bars"):
        raise ValueError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}")
    check_int_argument("n", n)
    if steps is not None and (
        isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= schedule.T
    ):
        raise ValueError(
            f"steps must be an integer in [1, {schedule.T}] (the schedule's T), got {steps!r}"
        )


class NoiseSchedule:
    """The forward process's variances beta_1, ..., beta_T, evenly spaced, and what follows.

    Each tensor has T + 1 entries, so that entry t belongs to step t; entry 0 stands for the clean
    image (beta_0 = 0, so alpha_bar_0 = 1).
    """

    def __init__(self, T: int = 100, beta_1: float = 1e-4, beta_T: float = 0.1) -> None:
        check_schedule_arguments(T, beta_1, beta_T)  # names a bad one
        self.T = T
        self.betas = torch.cat([torch.zeros(1), torch.linspace(beta_1, beta_T, T)])  # (T + 1,)
        self.alphas = 1 - self.betas  # the share of the variance each step keeps
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)  # (T + 1,): share left after t steps


def add_noise(
    schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """Jump from clean images x0 (B, D) straight to their steps t (B,), in closed form.

    x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, where noise (B, D) is standard normal.
    """
    check_noisy_batch(x0, t, schedule.T, x0.shape[-1])
    alpha_bar = schedule.alpha_bars.to(x0.device)[t].unsqueeze(1)  # (B, 1), one per image
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Map images from the model's units, [-1, 1], back to pixels in [0, 1] (clipping the rest)."""
    return ((x + 1) / 2).clamp(0, 1)


class Denoiser(nn.Module):
    """Noisy images x (B, pixels) and their steps t (B,) in, the predicted noise (B, pixels) out.

    The step enters as its sinusoidal signature (lesson 14's positional encoding, at position t),
    which a small MLP turns into ``width`` numbers added to the input of every residual block.
    Each block is LayerNorm, SiLU, Linear, SiLU, Linear; its output is added to what came in.
    """

    def __init__(self, T: int = 100, pixels: int = 64, width: int = 128, depth: int = 2) -> None:
        super().__init__()
        check_denoiser_arguments(T, pixels, width, depth)  # names a bad one
        self.T, self.pixels = T, pixels
        self.register_buffer("signatures", positional_encoding(T + 1, width), persistent=False)
        self.time = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.project = nn.Linear(pixels, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.LayerNorm(width),
                nn.SiLU(),
                nn.Linear(width, width),
                nn.SiLU(),
                nn.Linear(width, width),
            )
            for _ in range(depth)
        )
        self.out = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, pixels))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Map noisy images x (B, pixels) at steps t (B,) to the noise in them (B, pixels)."""
        check_noisy_batch(x, t, self.T, self.pixels)
        step = self.time(self.signatures[t])  # (B, width): what the network is told about t
        h = self.project(x) + step  # (B, width)
        for block in self.blocks:
            h = h + block(h + step)  # a residual block adds a correction to h
        return self.out(h)  # (B, pixels)


def diffusion_loss(
    model: nn.Module,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The simple loss of Ho et al. (2020) on clean images x0 (B, D): how wrong the noise guess is.

    Each image gets a step t drawn uniformly from 1..T and standard normal noise, both from
    ``generator``; the loss is the mean squared error between that noise and the model's guess.
    """
    t = torch.randint(1, schedule.T + 1, (x0.shape[0],), generator=generator).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device)
    return F.mse_loss(model(add_noise(schedule, x0, t, noise), t), noise)


def train_diffusion(
    model: nn.Module,
    schedule: NoiseSchedule,
    X: torch.Tensor,
    *,
    steps: int,
    lr: float = 4e-3,
    batch_size: int = 128,
    ema_decay: float = 0.995,
    keep_steps: Sequence[int] = (),
    seed: int = 0,
    progress: bool = False,
) -> tuple[nn.Module, dict[str, list]]:
    """Train ``model`` for ``steps`` steps on images X (N, D); return its EMA copy and a history.

    Each step takes ``batch_size`` images drawn at random from X and one AdamW step on
    ``diffusion_loss``, the learning rate following a one-cycle schedule that peaks at ``lr``.
    A second copy of the model keeps an exponential moving average (EMA) of the weights,
    ema <- ema_decay * ema + (1 - ema_decay) * weights, after every step; that copy, in eval mode,
    is what the function returns. The history holds the loss of every step ("loss") and, for each
    step in ``keep_steps`` (0 means before training), a copy of the EMA weights ("kept", as
    (step, state_dict) pairs).
    """
    check_training_arguments(steps, batch_size, lr, ema_decay)  # names a bad one
    device = next(model.parameters()).device
    X = X.to(device)
    ema = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    one_cycle = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    rng = torch.Generator().manual_seed(seed)  # batches, steps and noise, the same on any device
    history: dict[str, list] = {"loss": [], "kept": []}

    def keep(step: int) -> None:
        if step in keep_steps:
            history["kept"].append((step, copy.deepcopy(ema.state_dict())))

    keep(0)
    model.train()
    rounds = range(1, steps + 1)
    if progress:  # a progress bar for the command line, imported only when asked for
        from tqdm.auto import tqdm

        rounds = tqdm(rounds, leave=False)
    for step in rounds:
        x0 = X[torch.randint(X.shape[0], (batch_size,), generator=rng).to(device)]
        loss = diffusion_loss(model, schedule, x0, generator=rng)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        one_cycle.step()
        with torch.no_grad():  # the EMA weights move a little towards the new ones
            for averaged, current in zip(ema.parameters(), model.parameters(), strict=True):
                averaged.lerp_(current, 1 - ema_decay)
        history["loss"].append(loss.item())
        keep(step)
    return ema.eval(), history


@torch.no_grad()
def sample_ancestral(
    model: nn.Module,
    schedule: NoiseSchedule,
    n: int,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw n images (n, pixels) by undoing the T steps one at a time (Algorithm 2 of Ho et al.).

    Start from standard normal noise x_T. At each step t, remove the predicted noise to get the
    mean of x_{t-1}; then, except at the last step, add fresh normal noise of variance beta_t.
    Every random number comes from ``generator``. Returns x_0 in the model's units, unclipped.
    """
    check_sampler_arguments(schedule, n)
    device = next(model.parameters()).device
    betas, alphas, alpha_bars = (
        v.to(device) for v in (schedule.betas, schedule.alphas, schedule.alpha_bars)
    )
    x = torch.randn(n, model.pixels, generator=generator).to(device)  # x_T: pure noise
    for t in range(schedule.T, 0, -1):
        noise_guess = model(x, torch.full((n,), t, device=device))
        x = (x - betas[t] / (1 - alpha_bars[t]).sqrt() * noise_guess) / alphas[t].sqrt()
        if t > 1:  # the last step adds no noise
            x = x + betas[t].sqrt() * torch.randn(n, model.pixels, generator=generator).to(device)
    return x


@torch.no_grad()
def sample_ddim(
    model: nn.Module,
    schedule: NoiseSchedule,
    n: int,
    steps: int,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw n images (n, pixels) with DDIM's deterministic sampler (eta = 0) in ``steps`` jumps.

    The jumps visit ``steps`` + 1 evenly spaced steps from T down to 0. At each visited step t the
    model's noise guess gives a guess of the clean image; the next x is that guess taken to the
    next visited step's noise level with the same noise guess, and no fresh noise. Only x_T comes
    from ``generator``. Returns x_0 in the model's units, unclipped.
    """
    check_sampler_arguments(schedule, n, steps)
    device = next(model.parameters()).device
    alpha_bars = schedule.alpha_bars.to(device)
    x = torch.randn(n, model.pixels, generator=generator).to(device)  # x_T: pure noise
    visits = torch.linspace(schedule.T, 0, steps + 1).round().long().tolist()  # T, ..., 0
    for t, s in zip(visits[:-1], visits[1:], strict=True):
        noise_guess = model(x, torch.full((n,), t, device=device))
        x0_guess = (x - (1 - alpha_bars[t]).sqrt() * noise_guess) / alpha_bars[t].sqrt()
        x = alpha_bars[s].sqrt() * x0_guess + (1 - alpha_bars[s]).sqrt() * noise_guess
    return x


__all__ = [
    "Denoiser",
    "NoiseSchedule",
    "add_noise",
    "check_denoiser_arguments",
    "check_noisy_batch",
    "check_sampler_arguments",
    "check_schedule_arguments",
    "check_training_arguments",
    "diffusion_loss",
    "sample_ancestral",
    "sample_ddim",
    "to_pixels",
    "train_diffusion",
]
