"""What a reader copies from a built page is the lesson's code, and it runs.

The code is read back from the HTML the site serves (not from the Markdown source), so a build step
that garbled a character, dropped a cell or left a prompt in would fail here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]


def lesson_dirs(site: Path, lang: str = "") -> list[Path]:
    return sorted((site / lang / "lessons").glob("[0-9][0-9]-*"))


def cells_on_page(index: Path) -> list[str]:
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    return [div.get_text() for div in soup.select("div.highlight-ipynb")]


def source_cells(slug: str, lang: str = "") -> list[str]:
    suffix = ".zh.md" if lang else ".md"
    nb = jupytext.read(ROOT / "docs" / "lessons" / f"{slug}{suffix}")
    return [c.source for c in nb.cells if c.cell_type == "code"]


def pytest_generate_tests(metafunc):
    if "lesson" in metafunc.fixturenames:
        site = Path(metafunc.config.getoption("site")).resolve()
        slugs = [d.name for d in lesson_dirs(site)]
        metafunc.parametrize("lesson", slugs)


@pytest.mark.parametrize("lang", ["", "zh/"])
def test_the_page_shows_every_cell_exactly(lang: str, site_dir: Path):
    for folder in lesson_dirs(site_dir, lang):
        shown = cells_on_page(folder / "index.html")
        assert shown == source_cells(folder.name, lang), f"{lang}{folder.name}"


def test_code_copied_from_the_page_runs(lesson: str, site_dir: Path, tmp_path: Path):
    """Join the page's cells as shown, run them in a new process in an empty folder."""
    script = tmp_path / f"{lesson}.py"
    cells = cells_on_page(site_dir / "lessons" / lesson / "index.html")
    script.write_text("\n\n".join(cells) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["MPLBACKEND"] = "Agg"
    run = subprocess.run(
        [sys.executable, script.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_copy_button_copies_the_cell_exactly(base_url: str, site_dir: Path, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        for folder in lesson_dirs(site_dir)[:3] + lesson_dirs(site_dir, "zh/")[-1:]:
            rel = folder.relative_to(site_dir).as_posix()
            page.goto(f"{base_url}{rel}/", wait_until="networkidle")
            expected = source_cells(folder.name, "zh/" if rel.startswith("zh/") else "")
            buttons = page.locator("clipboard-copy")
            assert buttons.count() == len(expected), rel
            for i, code in enumerate(expected):
                page.evaluate("navigator.clipboard.writeText('')")
                buttons.nth(i).scroll_into_view_if_needed()
                buttons.nth(i).click()
                copied = page.evaluate("navigator.clipboard.readText()")
                assert copied == code, f"{rel}: cell {i + 1} copies {copied[:80]!r}"
    finally:
        context.close()
