"""Links in each page's head, and the sitemaps Material's language switch reads.

- The canonical link MkDocs writes from ``site_url`` is left out. ``site_url`` is
  http://127.0.0.1:8000/ so that the sitemap matches ``make serve``; a canonical link to that
  address would point a page served anywhere else at another origin. Set ``site_url`` to the
  hosting address to get correct sitemaps.
- Material fetches ``<alternate>/sitemap.xml`` for each language link in the head, expecting the
  language's root; the i18n plugin points them at the page itself, so each load asked for a
  sitemap.xml that is not there. They are pointed at the roots; the visible menu keeps page links.
- The i18n plugin writes one sitemap (with every language's pages) at the root; Material's language
  switch looks up the current page in ``<language>/sitemap.xml``, so it is served there too.
- It also writes one search index with both languages' pages (1.8 MB). A reader searches in the
  page's language, so the index is split: English pages at ``search/search_index.json``, Chinese
  at ``zh/search/search_index.json``; overrides/main.html asks for the page's own, and only once
  the reader goes to search.
"""

import json
import os
import re
from pathlib import Path

from mkdocs.plugins import event_priority

_CANONICAL = re.compile(r'<link rel="canonical" href="[^"]*">\s*')
_ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="(\w+)">')


def on_post_page(output: str, page, config) -> str:
    output = _CANONICAL.sub("", output)
    site = Path(config["site_dir"])
    root = site.parent if site.name == "zh" else site
    up = os.path.relpath(root, Path(page.file.abs_dest_path).parent).replace(os.sep, "/")
    return _ALTERNATE.sub(
        lambda m: (
            f'<link rel="alternate" href="{up}/{"" if m[1] == "en" else m[1] + "/"}" '
            f'hreflang="{m[1]}">'
        ),
        output,
    )


@event_priority(-200)  # after mkdocs-static-i18n has built the other languages
def on_post_build(config) -> None:
    site = Path(config["site_dir"])
    sitemap = site / "sitemap.xml"
    if sitemap.exists():
        for folder in site.iterdir():
            if folder.is_dir() and (folder / "index.html").exists() and folder.name == "zh":
                (folder / "sitemap.xml").write_bytes(sitemap.read_bytes())
    split_search_index(site)


def split_search_index(site: Path, other: str = "zh") -> None:
    """One search index per language, each with the same settings as the two-language one."""
    index = site / "search" / "search_index.json"
    if not (index.exists() and (site / other / "index.html").exists()):
        return
    both = json.loads(index.read_text(encoding="utf-8"))
    theirs = [doc for doc in both["docs"] if doc["location"].startswith(f"{other}/")]
    if not theirs:
        return  # already split
    ours = [doc for doc in both["docs"] if not doc["location"].startswith(f"{other}/")]
    for path, docs in ((index, ours), (site / other / "search" / "search_index.json", theirs)):
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({**both, "docs": docs}, ensure_ascii=False, separators=(",", ":"))
        path.write_text(text, encoding="utf-8")
