"""The evidence rule's checker (tools/evidence.py): what it flags, what it lets pass, and why."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("evidence", ROOT / "tools" / "evidence.py")
evidence = sys.modules.setdefault("evidence", importlib.util.module_from_spec(_spec))
if not hasattr(evidence, "unbacked"):
    _spec.loader.exec_module(evidence)

PAGE = """---
jupyter:
  kernelspec: {{language: python}}
---

# A lesson

The model reads the digits with {claim} accuracy.

```python
accuracy = 0.9733
print(f"{{accuracy:.2%}}")
```
"""


def texts(claim: str) -> list[str]:
    return [c.text for c in evidence.claims(PAGE.format(claim=claim))]


@pytest.mark.parametrize(
    "claim",
    ["97.3 %", "97 %", "0.97", "97.33%", "0.973", "97 ％"],
)
def test_a_number_the_run_prints_is_backed(claim: str):
    page = PAGE.format(claim=claim)
    assert [c.text for c in evidence.claims(page)], "the claim is seen"
    assert evidence.unbacked(page, ["accuracy = 0.9733", "97.33%"]) == []


@pytest.mark.parametrize("claim", ["98.5 %", "0.95", "12 s", "3× faster", "300 steps", "20 轮"])
def test_a_number_nothing_prints_is_flagged(claim: str):
    page = PAGE.format(claim=claim)
    missing = evidence.unbacked(page, ["accuracy = 0.9733", "97.33%"])
    assert [c.text for c in missing] == [claim.replace(" faster", "")]


@pytest.mark.parametrize(
    "claim",
    [
        "8×8 images",  # a size is a definition
        "8 × 8 images",
        "Rumelhart et al. (1986)",  # a year
        "lesson 9's",  # a lesson number
        "PyTorch 2.13.0 and torch 2.2",  # versions
        "arXiv:1710.09829",  # an identifier
        "64 hidden units and 10 classes",  # plain integers that define
        "`lr=0.03` in code",  # inline code is code
        "1s and 0s",  # digits, not seconds
    ],
)
def test_definitions_pass_by_rule(claim: str):
    assert texts(claim) == []


def test_display_math_and_headings_are_not_prose():
    page = "# Title 0.5\n\n$$\ny = 0.5 x\n$$\n\n## Step 2.5\n\nText.\n"
    assert evidence.claims(page) == []


def test_display_math_closed_on_a_line_with_text_still_ends():
    page = "$$\ny = 0.5 x, \\quad z = 1.5 y .$$\n\nIt took 2.5 s.\n"
    assert [c.text for c in evidence.claims(page)] == ["2.5 s"]


def test_inline_math_gives_only_its_decimals():
    page = "The slope of $x^3 - 3x$ is 0 at $x = 1$, and $\\ln 13 \\approx 2.56$ (sections 4.3).\n"
    assert [c.text for c in evidence.claims(page)] == ["2.56"]


def test_the_sources_section_quotes_papers_and_is_not_checked():
    page = (
        "It took 2.5 s.\n\n## Sources\n\n"
        "| | paper | ours |\n| --- | --- | --- |\n| dropout | 0.1 | none |\n"
    )
    assert [c.text for c in evidence.claims(page)] == ["2.5 s"]


def test_thousands_separators_and_scientific_notation_back_a_claim():
    page = "We train for 2,000 steps with a rate of 0.001.\n"
    assert evidence.unbacked(page, ["steps = 2_000\nlr = 1e-3\n"]) == []
    assert [c.text for c in evidence.unbacked(page, ["steps = 200\n"])] == ["2,000 steps", "0.001"]


def test_rounding_is_to_the_digits_the_prose_shows():
    page = "It reaches 0.93 and then 0.9.\n"
    assert evidence.unbacked(page, ["0.9312"]) == []
    assert [c.text for c in evidence.unbacked(page, ["0.9412"])] == ["0.93"]


def test_a_page_whose_prose_gains_an_unprinted_number_fails_its_tests(tmp_path: Path):
    """End to end: conftest.py runs the check after a page's cells, on what they printed."""
    import shutil
    import subprocess

    shutil.copy(ROOT / "conftest.py", tmp_path)
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "evidence.py", tmp_path / "tools")
    page = tmp_path / "docs" / "lessons" / "99-x.md"
    page.parent.mkdir(parents=True)
    cell = "```python\nresult = 0.1 + 0.2\nresult\n```\n"  # shown as a notebook shows it

    def run(prose: str) -> subprocess.CompletedProcess:
        page.write_text(f"# X\n\n{prose}\n\n{cell}", encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(page)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )

    backed = run("The sum is 0.30, as printed below.")
    assert backed.returncode == 0, backed.stdout
    unbacked = run("The sum is 0.30, and it took 2.5 s.")
    assert unbacked.returncode == 1 and "2.5 s" in unbacked.stdout, unbacked.stdout
