"""Print how long each lesson page ran when it was last built, and flag those over the budget.

The build (overrides/hooks/run_lessons.py) stores each executed page in .cache/lessons/ with the
seconds from its first cell's start to its last cell's end. Run after `mkdocs build`:

    python tools/page_times.py            # a table; exit status 1 if a page is over 15 s
    python tools/page_times.py --report   # the same table, exit status 0 (for a busy machine)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 15.0


def latest_runs(cache: Path) -> dict[str, dict]:
    """The newest executed copy of each page: {page stem: its build metadata}."""
    runs: dict[str, tuple[float, dict]] = {}
    for path in cache.glob("*.ipynb"):
        stem = path.stem.rsplit("-", 1)[0]  # "09-recurrent-networks-lstm.zh-<key>"
        built = json.loads(path.read_text(encoding="utf-8"))["metadata"]["lessons_build"]
        mtime = path.stat().st_mtime
        if stem not in runs or mtime > runs[stem][0]:
            runs[stem] = (mtime, built)
    return {stem: built for stem, (_, built) in sorted(runs.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="never fail, only print")
    args = parser.parse_args()
    runs = latest_runs(ROOT / ".cache" / "lessons")
    if not runs:
        print("no executed pages in .cache/lessons: run `mkdocs build` first")
        return 1
    over = []
    for stem, built in runs.items():
        mark = "" if built["seconds"] <= BUDGET_S else f"  over {BUDGET_S:.0f} s"
        threads = built.get("threads", built["cpus"])
        ran_on = f"{threads} thread{'s' if threads > 1 else ' '} of {built['cpus']} cores"
        print(f"{built['seconds']:6.1f} s  {ran_on}  {stem}{mark}")
        if mark:
            over.append(stem)
    print(f"{len(runs)} pages, {len(over)} over {BUDGET_S:.0f} s")
    return 1 if over and not args.report else 0


if __name__ == "__main__":
    raise SystemExit(main())
