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
