"""One judge for every generator of 8×8 digits: the GANs (lesson 11), the variational autoencoder
(lesson 10) and the diffusion model (lesson 16) are all measured by the same three numbers.

The judge is lesson 8's CNN, trained on the real training digits and then used in eval mode only
(lesson 11 teaches the idea, with a judge of its own trained the same way on fewer digits).

- **Mean confidence**: the judge's largest softmax probability, averaged over the samples
  (``judge_samples``, taught in lesson 11). A crisp digit gets nearly 1.
- **Class entropy**: the entropy, in nats, of how often the judge names each digit; ln 10 ≈ 2.30
  when all ten are equally common, near 0 when one digit crowds out the others (mode collapse).
- **Nearest-training-digit distance**: for each sample, the Euclidean distance (pixels in [0, 1])
  to the closest of the 1,437 training digits, averaged. Real test digits set the yardstick: a
  generator far below it is copying its training set, one far above it draws what no writer drew.

Each number is reported next to the same judge's value on the 360 real test digits.

>>> from lessons.data import load_digits_split
>>> split = load_digits_split()
>>> nearest_distance(split.X_train[:5], split.X_train)  # a training digit is its own nearest
0.0
>>> nearest_distance(torch.zeros(3, 7), split.X_train)
Traceback (most recent call last):
...
ValueError: images must have 64 pixels per image like reference, got shape (3, 7)
"""

from __future__ import annotations

import torch
from torch import nn

from lessons.data import Split
from lessons.gan import judge_samples

__all__ = ["judge_generator", "judge_samples", "nearest_distance", "train_judge"]


def train_judge(split: Split, *, epochs: int = 5, seed: int = 0, device: str = "cpu") -> nn.Module:
    """Lesson 8's CNN trained on ``split``'s training digits, in eval mode, on ``device``.

    Its starting weights and its shuffling come from ``seed`` alone.
    """
    from lessons.cnn import CNN
    from lessons.config import check_int_argument
    from lessons.runtime import pick_device
    from lessons.train import fit

    check_int_argument("epochs", epochs)
    # The judge depends on (split, epochs, seed) alone, not on what ran before it, and leaves the
    # caller's random numbers where they were: the same judge on every page and in every run.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        judge = CNN().to(pick_device(device))
        X = split.X_train.reshape(-1, 1, 8, 8)
        fit(judge, X, split.y_train, epochs=epochs, lr=1e-2, seed=seed, record_accuracy=False)
    return judge.eval()


@torch.no_grad()
def nearest_distance(images: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean over ``images`` of the Euclidean distance to the nearest image of ``reference``.

    Both are batches of images of the same number of pixels, any shape after the batch axis.
    """
    flat_ref = reference.reshape(len(reference), -1).float().cpu()
    if images.ndim < 2 or images.shape[0] == 0 or images[0].numel() != flat_ref.shape[1]:
        raise ValueError(
            f"images must have {flat_ref.shape[1]} pixels per image like reference, "
            f"got shape {tuple(images.shape)}"
        )
    flat = images.reshape(len(images), -1).float().cpu()
    return torch.cdist(flat, flat_ref).min(dim=1).values.mean().item()


def judge_generator(judge: nn.Module, samples: torch.Tensor, split: Split) -> dict[str, float]:
    """The three numbers for ``samples`` (N, 64) or (N, 1, 8, 8), each beside its value on the real
    test digits: "confidence", "class_entropy", "nearest_distance" and "real_confidence",
    "real_entropy", "real_nearest_distance"."""
    images = samples.reshape(-1, 1, 8, 8)
    real = split.X_test.reshape(-1, 1, 8, 8)
    confidence, entropy = judge_samples(judge, images)
    real_confidence, real_entropy = judge_samples(judge, real)
    return {
        "confidence": confidence,
        "class_entropy": entropy,
        "nearest_distance": nearest_distance(images, split.X_train),
        "real_confidence": real_confidence,
        "real_entropy": real_entropy,
        "real_nearest_distance": nearest_distance(real, split.X_train),
    }
