"""Sybil wiring: run every ```python cell of every page under docs/ (one namespace per page, cells in
order) and every >>> example in the lessons package's docstrings."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen; plt.show() is a no-op

from sybil import Sybil  # noqa: E402
from sybil.parsers.markdown import PythonCodeBlockParser  # noqa: E402
from sybil.parsers.rest import DocTestParser  # noqa: E402

pages = Sybil(parsers=[PythonCodeBlockParser()], patterns=["*.md"], path="docs")
docstrings = Sybil(parsers=[DocTestParser()], patterns=["*.py"], path="lessons")

pytest_collect_file = (pages + docstrings).pytest()
