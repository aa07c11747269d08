"""The command line: train any lesson's model at its full budget, and benchmark them all.

::

    python -m lessons list                  # every model, its data, goal and budget
    python -m lessons run cnn               # one full-budget run, with a progress bar
    python -m lessons run cnn --epochs 5 --seed 3 --json
    python -m lessons run cnn --help        # every setting of the model, with its meaning
    python -m lessons bench                 # every model over its seeds -> docs/results.*
    python -m lessons bench --only cnn --device cuda --elsewhere  # a GPU's row, in its own table

Bad input (an unknown model, a negative budget, a device this machine lacks) gets one line on
stderr naming the choice and what is accepted, and exit status 2, before any training starts.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import torch

from lessons.bench import registry, results
from lessons.bench.registry import ModelSpec
from lessons.config import (
    add_config_options,
    budget_of,
    config_from_options,
    field_docs,
    option_name,
)
from lessons.runtime import available_devices, stopwatch

PROG = "lessons"


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def cpu_name() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one, else from ``platform``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_name(device: str) -> str | None:
    """The accelerator's model name for a CUDA ``device`` ("NVIDIA H100 80GB HBM3"), else None."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return None


def environment(device: str = "cpu") -> dict[str, Any]:
    """Where a run happened: CPU model, cores, PyTorch's threads, versions, device and date."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "os": f"{platform.system()} {platform.release()}",
        "device": device,
        "device_name": device_name(device),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
    }


def _environment_line(env: dict[str, Any]) -> str:
    return (
        f"{env['cpu']}, {env['cores']} cores ({env['threads']} PyTorch threads), "
        f"Python {env['python']}, PyTorch {env['torch']}, "
        f"device {results.device_label(env)}, {env['date']}"
    )


def _as_option(message: str, cls: type) -> str:
    """Turn a config's error ``"epochs must be …, got -3"`` into ``"--epochs must be …"``."""
    names = sorted((f.name for f in dataclasses.fields(cls)), key=len, reverse=True)
    for name in names:
        if re.match(rf"{re.escape(name)}\b", message):
            return option_name(name) + message[len(name) :]
    return message


def _check_device(device: str, command: str) -> None:
    accepted = available_devices()
    if device not in accepted:
        raise UsageError(
            f"{PROG} {command}: --device {device}: not available here; "
            f"accepted: {', '.join(accepted)}"
        )


def _warm_up(device: str = "cpu") -> None:
    # Start-up costs paid once per process, before the clock starts, so that the first timed run
    # is not slower than the others: the first optimizer imports torch._dynamo (about a second),
    # and the digits come through scikit-learn (almost another). On a GPU, the first use also
    # makes the CUDA context and loads the matrix library.
    import sklearn.datasets  # noqa: F401  (lessons.data imports these inside the timed run)
    import sklearn.model_selection  # noqa: F401

    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    if device.startswith("cuda"):
        a = torch.ones(8, 8, device=device)
        (a @ a).sum().item()


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def train_once(spec: ModelSpec, config: Any, *, progress: bool) -> tuple[dict[str, Any], float]:
    """Run ``spec`` with ``config``; return its metrics (plain numbers) and the wall seconds."""
    _warm_up(getattr(config, "device", "cpu"))
    with stopwatch() as run:
        metrics = spec.run(config, progress=progress)
    plain = {k: (v.item() if hasattr(v, "item") else v) for k, v in metrics.items()}
    return plain, run["seconds"]


def _config_dict(config: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(config).items()}


# ---- the subcommands ---------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for spec in registry.MODELS:
        defaults = spec.config()
        rows.append(
            {
                "name": spec.name,
                "title": spec.title.en,
                "lesson": spec.lesson,
                "data": spec.data.en,
                "metric": spec.metric,
                "goal": f"{spec.metric_label.label.en} {spec.goal.op} "
                + spec.format(spec.goal.value)
                + (" on every seed" if spec.goal.every_seed else " (mean over the seeds)")
                + (f", ≤ {spec.goal.seconds:g} s per run" if spec.goal.seconds else ""),
                "budget": budget_of(defaults),
                "seeds": list(spec.seeds),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        budget = ", ".join(f"{n} {key}" for key, n in r["budget"].items())
        print(f"{r['name']:<{width}}  {r['title']} (lesson {r['lesson'][:2]})")
        print(f"{'':<{width}}  data: {r['data']}")
        print(f"{'':<{width}}  goal: {r['goal']}; full budget {budget}; bench seeds {r['seeds']}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    spec: ModelSpec = args.spec
    try:
        config = config_from_options(spec.config, args)
    except ValueError as error:
        raise UsageError(f"{PROG} run {spec.name}: {_as_option(str(error), spec.config)}") from None
    _check_device(config.device, "run")
    metrics, seconds = train_once(spec, config, progress=not args.no_progress)
    env = environment(config.device)
    value = metrics[spec.metric]
    if args.json:
        record = {
            "model": spec.name,
            "metric": spec.metric,
            "value": value,
            "metrics": metrics,
            "goal": dataclasses.asdict(spec.goal),
            "seconds": seconds,
            "environment": env,
            "config": _config_dict(config),
        }
        print(json.dumps(record, ensure_ascii=False))
        return 0
    goal = spec.goal
    budget = ", ".join(f"{n:,} {key}" for key, n in budget_of(config).items())
    print(
        f"{spec.name}: {spec.metric_label.label.en} {spec.format(value)} "
        f"(goal {goal.op} {spec.format(goal.value)}"
        f"{' on every seed' if goal.every_seed else ' on the mean of the bench seeds'})"
    )
    print(f"  {budget}, seed {config.seed}, {seconds:.1f} s wall time")
    others = {k: v for k, v in metrics.items() if k != spec.metric and k not in budget_of(config)}
    if others:
        print("  " + ", ".join(f"{k} {results.format_number(v)}" for k, v in others.items()))
    print(f"  {_environment_line(env)}")
    return 0


def bench(
    specs: Sequence[ModelSpec],
    *,
    quick: bool = False,
    progress: bool = False,
    log=None,
    device: str = "cpu",
) -> list[dict[str, Any]]:
    """Run each spec over its seeds at its full budget (or its quick one) on ``device``; return
    the entries."""
    entries = []
    for spec in specs:
        runs = []
        for seed in spec.seeds:
            config = spec.config(seed=seed, device=device, **(spec.quick if quick else {}))
            metrics, seconds = train_once(spec, config, progress=progress)
            runs.append({"seed": seed, "metrics": metrics, "seconds": seconds})
            if log:
                log(
                    f"{spec.name} seed {seed}: {spec.format(metrics[spec.metric])}, {seconds:.1f} s"
                )
        values = [r["metrics"][spec.metric] for r in runs]
        seconds = [r["seconds"] for r in runs]
        also = []
        for key, also_label, goal in spec.also:
            those = [r["metrics"][key] for r in runs]
            also.append(
                {
                    "metric": key,
                    "label": dataclasses.asdict(also_label),
                    "goal": dataclasses.asdict(goal),
                    "mean": sum(those) / len(those),
                    "met": goal.met(those),
                }
            )
        label = spec.metric_label
        entries.append(
            {
                "name": spec.name,
                "title": dataclasses.asdict(spec.title),
                "lesson": spec.lesson,
                "data": dataclasses.asdict(spec.data),
                "metric": spec.metric,
                "metric_label": dataclasses.asdict(label.label),
                "metric_format": {"percent": label.percent, "digits": label.digits},
                "goal": dataclasses.asdict(spec.goal),
                "seeds": list(spec.seeds),
                "mean": sum(values) / len(values),
                "min": min(values),
                "max": max(values),
                "seconds_mean": sum(seconds) / len(seconds),
                "seconds_max": max(seconds),
                "goal_met": spec.goal.met(values) and all(a["met"] for a in also),
                "also": also,
                "fast_enough": spec.goal.fast_enough(seconds),
                "budget": budget_of(config),
                "config": {k: v for k, v in _config_dict(config).items() if k != "seed"},
                "runs": runs,
                "quick": quick,
                "environment": environment(config.device),
                "reference": dataclasses.asdict(spec.reference) if spec.reference else None,
            }
        )
    return entries


def cmd_bench(args: argparse.Namespace) -> int:
    wanted = args.only or registry.names()
    for name in wanted:
        if name not in registry.names():
            raise UsageError(
                f"{PROG} bench: --only {name}: unknown model; "
                f"accepted: {', '.join(registry.names())}"
            )
    specs = [registry.find(name) for name in wanted]
    _check_device(args.device, "bench")
    for spec in specs:  # a model that cannot train on the device says so before any training
        try:
            spec.config(device=args.device)
        except ValueError as error:
            raise UsageError(f"{PROG} bench: --only {spec.name}: {error}") from None
    log = None if args.json else (lambda line: print(line, flush=True))
    entries = bench(
        specs, quick=args.quick, progress=not args.no_progress, log=log, device=args.device
    )
    order = {name: i for i, name in enumerate(registry.names())}
    previous = results.read(args.out) or {}
    table = "elsewhere" if args.elsewhere else "models"
    tables = {key: previous.get(key, []) for key in ("models", "elsewhere")}
    if table == "models" and not args.only:  # a whole bench replaces the main table
        tables["models"] = []

    def same_row(old: dict[str, Any], new: dict[str, Any]) -> bool:
        if table == "models":  # a partial bench keeps the other models' rows
            return old["name"] == new["name"]
        where = ("device", "device_name", "cpu")  # one row per model per machine and device
        return old["name"] == new["name"] and all(
            old["environment"].get(k) == new["environment"].get(k) for k in where
        )

    kept = [old for old in tables[table] if not any(same_row(old, new) for new in entries)]
    tables[table] = sorted(kept + entries, key=lambda e: order.get(e["name"], len(order)))
    record = {"command": "python -m lessons bench", **tables}
    paths = results.write(record, args.out)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
        return 0
    for e in entries:
        spec = registry.find(e["name"])
        verdict = "goal met" if e["goal_met"] else "GOAL NOT MET"
        print(
            f"{e['name']}: mean {spec.format(e['mean'])} over seeds {e['seeds']}, {verdict}; "
            f"{e['seconds_mean']:.1f} s per run (slowest {e['seconds_max']:.1f} s)"
        )
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


# ---- the parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``lessons`` command's parser: ``list``, ``run NAME [options]`` and ``bench``."""
    parser = _Parser(
        prog=PROG,
        description="Train the lessons' models at their full budgets and benchmark them.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    listing = commands.add_parser("list", help="show every model, its data, goal and budget")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(handler=cmd_list)

    run = commands.add_parser(
        "run",
        help="train one model at its full budget; `run NAME --help` lists its settings",
        description="Train one model at its full budget (its config's defaults) and print the "
        "metric, the wall time and the environment. Options override the defaults.",
    )
    models = run.add_subparsers(dest="name", metavar="NAME", parser_class=_Parser)
    models.required = True
    for spec in registry.MODELS:
        one = models.add_parser(
            spec.name,
            help=f"{spec.title.en} (lesson {spec.lesson[:2]})",
            description=f"{spec.title.en}, lesson {spec.lesson}. Data: {spec.data.en}. "
            f"Metric: {spec.metric_label.label.en} ({spec.metric}).",
        )
        add_config_options(one, spec.config)
        one.add_argument("--json", action="store_true", help="print one JSON object to stdout")
        one.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        one.set_defaults(handler=cmd_run, spec=spec)

    bench_parser = commands.add_parser(
        "bench",
        help="run every model over its seeds and write the results pages",
        description="Run every model over its bench seeds at its full budget and write "
        "results.json, results.md and results.zh.md.",
    )
    bench_parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these models; keep the others' rows"
    )
    bench_parser.add_argument(
        "--out", type=Path, default=Path("docs"), help="folder to write into (default: docs)"
    )
    bench_parser.add_argument(
        "--quick", action="store_true", help="tiny budgets: checks the wiring, not the results"
    )
    bench_parser.add_argument(
        "--device",
        default="cpu",
        help='where to train: "cpu" (the default), "cuda", "cuda:N" or "mps"',
    )
    bench_parser.add_argument(
        "--elsewhere",
        action="store_true",
        help="put these runs in the table of other machines and devices, keeping the main table",
    )
    bench_parser.add_argument("--json", action="store_true", help="print the results as JSON")
    bench_parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    bench_parser.set_defaults(handler=cmd_bench)
    return parser


def _unknown_model(argv: Sequence[str]) -> str | None:
    """The one-line error for ``run NAME`` with a NAME that is not a model, else None."""
    if len(argv) >= 2 and argv[0] == "run" and not argv[1].startswith("-"):
        if argv[1] not in registry.names():
            return f"{PROG} run: unknown model {argv[1]!r}; accepted: {', '.join(registry.names())}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        unknown = _unknown_model(argv)
        if unknown:
            raise UsageError(unknown)
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return 2


__all__ = ["bench", "build_parser", "environment", "field_docs", "main", "train_once"]
