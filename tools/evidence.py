"""The evidence rule: a number the prose of a lesson states must come out of the page's run.

A lesson's prose may say "97.2 % of the test digits", "in 300 steps", "about 4 s" or "3× faster"
only if the same number is printed by one of the page's cells or written in its code. This module
finds the measured-looking numbers of a page's prose and reports those that nothing on the page
backs. ``conftest.py`` runs it at the end of every lesson page's tests, against the code and the
outputs of that very run.

What counts as measured-looking (in English and Chinese prose, inline math included):

- a decimal (``0.93``), a percentage (``97 %``), a time (``4 s``, ``12 秒``), a ratio (``3×``,
  ``5 times``, ``3 倍``), a count of training work (``300 steps``, ``20 epochs``, ``5 seeds``,
  ``200 步``, ``20 轮``).

What passes by rule, not by list:

- the closing "Sources" section (``## Sources``, ``## 参考文献``), which quotes the papers' own
  settings and results, not this page's run;
- sizes written as ``8×8``, versions (``2.13.0``, ``PyTorch 2.2``), arXiv ids, section, equation,
  table and lesson numbers, and anything in display math, inline code, links or headings;
- plain integers that are not a count of training work (years, lesson numbers, layer widths).

A prose number is backed when an output or code number, rounded to the digits the prose shows,
equals it; a percentage is also backed by a fraction (``0.972`` backs ``97.2 %``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
# English units after a space ("4 s"; "1s and 0s" are digits), Chinese ones with or without.
_UNIT_TIME = r"(?:\s(?:ms|µs|s|sec|seconds?|minutes?|min|hours?)|\s?(?:秒|毫秒|分钟|小时))"
_UNIT_WORK = (
    r"(?:steps?|epochs?|episodes?|iterations?|updates?|seeds?|runs?|games?|"
    r"步|轮|个?回合|次迭代|次更新|个种子|局)"
)
# A number that ends in one of these is measured-looking; the group after NUMBER says which kind.
MEASURED = re.compile(
    rf"(?<![\w.\-/:#])(?P<number>{NUMBER})"
    rf"(?:(?P<percent>\s?(?:%|％|per ?cent))"
    rf"|(?P<time>{_UNIT_TIME}(?![\w]))"
    rf"|(?P<ratio>\s?(?:×|x|times|倍)(?!\s?\d)(?![A-Za-z]))"
    rf"|(?P<work>\s?{_UNIT_WORK}(?![A-Za-z]))"
    rf"|(?P<decimal>))"
)
# Numbers that are names, not measurements: preceded by one of these words.
_NAME_BEFORE = re.compile(
    r"(?:arxiv:?|sections?|sec\.|§|eqs?\.|equations?|tables?|figures?|figs?\.|chapters?|"
    r"lessons?|exercises?|"
    r"python|pytorch|torch|numpy|gymnasium|version|v|第|课|练习|图|表|公式)\s*$",
    re.I,
)


SOURCES = re.compile(r"^## (?:Sources|参考文献)\s*$")


@dataclass(frozen=True)
class Claim:
    """One measured-looking number in prose: its text, its value and how many decimals it shows."""

    text: str
    value: float
    decimals: int
    percent: bool
    line: int


def prose_of(page_text: str) -> list[tuple[int, str]]:
    """The prose lines of a jupytext Markdown page: (line number, text) without code and markup."""
    lines = page_text.split("\n")
    out, in_code, in_math, in_front = [], False, False, lines[:1] == ["---"]
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if in_front:
            if n > 1 and stripped == "---":
                in_front = False
            continue
        if not in_code and SOURCES.match(stripped):
            break  # the papers' numbers, quoted, not measured here
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if in_math:  # display math ends at a line ending in $$, text before it or not
            in_math = not stripped.endswith("$$")
            continue
        if stripped.startswith("$$"):
            in_math = not (stripped.endswith("$$") and len(stripped) > 2)
            continue
        if stripped.startswith("#"):
            continue
        text = re.sub(r"`[^`]*`", " ", line)  # inline code
        # Inline math: only its decimals can be claims ("$\approx 2.56$"); "$x^3 - 3x$" is algebra.
        text = re.sub(
            r"\$[^$]+\$", lambda m: " " + " ".join(re.findall(r"\d+\.\d+", m[0])) + " ", text
        )
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        text = re.sub(r"<[^>]+>", " ", text)  # HTML tags
        text = re.sub(r"(?<=\d)\s?[×x]\s?(?=\d)", "×", text)  # sizes: 8 × 8 -> 8×8
        text = re.sub(rf"{NUMBER}(?:×{NUMBER})+", " ", text)  # ... which are definitions
        text = re.sub(r"\d+(?:\.\d+){2,}", " ", text)  # versions: 2.13.0
        out.append((n, text))
    return out


def claims(page_text: str) -> list[Claim]:
    """Every measured-looking number in the prose of ``page_text``."""
    found = []
    for n, text in prose_of(page_text):
        for m in MEASURED.finditer(text):
            if _NAME_BEFORE.search(text[: m.start()]):
                continue
            number = m["number"]
            if m["decimal"] is not None and "." not in number:
                continue  # a plain integer: a size, a year, a count that defines
            plain = number.replace(",", "")
            decimals = len(plain.split(".")[1]) if "." in plain else 0
            found.append(Claim(m[0].strip(), float(plain), decimals, m["percent"] is not None, n))
    return found


_EVIDENCE_NUMBER = re.compile(r"\d[\d_,]*(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+")


def evidence_numbers(texts: list[str]) -> list[float]:
    """Every number in code and outputs (``1_000``, ``1,000``, ``1e-3``, ``.5`` included)."""
    values = []
    for text in texts:
        for token in _EVIDENCE_NUMBER.findall(text):
            token = token.replace("_", "").replace(",", "")
            try:
                values.append(float(token))
            except ValueError:
                continue
            # "1,437" is one number; "(1, 2)" printed by Python is two: keep both readings.
        for part in re.findall(r"\d+(?:\.\d+)?", text):
            values.append(float(part))
    return values


def is_backed(claim: Claim, numbers: list[float]) -> bool:
    """True if some number, rounded to the claim's decimals, is the claim's number."""
    tolerance = 0.5 * 10 ** (-claim.decimals) + 1e-9
    for value in numbers:
        if abs(value - claim.value) <= tolerance:
            return True
        if claim.percent and abs(100 * value - claim.value) <= tolerance:
            return True
    return False


def unbacked(page_text: str, evidence: list[str]) -> list[Claim]:
    """The claims of a page that no number in ``evidence`` (its code and outputs) backs."""
    numbers = evidence_numbers(evidence)
    return [c for c in claims(page_text) if not is_backed(c, numbers)]
