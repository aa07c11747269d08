"""The training loop the lessons share once they have written it out themselves (lesson 7).

``fit`` trains any classifier on tensors with mini-batches, AdamW and a one-cycle (or cosine)
learning-rate schedule, and records the loss and accuracies after each epoch. It is the one
classifier loop of the package: the full-budget runs of ``lessons.bench`` use it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import check_int_argument
from lessons.runtime import progress_bar


@dataclass
class History:
    """Per-epoch records of one training run (lists of floats, one entry per epoch)."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of ``X`` ``(N, ...)`` whose arg-max logit is the label in ``y`` ``(N,)``.

    >>> model = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2)); _ = model.bias.zero_()
    >>> accuracy(model, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0]))
    0.5
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}"
        )
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits = model(X.to(device))
    model.train(was_training)
    return (logits.argmax(dim=1).cpu() == y.cpu()).float().mean().item()


def fit(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    *,
    epochs: int,
    lr: float = 1e-2,
    batch_size: int = 64,
    weight_decay: float = 1e-4,
    X_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    seed: int = 0,
    schedule: str = "one-cycle",
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    record_accuracy: bool = True,
    progress: bool = False,
    desc: str = "",
) -> History:
    """Train ``model`` to classify ``X_train`` ``(N, ...)`` into the labels ``y_train`` ``(N,)``.

    Cross-entropy loss and AdamW. The learning rate follows ``schedule``: ``"one-cycle"`` warms it
    up to ``lr`` and anneals it to almost zero by the last step; ``"cosine"`` starts at ``lr`` and
    falls to zero along a half cosine. The data are reshuffled every epoch with a generator seeded
    by ``seed``, so two runs with the same seed match. ``augment(x, g)``, if given, transforms each
    training batch (data augmentation), drawing from that same generator ``g``.

    After each epoch it records the mean training loss and, if ``record_accuracy``, the accuracy on
    the training data and on ``X_val``, ``y_val`` (a validation split carved from the training
    data, see ``lessons.data.carve_validation``); the test set is read once, after training, by
    the caller. ``progress`` shows a bar on stderr named ``desc``. Lessons 7 onwards and the
    full-budget runs of the command line all train their classifiers here.

    >>> X = torch.randn(64, 2); y = (X[:, 0] > 0).long()
    >>> history = fit(nn.Linear(2, 2), X, y, epochs=30, lr=0.1, batch_size=16)
    >>> history.train_accuracy[-1] > 0.9
    True
    >>> fit(nn.Linear(2, 2), X, y, epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be an integer ≥ 1, got 0
    >>> fit(nn.Linear(2, 2), X, y, epochs=1, schedule="step")
    Traceback (most recent call last):
    ...
    ValueError: schedule must be 'one-cycle' or 'cosine', got 'step'
    """
    check_int_argument("epochs", epochs)
    check_int_argument("batch_size", batch_size)
    if schedule not in ("one-cycle", "cosine"):
        raise ValueError(f"schedule must be 'one-cycle' or 'cosine', got {schedule!r}")
    if X_train.shape[0] != y_train.shape[0]:
        raise ValueError(
            f"X_train and y_train must have the same number of rows, "
            f"got {X_train.shape[0]} and {y_train.shape[0]}"
        )
    device = next(model.parameters()).device
    X_train, y_train = X_train.to(device), y_train.to(device)
    n = X_train.shape[0]
    total_steps = epochs * ((n + batch_size - 1) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule == "one-cycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=total_steps
        )
    else:
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total_steps)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for _ in progress_bar(range(epochs), desc=desc, unit="epoch", enabled=progress):
        model.train()
        order = torch.randperm(n, generator=generator).to(device)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            x = X_train[batch]
            if augment is not None:
                x = augment(x, generator)
            loss = F.cross_entropy(model(x), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * batch.numel()
        history.train_loss.append(total / n)
        if record_accuracy:
            history.train_accuracy.append(accuracy(model, X_train, y_train))
            if X_val is not None and y_val is not None:
                history.val_accuracy.append(accuracy(model, X_val, y_val))
    return history
