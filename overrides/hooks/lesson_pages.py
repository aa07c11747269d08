"""What the lesson hooks share (not a hook itself: mkdocs puts this folder on the path while it
loads each hook, so they import it by name)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LESSON = re.compile(r"^lessons/\d\d-[a-z0-9-]+(\.zh)?\.md$")


def is_lesson(page) -> bool:
    return bool(LESSON.match(page.file.src_uri))


def language(page) -> str:
    return "zh" if page.file.src_uri.endswith(".zh.md") else "en"


def where_it_ran(build: dict, lang: str) -> str:
    """What a lesson's run computed on, as its page and its notebook say it: ``build`` is the
    run's ``lessons_build`` metadata (``run_lessons.py`` writes it)."""
    cpus = build["cpus"]
    if build.get("threads", cpus) == 1 and cpus > 1:
        return f"one thread of a {cpus}-core CPU" if lang == "en" else f"{cpus} 核 CPU 的一个线程"
    if lang == "en":
        return "one CPU core" if cpus == 1 else f"{cpus} CPU cores"
    return f"{cpus} 个 CPU 核"
