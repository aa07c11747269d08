"""A toy translation task for lesson 14: dates written out in English, translated to ISO dates.

Each example pairs a date written one of four ways with the same date as ``YYYY-MM-DD``::

    the 3rd of March 1987  ->  1987-03-03
    March 3, 1987          ->  1987-03-03
    3 Mar 1987             ->  1987-03-03
    03.03.1987             ->  1987-03-03

The dates run from 1 January 1900 to 31 December 2099. ``make_dates`` draws disjoint sets of dates
for training and for testing, so no held-out date (in any wording) was seen in training. Texts
become tensors of character indices: index 0 is padding in both alphabets, and index 1 of the
target alphabet is the start symbol ``^`` a decoder begins from.

>>> data = make_dates(n_train=100, n_test=20, seed=0)
>>> tuple(data.src_train.shape), tuple(data.tgt_train.shape), tuple(data.src_test.shape)
((100, 26), (100, 10), (20, 26))
>>> decode(data.src_train[:2], SOURCE_ALPHABET), decode(data.tgt_train[:2], TARGET_ALPHABET)
(['the 1st of April 2038', 'December 5, 2050'], ['2038-04-01', '2050-12-05'])
>>> write_date(datetime.date(1987, 3, 3), style=0)
'the 3rd of March 1987'
>>> make_dates(n_train=0)
Traceback (most recent call last):
...
ValueError: n_train must be an integer ≥ 1, got 0
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

import torch

from lessons.config import check_int_argument

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
N_STYLES = 4
"""How many ways ``write_date`` can write a date."""

PAD = 0
"""Index of the padding symbol in both alphabets."""
BOS = 1
"""Index of the start symbol ``^`` in the target alphabet: the decoder's first input."""
SOURCE_ALPHABET = "_" + "".join(sorted(set("".join(MONTHS) + "0123456789 ,.thesndrdof")))
"""Characters of the written dates; index 0, ``_``, is padding."""
TARGET_ALPHABET = "_^0123456789-"
"""Characters of the ISO dates: padding, the start symbol ``^``, digits and the hyphen."""
SOURCE_LENGTH = 26
"""Length every written date is padded to: the longest, 'the 23rd of September 1987', is 26."""
TARGET_LENGTH = 10
"""Length of every ISO date, ``YYYY-MM-DD``."""


def _ordinal(day: int) -> str:
    """1 -> '1st', 2 -> '2nd', 3 -> '3rd', 11 -> '11th', 22 -> '22nd'."""
    if day in (11, 12, 13):
        return f"{day}th"
    return f"{day}" + {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def write_date(day: datetime.date, style: int) -> str:
    """Write ``day`` in English in one of ``N_STYLES`` styles (0 to 3), as in the module's table."""
    if isinstance(style, bool) or not isinstance(style, int) or not 0 <= style < N_STYLES:
        raise ValueError(f"style must be an integer in [0, {N_STYLES}), got {style!r}")
    month = MONTHS[day.month - 1]
    if style == 0:
        return f"the {_ordinal(day.day)} of {month} {day.year}"
    if style == 1:
        return f"{month} {day.day}, {day.year}"
    if style == 2:
        return f"{day.day} {month[:3]} {day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def encode(texts: list[str], alphabet: str, length: int) -> torch.Tensor:
    """Turn ``texts`` into an ``(N, length)`` int64 tensor of ``alphabet`` indices, 0-padded."""
    ids = torch.zeros(len(texts), length, dtype=torch.long)
    for row, text in enumerate(texts):
        if len(text) > length:
            raise ValueError(f"texts must be at most {length} characters, got {text!r}")
        unknown = set(text) - set(alphabet[1:])
        if unknown:
            raise ValueError(f"texts must use only characters of alphabet, got {sorted(unknown)}")
        ids[row, : len(text)] = torch.tensor([alphabet.index(ch) for ch in text])
    return ids


def decode(ids: torch.Tensor, alphabet: str) -> list[str]:
    """Turn an ``(N, L)`` tensor of indices back into ``N`` strings, dropping padding."""
    if ids.ndim != 2:
        raise ValueError(f"ids must be a 2-D tensor (N, L), got shape {tuple(ids.shape)}")
    return ["".join(alphabet[i] for i in row if i != PAD) for row in ids.tolist()]


@dataclass(frozen=True)
class DateData:
    """Training and held-out pairs as index tensors: sources (N, 26) and targets (N, 10), int64."""

    src_train: torch.Tensor
    tgt_train: torch.Tensor
    src_test: torch.Tensor
    tgt_test: torch.Tensor


def make_dates(n_train: int = 20_000, n_test: int = 1_000, seed: int = 0) -> DateData:
    """Draw ``n_train + n_test`` different dates; write each in a random style; split them.

    The first ``n_train`` dates train, the rest are held out, so the two sets share no date. The
    same ``seed`` gives the same data on every machine (Python's ``random`` with its own seed).
    """
    check_int_argument("n_train", n_train)
    check_int_argument("n_test", n_test)
    n_days = (LAST_DAY - FIRST_DAY).days + 1
    if n_train + n_test > n_days:
        raise ValueError(f"n_train + n_test must be at most {n_days}, got {n_train + n_test}")
    rng = random.Random(seed)
    offsets = rng.sample(range(n_days), n_train + n_test)  # distinct dates
    days = [FIRST_DAY + datetime.timedelta(days=k) for k in offsets]
    sources = [write_date(day, rng.randrange(N_STYLES)) for day in days]
    targets = [day.isoformat() for day in days]
    src = encode(sources, SOURCE_ALPHABET, SOURCE_LENGTH)
    tgt = encode(targets, TARGET_ALPHABET, TARGET_LENGTH)
    return DateData(src[:n_train], tgt[:n_train], src[n_train:], tgt[n_train:])
