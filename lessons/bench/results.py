"""The results page: what ``python -m lessons bench`` measured, as JSON and as Markdown.

The benchmark writes ``results.json``; both pages (``results.md`` and its Chinese twin
``results.zh.md``) are made from that JSON alone, so they always agree with it. The pages are plain
Markdown: the site shows them as they are and never executes them.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

FILES = ("results.json", "results.md", "results.zh.md")

_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}

_WORDS = {
    "en": {
        "quick": (
            "**These are smoke-test numbers** (`bench --quick`: tiny budgets, for the tests), not"
            " results."
        ),
        "columns": [
            "Model",
            "Data",
            "Metric",
            "Result: mean (min–max)",
            "Goal",
            "Wall time per run",
            "Budget",
            "Seeds",
            "CPU",
            "Python, PyTorch",
            "Date",
        ],
        "seed_columns": ["Model", "Seed", "Value", "Wall time", "Other metrics"],
        "elsewhere_columns": [
            "Model",
            "Device",
            "Result: mean (min–max)",
            "Goal",
            "Wall time per run",
            "Against this machine's CPU",
            "Seeds",
            "CPU",
            "Python, PyTorch",
            "Date",
        ],
        "elsewhere_none": "None yet.",
        "faster": "{ratio:.1f}× faster",
        "slower": "{ratio:.1f}× slower",
        "generator_columns": [
            "Generator",
            "Confidence",
            "Class entropy",
            "Nearest distance",
            "Training time",
            "Sampling time per 1,000 digits",
            "Parameters",
            "Seeds",
        ],
        "fast": "{title}, fast sampler",
        "real_scores": (
            "confidence {confidence}, class entropy {entropy} and nearest distance {nearest}"
        ),
        "met": "met",
        "missed": "not met",
        "every_seed": " (every seed)",
        "colon": ": ",
        "semicolon": "; ",
        "cores": "{cpu}; {cores} cores, {threads} PyTorch threads",
        "budget": {"epochs": "{n} epochs", "steps": "{n} steps"},
    },
    "zh": {
        "quick": "**这是冒烟测试的数字**（`bench --quick`：供测试用的极小预算），不是结果。",
        "columns": [
            "模型",
            "数据",
            "指标",
            "结果：均值（最小–最大）",
            "目标",
            "单次耗时",
            "预算",
            "种子",
            "CPU",
            "Python、PyTorch",
            "日期",
        ],
        "seed_columns": ["模型", "种子", "数值", "耗时", "其他指标"],
        "elsewhere_columns": [
            "模型",
            "设备",
            "结果：均值（最小–最大）",
            "目标",
            "单次耗时",
            "与同一台机器的 CPU 相比",
            "种子",
            "CPU",
            "Python、PyTorch",
            "日期",
        ],
        "elsewhere_none": "暂无。",
        "faster": "快 {ratio:.1f} 倍",
        "slower": "慢 {ratio:.1f} 倍",
        "generator_columns": [
            "生成模型",
            "置信度",
            "类别熵",
            "最近距离",
            "训练耗时",
            "每 1,000 张的采样耗时",
            "参数量",
            "种子",
        ],
        "fast": "{title}，快速采样",
        "real_scores": "置信度 {confidence}、类别熵 {entropy}、最近距离 {nearest}",
        "met": "达到",
        "missed": "未达到",
        "every_seed": "（每个种子）",
        "colon": "：",
        "semicolon": "；",
        "cores": "{cpu}，{cores} 核，PyTorch {threads} 线程",
        "budget": {"epochs": "{n} 轮", "steps": "{n} 步"},
    },
}


def format_value(value: float, metric: dict[str, Any]) -> str:
    """A metric value as the page shows it: ``0.99444`` -> ``"99.44 %"`` for a percentage.

    >>> format_value(0.99444, {"percent": True, "digits": 2})
    '99.44 %'
    >>> format_value(0.02612, {"percent": False, "digits": 4})
    '0.0261'
    """
    if metric.get("percent"):
        return f"{100 * value:.{metric['digits']}f} %"
    return f"{value:.{metric['digits']}f}"


def format_mean(entry: dict[str, Any]) -> str:
    """The mean over the seeds, with more digits where the usual ones would round it onto its
    goal (0.9496 against a goal of 0.950 shows as 0.9496, not as a 0.950 that seems to meet it).

    >>> entry = {"goal": {"value": 0.95}, "metric_format": {"percent": False, "digits": 3}}
    >>> format_mean({**entry, "mean": 0.9496}), format_mean({**entry, "mean": 0.9515})
    ('0.9496', '0.952')
    """
    metric = dict(entry["metric_format"])
    goal = entry["goal"]["value"]
    for _ in range(4):
        shown = format_value(entry["mean"], metric)
        if shown != format_value(goal, metric) or entry["mean"] == goal:
            break
        metric["digits"] += 1
    return shown


def _goal(entry: dict[str, Any], words: dict[str, Any]) -> str:
    goal = entry["goal"]
    text = f"{_OPS[goal['op']]} {format_value(goal['value'], entry['metric_format'])}"
    if goal["every_seed"]:
        text += words["every_seed"]
    for also in entry.get("also", []):
        lang = "zh" if words is _WORDS["zh"] else "en"
        text += (
            f"{words['semicolon']}{also['label'][lang]} {_OPS[also['goal']['op']]} "
            f"{also['goal']['value']:g} ({also['mean']:.3f})"
        )
    text += words["colon"] + (words["met"] if entry["goal_met"] else words["missed"])
    if goal.get("seconds") is not None:
        verdict = words["met"] if entry["fast_enough"] else words["missed"]
        text += f"{words['semicolon']}≤ {goal['seconds']:g} s{words['colon']}{verdict}"
    return text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


TEMPLATES = Path(__file__).with_name("templates")
"""Where the page's prose lives: ``results.md`` and ``results.zh.md``, plain Markdown with
``$placeholders`` for the tables (``string.Template``). Edit the prose there, not here."""

GENERATOR_KEYS = ("confidence", "class_entropy", "nearest_distance")
"""The judge's three numbers (``lessons.judge``); a model whose runs report them is a generator."""


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _spread(values: list[float], fmt: str, unit: str = "") -> str:
    """``mean (min–max)`` of ``values``, each formatted with ``fmt`` and followed by ``unit``;
    "–" when there are none.

    >>> _spread([1.0, 2.0, 6.0], ".1f", " s"), _spread([0.5], ".2f"), _spread([], ".2f")
    ('3.0 s (1.0 s–6.0 s)', '0.50', '–')
    """
    if not values:
        return "–"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean:{fmt}}{unit}"
    return f"{mean:{fmt}}{unit} ({min(values):{fmt}}{unit}–{max(values):{fmt}}{unit})"


def _summary_table(results: dict[str, Any], language: str, words: dict[str, Any]) -> str:
    rows = []
    for e in results["models"]:
        env = e["environment"]
        budget = words["semicolon"].join(
            words["budget"][key].format(n=f"{n:,}") for key, n in e["budget"].items()
        )
        if language == "en":
            budget = re.sub(r"^1 (epoch|step)s$", r"1 \1", budget)
        rows.append(
            [
                f"[{e['title'][language]}](lessons/{e['lesson']}.md)",
                e["data"][language],
                e["metric_label"][language],
                _result(e),
                _goal(e, words),
                f"{e['seconds_mean']:.1f} s ({e['seconds_max']:.1f} s)",
                budget,
                ", ".join(map(str, e["seeds"])),
                _cores(env, words),
                f"{env['python']}, {env['torch']}",
                env["date"],
            ]
        )
    return _table(words["columns"], rows)


def _result(entry: dict[str, Any]) -> str:
    """The result cell: the mean over the seeds, then the lowest and highest in brackets."""
    fmt = entry["metric_format"]
    low, high = format_value(entry["min"], fmt), format_value(entry["max"], fmt)
    return f"{format_mean(entry)} ({low}–{high})"


def _cores(env: dict[str, Any], words: dict[str, Any]) -> str:
    """The CPU cell: ``"AMD EPYC; 2 cores, 1 PyTorch thread"`` (no plural for one)."""
    text = words["cores"].format(cpu=env["cpu"], cores=env["cores"], threads=env["threads"])
    return text.replace(" 1 PyTorch threads", " 1 PyTorch thread")


def device_label(env: dict[str, Any]) -> str:
    """``"cuda (NVIDIA H200)"`` for a GPU run, ``"cpu"`` for a CPU one."""
    name = env.get("device_name")
    return f"{env['device']} ({name})" if name else env["device"]


def _against_cpu(entry: dict[str, Any], rows: list[dict[str, Any]], words: dict[str, Any]) -> str:
    """How a device run's mean wall time compares with the CPU run of the same model on the same
    machine (same CPU model, cores and date), if the table has one; "–" otherwise."""
    env = entry["environment"]
    if env["device"] == "cpu":
        return "–"
    for other in rows:
        o = other["environment"]
        same_machine = all(o.get(k) == env.get(k) for k in ("cpu", "cores", "date"))
        if other["name"] == entry["name"] and o["device"] == "cpu" and same_machine:
            ratio = other["seconds_mean"] / entry["seconds_mean"]
            if ratio >= 1:
                return words["faster"].format(ratio=ratio)
            return words["slower"].format(ratio=1 / ratio)
    return "–"


def _elsewhere_table(results: dict[str, Any], language: str, words: dict[str, Any]) -> str:
    """Runs on other machines and devices (``bench --elsewhere``): one row per model, machine and
    device, devices next to the CPU of their machine."""
    rows = results.get("elsewhere", [])
    if not rows:
        return words["elsewhere_none"]
    table = []
    for e in rows:
        env = e["environment"]
        table.append(
            [
                f"[{e['title'][language]}](lessons/{e['lesson']}.md)",
                device_label(env),
                _result(e),
                _goal(e, words),
                f"{e['seconds_mean']:.1f} s ({e['seconds_max']:.1f} s)",
                _against_cpu(e, rows, words),
                ", ".join(map(str, e["seeds"])),
                _cores(env, words),
                f"{env['python']}, {env['torch']}",
                env["date"],
            ]
        )
    return _table(words["elsewhere_columns"], table)


def _generator_rows(results: dict[str, Any], language: str, words: dict[str, Any]):
    """One row per way of drawing digits: each generator, and its fast sampler where it has one."""
    rows = []
    for e in results["models"]:
        metrics = [run["metrics"] for run in e["runs"]]
        if not all(key in metrics[0] for key in GENERATOR_KEYS):
            continue
        link = f"lessons/{e['lesson']}.md"
        for prefix in ("", "fast_"):
            if prefix and f"{prefix}confidence" not in metrics[0]:
                continue
            title = e["title"][language]
            if prefix:
                title = words["fast"].format(title=title)
            column = lambda key, runs=metrics: [m[key] for m in runs if key in m]  # noqa: E731
            parameters = column("parameters")
            rows.append(
                [
                    f"[{title}]({link})",
                    _spread(column(f"{prefix}confidence"), ".3f"),
                    _spread(column(f"{prefix}class_entropy"), ".2f"),
                    _spread(column(f"{prefix}nearest_distance"), ".2f"),
                    _spread(column("train_seconds"), ".1f", " s"),
                    _spread(column(f"{prefix}sample_seconds_per_1000"), ".3f", " s"),
                    f"{int(parameters[0]):,}" if parameters else "–",
                    ", ".join(map(str, e["seeds"])),
                ]
            )
    return rows


def _real_scores(results: dict[str, Any], words: dict[str, Any]) -> str:
    """The judge's three numbers on the real test digits, from the first generator that has them."""
    keys = ("real_confidence", "real_entropy", "real_nearest_distance")
    for e in results["models"]:
        metrics = [run["metrics"] for run in e["runs"]]
        if all(key in metrics[0] for key in keys):
            mean = {k: sum(m[k] for m in metrics) / len(metrics) for k in keys}
            return words["real_scores"].format(
                confidence=f"{mean['real_confidence']:.3f}",
                entropy=f"{mean['real_entropy']:.2f}",
                nearest=f"{mean['real_nearest_distance']:.2f}",
            )
    return "–"


def format_number(value: Any) -> str:
    """A metric for the runs table: whole counts in full (43,307), other numbers to 4 digits.

    >>> format_number(43307.0), format_number(0.64849), format_number(826208), format_number(1.0)
    ('43,307', '0.6485', '826,208', '1')
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.4g}"
    return str(value)


def _runs_table(results: dict[str, Any], words: dict[str, Any]) -> str:
    rows = []
    for e in results["models"]:
        for run in e["runs"]:
            others = ", ".join(
                f"{k} {format_number(v)}"
                for k, v in run["metrics"].items()
                if k != e["metric"] and k not in e["budget"]
            )
            rows.append(
                [
                    e["name"],
                    run["seed"],
                    format_value(run["metrics"][e["metric"]], e["metric_format"]),
                    f"{run['seconds']:.1f} s",
                    others,
                ]
            )
    return _table(words["seed_columns"], rows)


def render(results: dict[str, Any], language: str = "en") -> str:
    """The results page in ``language`` (``"en"`` or ``"zh"``) for the JSON ``results``: the
    template ``templates/results[.zh].md`` with its tables filled in."""
    if language not in _WORDS:
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    words = _WORDS[language]
    name = "results.md" if language == "en" else "results.zh.md"
    template = string.Template((TEMPLATES / name).read_text(encoding="utf-8"))
    quick = any(entry.get("quick") for entry in results["models"])
    generators = _generator_rows(results, language, words)
    cited = [e for e in results["models"] if e.get("reference")]
    page = template.substitute(
        quick_notice=words["quick"] + "\n" if quick else "",
        summary_table=_summary_table(results, language, words),
        generators_table=_table(words["generator_columns"], generators) if generators else "–",
        real_scores=_real_scores(results, words),
        runs_table=_runs_table(results, words),
        elsewhere_table=_elsewhere_table(results, language, words),
        references="\n".join(
            f"- **{e['title'][language]}**{words['colon']}{e['reference'][language]}" for e in cited
        ),
    )
    page = re.sub(r"\n{3,}", "\n\n", page)
    if language == "zh":  # Chinese typography: 97%, no space before the sign
        page = re.sub(r"(?<=\d) %", "%", page)
    return page


def write(results: dict[str, Any], out: Path) -> list[Path]:
    """Write ``results.json``, ``results.md`` and ``results.zh.md`` into the folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in FILES]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render(results, "en"), encoding="utf-8")
    paths[2].write_text(render(results, "zh"), encoding="utf-8")
    return paths


def read(out: Path) -> dict[str, Any] | None:
    """The results in ``out/results.json``, or None if there is none."""
    path = Path(out) / FILES[0]
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
