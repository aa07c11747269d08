"""Lighthouse scores for the built site: every page of both languages but the print edition.

Usage (after ``make build``; needs Node.js, npm's ``lighthouse`` and Debian's ``chromium``):

    npm install --prefix .cache/lighthouse lighthouse
    .venv/bin/python tests/browser/lighthouse.py site

The site is served from 127.0.0.1 with gzip, as any static host serves it. Each page gets
Lighthouse's mobile defaults (simulated slow 4G and a 4x slower CPU); the script prints a table of
performance, accessibility, bytes transferred and requests, writes it as JSON beside the site, and
exits 1 if a score is below ``--min``. Scores move a few points between runs on a busy machine:
``--runs 3`` reports each page's median of three runs (the bar), and the bytes and requests, which
do not depend on the machine's load, are the numbers to compare between builds.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

COMPRESSED = (".html", ".js", ".css", ".json", ".svg", ".xml", ".ipynb")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that compresses text the way hosting services do."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and os.path.isfile(path) and path.endswith(COMPRESSED)):
            return super().send_head()
        data = gzip.compress(Path(path).read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return io.BytesIO(data)


def find_lighthouse(explicit: str | None) -> str:
    candidates = [explicit, ".cache/lighthouse/node_modules/.bin/lighthouse", "lighthouse"]
    for candidate in filter(None, candidates):
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    sys.exit("lighthouse not found: npm install --prefix .cache/lighthouse lighthouse")


EXEMPT = ("print", "404.html")  # the print edition is made for paper, not for a phone


def pages(site: Path) -> list[str]:
    """Every built page (home, setup, glossary, results, each lesson) in both languages."""
    found = []
    for index in site.rglob("index.html"):
        path = index.parent.relative_to(site).as_posix()
        if path.split("/")[-1] not in EXEMPT and not path.startswith("assets"):
            found.append("" if path == "." else path + "/")
    return sorted(found, key=lambda p: (p.startswith("zh/"), p.count("/"), p))


def audit(lighthouse: str, url: str) -> dict:
    run = subprocess.run(
        [
            lighthouse,
            url,
            "--only-categories=performance,accessibility",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        timeout=300,
    )
    if run.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    audits = report["audits"]
    return {
        "performance": report["categories"]["performance"]["score"],
        "accessibility": report["categories"]["accessibility"]["score"],
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(audits["network-requests"]["details"]["items"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
    }


def median_run(lighthouse: str, url: str, runs: int) -> dict:
    """Each number's median over ``runs`` audits of one page (the scores are medians one by one)."""
    found = [audit(lighthouse, url) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in found) for key in found[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built site folder (mkdocs build)")
    parser.add_argument("--lighthouse", help="path to the lighthouse command")
    parser.add_argument("--min", type=float, default=0.95, help="lowest acceptable score")
    parser.add_argument(
        "--only", nargs="*", help="pages to audit, e.g. '' lessons/03-linear-regression/"
    )
    parser.add_argument("--runs", type=int, default=1, help="audits per page; the median counts")
    args = parser.parse_args()
    lighthouse = find_lighthouse(args.lighthouse)
    handler = functools.partial(GzipHandler, directory=str(args.site.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results, low = {}, []
    print(
        "| page | performance | accessibility | KB | requests | LCP ms | TBT ms | CLS |\n"
        f"|{'---|' * 8}"
    )
    for path in args.only if args.only is not None else pages(args.site):
        r = results[path or "/"] = median_run(lighthouse, base + path, args.runs)
        print(
            f"| /{path} | {r['performance']:.2f} | {r['accessibility']:.2f} | "
            f"{r['bytes'] / 1024:.0f} | {r['requests']:.0f} | {r['lcp_ms']:.0f} | "
            f"{r['tbt_ms']:.0f} | {r['cls']} |",
            flush=True,
        )
        if min(r["performance"], r["accessibility"]) < args.min:
            low.append(path or "/")
    server.shutdown()
    (args.site / "lighthouse.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    if low:
        print(f"below {args.min}: {', '.join(low)}", file=sys.stderr)
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
