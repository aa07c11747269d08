"""Every built page loads cleanly in a real browser with the network off."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def pages(site: Path) -> list[str]:
    return sorted(
        str(p.parent.relative_to(site)).replace(".", "") for p in site.rglob("index.html")
    )


def pytest_generate_tests(metafunc):
    if "path" in metafunc.fixturenames:
        site = Path(metafunc.config.getoption("site")).resolve()
        metafunc.parametrize("path", pages(site))


def test_page_loads_cleanly(path: str, base_url: str, site_dir: Path, open_page):
    url = base_url + (path + "/" if path else "")
    page, visit = open_page(url)
    # Load every lazy image now, then check each one arrived.
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15000)
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src)"
    )
    assert broken == [], f"images that did not load: {broken}"
    assert visit.blocked == [], f"requests that left 127.0.0.1: {visit.blocked}"
    assert visit.failed == [], f"failed requests: {visit.failed}"
    assert visit.console_errors == [], f"console errors: {visit.console_errors}"

    html = (site_dir / path / "index.html").read_text(encoding="utf-8")
    has_math = bool(re.search(r"\$[^$\s][^$]*\$|\\\(|arithmatex", page.inner_text("article")))
    has_math = has_math or "arithmatex" in html
    if has_math:
        assert page.locator(".katex").count() > 0, "math on this page was not typeset"
    assert page.locator(".katex-error").count() == 0, "KaTeX could not typeset some math"


@pytest.mark.parametrize("lang", ["", "zh/"])
def test_lesson_pages_link_a_valid_notebook(lang: str, base_url: str, site_dir: Path, open_page):
    lessons = sorted((site_dir / lang / "lessons").glob("[0-9][0-9]-*/index.html"))
    assert lessons, "no lesson pages were built"
    for index in lessons:
        html = index.read_text(encoding="utf-8")
        assert len(re.sub(r"data:image/[^\"']+", "", html).encode()) <= 150 * 1024, index
        assert "Traceback (most recent call last)" not in html, index
        links = re.findall(r'href="([^"]+\.ipynb)"', html)
        assert links, f"{index} has no notebook link"
        notebook = json.loads((index.parent / links[0]).read_text(encoding="utf-8"))
        assert notebook["nbformat"] == 4 and notebook["cells"], index


# Material's search worker throws in its highlighter ("Invalid query" in the console) for some
# terms once certain lesson pages are indexed; bisected to lessons 1, 2 and 7, cause not yet found.
SEARCH_BUG = pytest.mark.xfail(strict=True, reason="Material search highlighter bug, see issue 9")


@pytest.mark.parametrize(
    ("lang", "query", "expected"),
    [
        ("", "backpropagation", "06-backpropagation"),
        ("", "neuron", "04-the-neuron"),
        ("zh/", "术语表", "zh/glossary"),
        pytest.param("", "softmax", "05-logistic-softmax-regression", marks=SEARCH_BUG),
        pytest.param("zh/", "反向传播", "06-backpropagation", marks=SEARCH_BUG),
    ],
)
def test_search_finds_the_right_lesson(lang, query, expected, base_url, open_page):
    page, visit = open_page(base_url + lang)
    search = page.locator("input.md-search__input")
    search.click()
    search.fill(query)
    search.press("End")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15000)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert any(expected in h for h in hrefs[:5]), hrefs[:5]
    if lang:
        assert all("/zh/" in h for h in hrefs), "Chinese search should stay in Chinese pages"
    assert visit.console_errors == []
