"""Full-budget run of lesson 13's overlapping digits: the capsule network against the CNN.

Lesson 13 trains both networks on single digits, then on pairs of overlaid digits of two classes
(Sabour et al. 2017's MultiMNIST, scaled down to 8×8), and counts the test pairs whose two top
classes are exactly the pair's. The page does it once, on one seed, for one epoch on pairs; this
run does it with more pairs and epochs, and the benchmark repeats it over seeds.

>>> OverlapConfig(pair_epochs=0)  # a config checks itself when built
Traceback (most recent call last):
...
ValueError: pair_epochs must be an integer ≥ 1, got 0
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lessons.capsules import (
    CapsNet,
    both_found,
    capsule_pair_loss,
    cnn_pair_loss,
    fit_capsnet,
    fit_pairs,
    overlap_pairs,
)
from lessons.cnn import CNN
from lessons.config import RunConfig, check_budget, check_positive
from lessons.runtime import pick_device, progress_bar, seed_everything, stopwatch
from lessons.train import fit


@dataclass(frozen=True)
class OverlapConfig(RunConfig):
    """Full-budget comparison of lesson 13's capsule network and lesson 8's CNN on digit pairs."""

    epochs: int = 5
    """Passes over the 1,437 single training digits before the pairs (as on the page)."""
    pair_epochs: int = 3
    """Passes over the training pairs."""
    n_pairs: int = 20_000
    """Training pairs, made from the training digits alone."""
    test_pairs: int = 2_000
    """Test pairs, made from the 360 test digits alone."""
    capsnet_lr: float = 2e-2
    """Peak learning rate of the capsule network's one-cycle schedule (the page's)."""
    cnn_lr: float = 3e-3
    """Peak learning rate of the CNN's one-cycle schedule (the page's)."""

    def __post_init__(self) -> None:
        check_budget(self)  # epochs, seed, device
        check_positive(self, "pair_epochs", "n_pairs", "test_pairs", "capsnet_lr", "cnn_lr")


def run_overlap(config: OverlapConfig, *, progress: bool = False) -> dict[str, float]:
    """Train both networks as lesson 13 does, at ``config``'s budget, and score them on test pairs.

    Each network first learns the single training digits (``epochs`` passes), then ``pair_epochs``
    passes over ``n_pairs`` overlaid pairs, both in the same order. Returns ``capsnet_both`` and
    ``cnn_both`` (the share of the ``test_pairs`` pairs whose two highest scores are their two
    classes), ``capsnet_one_round`` (the capsule network's share with one round of routing, i.e. no
    routing), ``capsnet_minus_cnn`` and ``seconds`` (wall time of the training).
    """
    from lessons.data import load_digits_split

    seed_everything(config.seed)
    device = pick_device(config.device)
    split = load_digits_split()
    images_train = split.X_train.reshape(-1, 1, 8, 8)
    images_test = split.X_test.reshape(-1, 1, 8, 8)
    pairs = overlap_pairs(images_train, split.y_train, config.n_pairs, seed=config.seed)
    test_x, test_y, _ = overlap_pairs(
        images_test, split.y_test, config.test_pairs, seed=config.seed + 10**6
    )
    stages = progress_bar(total=4, desc="overlap", unit="stage", enabled=progress)
    with stopwatch() as clock:
        seed_everything(config.seed)
        capsnet = CapsNet(iterations=3).to(device)
        fit_capsnet(
            capsnet,
            images_train.to(device),
            split.y_train.to(device),
            epochs=config.epochs,
            lr=config.capsnet_lr,
            seed=config.seed,
        )
        stages.update()
        seed_everything(config.seed)
        cnn = CNN().to(device)
        fit(
            cnn,
            images_train.to(device),
            split.y_train.to(device),
            epochs=config.epochs,
            lr=config.cnn_lr,
            batch_size=64,
            weight_decay=1e-4,
            seed=config.seed,
            record_accuracy=False,
        )
        stages.update()
        fit_pairs(
            capsnet,
            capsule_pair_loss,
            *pairs,
            epochs=config.pair_epochs,
            lr=config.capsnet_lr,
            seed=config.seed,
        )
        stages.update()
        fit_pairs(
            cnn,
            cnn_pair_loss,
            *pairs,
            epochs=config.pair_epochs,
            lr=config.cnn_lr,
            weight_decay=1e-4,
            seed=config.seed,
        )
        stages.update()
    stages.close()
    test_x, test_y = test_x.to(device), test_y.to(device)
    with torch.no_grad():
        capsnet_both = both_found(capsnet.eval()(test_x), test_y)
        cnn_both = both_found(cnn.eval()(test_x), test_y)
        capsnet.digits.iterations = 1  # no routing: each child splits itself equally
        one_round = both_found(capsnet(test_x), test_y)
        capsnet.digits.iterations = 3
    return {
        "capsnet_both": capsnet_both,
        "cnn_both": cnn_both,
        "capsnet_one_round": one_round,
        "capsnet_minus_cnn": capsnet_both - cnn_both,
        "seconds": clock["seconds"],
    }
