"""What you read is what you import: a model a lesson writes out is the package's definition.

A module of ``lessons`` lists what a page teaches in ``TAUGHT_IN = {"Name": "NN-slug", ...}``; this
test finds each name's top-level definition in that page's code cells and compares it, character for
character, with the package's source.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import jupytext
import pytest

import lessons

ROOT = Path(__file__).resolve().parents[1]


def taught() -> list[tuple[str, str, str]]:
    found = []
    for info in pkgutil.iter_modules(lessons.__path__):
        module = importlib.import_module(f"lessons.{info.name}")
        for name, slug in getattr(module, "TAUGHT_IN", {}).items():
            found.append((module.__name__, name, slug))
    return found


def definition_in_page(page: Path, name: str) -> str:
    for cell in jupytext.read(page).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name:
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                lines = cell.source.splitlines()[start - 1 : node.end_lineno]
                return "\n".join(lines)
    raise AssertionError(f"{page.name} defines no top-level {name}")


@pytest.mark.parametrize(("module", "name", "slug"), taught())
def test_page_and_package_define_the_same_code(module: str, name: str, slug: str):
    page = ROOT / "docs" / "lessons" / f"{slug}.md"
    package = inspect.getsource(getattr(importlib.import_module(module), name)).rstrip()
    assert definition_in_page(page, name) == package, f"{name} in {page.name} differs from {module}"
