"""Seeding and device choice: the two things every lesson does first.

Nothing here runs at import time; a lesson calls these explicitly.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
import torch
from tqdm import tqdm

_DEVICE_NAME = re.compile(r"(cpu|mps|cuda(:\d+)?)")
T = TypeVar("T")


def check_seed(seed: object, name: str = "seed") -> None:
    """Raise ValueError unless ``seed`` is an integer every generator accepts: 0 to 2**32 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be an integer in [0, 2**32 - 1], got {seed!r}")


def check_device_name(device: object, name: str = "device") -> None:
    """Raise ValueError unless ``device`` is a device name the package knows.

    The one parser of device names: "cpu", "cuda", "cuda:N" (the N-th GPU) or "mps". Whether
    this machine has that device is ``pick_device``'s question.

    >>> check_device_name("cuda:1")
    >>> check_device_name("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be one of "cpu", "cuda", "cuda:N" or "mps", got 'gpu'
    """
    if not isinstance(device, str) or not _DEVICE_NAME.fullmatch(device):
        raise ValueError(f'{name} must be one of "cpu", "cuda", "cuda:N" or "mps", got {device!r}')


def available_devices() -> list[str]:
    """The device names this machine can train on: always ``"cpu"``, then CUDA and MPS if present.

    >>> available_devices()[0]
    'cpu'
    """
    names = ["cpu"]
    if torch.cuda.is_available():
        names += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random number generators with one call.

    The same seed on the same machine (and the same number of threads) gives the same numbers twice.

    >>> seed_everything(0); a = torch.rand(2)
    >>> seed_everything(0); b = torch.rand(2)
    >>> torch.equal(a, b)
    True
    >>> seed_everything(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer in [0, 2**32 - 1], got -1
    """
    check_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def pick_device(prefer: str | None = None) -> torch.device:
    """Return the device to compute on: ``prefer`` if given, else CUDA, else MPS, else the CPU.

    ``prefer`` is one of ``"cpu"``, ``"cuda"`` (or ``"cuda:N"`` for the N-th GPU) or ``"mps"``;
    asking for one this machine lacks is an error rather than a silent fall-back, so a benchmark
    never reports the wrong device.

    >>> pick_device("cpu")
    device(type='cpu')
    >>> pick_device("tpu")
    Traceback (most recent call last):
    ...
    ValueError: prefer must be one of "cpu", "cuda", "cuda:N" or "mps", got 'tpu'
    """
    if prefer is not None:
        check_device_name(prefer, name="prefer")
    index = re.fullmatch(r"cuda:(\d+)", prefer or "")
    if prefer == "cpu":
        return torch.device("cpu")
    if index:
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if int(index[1]) >= count:
            raise ValueError(f"prefer={prefer!r} but this machine has {count} CUDA device(s)")
        return torch.device(prefer)
    if prefer == "cuda" or (prefer is None and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ValueError("prefer='cuda' but no CUDA device is available; use 'cpu' or None")
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    if prefer == "mps" and not has_mps:
        raise ValueError("prefer='mps' but no MPS device is available; use 'cpu' or None")
    return torch.device("mps" if has_mps else "cpu")


def progress_bar(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
) -> tqdm:
    """A progress bar on stderr over ``iterable`` (or counting to ``total`` by ``.update``), shown
    only when ``enabled``, and cleared when done.

    The one rule for progress bars in the package: plain ``tqdm``, because ``tqdm.auto`` warns on
    stderr in a notebook without ipywidgets. A disabled bar prints nothing and costs nothing.

    >>> list(progress_bar(range(3), enabled=False))
    [0, 1, 2]
    >>> with progress_bar(total=2, enabled=False) as bar:
    ...     bar.update(1)
    """
    return tqdm(
        iterable, total=total, desc=desc or None, unit=unit, disable=not enabled, leave=False
    )


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Time the ``with`` block: the wall seconds land in the yielded dict's ``"seconds"`` on exit.

    The one way the package measures time (``time.perf_counter``, a monotonic clock).

    >>> with stopwatch() as clock:
    ...     _ = sum(range(1000))
    >>> 0 <= clock["seconds"] < 1
    True
    """
    result = {"seconds": float("nan")}
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start
