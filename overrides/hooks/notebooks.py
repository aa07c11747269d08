"""Build-time glue between the lesson pages and mkdocs-jupyter.

For each lesson page (``docs/lessons/NN-slug.md`` or its ``.zh.md`` twin) this hook

1. executes the page as a notebook in a fresh kernel, unless an executed copy with the same
   fingerprint is cached in ``.cache/lessons/``. The fingerprint covers the page, every file of
   the ``lessons`` package, this hook and the library versions, so a change to any of them re-runs
   the page: a stale output is never published. A cell that raises, or writes to stderr, fails
   the build. A Chinese twin is not executed: it runs the same code as its English page (a test
   checks it), so its cells take the English page's outputs;
2. hands mkdocs-jupyter the executed notebook to render (``execute: false`` in ``mkdocs.yml``);
3. strips the notebook CSS and the MathJax/Mermaid CDN scripts that mkdocs-jupyter puts in every
   page (``assets/site.css`` styles notebook cells once, KaTeX typesets the math), moves inline
   figures into image files, and adds a line with the versions, the run time and a link to the
   page as a ``.ipynb`` (written beside the page by jupytext from the same file).
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import inspect
import json
import logging
import os
import platform
import posixpath
import re
import tempfile
import unicodedata
import zipfile
from datetime import datetime
from importlib import metadata
from pathlib import Path

import jupytext
import nbformat
from bs4 import BeautifulSoup
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.notebooks")

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "lessons"
LESSON = re.compile(r"^lessons/\d\d-[a-z0-9-]+(\.zh)?\.md$")
LIBRARIES = ("torch", "numpy", "matplotlib", "scikit-learn", "jupytext", "nbconvert", "ipykernel")

TEXT = {
    "en": "Outputs made with Python {python} and PyTorch {torch} on {cpus} CPU cores; "
    "the page ran in {seconds:.1f} s.",
    "zh": "本页输出由 Python {python} 和 PyTorch {torch} 在 {cpus} 个 CPU 核上生成；"
    "整页运行耗时 {seconds:.1f} 秒。",
}
DOWNLOAD = {"en": "Download this lesson as a notebook", "zh": "下载本课的 Jupyter 笔记本"}
FIGURE_ALT = {"en": "Figure {n}: {text}", "zh": "图 {n}：{text}"}
_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.S)


def describe_figure(html_before: str) -> str:
    """Alt text for a figure: the paragraph that introduces it (each lesson says what to look for).

    The paragraph is the last one before the cell that drew the figure, shortened to two sentences
    and with TeX markup turned into plain words, so a screen reader says something useful.
    """
    paragraphs = _PARAGRAPH.findall(html_before)
    if not paragraphs:
        return ""
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", paragraphs[-1]))
    text = re.sub(r"\\(?:math[a-z]*|text[a-z]*|operatorname|hat|bar|tilde)\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text).replace("$", "")
    text = re.sub(r"[{}_^]", "", re.sub(r"\s+", " ", text)).strip()
    sentences = re.findall(r".+?(?:[.!?](?=\s)|[。！？]|$)", text)
    short = "".join(sentences[:2]).strip()
    return (short[:297] + "...") if len(short) > 300 else short


def is_lesson(page) -> bool:
    return bool(LESSON.match(page.file.src_uri))


def language(page) -> str:
    return "zh" if page.file.src_uri.endswith(".zh.md") else "en"


def _fingerprint() -> str:
    """Hash of everything besides the page that can change a lesson's outputs."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "lessons").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    # The part of this hook that makes the cached notebook; how the page is then rendered is
    # redone on every build, so editing it does not re-run the lessons.
    for step in (execute, _kernel_config, _run_seconds, _cpus, borrow_outputs):
        h.update(inspect.getsource(step).encode())
    h.update(platform.python_version().encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=missing".encode())
    return h.hexdigest()


def execute(source: Path, destination: Path) -> None:
    """Run ``source`` top to bottom in a fresh kernel in an empty folder; save it with outputs."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(source)
    env_backend = os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws figures
    try:
        with tempfile.TemporaryDirectory() as workdir:
            client = NotebookClient(
                nb,
                config=_kernel_config(workdir),
                kernel_name="python3",
                timeout=600,
                resources={"metadata": {"path": workdir}},
            )
            try:
                client.execute()
            except CellExecutionError as error:
                msg = f"{source.name}: a cell raised while building the page\n{error}"
                raise PluginError(msg) from None
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                raise PluginError(
                    f"{source.name}: a cell wrote to stderr (a warning?); fix it so the page stays "
                    f"clean:\n{cell.source[:300]}\n--- stderr ---\n{output.get('text', '')[:500]}"
                )
    nb.metadata["lessons_build"] = {
        "seconds": round(_run_seconds(nb), 2),
        "python": platform.python_version(),
        "torch": metadata.version("torch"),
        "cpus": _cpus(),
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(destination)


def _kernel_config(workdir: str):
    """Settings for the page's fresh kernel: talk to the build over sockets in ``workdir``.

    Over TCP (the default) every kernel warns that its traffic is unencrypted; Unix sockets in the
    page's own temporary folder are private and keep the build's output clean. Windows has no Unix
    sockets there, so it keeps TCP.
    """
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(workdir, "kernel")
    return config


def _run_seconds(nb) -> float:
    """Seconds from the first cell's start to the last cell's end (kernel start-up excluded)."""
    times = [c.metadata.get("execution", {}) for c in nb.cells if c.cell_type == "code"]
    first, last = times[0]["iopub.execute_input"], times[-1]["shell.execute_reply"]
    elapsed = datetime.fromisoformat(_iso(last)) - datetime.fromisoformat(_iso(first))
    return elapsed.total_seconds()


def _cpus() -> int:
    """CPU cores this process may use (a container's limit, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _iso(stamp: str) -> str:
    return stamp.replace("Z", "+00:00")


NOTEBOOK_NOTE = {
    "en": "*When this site was built, this notebook ran top to bottom in {seconds:.1f} s on "
    "{cpus} CPU cores (Python {python}, PyTorch {torch}).*",
    "zh": "*构建本站时，这个笔记本从头到尾运行耗时 {seconds:.1f} 秒，用 {cpus} 个 CPU 核"
    "（Python {python}，PyTorch {torch}）。*",
}


def notebook_for_download(source: Path, build: dict | None = None) -> str:
    """The page as a plain ``.ipynb`` without outputs, made by jupytext from the same file.

    With ``build`` (the run's seconds, cores and versions, as the page shows them) the notebook
    says under its title how long it ran when the site was built.
    """
    nb = jupytext.read(source)
    if build is not None:
        lang = "zh" if source.name.endswith(".zh.md") else "en"
        note = nbformat.v4.new_markdown_cell(NOTEBOOK_NOTE[lang].format(**build))
        first = nb.cells[0] if nb.cells else None
        at = 1 if first is not None and first.cell_type == "markdown" else 0
        if at and "\n" in first.source.strip():  # the title shares its cell with prose
            title, rest = first.source.split("\n", 1)
            first.source = title
            nb.cells.insert(1, nbformat.v4.new_markdown_cell(rest.strip()))
        nb.cells.insert(at, note)
    nb.metadata.pop("jupytext", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nbformat.writes(nb)


_state: dict = {}


def on_pre_build(config) -> None:
    _state["fingerprint"] = _fingerprint()


def executed_copy(source: Path) -> Path:
    """The page ``source`` with its outputs, from the cache or run now.

    A Chinese page runs exactly the English page's code (tests/test_pages.py checks it, comments
    aside), so it is not run again: its cells get the outputs of the executed English twin.
    """
    key = hashlib.sha256(source.read_bytes() + _state["fingerprint"].encode()).hexdigest()[:20]
    twin = source.with_name(source.name.replace(".zh.md", ".md"))
    if twin != source:  # a Chinese page: its key also covers the English page's
        english = executed_copy(twin)
        key = hashlib.sha256(key.encode() + english.name.encode()).hexdigest()[:20]
    executed = CACHE / f"{source.stem}-{key}.ipynb"
    if executed.exists():
        log.info("Cached outputs: %s", source.name)
    elif twin != source:
        log.info("Outputs of %s for %s", twin.name, source.name)
        borrow_outputs(source, english, executed)
    else:
        log.info("Executing %s", source.name)
        execute(source, executed)
    return executed


def borrow_outputs(source: Path, executed_twin: Path, destination: Path) -> None:
    """Write ``source`` as a notebook whose code cells carry the outputs of ``executed_twin``."""
    nb = jupytext.read(source)
    done = nbformat.read(executed_twin, as_version=4)
    mine = [c for c in nb.cells if c.cell_type == "code"]
    theirs = [c for c in done.cells if c.cell_type == "code"]
    if len(mine) != len(theirs):
        raise PluginError(
            f"{source.name} has {len(mine)} code cells and its English twin {len(theirs)}; "
            "the twins must run the same code"
        )
    for cell, run in zip(mine, theirs, strict=True):
        cell.outputs, cell.execution_count = run.outputs, run.execution_count
        cell.metadata["execution"] = run.metadata.get("execution", {})
    nb.metadata["lessons_build"] = done.metadata["lessons_build"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(destination)


@event_priority(100)  # before mkdocs-jupyter reads the file
def on_pre_page(page, config, files):
    if not is_lesson(page):
        return page
    source = Path(page.file.abs_src_path)
    executed = executed_copy(source)
    page.lesson_source = source
    built = json.loads(executed.read_text(encoding="utf-8"))
    page.lesson_build = built["metadata"]["lessons_build"]
    page.file.abs_src_path = str(executed)  # mkdocs-jupyter renders the executed copy
    return page


_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S | re.I)
_SCRIPTS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r"|<script\b[^>]*\bsrc=\"[^\"]*(?:mathjax|mermaid|none\.js)[^\"]*\"[^>]*>\s*</script>"
    r"|<script type=\"module\">[^<]*mermaid.*?</script>",
    re.S | re.I,
)
_COPY_ICON = re.compile(r"<svg\b[^>]*>(?:(?!</svg>).)*?</svg>", re.S)  # one per cell; CSS draws it
# Pygments wraps every space, name, number, operator and bracket in a span; the page colours only
# keywords, functions, strings and comments, which keeps a code-heavy lesson under the weight bar.
# Also plain: an f-string's prefix and braces (sa, si: three spans per value printed) and builtins
# such as print and len (nb); the string parts around them keep their colour.
_PLAIN_SPAN = re.compile(r'<span class="(?:w|n|o|p|mi|mf|sa|si|nb)?">([^<]*)</span>')
# mkdocs-jupyter keeps a hidden second copy of each cell's code for its copy button; point the
# button at the highlighted code instead (its text is the same once the last newline goes).
_COPY_SOURCE = re.compile(
    r'<div class="(highlight-ipynb[^"]*)"><pre>(.*?)\n?</pre></div>\s*'
    r'<div class="clipboard-copy-txt" id="(cell-\d+)">.*?</div>',
    re.S,
)
_EMPTY = re.compile(
    r'<div class="jp-Collapser[^"]*">\s*</div>|<span></span>|\sdata-mime-type="[^"]*"'
    r'|\sid="cell-id=[^"]*"'
)
# JupyterLab's class names that nothing on this site styles or reads; dropping them keeps a
# code-heavy lesson under the page-weight bar.
_UNUSED_CLASSES = frozenset(
    "jp-Cell-inputArea jp-InputArea jp-Cell-inputWrapper jp-Notebook-cell jp-CodeMirrorEditor "
    "jp-Editor jp-InputArea-editor hl-python nb-code cm-s-jupyter jp-RenderedMarkdown "
    "jp-MarkdownOutput jp-OutputArea-child jp-Cell-outputArea jp-Cell-outputWrapper "
    "jp-OutputArea-output".split()
)
_DIV_CLASS = re.compile(r'<div class="([^"]*)"')
_IMAGE = re.compile(
    r'<img\b([^>]*?)src="data:image/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/=\s]+)"'
)


def _drop_unused_classes(match: re.Match) -> str:
    kept = [c for c in match[1].split() if c not in _UNUSED_CLASSES]
    return f'<div class="{" ".join(kept)}"' if kept else "<div"


_HEADING = re.compile(
    r'<h([1-6]) id="[^"]*">(.*?)<a class="anchor-link" href="#[^"]*">\u00b6</a></h\1>', re.S
)


_TAGS = re.compile(r"<[^>]+>")
_DIV_TAG = re.compile(r"<div\b[^>]*>|</div>")
_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.S)
_FIGURE_SRC = re.compile(r'src="(figure-\d+\.(?:png|jpg|svg))"')


def _size_hints(html: str, figures: dict[str, bytes]) -> str:
    """Give each notebook cell the numbers site.css turns into an estimate of its height.

    Cells far from the screen are not laid out (``content-visibility: auto``) and count as their
    estimated height until they are. With one estimate for all (a guess of 12em), the page grew by
    several screens as the reader scrolled, the scroll bar jumped, and a link to the footer landed
    short. Code is not wrapped, so its lines are counted; figures keep their aspect ratio; prose
    wraps with the screen's width, so its characters are counted.
    """
    cells, stack = [], []  # (start, end, tag) of each top-level cell; the open divs
    for match in _DIV_TAG.finditer(html):
        if match[0] != "</div>":
            is_cell = re.search(r'class="jp-Cell\b', match[0]) is not None
            top = is_cell and not any(cell for _, cell in stack)
            stack.append((match, is_cell and top))
        elif stack:
            opened, top = stack.pop()
            if top:
                cells.append((opened.start(), match.end(), opened[0]))
    out, at = [], 0
    for start, end, tag in cells:
        cell = html[start:end]
        lines = sum(pre.count("\n") + 1 for pre in _PRE.findall(cell))
        aspect = sum(_aspect(figures.get(name, b"")) for name in _FIGURE_SRC.findall(cell))
        chars = 0  # in widths of a Latin letter: a Chinese character counts twice
        if "jp-MarkdownCell" in tag:
            text = " ".join(html_lib.unescape(_TAGS.sub(" ", cell)).split())
            chars = len(text) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
        hints = {"--lines": lines, "--chars": chars, "--aspect": round(aspect, 3)}
        # A number left out counts as 0 in site.css; writing only the others keeps the page small.
        style = ";".join(f"{name}:{value}" for name, value in hints.items() if value)
        out += [html[at:start], tag[:-1], f' style="{style}"' if style else "", ">"]
        at = start + len(tag)
    return "".join(out) + html[at:]


def _aspect(image: bytes) -> float:
    """Height over width of a PNG (read from its header) or an SVG (from its viewBox)."""
    if image[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
        return height / width if width else 0.0
    box = re.search(rb'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', image[:2000])
    return float(box[2]) / float(box[1]) if box and float(box[1]) else 0.6


def _slug(text: str) -> str:
    # Python-Markdown's default slugify drops every non-ASCII letter, which leaves Chinese headings
    # with an empty id; keep letters of any script instead.
    text = re.sub(r"<[^>]+>|&[a-z]+;", "", text).strip().lower()
    return re.sub(r"[\s-]+", "-", re.sub(r"[^\w\s-]", "", text)).strip("-") or "section"


def _unique_heading_ids(html: str, page) -> str:
    """Give every heading a unique, readable id and point the table of contents at it.

    Notebook cells are converted one by one, so ids repeat across cells (three "Solution" headings
    share `#solution`) and Chinese headings get none; the sidebar's links then miss, and the search
    index, which names sections by id, confuses the sections that share one.
    """
    seen: dict[str, int] = {}
    ids: list[str] = []

    def rename(match: re.Match) -> str:
        level, inner = match.groups()
        base = _slug(inner)
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.append(base if n == 0 else f"{base}_{n}")
        return (
            f'<h{level} id="{ids[-1]}">{inner}'
            f'<a class="anchor-link" href="#{ids[-1]}">\u00b6</a></h{level}>'
        )

    html = _HEADING.sub(rename, html)
    entries = []

    def walk(items) -> None:
        for item in items:
            entries.append(item)
            walk(item.children)

    walk(page.toc)
    if len(entries) != len(ids):
        raise RuntimeError(
            f"{page.file.src_uri}: {len(ids)} headings but {len(entries)} toc entries"
        )
    for item, new in zip(entries, ids, strict=True):
        item.id = new
    return html


# Math on a page's first screens is typeset before the page is first drawn; if KaTeX's fonts are
# still on their way then, the text moves when they arrive (Chinese lesson 3's layout shifted by
# 0.24). Pages with math that early preload the two fonts (see overrides/main.html); other pages
# skip it, since the preload delays their largest paint.
_MATH = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[")
FIRST_SCREENS = 2000  # characters of text: about two phone screens of prose


def math_near_top(html: str) -> bool:
    """True if the text of ``html`` has math within its first ``FIRST_SCREENS`` characters."""
    text = html_lib.unescape(_TAGS.sub("", html))
    return bool(_MATH.search(" ".join(text.split())[:FIRST_SCREENS]))


def on_page_content(html: str, page, config, files) -> str:
    page.meta["math_near_top"] = math_near_top(html)
    if not is_lesson(page):
        return html
    html = _STYLE.sub("", html)
    html = _SCRIPTS.sub("", html)
    html = _COPY_ICON.sub("", html)
    html = _PLAIN_SPAN.sub(r"\1", html)
    html = _COPY_SOURCE.sub(r'<div class="\1" id="\3"><pre>\2</pre></div>', html)
    html = _EMPTY.sub("", html)
    html = _DIV_CLASS.sub(_drop_unused_classes, html).replace(' data-type="inline"', "")
    html = _unique_heading_ids(html, page)

    # Figures become files beside the page, lazily loaded, with alt text.
    lang = language(page)
    figures = []

    def to_file(match: re.Match) -> str:
        attrs, kind, data = match.groups()
        ext = {"png": "png", "jpeg": "jpg", "svg+xml": "svg"}[kind]
        name = f"figure-{len(figures) + 1}.{ext}"
        figures.append((name, base64.b64decode(data)))
        attrs = re.sub(r'\salt="[^"]*"', "", attrs)
        text = html_lib.escape(describe_figure(match.string[: match.start()]))
        alt = FIGURE_ALT[lang].format(n=len(figures), text=text).rstrip(": ：")
        return f'<img{attrs} loading="lazy" decoding="async" alt="{alt}" src="{name}"'

    html = _IMAGE.sub(to_file, html)
    page.lesson_figures = figures
    html = _size_hints(html, dict(figures))

    b = page.lesson_build
    notebook = Path(page.file.dest_uri).parent.name + ".ipynb"
    meta = (
        f'<p class="lesson-meta">{TEXT[lang].format(**b)} '
        f'<a href="{notebook}" download>{DOWNLOAD[lang]}</a></p>'
    )
    h1_end = html.find("</h1>")
    at = h1_end + len("</h1>") if h1_end >= 0 else 0
    return html[:at] + meta + html[at:]


@event_priority(10)  # just before the search plugin indexes the page
def on_page_context(context, page, config, nav):
    # The search index gets a lesson's prose, not its code cells and outputs: readers search for
    # ideas, not variable names, and the index stays small (Material's data-search-exclude did not
    # hold inside notebook HTML). after_search.py puts the full page back right after indexing.
    if is_lesson(page):
        page.full_content = page.content
        soup = BeautifulSoup(page.content, "html.parser")
        for cell in soup.select("div.jp-CodeCell"):
            cell.decompose()
        page.content = str(soup)
    return context


_ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="(\w+)">')


def on_post_page(output: str, page, config) -> str:
    # Material fetches <alternate>/sitemap.xml for each language link in the head, expecting the
    # language's root; the i18n plugin points them at the page itself, so each load asked for a
    # sitemap.xml that is not there. Point them at the roots; the visible menu keeps page links.
    site = Path(config["site_dir"])
    root = site.parent if site.name == "zh" else site
    up = os.path.relpath(root, Path(page.file.abs_dest_path).parent).replace(os.sep, "/")
    output = _ALTERNATE.sub(
        lambda m: (
            f'<link rel="alternate" href="{up}/{"" if m[1] == "en" else m[1] + "/"}" '
            f'hreflang="{m[1]}">'
        ),
        output,
    )
    if is_lesson(page) or PRINTED_TOO.match(page.file.src_uri):
        _state.setdefault("print", {}).setdefault(language(page), []).append(
            (page.file.src_uri, page.file.url, page.content)
        )
    if is_lesson(page):
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in page.lesson_figures:
            (folder / name).write_bytes(data)
        notebook = folder / (folder.name + ".ipynb")
        notebook.write_text(
            notebook_for_download(page.lesson_source, page.lesson_build), encoding="utf-8"
        )
    return output


PRINT_PLACEHOLDER = '<div id="print-edition"></div>'
PRINTED_TOO = re.compile(r"glossary(\.zh)?\.md$")
_ID = re.compile(r'\b(id|for)="([^"]+)"')
_LOCAL = re.compile(r'\b(href|src)="(?![a-z]+:|/|#)([^"]+)"')
_FRAGMENT = re.compile(r'\bhref="#([^"]*)"')


def _for_print(content: str, url: str, slug: str) -> str:
    """One page's article moved into the print edition: its links and ids made to work there."""
    base = posixpath.dirname(url.rstrip("/") + "/index.html")

    def relink(m: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(base, m[2]))
        printed = re.fullmatch(r"lessons/(\d\d-[^/]+)", target)
        if m[1] == "href" and printed:  # another lesson: it is in this edition too
            return f'href="#{printed[1]}"'
        if m[2].endswith("/") and not target.endswith("/"):
            target += "/"
        return f'{m[1]}="../{target}"'

    content = _ID.sub(lambda m: f'{m[1]}="{slug}--{m[2]}"', content)
    content = _FRAGMENT.sub(lambda m: f'href="#{slug}--{m[1]}"', content)
    return f'<section class="print-page" id="{slug}">{_LOCAL.sub(relink, content)}</section>'


def _write_print_edition(site: Path) -> None:
    """Fill each language's print page with every lesson and the glossary, in order."""
    for lang, pages in _state.get("print", {}).items():
        printed = site / ("" if lang == "en" else lang) / "print" / "index.html"
        if not printed.exists():
            continue
        pages = sorted(pages, key=lambda p: (not p[0].startswith("lessons/"), p[0]))
        body = "\n".join(
            _for_print(
                content, url[len("zh/") :] if lang != "en" else url, Path(src).stem.split(".")[0]
            )
            for src, url, content in pages
        )
        html = printed.read_text(encoding="utf-8")
        if PRINT_PLACEHOLDER not in html:
            raise PluginError(f"{printed}: the print page lost its placeholder {PRINT_PLACEHOLDER}")
        printed.write_text(html.replace(PRINT_PLACEHOLDER, body), encoding="utf-8")


def _write_notebook_archives(site: Path) -> None:
    """notebooks.zip beside each language's home: every lesson as a notebook, for offline use."""
    for root in (site, site / "zh"):
        notebooks = sorted((root / "lessons").glob("[0-9][0-9]-*/*.ipynb"))
        if not notebooks:
            continue
        with zipfile.ZipFile(root / "notebooks.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for nb in notebooks:
                info = zipfile.ZipInfo(
                    f"neurons-to-gans/{nb.name}", date_time=(2026, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, nb.read_bytes())


@event_priority(-200)  # after mkdocs-static-i18n has built the other languages
def on_post_build(config) -> None:
    _write_print_edition(Path(config["site_dir"]))
    _write_notebook_archives(Path(config["site_dir"]))
    _state.pop("print", None)
    # Material's language switch looks up the current page in <language>/sitemap.xml; the i18n
    # plugin writes one sitemap (with every language's pages) at the root, so serve it there too.
    site = Path(config["site_dir"])
    sitemap = site / "sitemap.xml"
    if sitemap.exists():
        for folder in site.iterdir():
            if folder.is_dir() and (folder / "index.html").exists() and folder.name == "zh":
                (folder / "sitemap.xml").write_bytes(sitemap.read_bytes())
