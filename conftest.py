"""Sybil wiring: run every ```python cell of every page under docs/ (one namespace per page, cells
in order) and every >>> example in the lessons package's docstrings."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen; plt.show() is a no-op

from sybil import Sybil  # noqa: E402
from sybil.parsers.markdown import PythonCodeBlockParser  # noqa: E402
from sybil.parsers.rest import DocTestParser  # noqa: E402


def _close_figures(namespace):
    import matplotlib.pyplot as plt

    plt.close("all")


pages = Sybil(
    parsers=[PythonCodeBlockParser()], patterns=["*.md"], path="docs", teardown=_close_figures
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
