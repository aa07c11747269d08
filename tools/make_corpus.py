"""Write ``lessons/corpus.txt``: English prose from the docstrings of Python's standard library.

Lesson 9's character model and ``python -m lessons run char-lstm`` train on this text. It ships in
the package so nothing is downloaded. The script keeps prose paragraphs only (at least 120
characters, ASCII, mostly letters and spaces, no doctest prompts or reST literal blocks), drops
repeated paragraphs, wraps each at 79 columns and joins them with blank lines, module by module in
alphabetical order.

Docstrings change between Python releases, so the file is committed; this script records how it was
made (with CPython 3.11)::

    python tools/make_corpus.py lessons/corpus.txt
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import sys
import sysconfig
import textwrap
import warnings
from pathlib import Path

# Modules that start programs, open windows or browsers on import, or are tests and demos.
# distutils is left out because setuptools replaces it with its own copy where it is installed.
SKIP = ("antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "ensurepip")
SKIP += ("distutils",)
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def in_stdlib(module: object) -> bool:
    """True for built-in modules and for modules whose file is in the standard library's folder."""
    path = getattr(module, "__file__", None)
    if path is None:
        return True
    path = Path(path).resolve()
    return STDLIB in path.parents and "site-packages" not in path.parts


def stdlib_modules() -> list[str]:
    """Names of the standard library's modules and their submodules, sorted."""
    names = set()
    for name in sys.stdlib_module_names:
        if name.startswith(SKIP) or name == "__main__":
            continue
        names.add(name)
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module this platform lacks
            continue
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + ".", lambda _: 0):
            parts = info.name.split(".")[1:]
            if not any(part.startswith(SKIP) or part == "__main__" for part in parts):
                names.add(info.name)
    return sorted(names)


def paragraphs(doc: object) -> list[str]:
    """The prose paragraphs of one docstring, each on one line."""
    if not isinstance(doc, str):
        return []
    kept = []
    for block in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
        text = " ".join(block.split())
        prose = sum(ch.isalpha() or ch == " " for ch in text) >= 0.85 * len(text)
        if len(text) >= 120 and text.isascii() and prose and ">>>" not in text and "::" not in text:
            kept.append(text)
    return kept


def corpus() -> str:
    seen: set[str] = set()
    kept: list[str] = []
    for name in stdlib_modules():
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - platform-specific or optional modules
            continue
        if not in_stdlib(module):
            continue
        docs = [module.__doc__]
        for _, obj in sorted(vars(module).items()):
            if getattr(obj, "__module__", None) != name:
                continue  # imported from elsewhere; counted where it is defined
            docs.append(getattr(obj, "__doc__", None))
            if inspect.isclass(obj):
                members = sorted(vars(obj).items())
                docs += [getattr(member, "__doc__", None) for _, member in members]
        for doc in docs:
            for text in paragraphs(doc):
                if text not in seen:
                    seen.add(text)
                    kept.append(textwrap.fill(text, 79))
    return "\n\n".join(kept) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the text")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    text = corpus()
    args.output.write_text(text, encoding="ascii")
    print(f"{len(text):,} characters, {len(set(text))} distinct, written to {args.output}")


if __name__ == "__main__":
    main()
