"""The glossary holds every term a lesson introduces in bold, in both languages, each defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted((DOCS / "lessons").glob("[0-9][0-9]-*.md"))
GLOSSARY = {"en": DOCS / "glossary.md", "zh": DOCS / "glossary.zh.md"}

# Bold that stresses a word or phrase instead of introducing a term. Each entry is a lesson's own
# bold span (normalised as below); keep the list short: a new bold word is a term unless it is here.
EMPHASIS = {
    "en": {
        "adds up",  # 2: `.grad` accumulates over calls (the point, not a name)
        "sum",  # 2: the derivative of their sum, stressed
        "vector–matrix",  # 2: the modifier in "vector–matrix product"; "vector", "matrix" are terms
        "minimise the loss",  # 3: a goal in a bullet list
        "all four are non-linear and have a usable slope",  # 4: a bold statement in a list
        "output",  # 6: "the sigmoid's output a", as opposed to its input
        "whatever the size of the image",  # 8: stresses a consequence
        "the same weights are used at every step",  # 9: stresses a fact
        "sum over steps",  # 9: stresses the shape of a formula
        "last",  # 9: the last hidden state, as opposed to the others
        "look back",  # 14: an everyday verb in the translation analogy
        "not",  # 14: "may not look", the inverted meaning of a mask
    },
    "zh": {
        "累加",  # 2: adds up
        "和",  # 2: sum
        "向量与矩阵",  # 2: vector–matrix
        "最小化损失",  # 3: minimise the loss
        "四个函数都是非线性的，而且几乎处处有可用的坡度",  # 4: a bold statement in a list
        "输出",  # 6: output
        "与图像的大小无关",  # 8: whatever the size of the image
        "每一步用的都是同一组权重",  # 9: the same weights are used at every step
        "各步之和",  # 9: sum over steps
        "最后一个",  # 9: last
        "回头看",  # 14: look back
        "不许",  # 14: not
    },
}

# Words lesson pages still bold where the glossary chose another (issue 16, item 2, renames them
# on the pages). Remove an entry once no page uses it.
PENDING: dict[str, set[str]] = {"zh": set()}

SENTENCE_END = tuple(".?!:。？！：")
PARENTHESES = re.compile(r"[(（][^()（）]*[)）]")
ALTERNATIVE_SPLIT = re.compile(r"\s/\s|[,，、;；]")
ALSO = re.compile(r"^(又称|也称|亦称|或称|也作)")


def language(page: Path) -> str:
    return "zh" if page.name.endswith(".zh.md") else "en"


def normalise(term: str) -> str:
    """One key per term: no markup, parentheses or article, lower case, singular, no spaces."""
    term = PARENTHESES.sub(" ", term).replace("*", "").replace("`", "")
    term = re.sub(r"\s+", " ", term).strip().lower()
    term = re.sub(r"^(the|a|an) ", "", term)
    term = re.sub(r"(?<=[a-z]{2})(?<!s)s$", "", term)  # plural: channels, logits, buckets
    return re.sub(r"[\s\-–—]", "", term)


def bold_spans(markdown: str) -> list[str]:
    """The bold spans of a page's prose: outside front matter, code blocks, math and inline code."""
    text = re.sub(r"(?s)^---\n.*?\n---\n", "", markdown)
    text = re.sub(r"(?ms)^[ \t]*```.*?^[ \t]*```", "", text)
    text = re.sub(r"(?ms)^[ \t]*\$\$.*?\$\$", "", text)
    text = re.sub(r"`[^`\n]*`", "X", text)
    spans = re.findall(r"\*\*((?:(?!\n[ \t]*\n).)+?)\*\*", text, flags=re.S)
    return [re.sub(r"\s+", " ", span).strip() for span in spans]


def introduced_terms(markdown: str, lang: str) -> list[str]:
    """The bold spans that introduce a term: not a run-in heading or sentence, not emphasis."""
    skip = {normalise(word) for word in EMPHASIS[lang] | PENDING.get(lang, set())}
    terms = []
    for span in bold_spans(markdown):
        if span.endswith(SENTENCE_END) or normalise(span) in skip:
            continue  # "**Data.**", "**1. Experience replay.**": a run-in heading
        terms.append(span)
    return terms


def glossary_rows(glossary: str) -> list[list[str]]:
    """The rows of the per-lesson tables (the symbols table at the end is not a term list)."""
    rows = []
    for section in re.split(r"(?m)^## ", glossary)[1:]:
        if not re.match(r"Lesson \d+|第 \d+ 课", section):
            continue
        for line in section.splitlines():
            if not line.startswith("|"):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells[0] in ("English", "中文") or set(cells[0]) <= set("-: "):
                continue
            rows.append(cells)
    return rows


def alternatives(cell: str) -> list[str]:
    """The names a term cell gives: "批量规范化（又称批归一化）" gives both, "a / b" both."""
    parts = [PARENTHESES.sub(" ", cell)] + [p[1:-1] for p in PARENTHESES.findall(cell)]
    names = [name for part in parts for name in ALTERNATIVE_SPLIT.split(part)]
    return [ALSO.sub("", name.strip()) for name in names if name.strip()]


def glossary_terms(glossary: str) -> set[str]:
    """Every name in the two term columns (English and Chinese) of the per-lesson tables."""
    cells = [cell for row in glossary_rows(glossary) for cell in row[:2]]
    return {normalise(name) for cell in cells for name in alternatives(cell)}


def missing_terms(markdown: str, glossary: str, lang: str) -> list[str]:
    known = glossary_terms(glossary)
    return sorted({t for t in introduced_terms(markdown, lang) if normalise(t) not in known})


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_bold_term_of_a_lesson_is_in_the_glossary(page: Path):
    lang = language(page)
    glossary = GLOSSARY[lang].read_text(encoding="utf-8")
    missing = missing_terms(page.read_text(encoding="utf-8"), glossary, lang)
    assert not missing, f"bold terms missing from {GLOSSARY[lang].name}: {missing}"


@pytest.mark.parametrize("lang", GLOSSARY)
def test_every_glossary_term_has_a_definition(lang: str):
    rows = glossary_rows(GLOSSARY[lang].read_text(encoding="utf-8"))
    assert len(rows) > 150
    undefined = [row[0] for row in rows if len(row) < 3 or not row[2]]
    assert not undefined, f"terms without a definition: {undefined}"


@pytest.mark.parametrize("lang", GLOSSARY)
def test_the_glossary_claims_every_term(lang: str):
    intro = GLOSSARY[lang].read_text(encoding="utf-8").split("\n## ")[0]
    assert {"en": "Every term", "zh": "课程中用到的每个术语"}[lang] in intro


def test_a_missing_term_is_reported():
    glossary = """# Glossary

## Lesson 1: Start

| English | 中文 | meaning |
| --- | --- | --- |
| data augmentation | 数据增强 | Training on transformed copies. |
| kernel / filter | 卷积核 / 滤波器 | The weights a convolution slides. |
| batch normalisation | 批量规范化（又称批归一化） | Standardising over the batch. |

## Symbols and names in code

| symbol | meaning | 含义 |
| --- | --- | --- |
| `B` | batch size | 批大小 |
"""
    page = (
        "A **kernel** (or **filters**) with **data\naugmentation** and **batch size**.\n\n"
        "**Local connections.** Run-in headings are not terms, nor is a word stressed as **not**.\n"
        "```python\nx = 2**3  # **code** is not prose\n```\n"
    )
    assert missing_terms(page, glossary, "en") == ["batch size"]
    zh = "**卷积核**、**滤波器**、**批归一化**、**批量规范化**（batch normalisation）和**互相关**。"
    assert missing_terms(zh, glossary, "zh") == ["互相关"]


def test_normalise_ignores_case_plural_markup_and_articles():
    assert normalise("The **Channels**") == normalise("channel")
    assert normalise("Multi-head attention") == normalise("multihead attention")
    assert normalise("人工智能（AI）") == normalise("人工智能")
    assert normalise("Hessian 矩阵") == normalise("Hessian矩阵")
    assert normalise("process") == "process"
