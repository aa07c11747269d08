"""Data every lesson can load offline.

The digits are scikit-learn's bundled copy of the UCI handwritten digits: 1,797 real 8×8 images,
pixel values 0–16, ten classes. Nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Split:
    """A train/test split as tensors.

    ``X_train`` is ``(N_train, 64)`` float32 in [0, 1]; ``y_train`` is ``(N_train,)`` int64 class
    labels; likewise for the test set.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def load_digits_split(test_size: float = 0.2, seed: int = 0) -> Split:
    """Load the 8×8 digits, scale pixels to [0, 1] and split them, stratified by class.

    With the defaults the split is the one every lesson and benchmark uses: 1,437 training and 360
    test images.

    >>> split = load_digits_split()
    >>> tuple(split.X_train.shape), tuple(split.X_test.shape)
    ((1437, 64), (360, 64))
    >>> float(split.X_train.max()) <= 1.0, split.y_test.dtype
    (True, torch.int64)
    >>> load_digits_split(test_size=1.5)
    Traceback (most recent call last):
    ...
    ValueError: test_size must be a fraction strictly between 0 and 1, got 1.5
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(
            f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}"
        )
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    as_x = lambda a: torch.tensor(a / 16.0, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.int64)  # noqa: E731
    return Split(as_x(X_tr), as_y(y_tr), as_x(X_te), as_y(y_te))


def carve_validation(
    X: torch.Tensor, y: torch.Tensor, fraction: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a training set ``X`` ``(N, ...)``, ``y`` ``(N,)`` into training and validation parts.

    The split is stratified by the labels in ``y``, so each class keeps its share. A lesson that
    watches a curve or picks a setting looks at the validation part; the test set is read once, at
    the end. Returns ``(X_train, y_train, X_val, y_val)``.

    >>> split = load_digits_split()
    >>> X_tr, y_tr, X_val, y_val = carve_validation(split.X_train, split.y_train)
    >>> tuple(X_tr.shape), tuple(X_val.shape)
    ((1149, 64), (288, 64))
    >>> carve_validation(split.X_train, split.y_train[:5])
    Traceback (most recent call last):
    ...
    ValueError: X and y must have the same number of rows, got 1437 and 5
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be a fraction strictly between 0 and 1, got {fraction!r}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}"
        )
    from sklearn.model_selection import train_test_split

    index = torch.arange(X.shape[0]).numpy()
    train, val = train_test_split(
        index, test_size=fraction, stratify=y.cpu().numpy(), random_state=seed
    )
    train, val = torch.from_numpy(train), torch.from_numpy(val)
    return X[train], y[train], X[val], y[val]
