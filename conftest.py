"""Sybil wiring: run every ```python cell of every page under docs/ (one namespace per page, cells
in order) and every >>> example in the lessons package's docstrings.

A lesson page's cells run as in a notebook (a cell's last expression is shown), and what they print
is kept; one more test at the end of the page applies the evidence rule (tools/evidence.py): each
measured-looking number in its prose must be printed by that run or written in its code.

A Chinese lesson runs the same code as its English twin (tests/test_pages.py checks it, comments
aside), so its cells are not run a second time: its evidence check reads the English run's outputs
(running the English page first if this session has not).
"""

import ast
import contextlib
import importlib.util
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen; plt.show() is a no-op

from sybil import Region, Sybil  # noqa: E402
from sybil.parsers.markdown import CodeBlockParser  # noqa: E402
from sybil.parsers.rest import DocTestParser  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "evidence", Path(__file__).parent / "tools" / "evidence.py"
)
evidence = sys.modules["evidence"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(evidence)

OUTPUTS = "__page_outputs__"  # where a page's namespace keeps its code and printed outputs


class _Tee(io.StringIO):
    """Writes to the terminal's stream (pytest captures it) and keeps a copy."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream

    def write(self, text):
        self.stream.write(text)
        return super().write(text)


def run_cell(example) -> None:
    """Run one cell like a notebook does, keeping its code and what it prints."""
    __tracebackhide__ = True
    source = "\n" * (example.line + example.parsed.line_offset) + example.parsed
    tree = ast.parse(source, example.path)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace = example.namespace
    kept = namespace.setdefault(OUTPUTS, [])
    kept.append(str(example.parsed))
    out = _Tee(sys.stdout)
    with contextlib.redirect_stdout(out):
        exec(compile(tree, example.path, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), example.path, "eval"), namespace)
            if value is not None:
                print(repr(value))
    namespace.pop("__builtins__", None)
    kept.append(out.getvalue())


RUNS: dict[str, list[str]] = {}  # an English lesson's path -> its code and outputs, once run


def english_run(path: Path) -> list[str]:
    """The code and outputs of the English lesson at ``path``: this session's run, or a new one."""
    if str(path) not in RUNS:
        import jupytext

        namespace: dict = {}
        cells = [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]
        for source in cells:
            example = _Cell(str(path), source, namespace)
            run_cell(example)
        _close_figures(namespace)
        RUNS[str(path)] = namespace[OUTPUTS]
    return RUNS[str(path)]


class _Cell:
    """Just what ``run_cell`` reads of a Sybil example, for running a page outside Sybil."""

    def __init__(self, path: str, source: str, namespace: dict) -> None:
        self.path, self.namespace, self.line = path, namespace, 0
        self.parsed = _Source(source)


class _Source(str):
    line_offset = 0


def _unbacked_message(text: str, outputs: list[str], page: str) -> str:
    missing = evidence.unbacked(text, outputs)
    if not missing:
        return ""
    lines = "\n".join(f"  line {c.line}: {c.text}" for c in missing)
    return (
        f"{page}: {len(missing)} number(s) in the prose that no output or code of this page "
        f"contains (print them from a cell, or cut them):\n{lines}"
    )


WITH_TWIN: set[str] = set()
"""English lessons whose evidence check also reads their Chinese twin's prose: those whose twin's
own check was deselected because both were collected (see ``pytest_collection_modifyitems``)."""


def check_evidence(example) -> None:
    """Fail if a measured-looking number in the page's prose is in none of its code or outputs."""
    path = Path(example.path)
    if path.name.endswith(".zh.md"):
        outputs = english_run(path.with_name(path.name.replace(".zh.md", ".md")))
    else:
        outputs = RUNS[str(path)] = example.namespace.get(OUTPUTS, [])
    problems = [_unbacked_message(example.document.text, outputs, path.name)]
    if str(path) in WITH_TWIN:
        twin = path.with_name(path.name.replace(".md", ".zh.md"))
        problems.append(_unbacked_message(twin.read_text(encoding="utf-8"), outputs, twin.name))
    problems = [p for p in problems if p]
    if problems:
        raise AssertionError("\n".join(problems))


def _is_evidence_check(item) -> bool:
    example = getattr(item, "example", None)
    return example is not None and example.region.evaluator is check_evidence


def pytest_collection_modifyitems(config, items):
    """Check a Chinese lesson's prose in its English twin's evidence item when both are collected.

    The Chinese page's numbers are checked against the English run's outputs. Checked in the same
    item, right after that run, they never need a second run of the English page, which a
    Chinese page's own item would make when pytest-xdist sends the twins to different workers.
    """
    english = {str(item.path) for item in items if _is_evidence_check(item)}
    deselected = []
    for item in items:
        path = Path(str(item.path))
        twin = str(path.with_name(path.name.replace(".zh.md", ".md")))
        if path.name.endswith(".zh.md") and _is_evidence_check(item) and twin in english:
            deselected.append(item)
            WITH_TWIN.add(twin)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def evidence_parser(document):
    """One more example at the end of each lesson page: the evidence check."""
    if "lessons" in Path(document.path).parts:
        end = len(document.text)
        yield Region(end, end, None, check_evidence)


def _close_figures(namespace):
    import matplotlib.pyplot as plt

    plt.close("all")


_code_blocks = CodeBlockParser(language="python", evaluator=run_cell)


def code_parser(document):
    """The page's ```python cells; none for a Chinese lesson, whose code is its English twin's."""
    path = Path(document.path)
    if "lessons" in path.parts and path.name.endswith(".zh.md"):
        return []
    return _code_blocks(document)


pages = Sybil(
    parsers=[code_parser, evidence_parser],
    patterns=["*.md"],
    path="docs",
    teardown=_close_figures,
)
docstrings = Sybil(parsers=[DocTestParser()], patterns=["*.py"], path="lessons")

pytest_collect_file = (pages + docstrings).pytest()


def pytest_addoption(parser):
    parser.addoption(
        "--site",
        metavar="DIR",
        help="a built site (mkdocs build) to check in headless Chromium; without it the browser "
        "tests in tests/browser/ are not collected",
    )


def pytest_ignore_collect(collection_path, config):
    if "browser" in collection_path.parts and not config.getoption("site"):
        return True
    return None


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs ``-n auto --dist loadfile``: each file, a page's cells
    or a module's docstrings, in one worker, in order), give each worker its share of the cores."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:  # N workers with all the threads each would fight over the cores
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(workers)))
