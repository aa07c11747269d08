"""Leave out the canonical link MkDocs writes from ``site_url``.

``site_url`` is http://127.0.0.1:8000/ so that the sitemap (which Material's language switch reads)
matches ``make serve``. A canonical link to that address would point a page served anywhere else at
another origin, so it is dropped; set ``site_url`` to the hosting address to get correct sitemaps.
"""

import re

_CANONICAL = re.compile(r'<link rel="canonical" href="[^"]*">\s*')


def on_post_page(output: str, page, config) -> str:
    return _CANONICAL.sub("", output)
