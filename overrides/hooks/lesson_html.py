"""Build hook, job 2 of 3: make each rendered lesson page light and readable.

mkdocs-jupyter puts notebook CSS and the MathJax/Mermaid CDN scripts in every page; this hook strips
them (``assets/site.css`` styles notebook cells once, KaTeX typesets the math), drops markup nothing
reads, moves inline figures into image files with alt text and size hints, gives headings unique
ids, and adds under the title a line with the versions, the run time and a link to the page as a
notebook. It also keeps a lesson's code cells out of the search index (``after_search.py`` puts
them back).
"""

from __future__ import annotations

import base64
import html as html_lib
import re
import unicodedata
from pathlib import Path

from bs4 import BeautifulSoup
from lesson_pages import is_lesson, language, where_it_ran
from mkdocs.plugins import event_priority

TEXT = {
    "en": "Outputs made with Python {python} and PyTorch {torch} on {where}; "
    "the page ran in {seconds:.1f} s.",
    "zh": "本页输出由 Python {python} 和 PyTorch {torch} 在 {where}上生成；"
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


_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S | re.I)


_SCRIPTS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r"|<script\b[^>]*\bsrc=\"[^\"]*(?:mathjax|mermaid)[^\"]*\"[^>]*>\s*</script>"
    r"|<script type=\"module\">[^<]*mermaid.*?</script>",
    re.S | re.I,
)


_COPY_ICON = re.compile(r"<svg\b[^>]*>(?:(?!</svg>).)*?</svg>", re.S)  # one per cell; CSS draws it


# Pygments wraps every space, name, number, operator, bracket and string in a span; the page
# colours only keywords, function and class names, and comments, which keeps a code-heavy lesson
# under the weight bar. Plain too: strings and docstrings (s1, s2, sd: the largest share of the
# spans, 7 KB on lesson 10), an f-string's prefix and braces (sa, si), builtins such as print and
# len (nb) and self (bp).
_PLAIN_SPAN = re.compile(r'<span class="(?:w|n|o|p|mi|mf|sa|si|nb|s1|s2|sd|bp)?">([^<]*)</span>')


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
    "jp-Editor jp-InputArea-editor hl-python cm-s-jupyter jp-RenderedMarkdown "
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


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
_CELL = re.compile(r"<t[dh]\b.*?</t[dh]>", re.S)
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
            chars = _width(_TABLE.sub(" ", cell)) + sum(map(_table_width, _TABLE.findall(cell)))
        hints = {"--lines": lines, "--chars": chars, "--aspect": round(aspect, 3)}
        # A number left out counts as 0 in site.css; writing only the others keeps the page small.
        style = ";".join(f"{name}:{value}" for name, value in hints.items() if value)
        out += [html[at:start], tag[:-1], f' style="{style}"' if style else "", ">"]
        at = start + len(tag)
    return "".join(out) + html[at:]


def _width(html: str) -> int:
    """The text of ``html`` in widths of a Latin letter: a Chinese character counts twice."""
    text = " ".join(html_lib.unescape(_TAGS.sub(" ", html)).split())
    return len(text) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _table_width(table: str) -> int:
    """A table's text as if it were prose of the same height. Each column gets a share of the
    width, so a row is as tall as its longest cell wrapped in that share: the longest cell's width
    times the number of columns."""
    total = 0
    for row in _ROW.findall(table):
        cells = [_width(cell) for cell in _CELL.findall(row)]
        total += len(cells) * max(cells, default=0)
    return total


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


def has_math(html: str) -> bool:
    """True if ``html`` has math anywhere, or is the print edition (filled with lessons later)."""
    text = html_lib.unescape(_TAGS.sub("", html))
    return bool(_MATH.search(text)) or 'id="print-edition"' in html


def on_page_content(html: str, page, config, files) -> str:
    page.meta["math_near_top"] = math_near_top(html)
    page.meta["has_math"] = has_math(html)  # overrides/main.html loads KaTeX only then
    if not is_lesson(page):
        return html
    html = _STYLE.sub("", html)
    html = _SCRIPTS.sub("", html)
    html = _COPY_ICON.sub("", html)
    html = _PLAIN_SPAN.sub(r"\1", html)
    html = _COPY_SOURCE.sub(r'<div class="\1" id="\3"><pre>\2</pre></div>', html)
    html = _EMPTY.sub("", html)
    html = _DIV_CLASS.sub(_drop_unused_classes, html).replace(' data-type="inline"', "")
    # Code and printed output do not wrap, so a long line scrolls sideways: focusable, a keyboard
    # can scroll it too (axe's scrollable-region-focusable).
    html = html.replace("<pre>", '<pre tabindex="0">')
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
        f'<p class="lesson-meta">{TEXT[lang].format(**b, where=where_it_ran(b, lang))} '
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


def on_post_page(output: str, page, config) -> str:
    """Write the figures ``on_page_content`` took out of a lesson beside its page."""
    if is_lesson(page):
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in page.lesson_figures:
            (folder / name).write_bytes(data)
    return output
