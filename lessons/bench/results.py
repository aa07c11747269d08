"""The results page: what ``python -m lessons bench`` measured, as JSON and as Markdown.

The benchmark writes ``results.json``; both pages (``results.md`` and its Chinese twin
``results.zh.md``) are made from that JSON alone, so they always agree with it. The pages are plain
Markdown: the site shows them as they are and never executes them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FILES = ("results.json", "results.md", "results.zh.md")

_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}

_WORDS = {
    "en": {
        "title": "Results",
        "intro": (
            "What each model reaches at its **full budget**: the best result found within the time"
            " bar on two CPU cores. The lesson pages train the same models with short budgets so"
            " that they build in seconds; this page shows how far the models go when given more."
        ),
        "how": (
            "Every number here was measured by the package's command line: `python -m lessons"
            " bench` trains each model once per seed at the defaults of its config, times each"
            " run, and writes this page, its Chinese twin and `results.json` from the same data."
            " Nothing on this page was typed by hand."
        ),
        "reproduce": "To reproduce or extend it:",
        "commands": [
            "python -m lessons list             # the models, their goals and budgets",
            "python -m lessons run cnn          # one full-budget run, with a progress bar",
            "python -m lessons run cnn --help   # every setting, with its meaning",
            "python -m lessons bench            # all models, all seeds; rewrites these pages",
            "python -m lessons bench --only cnn # one model; the other rows are kept",
        ],
        "timing": (
            "**Wall time** is one run's training and evaluation (start-up and imports excluded),"
            " as the mean over the seeds with the slowest in brackets. Timings depend on the"
            " machine and on what else it runs: on shared machines the same run has varied"
            " several-fold, so the budgets are set in epochs or steps, not seconds. **Goal** is the"
            " target of the issue that set these budgets, on the mean over the seeds unless it"
            " says *every seed*."
        ),
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
        "per_seed": "Each run",
        "per_seed_intro": "The value and wall time of every run behind the table.",
        "seed_columns": ["Model", "Seed", "Value", "Wall time", "Other metrics"],
        "references": "Published results on other data",
        "references_intro": (
            "For orientation only: these were measured on different (mostly larger) data and are"
            " not comparable number for number."
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
        "title": "实测结果",
        "intro": (
            "每个模型在**完整训练配置**下的表现：在两个 CPU 核心、限定时间内找到的最好结果。"
            "课程页面为了几秒内完成构建，用的是很短的预算；本页展示给足训练量后，这些模型能走多远。"
        ),
        "how": (
            "这里的每个数字都由本包的命令行测得：`python -m lessons bench` 用每个模型配置的默认值"
            "（即完整训练配置）对每个随机种子各训练一次并计时，再从同一份数据生成本页、英文版页面和"
            " `results.json`。本页没有任何手工填写的数字。"
        ),
        "reproduce": "复现或扩展本页：",
        "commands": [
            "python -m lessons list             # 列出模型、目标和预算",
            "python -m lessons run cnn          # 按完整训练配置训练一次，带进度条",
            "python -m lessons run cnn --help   # 全部设置及其含义",
            "python -m lessons bench            # 所有模型、所有种子；重写这些页面",
            "python -m lessons bench --only cnn # 只测一个模型，其余行保持不变",
        ],
        "timing": (
            "**单次耗时**是一次运行的训练和评估时间（不含启动和导入），取各种子的均值，括号里是最慢"
            "的一次。耗时取决于机器及其上同时运行的任务：在共享机器上，同一次运行的耗时曾相差数倍，"
            "所以预算按轮数或步数设定，而不是按秒。**目标**是设定这些预算的议题所给的指标，"
            "除非注明“每个种子”，都按各种子的均值判断。"
        ),
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
        "per_seed": "每次运行",
        "per_seed_intro": "上表背后每次运行的数值和耗时。",
        "seed_columns": ["模型", "种子", "数值", "耗时", "其他指标"],
        "references": "其他数据上的已发表结果",
        "references_intro": (
            "仅供参考：这些结果是在不同的（大多更大的）数据上测得的，不能逐个数字直接比较。"
        ),
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


def render(results: dict[str, Any], language: str = "en") -> str:
    """The results page in ``language`` (``"en"`` or ``"zh"``) for the JSON ``results``."""
    if language not in _WORDS:
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    words = _WORDS[language]
    lines = [f"# {words['title']}", "", words["intro"], "", words["how"], ""]
    if any(entry.get("quick") for entry in results["models"]):
        lines += [words["quick"], ""]
    lines += [words["reproduce"], "", "```bash", *words["commands"], "```", "", words["timing"], ""]
    lines += ["| " + " | ".join(words["columns"]) + " |", "|" + " --- |" * len(words["columns"])]
    for e in results["models"]:
        env = e["environment"]
        budget = words["semicolon"].join(
            words["budget"][key].format(n=f"{n:,}") for key, n in e["budget"].items()
        )
        if language == "en":
            budget = re.sub(r"^1 (epoch|step)s$", r"1 \1", budget)
        row = [
            f"[{e['title'][language]}](lessons/{e['lesson']}.md)",
            e["data"][language],
            e["metric_label"][language],
            f"{format_value(e['mean'], e['metric_format'])} "
            f"({format_value(e['min'], e['metric_format'])}–"
            f"{format_value(e['max'], e['metric_format'])})",
            _goal(e, words),
            f"{e['seconds_mean']:.1f} s ({e['seconds_max']:.1f} s)",
            budget,
            ", ".join(map(str, e["seeds"])),
            words["cores"].format(cpu=env["cpu"], cores=env["cores"], threads=env["threads"]),
            f"{env['python']}, {env['torch']}",
            env["date"],
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    lines += ["", f"## {words['per_seed']}", "", words["per_seed_intro"], ""]
    lines += [
        "| " + " | ".join(words["seed_columns"]) + " |",
        "|" + " --- |" * len(words["seed_columns"]),
    ]
    for e in results["models"]:
        for run in e["runs"]:
            others = ", ".join(
                f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                for k, v in run["metrics"].items()
                if k != e["metric"] and k not in e["budget"]
            )
            row = [
                e["name"],
                run["seed"],
                format_value(run["metrics"][e["metric"]], e["metric_format"]),
                f"{run['seconds']:.1f} s",
                others,
            ]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    cited = [e for e in results["models"] if e.get("reference")]
    if cited:
        lines += ["", f"## {words['references']}", "", words["references_intro"], ""]
        lines += [f"- **{e['title'][language]}**: {e['reference'][language]}" for e in cited]
    page = "\n".join(lines) + "\n"
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
