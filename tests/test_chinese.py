"""Chinese pages: one term for each idea, typography checked past markup (issue 16, items 2, 3).

The checks read a page's prose: front matter, code blocks, display math and HTML tags removed,
inline code and inline math replaced by a marker (so "`x`，" is still seen next to its neighbours),
and link targets dropped. ``results.zh.md`` is left out: ``lessons/bench/results.py`` writes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATED = {"results.zh.md"}  # written by lessons/bench/results.py from results.json
PAGES = sorted(p for p in DOCS.rglob("*.zh.md") if p.name not in GENERATED)
GLOSSARY = DOCS / "glossary.zh.md"

HAN = "\u3400-\u4dbf\u4e00-\u9fff"  # Chinese characters
CJK = HAN + "\u3000-\u303f\uff00-\uffef"  # and full-width punctuation
MARK = "\ue000"  # stands for inline code or inline math

INSIDE = r"(?:[^()\n]|\([^()\n]*\))*"  # one level of nested parentheses
MATH_IN_PARENTHESES = re.compile(rf"\((?={INSIDE}[\d=+−/,]){INSIDE}\)")

# One term for each idea: (idea, the term the pages and glossary use, what must not appear in
# Chinese prose). A variant is a regular expression; a page pattern limits it to some pages. The
# glossary may still give a variant as an alternative in a "（又称 …）" note.
TERMS: list[tuple[str, str, list[str], str]] = [
    ("mode collapse", "模式坍塌", ["模式坍缩"], "*"),
    ("ReLU", "修正线性单元", ["线性整流"], "*"),
    ("latent vector (GAN's z)", "潜在向量", ["隐向量"], "*"),
    ("latent code (autoencoder)", "潜在编码", ["隐编码", "隐变量"], "*"),
    ("full budget", "完整训练配置", ["完整预算"], "*"),
    ("what to notice (lead-in)", "值得注意的是", ["看点", "注意看"], "*"),
    ("notebook cell", "代码单元", ["单元格", "代码格"], "*"),
    ("rank of a process", "序号", ["秩"], "*"),  # 秩 is a matrix's rank; no lesson uses it
    ("epoch", "轮次", [r"轮\**（epoch）"], "*"),  # "训练 5 轮" counts epochs; the name is 轮次
    # In lesson 12 a 轮 would be read as an epoch: an episode is 回合, a turn 一步.
    ("episode", "回合", [r"轮(?![流到])", "(?<!屏)幕"], "12-*"),
    ("Q-learning", "Q-learning", [r"Q ?学习"], "*"),
    ("action value", "动作价值", [r"Q ?值"], "*"),
    ("batch", "批量", ["批次"], "*"),
    ("standard error", "标准误差", [r"标准误(?!差)"], "*"),
    ("batch size", "批量大小", ["批大小"], "*"),
    ("batch normalisation", "批量规范化", ["批归一化"], "*"),
    ("layer normalisation", "层规范化", ["层归一化"], "*"),
    ("hidden state", "隐藏状态", ["隐状态"], "*"),
    ("cell state", "细胞状态", ["记忆元"], "*"),
    ("dropout", "dropout", ["暂退法", "丢弃法"], "*"),
    ("judge (lesson 11's classifier)", "裁判", [r"评判（judge）", "判别用分类器"], "*"),
    ("denoiser (lessons 10 and 16)", "去噪器", ["去噪网络"], "*"),
    # the name stays English; 单周期 only as its gloss, in brackets right after it
    ("one-cycle schedule", "one-cycle 调度", [r"(?<!（)单周期"], "*"),
    # 步长 is any step size (learning rate, grid); a convolution's stride is 步幅
    ("stride (convolution)", "步幅", [r"带步长", r"步长为 \d+ 的卷积", "卷积步长"], "*"),
    ("noise schedule", "噪声调度", ["噪声计划", "噪声表"], "*"),
    ("exponential moving average", "指数移动平均", ["指数滑动平均"], "*"),
    ("ancestral sampling", "祖先采样", ["祖先取样"], "*"),
    ("topological order", "拓扑序", ["拓扑顺序"], "*"),
    ("overlapping digits (MultiMNIST)", "重叠的数字", ["重叠数字", "交叠的?数字"], "*"),
]

PHRASES = {"值得注意的是", "代码单元"}  # words about the page itself, not terms of the glossary

# σ is the sigmoid (lesson 4, the glossary's symbols): never a standard deviation or a variance.
SIGMA_AS_SPREAD = re.compile(r"(?:\\sigma|σ)(?:_\{?\w+\}?)?\s*(?:\^\{?2\}?|²|=\s*[\d.])")


def strip_page(markdown: str) -> str:
    """The page without front matter, code blocks, display math, HTML; inline code/math as MARK."""
    text = re.sub(r"(?s)^---\n.*?\n---\n", "", markdown)
    text = re.sub(r"(?ms)^[ \t]*```.*?^[ \t]*```[ \t]*$", "\n", text)
    text = re.sub(r"(?ms)^[ \t]*\$\$.*?\$\$[ \t]*$", "\n", text)
    text = re.sub(r"(?s)<!--.*?-->", "", text)
    text = re.sub(r"<https?://[^>\s]*>", MARK, text)  # an autolink reads as a code span does
    text = re.sub(r"</?[A-Za-z][^>\n]*>", "", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", MARK, text)
    text = re.sub(r"\]\([^)\s]*\)", "]", text)  # a link keeps its text, loses its target
    text = re.sub(r"``[^`\n]+``|`[^`\n]+`|\$\$[^$\n]+\$\$|\$[^$\n]+\$", MARK, text)
    attribute = r"[.#][\w-]+|[\w-]+=\"[^\"\n]*\"|[ \t]"  # { width="9" .class }
    text = re.sub(rf"\{{:?(?:{attribute})+\}}", "", text)
    return MATH_IN_PARENTHESES.sub(
        lambda m: m[0] if re.search(f"[{HAN}]", m[0]) else MARK, text
    )  # "(0, 1)", "(f(x + h) − f(x − h)) / 2h", "(2023)": plain-text maths and years


def without_also(text: str) -> str:
    """The glossary without its "（又称 …）" notes, which give other books' names on purpose."""
    text = re.sub(r"（(?:又称|也称)[^（）]*）", "", text)
    return re.sub(r"[，、]\s*(?:又称|也称)[^（）|]*", "", text)


def term_variants(text: str, name: str) -> list[str]:
    """Each variant found, as 'variant → term'."""
    found = []
    for _, term, variants, pages in TERMS:
        if not Path(name).match(pages + ".md"):
            continue
        for variant in variants:
            found += [f"{hit} → {term}" for hit in re.findall(variant, text)]
    return found


def sigma_as_spread(markdown: str) -> list[str]:
    text = re.sub(r"(?ms)^[ \t]*```.*?^[ \t]*```[ \t]*$", "\n", markdown)
    return SIGMA_AS_SPREAD.findall(text)


def typography(text: str) -> dict[str, list[str]]:
    """Typography faults in stripped prose, each with a little context; bold/italic looked past."""
    flat = re.sub(r"\*+(?=\S)|(?<=\S)\*+", "", text)  # **粗体** and *斜体* markers
    around = rf"[{HAN}“”（）]"
    return {
        "straight double quote (use “”)": [
            text[max(m.start() - 6, 0) : m.end() + 6] for m in re.finditer('"', text)
        ],
        "ASCII , ; : ( ) ? ! next to Chinese (use ，；：（）？！)": re.findall(
            rf"{around}[ \t]*(?:{MARK}[ \t]*)?[,;:()?!]|[,;:()?!](?:[ \t]*{MARK})?[ \t]*{around}",
            flat,
        ),
        "ASCII full stop after code or math ending a Chinese sentence (use 。)": re.findall(
            rf"[{HAN}][^\n]*?{MARK}\.[ \t]*$", flat, flags=re.M
        ),
        "ASCII , ; : between code, math or a Latin word and code, math or a line's end": [
            hit
            for line in flat.splitlines()
            if re.search(f"[{HAN}]", line)
            for hit in re.findall(rf"[\w{MARK})][,;:](?=[ \t]*{MARK}|[ \t]*$)", line)
        ],
        "line break between Chinese and bold, italic or quotes (renders as a space)": re.findall(
            rf"[{CJK}][*“”‘’]*\n[ \t]*(?:\*{{1,2}}(?! )|[“”‘’])*[{CJK}]", text
        ),
        "space before % (write 97%)": re.findall(r"\d[ \t]+%", text),
    }


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_one_term_for_one_idea(page: Path):
    text = strip_page(page.read_text(encoding="utf-8"))
    if page == GLOSSARY:
        text = without_also(text)
    found = term_variants(text, page.name)
    assert not found, f"variants of the chosen terms: {sorted(set(found))}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_sigma_is_the_sigmoid(page: Path):
    found = sigma_as_spread(page.read_text(encoding="utf-8"))
    assert not found, f"σ used for a standard deviation or variance: {found}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_typography_past_markup(page: Path):
    found = typography(strip_page(page.read_text(encoding="utf-8")))
    faults = {k: v for k, v in found.items() if v}
    assert not faults, "\n".join(f"{k}: {len(v)}, e.g. {v[:4]}" for k, v in faults.items())


def test_the_term_table_names_each_term_once():
    terms = [term for _, term, _, _ in TERMS]
    assert len(terms) == len(set(terms))
    glossary = GLOSSARY.read_text(encoding="utf-8")
    for _, term, variants, _ in TERMS:
        assert term in glossary or term in PHRASES, f"{term} is not the glossary's term"
        assert not any(re.search(v, term) for v in variants), term


def test_the_checks_see_past_markup():
    page = (
        "---\ntitle: x\n---\n"
        "它叫**全连接层**(fully connected), 其中 $x$, 是输入; `f`:\n"
        '他说"好". 准确率 97 % 和 `y`.\n'
        "这是\n**术语**，还有“引号\n”。\n"
        '```python\nx = 1  # 代码里的 "引号" 和 (括号) 不算\n```\n'
        "[第 7 课](07-fully-connected-networks.md)（链接）与 $f(a, b)$ 都没问题。\n"
    )
    faults = typography(strip_page(page))
    assert len(faults["straight double quote (use “”)"]) == 2
    marks = faults["ASCII , ; : ( ) ? ! next to Chinese (use ，；：（）？！)"]
    assert len(marks) == 4, marks  # 层(  ), 其  ,是  入;  (": " after `f` has no Chinese after it)
    assert len(faults["ASCII full stop after code or math ending a Chinese sentence (use 。)"]) == 1
    breaks = faults["line break between Chinese and bold, italic or quotes (renders as a space)"]
    assert len(breaks) == 2
    assert faults["space before % (write 97%)"] == ["7 %"]
    assert sorted(term_variants("看点：单元格里的模式坍缩", "01-x.zh.md")) == [
        "单元格 → 代码单元",
        "模式坍缩 → 模式坍塌",
        "看点 → 值得注意的是",
    ]
    assert term_variants("一轮叫作一个回合，它们轮流", "12-rl.zh.md") == ["轮 → 回合"]
    assert without_also("| 修正线性单元（ReLU，又称线性整流函数） |") == "| 修正线性单元（ReLU） |"
    assert sigma_as_spread("标准差 $\\sigma = 0.5$，sigmoid $\\sigma(z)$") == ["\\sigma = 0"]


def test_the_generated_results_page_keeps_the_same_rules():
    """results.zh.md is written by lessons/bench/results.py from its template and the registry's
    Chinese strings; what it renders follows the terms and typography of the written pages."""
    from lessons.bench import results

    text = strip_page(results.render(results.read(DOCS), "zh"))
    assert not term_variants(text, "results.zh.md")
    faults = {k: v for k, v in typography(text).items() if v}
    assert not faults, "\n".join(f"{k}: {len(v)}, e.g. {v[:4]}" for k, v in faults.items())
