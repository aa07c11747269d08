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
"""

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
