"""Unit tests of the package's shared pieces: seeding, devices, data, the training loop."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import lessons
from lessons import pick_device, seed_everything
from lessons.config import (
    check_fraction_argument,
    check_int_argument,
    check_layer_widths,
    check_nonnegative_argument,
    check_positive_argument,
)
from lessons.data import carve_validation, load_digits_split
from lessons.train import accuracy, fit


def draw() -> tuple[float, float, float]:
    return random.random(), float(np.random.rand()), torch.rand(1).item()


def test_seed_everything_repeats_every_generator():
    seed_everything(3)
    first = draw()
    seed_everything(3)
    assert draw() == first
    seed_everything(4)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be an integer"):
        seed_everything(bad)


def test_pick_device_defaults_to_an_available_device():
    device = pick_device()
    assert device.type in {"cpu", "cuda", "mps"}
    torch.zeros(1, device=device)  # usable


def test_pick_device_refuses_a_missing_accelerator():
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            pick_device("cuda")
    with pytest.raises(ValueError, match="prefer must be one of"):
        pick_device("gpu")


def test_digits_split_is_stratified_and_fixed():
    a, b = load_digits_split(), load_digits_split()
    assert torch.equal(a.X_test, b.X_test)
    counts = torch.bincount(a.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # 360 test images, 10 balanced classes
    assert set(a.y_train.tolist()) == set(range(10))
    assert 0.0 <= a.X_train.min() and a.X_train.max() <= 1.0


def test_fit_is_deterministic_and_learns_the_digits():
    split = load_digits_split()
    X_train, y_train, X_val, y_val = carve_validation(split.X_train, split.y_train)

    def run() -> tuple[list[float], float]:
        torch.manual_seed(0)
        model = nn.Linear(64, 10)
        history = fit(
            model,
            X_train,
            y_train,
            epochs=3,
            lr=0.05,
            X_val=X_val,
            y_val=y_val,
        )
        assert len(history.val_accuracy) == 3
        return history.train_loss, accuracy(model, split.X_test, split.y_test)

    (loss_a, acc_a), (loss_b, acc_b) = run(), run()
    assert loss_a == loss_b and acc_a == acc_b
    assert loss_a[-1] < loss_a[0]
    assert acc_a > 0.85


def test_fit_and_accuracy_reject_mismatched_rows():
    with pytest.raises(ValueError, match="same number of rows"):
        fit(nn.Linear(2, 2), torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), epochs=1)
    with pytest.raises(ValueError, match="same number of rows"):
        accuracy(nn.Linear(2, 2), torch.zeros(4, 2), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="batch_size"):
        fit(
            nn.Linear(2, 2),
            torch.zeros(4, 2),
            torch.zeros(4, dtype=torch.long),
            epochs=1,
            batch_size=0,
        )


def test_the_topic_modules_never_import_the_benchmark_layer():
    """``lessons.bench`` (configs of full-budget runs, command line, registry, results page) sits on
    top of the topic modules the pages teach from; nothing below it may reach up into it."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "lessons"
    topic_modules = sorted(package.glob("*.py"))
    assert len(topic_modules) > 10
    for path in topic_modules:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            reached = [n for n in names if n == "lessons.bench" or n.startswith("lessons.bench.")]
            if path.name != "__main__.py":  # `python -m lessons` starts the command line
                assert not reached, f"{path.name} imports {reached[0]}"


def test_the_floor_job_installs_exactly_the_lower_bounds():
    """.ci/run tests the oldest releases pyproject.toml allows: it must install exactly those."""
    import re
    from pathlib import Path

    from packaging.version import Version

    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S)[1]
    lower = {n.lower(): v for n, v in re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"', block)}
    assert len(lower) >= 5
    pins = {}
    for line in (root / ".ci" / "floor.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    assert set(pins) == set(lower), "every dependency pinned, nothing else"
    for name, version in lower.items():  # the very release the bound names, not a later patch
        assert Version(pins[name]) == Version(version), f"{name}: {pins[name]} vs >={version}"


# One wording per validation rule: every check goes through lessons.config's helpers.
RULES = [
    (lambda: check_int_argument("n", 0), "n must be an integer ≥ 1, got 0"),
    (lambda: check_int_argument("n", 2.0), "n must be an integer ≥ 1, got 2.0"),
    (lambda: check_int_argument("n", True, least=0), "n must be an integer ≥ 0, got True"),
    (lambda: check_int_argument("k", 1, least=2), "k must be an integer ≥ 2, got 1"),
    (lambda: check_positive_argument("lr", 0), "lr must be a number > 0, got 0"),
    (lambda: check_positive_argument("lr", "1"), "lr must be a number > 0, got '1'"),
    (lambda: check_nonnegative_argument("w", -0.5), "w must be a number ≥ 0, got -0.5"),
    (lambda: check_fraction_argument("p", 1.0), r"p must be a number in \[0, 1\), got 1.0"),
    (lambda: check_fraction_argument("p", 1.5, closed=True), r"p must be a number in \[0, 1\]"),
    (
        lambda: check_layer_widths("h", (4, 0)),
        r"h must be a sequence of integers ≥ 1, got \(4, 0\)",
    ),
    (lambda: check_layer_widths("h", "44"), "h must be a sequence of integers ≥ 1, got '44'"),
    (lambda: check_layer_widths("c", (), nonempty=True), "c must be a non-empty sequence of"),
]


@pytest.mark.parametrize(("check", "message"), RULES)
def test_each_rule_has_one_wording(check, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        check()


def test_the_helpers_accept_what_they_promise():
    check_int_argument("n", 0, least=0)
    check_positive_argument("lr", 1e-9)
    check_nonnegative_argument("w", 0)
    check_fraction_argument("p", 0.0)
    check_fraction_argument("p", 1, closed=True)
    check_layer_widths("h", [])
    check_layer_widths("h", [3, 1])


OLD_WORDINGS = ("a positive integer", "an integer of at least", "must be ≥ 1")


def test_no_old_wording_of_a_rule_comes_back():
    """The package words each rule one way; the wordings it replaced must not reappear."""
    root = Path(lessons.__file__).parent
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name == "corpus.txt" or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # not a text file
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found += [
                f"{path.relative_to(root.parent)}:{number}: {old!r}"
                for old in OLD_WORDINGS
                if old in line
            ]
    assert not found, "old wordings of a validation rule:\n" + "\n".join(found)
