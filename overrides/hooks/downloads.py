"""Build hook, job 3 of 3: what a reader takes away.

Each lesson as a ``.ipynb`` beside its page (made by jupytext from the same Markdown, with a note of
how long it ran at build), ``notebooks.zip`` with all of them per language, and the print edition:
every lesson and the glossary on one page.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import jupytext
import nbformat
from lesson_pages import is_lesson, language, where_it_ran
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_state: dict = {}

NOTEBOOK_NOTE = {
    "en": "*When this site was built, this notebook ran top to bottom in {seconds:.1f} s on "
    "{where} (Python {python}, PyTorch {torch}).*",
    "zh": "*构建本站时，这个笔记本从头到尾运行耗时 {seconds:.1f} 秒，用 {where}"
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
        note = nbformat.v4.new_markdown_cell(
            NOTEBOOK_NOTE[lang].format(**build, where=where_it_ran(build, lang))
        )
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


def on_post_page(output: str, page, config) -> str:
    if is_lesson(page) or PRINTED_TOO.match(page.file.src_uri):
        _state.setdefault("print", {}).setdefault(language(page), []).append(
            (page.file.src_uri, page.file.url, page.content)
        )
    if is_lesson(page):
        folder = Path(page.file.abs_dest_path).parent
        folder.mkdir(parents=True, exist_ok=True)
        notebook = folder / (folder.name + ".ipynb")
        notebook.write_text(
            notebook_for_download(page.lesson_source, page.lesson_build), encoding="utf-8"
        )
    return output


@event_priority(-200)  # after mkdocs-static-i18n has built the other languages
def on_post_build(config) -> None:
    _write_print_edition(Path(config["site_dir"]))
    _write_notebook_archives(Path(config["site_dir"]))
    _state.pop("print", None)
