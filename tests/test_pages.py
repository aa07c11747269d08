"""The rules every page follows, checked on the sources (the build checks the rendered pages)."""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LESSONS = sorted(p for p in (DOCS / "lessons").glob("[0-9][0-9]-*.md") if ".zh." not in p.name)
ENGLISH = sorted(p for p in DOCS.rglob("*.md") if not p.name.endswith(".zh.md"))
FENCE = re.compile(r"^```(\S*)(.*)$", re.M)


def load_hook(name: str):
    """The build hook ``overrides/hooks/<name>.py``, loaded as mkdocs loads it (its folder on the
    path, so it can import ``lesson_pages``)."""
    hooks = ROOT / "overrides" / "hooks"
    spec = importlib.util.spec_from_file_location(f"hook_{name}", hooks / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(hooks))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(hooks))
    return module


def code_cells(path: Path) -> list[str]:
    return [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]


@functools.cache
def _same_code():
    return load_hook("run_lessons").same_code


def without_comments(source: str) -> str:
    """The code of a cell with comments dropped and layout normalised: the build's own rule."""
    return _same_code()(source)


def test_there_are_lessons():
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("page", LESSONS + [p.with_suffix(".zh.md") for p in LESSONS], ids=str)
def test_lesson_format(page: Path):
    text = page.read_text(encoding="utf-8")
    kernel = jupytext.read(page).metadata.get("kernelspec", {})
    assert kernel.get("language") == "python", "front matter must name a python kernelspec"
    prose = "\n".join(c.source for c in jupytext.read(page).cells if c.cell_type == "markdown")
    assert len(re.findall(r"^# ", prose, re.M)) == 1, "one H1 title per lesson"
    for language, extra in FENCE.findall(text):
        if language:  # an opening fence
            assert language == "python" and not extra.strip(), (
                f"```{language}{extra}: Sybil runs only plain ```python blocks; "
                "anything else on the fence line would be skipped silently"
            )
    for cell in code_cells(page):
        assert not re.search(r"^\s*>>>", cell, re.M), "no >>> prompts in lesson cells"


@pytest.mark.parametrize("page", ENGLISH, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_page_has_a_chinese_twin(page: Path):
    twin = page.with_name(page.name[: -len(".md")] + ".zh.md")
    assert twin.exists(), f"{twin.relative_to(ROOT)} is missing"


@pytest.mark.parametrize("page", LESSONS, ids=lambda p: p.name)
def test_chinese_twin_runs_the_same_code(page: Path):
    english = [without_comments(c) for c in code_cells(page)]
    chinese = [without_comments(c) for c in code_cells(page.with_suffix(".zh.md"))]
    assert len(chinese) == len(english), "the twins have different numbers of code cells"
    for n, (en, zh) in enumerate(zip(english, chinese, strict=True), 1):
        assert en == zh, f"code cell {n} differs (comments aside)"


def test_comment_stripping_keeps_code():
    a = "x = 1  # one\n# a note\nprint('# not a comment')\n"
    b = "x = 1  # 一\nprint('# not a comment')\n"
    assert without_comments(a) == without_comments(b)
    assert without_comments(a) != without_comments("x = 2\nprint('# not a comment')\n")


@pytest.mark.parametrize("page", LESSONS, ids=lambda p: p.name)
def test_download_notebook_is_valid(page: Path):
    nb = nbformat.reads(load_hook("downloads").notebook_for_download(page), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.language == "python"
    assert [c.source for c in nb.cells if c.cell_type == "code"] == code_cells(page)


def test_a_download_notebook_runs_top_to_bottom_in_a_fresh_kernel_with_the_same_outputs_twice(
    tmp_path: Path, monkeypatch
):
    """The notebook a reader downloads runs in plain Jupyter, and a second run in a fresh kernel
    prints and draws exactly the same: the page's numbers do not move between runs."""
    from nbclient import NotebookClient

    monkeypatch.delenv("MPLBACKEND", raising=False)  # as in Jupyter: the inline backend draws

    page = DOCS / "lessons" / "03-linear-regression.md"

    def run() -> list[tuple[str, list]]:
        """Per code cell: what it printed, and what it displayed (text and figures)."""
        nb = nbformat.reads(load_hook("downloads").notebook_for_download(page), as_version=4)
        client = NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
        assert not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))
        cells = []
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
            shown = [o.data for o in cell.outputs if "data" in o]
            cells.append((printed, shown))
        return cells

    first, second = run(), run()
    assert any("image/png" in data for _, shown in first for data in shown)
    for (printed_a, shown_a), (printed_b, shown_b) in zip(first, second, strict=True):
        assert printed_a == printed_b
        assert len(shown_a) == len(shown_b)
        for a, b in zip(shown_a, shown_b, strict=True):
            assert a.get("text/plain") == b.get("text/plain")
            if "image/png" in a:  # the same picture (PNG metadata may differ)
                assert_same_picture(pixels(a["image/png"]), pixels(b["image/png"]))


def assert_same_picture(a, b, *, at_most: float = 0.001):
    """Two renders of one figure agree but for antialiasing: at most `at_most` of the pixels differ.

    Identical data draws identical pixels on a quiet machine; a CI run once saw a few edge pixels
    of a scatter plot flip between two runs (the printed numbers agreed to every digit). A changed
    curve, point or label moves far more than 0.1 % of a figure's pixels."""
    assert a.shape == b.shape, f"the figure's size changed: {a.shape} vs {b.shape}"
    differ = (abs(a - b) > 1 / 255).any(axis=-1)
    share = differ.mean()
    assert share <= at_most, f"{differ.sum()} of {differ.size} pixels differ ({share:.3%})"


def test_same_picture_allows_an_antialiasing_flip_but_not_a_moved_line():
    import numpy as np

    a = np.ones((100, 100, 4), dtype=np.float32)
    flipped = a.copy()
    flipped[3, 7, :3] = 0.5  # one edge pixel
    assert_same_picture(a, flipped)
    moved = a.copy()
    moved[40, :, :3] = 0  # a line across the figure
    with pytest.raises(AssertionError, match="pixels differ"):
        assert_same_picture(a, moved)


def pixels(png_base64: str):
    """The RGBA array of a base64-encoded PNG."""
    import base64
    import io

    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(base64.b64decode(png_base64)), format="png")


def test_build_cache_sees_a_change_to_the_package(tmp_path: Path, monkeypatch):
    hook = load_hook("run_lessons")
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    monkeypatch.setattr(hook, "ROOT", tmp_path)
    before = hook._fingerprint()
    assert hook._fingerprint() == before
    with open(tmp_path / "lessons" / "plot.py", "a", encoding="utf-8") as f:
        f.write("\n# a change\n")
    changed = hook._fingerprint()
    assert changed != before
    (tmp_path / "lessons" / "corpus.txt").write_text("other text", encoding="utf-8")
    assert hook._fingerprint() != changed, "data the lessons read counts too"


def test_headings_get_unique_readable_ids_that_the_toc_follows():
    from mkdocs.structure.toc import AnchorLink

    toc = [AnchorLink("x", "", 1)]
    toc[0].children = [AnchorLink("y", "solution", 4), AnchorLink("z", "solution_1", 4)]
    page = SimpleNamespace(toc=toc, file=SimpleNamespace(src_uri="lessons/x.md"))
    anchor = '<a class="anchor-link" href="#{}">\u00b6</a>'
    html = (
        f'<h1 id="">深度学习的三个步骤{anchor.format("")}</h1>'
        f'<h4 id="solution">Solution{anchor.format("solution")}</h4>'
        f'<h4 id="solution">Solution{anchor.format("solution")}</h4>'
    )
    out = load_hook("lesson_html")._unique_heading_ids(html, page)
    ids = re.findall(r'<h\d id="([^"]*)">', out)
    assert ids == ["深度学习的三个步骤", "solution", "solution_1"]
    assert re.findall(r'href="#([^"]*)"', out) == ids
    assert [toc[0].id] + [c.id for c in toc[0].children] == ids


def test_size_hints_go_on_top_level_cells_only():
    """site.css estimates the height of a cell not yet laid out from the numbers the hook writes."""
    png = (
        b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (800).to_bytes(4, "big") + (400).to_bytes(4, "big")
    )
    html = (
        '<div class="jp-Notebook"><div class="jp-Cell jp-MarkdownCell"><p>ab 中文</p></div>'
        '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell jp-CodeCell">'
        '<pre>a = 1\nb = 2</pre><div><pre>3</pre></div><img src="figure-1.png"></div></div></div>'
    )
    out = load_hook("lesson_html")._size_hints(html, {"figure-1.png": png})
    styles = re.findall(r'<div class="jp-Cell[^"]*"( style="[^"]*")?>', out)
    assert styles == [
        ' style="--chars:7"',  # "ab 中文": a Chinese character counts as two Latin letters
        ' style="--lines:3;--aspect:0.5"',
        "",  # the nested copy of the cell is inside the estimate already
    ]
    assert re.sub(r' style="[^"]*"', "", out) == html

    # A table's row is as tall as its longest cell wrapped in its column's share of the width.
    table = "<table><tr><th>a</th><th>bbbb</th></tr><tr><td>cc</td><td>d</td></tr></table>"
    cell = f'<div class="jp-Notebook"><div class="jp-Cell jp-MarkdownCell"><p>ab</p>{table}</div>'
    out = load_hook("lesson_html")._size_hints(cell + "</div>", {})
    assert ' style="--chars:14"' in out  # "ab" (2) + 2 columns × 4 + 2 columns × 2


CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
CHINESE = sorted(DOCS.rglob("*.zh.md"))


def chinese_prose(page: Path) -> str:
    """A Chinese page's prose: code blocks and display math removed, inline math and code as X."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"(?s)^---\n.*?\n---\n", "", text)
    text = re.sub(r"(?ms)^```.*?^```", "", text)
    text = re.sub(r"(?ms)^\$\$[ \t]*\n.*?^\$\$[ \t]*$", "", text)
    return re.sub(r"`[^`\n]*`|\$\$[^\n]*?\$\$|\$[^$\n]*\$|\]\([^)]*\)", "X", text)


@pytest.mark.parametrize("page", CHINESE, ids=lambda p: str(p.relative_to(DOCS)))
def test_chinese_prose_reads_as_chinese(page: Path):
    prose = chinese_prose(page)
    ascii_marks = re.findall(rf"[{CJK}][,;:?!]|[,;:][{CJK}]", prose)
    assert not ascii_marks, (
        f"ASCII punctuation in Chinese prose (use ，；：？！): {ascii_marks[:5]}"
    )
    # A line break between two Chinese characters renders as a space in the browser.
    wraps = re.findall(rf"[{CJK}]\n[ \t]*[{CJK}]", prose)
    assert not wraps, f"hard-wrapped Chinese lines (join them): {wraps[:5]}"


@pytest.mark.parametrize("page", LESSONS[:1] + [LESSONS[0].with_suffix(".zh.md")], ids=str)
def test_download_notebook_says_how_long_it_ran(page: Path):
    build = {"seconds": 9.87, "cpus": 2, "python": "3.11.7", "torch": "2.13.0"}
    nb = nbformat.reads(load_hook("downloads").notebook_for_download(page, build), as_version=4)
    assert nb.cells[0].source.startswith("# "), "the title stays first"
    assert "9.9" in nb.cells[1].source and "2" in nb.cells[1].source
    assert [c.source for c in nb.cells if c.cell_type == "code"] == code_cells(page)


SOURCES = {"en": "## Sources", "zh": "## 参考文献"}


@pytest.mark.parametrize("page", LESSONS + [p.with_suffix(".zh.md") for p in LESSONS], ids=str)
def test_every_lesson_ends_with_its_sources(page: Path):
    """The last section names the primary papers and books behind the lesson, each with a year."""
    prose = "\n".join(c.source for c in jupytext.read(page).cells if c.cell_type == "markdown")
    heading = SOURCES["zh" if page.name.endswith(".zh.md") else "en"]
    sections = re.split(r"^(?=## )", prose, flags=re.M)
    last = sections[-1]
    assert last.startswith(heading + "\n"), f"the last section must be {heading!r}"
    entries = re.findall(r"^[-*] (.+(?:\n  .+)*)", last, re.M)  # a bullet and its continuation
    assert entries, "list the sources as bullet points"
    for entry in entries:
        assert re.search(r"\((?:1[89]|20)\d\d[a-z]?\)", entry), f"no (year) in: {entry[:80]}"


def test_a_chinese_page_takes_its_english_twins_outputs(tmp_path: Path):
    """The build runs each lesson once: the Chinese twin's cells get the English page's outputs."""
    kernel = "  kernelspec:\n    display_name: Python 3\n    language: python\n    name: python3\n"
    front = f"---\njupyter:\n{kernel}---\n\n"
    (tmp_path / "x.zh.md").write_text(
        front + "# 标题\n\n说明。\n\n```python\nx = 1  # 一\nprint(x)\n```\n", encoding="utf-8"
    )
    english = jupytext.reads(front + "# Title\n\n```python\nx = 1  # one\nprint(x)\n```\n", "md")
    english.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    english.metadata["lessons_build"] = {"seconds": 1.5, "cpus": 2, "python": "3", "torch": "2"}
    nbformat.write(english, tmp_path / "x-executed.ipynb")
    hook = load_hook("run_lessons")
    hook.borrow_outputs(tmp_path / "x.zh.md", tmp_path / "x-executed.ipynb", tmp_path / "out.ipynb")
    chinese = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in chinese.cells if c.cell_type == "code"]
    assert code[0].source == "x = 1  # 一\nprint(x)", "the Chinese comments stay"
    assert code[0].outputs[0]["text"] == "1\n"
    assert chinese.cells[0].source.startswith("# 标题")
    assert chinese.metadata["lessons_build"]["seconds"] == 1.5

    english.cells.append(nbformat.v4.new_code_cell("y = 2"))
    nbformat.write(english, tmp_path / "x-executed.ipynb")
    with pytest.raises(Exception, match="code cells"):
        hook.borrow_outputs(tmp_path / "x.zh.md", tmp_path / "x-executed.ipynb", tmp_path / "o")

    # a reader who edits the Chinese page's code alone gets an error, not the old outputs
    english.cells.pop()
    english.cells[1].source = "x = 2  # one\nprint(x)"
    nbformat.write(english, tmp_path / "x-executed.ipynb")
    with pytest.raises(Exception, match="code cell 1 differs from its English twin's"):
        hook.borrow_outputs(tmp_path / "x.zh.md", tmp_path / "x-executed.ipynb", tmp_path / "o")
    half_typed = front + "# 标题\n\n```python\nx = (1  # 一\nprint(x)\n```\n"
    (tmp_path / "x.zh.md").write_text(half_typed, encoding="utf-8")
    with pytest.raises(Exception, match=r"x.zh.md: code cell 1 is not valid Python"):
        hook.borrow_outputs(tmp_path / "x.zh.md", tmp_path / "x-executed.ipynb", tmp_path / "o")


def test_the_build_runs_alone_pages_first_then_the_rest_side_by_side(tmp_path: Path, monkeypatch):
    """``run_all``: pages with a cached run are skipped, ``ALONE`` pages run first one by one, the
    others in a pool of one kernel per core; a page that fails stops the build."""
    hook = load_hook("run_lessons")
    pages = [tmp_path / f"{stem}.md" for stem in ("01-a", "02-b", "03-c", "04-d")]
    monkeypatch.setattr(hook, "ALONE", {"03-c"})
    monkeypatch.setattr(hook, "run_path", lambda page: tmp_path / f"{page.stem}.ipynb")
    monkeypatch.setattr(hook, "_cpus", lambda: 2)
    (tmp_path / "02-b.ipynb").write_text("{}")  # already run
    ran = []
    monkeypatch.setattr(hook, "execute", lambda page, destination: ran.append(page.stem))
    hook.run_all(pages)
    assert ran[0] == "03-c" and sorted(ran[1:]) == ["01-a", "04-d"]
    assert [hook.threads(p) for p in pages] == [1, 1, 2, 1]

    def fail(page, destination):
        raise RuntimeError(f"{page.name} raised")

    monkeypatch.setattr(hook, "execute", fail)
    with pytest.raises(RuntimeError, match="03-c.md raised"):
        hook.run_all(pages)
    monkeypatch.setattr(hook, "ALONE", set())
    with pytest.raises(RuntimeError, match="01-a.md raised"):
        hook.run_all(pages)


def test_a_page_beside_others_computes_on_one_thread(tmp_path: Path, monkeypatch):
    """The kernel of a page that runs side by side gets one thread, whatever the build's own
    environment says, and one that runs alone every core; the page and its notebook say so."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    hook = load_hook("run_lessons")
    kernel = "  kernelspec:\n    display_name: Python 3\n    language: python\n    name: python3\n"
    page = tmp_path / "01-threads.md"
    page.write_text(
        f"---\njupyter:\n{kernel}---\n\n# Threads\n\n```python\nimport torch\n"
        "print(torch.get_num_threads())\n```\n",
        encoding="utf-8",
    )
    hook.execute(page, tmp_path / "run.ipynb")
    nb = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    assert nb.cells[1].outputs[0]["text"] == "1\n"
    assert nb.metadata["lessons_build"]["threads"] == 1
    cores = min(2, hook._cpus())  # from OMP_NUM_THREADS, PyTorch takes at most one per core
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(hook, "ALONE", {"01-threads"})
    monkeypatch.setattr(hook, "_cpus", lambda: cores)
    hook.execute(page, tmp_path / "alone.ipynb")
    nb = nbformat.read(tmp_path / "alone.ipynb", as_version=4)
    assert nb.cells[1].outputs[0]["text"] == f"{cores}\n", "a page that runs alone gets every core"
    assert nb.metadata["lessons_build"]["threads"] == cores
    where = load_hook("lesson_pages").where_it_ran
    two = {"cpus": 2, "threads": 1}
    assert where(two, "en") == "one thread of a 2-core CPU"
    assert where(two, "zh") == "2 核 CPU 的一个线程"
    assert where({"cpus": 2, "threads": 2}, "en") == "2 CPU cores"
    assert where({"cpus": 2}, "zh") == "2 个 CPU 核", "runs from before the threads were recorded"
