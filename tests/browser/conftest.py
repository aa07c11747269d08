"""Serve a built site on 127.0.0.1 and drive Debian's Chromium with Playwright.

Run with ``pytest tests/browser --site site`` after ``mkdocs build``. Every request that would leave
127.0.0.1 is blocked and recorded, so a page that needs the network fails its test.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def site_dir(request) -> Path:
    path = Path(request.config.getoption("site")).resolve()
    assert (path / "index.html").exists(), f"{path} is not a built site (run mkdocs build)"
    return path


@pytest.fixture(scope="session")
def base_url(site_dir: Path):
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Visit:
    """What one page load did: console errors, failed and blocked requests."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []


@pytest.fixture()
def open_page(browser):
    contexts = []

    def _open(url: str):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        visit = Visit()

        def route(r):
            if urlparse(r.request.url).hostname == "127.0.0.1" or r.request.url.startswith("data:"):
                r.continue_()
            else:
                visit.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on(
            "console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
        page.on(
            "response",
            lambda r: visit.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.goto(url, wait_until="networkidle")
        return page, visit

    yield _open
    for context in contexts:
        context.close()
