"""One look for every figure on the site.

Figures use matplotlib's bundled DejaVu Sans, so they render the same on every machine with no
missing-glyph boxes; labels are English words or math, and the page around a figure explains it in
the reader's language.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import torch

from lessons.config import check_int_argument

#: Colours that stay distinct for colour-blind readers (Okabe and Ito's palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": True,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the site's figure style (``STYLE``) to matplotlib.

    >>> use_style()
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["font.family"] == ["DejaVu Sans"] and plt.rcParams["axes.grid"]
    True
    """
    mpl.rcParams.update(STYLE)


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Count, for every pair of classes, how often true class ``i`` was predicted as class ``j``.

    ``y_true`` and ``y_pred`` are ``(N,)`` integer labels in ``[0, n_classes)``. Returns an
    ``(n_classes, n_classes)`` int64 tensor: row ``i`` is the true class, column ``j`` the predicted
    one, so the diagonal holds the correct answers and the matrix sums to ``N``.

    >>> confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), n_classes=3)
    tensor([[1, 0, 0],
            [0, 1, 1],
            [0, 0, 1]])
    >>> confusion_matrix(torch.tensor([0, 3]), torch.tensor([0, 1]), n_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: y_true must hold integer labels in [0, 3), got values from 0 to 3
    """
    check_int_argument("n_classes", n_classes)
    y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim != 1 or y.dtype.is_floating_point or y.dtype.is_complex:
            raise ValueError(
                f"{name} must be a 1-D tensor of integer labels, got {y.dtype} "
                f"with shape {tuple(y.shape)}"
            )
        if y.numel() and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(
                f"{name} must hold integer labels in [0, {n_classes}), "
                f"got values from {y.min().item()} to {y.max().item()}"
            )
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, "
            f"got {y_true.numel()} and {y_pred.numel()}"
        )
    pairs = y_true.long().cpu() * n_classes + y_pred.long().cpu()  # one index per (true, pred) cell
    counts = torch.bincount(pairs, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def show_confusion(matrix: torch.Tensor, *, ax=None, title: str = "Confusion matrix"):
    """Draw a confusion matrix (rows: true class, columns: predicted class) and return the Axes.

    Every non-zero count is written in its cell; mistakes (off the diagonal) are written in bold
    vermilion so that the few errors stand out against the large diagonal.

    >>> ax = show_confusion(torch.tensor([[5, 1], [0, 4]]))
    >>> ax.get_xlabel(), [t.get_text() for t in ax.texts]
    ('predicted class', ['5', '1', '4'])
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    matrix = torch.as_tensor(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be a square (K, K) tensor, got shape {tuple(matrix.shape)}")
    k, largest = matrix.shape[0], matrix.max().item()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(matrix.cpu().numpy(), cmap="Blues")
    for i in range(k):
        for j in range(k):
            count = int(matrix[i, j])
            if count == 0:
                continue
            if i == j:  # a dark cell needs light text
                colour = "white" if count > largest / 2 else "black"
                ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color=colour)
            else:
                ax.text(
                    j,
                    i,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=PALETTE[3],
                    fontweight="bold",
                )
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    ax.grid(False)
    return ax


def show_digits(images, labels=None, *, predicted=None, ncols: int = 10, title=None):
    """Draw square grey-scale images in a grid, titled by label (and prediction); return the Figure.

    ``images`` is ``(N, P)`` with ``P`` a square number (8×8 digits: ``P = 64``) or ``(N, H, W)``.
    ``labels`` and ``predicted`` are optional ``(N,)`` class labels. With both, each title reads
    ``true 2`` over ``pred 7``, in vermilion where they differ.

    >>> labels, predicted = torch.tensor([1, 2, 3]), torch.tensor([1, 7, 3])
    >>> fig = show_digits(torch.rand(3, 64), labels, predicted=predicted)
    >>> len(fig.axes), fig.axes[1].get_title()
    (3, 'true 2\\npred 7')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    >>> show_digits(torch.rand(3, 60))
    Traceback (most recent call last):
    ...
    ValueError: images must have shape (N, P) with P a square number, or (N, H, W); got (3, 60)
    """
    import matplotlib.pyplot as plt

    images = torch.as_tensor(images).detach().cpu()
    side = math.isqrt(images.shape[-1]) if images.ndim == 2 else 0
    if images.ndim == 2 and side * side == images.shape[1]:
        images = images.reshape(-1, side, side)
    elif images.ndim != 3:
        raise ValueError(
            f"images must have shape (N, P) with P a square number, or (N, H, W); "
            f"got {tuple(images.shape)}"
        )
    n = images.shape[0]
    for name, values in (("labels", labels), ("predicted", predicted)):
        if values is not None and len(values) != n:
            raise ValueError(f"{name} must have one entry per image ({n}), got {len(values)}")
    check_int_argument("ncols", ncols)
    ncols = min(ncols, max(n, 1))
    nrows = max(1, math.ceil(n / ncols))
    top = max(1.0, float(images.max())) if n else 1.0  # one grey scale for all images
    two_lines = labels is not None and predicted is not None
    fig, axes = plt.subplots(
        nrows,
        ncols,
        squeeze=False,
        figsize=(0.85 * ncols, (1.35 if two_lines else 1.2) * nrows + 0.3),
    )
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= n:
            continue
        ax.imshow(images[index].numpy(), cmap="gray_r", vmin=0.0, vmax=top)
        if two_lines:
            true, pred = int(labels[index]), int(predicted[index])
            ax.set_title(
                f"true {true}\npred {pred}",
                fontsize=8,
                color=PALETTE[3] if true != pred else "black",
            )
        elif labels is not None:
            ax.set_title(str(int(labels[index])), fontsize=9)
    for ax in axes.flat[n:]:
        ax.remove()
    if title is not None:
        fig.suptitle(title)
    return fig
