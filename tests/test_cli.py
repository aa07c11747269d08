"""The command line: parsing, --help from the config docstrings, one-line errors, a short run of
every model, and the benchmark writing its three files (into a temporary folder, never docs/)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lessons.bench import registry, results
from lessons.bench.cli import build_parser, main
from lessons.config import budget_of, config_from_options, field_docs, option_name

ROOT = Path(__file__).resolve().parents[1]
SPECS = registry.MODELS


def quick_options(spec: registry.ModelSpec) -> list[str]:
    """The spec's quick budget as command-line options: {"channels": (4, 8)} -> --channels 4 8."""
    argv = []
    for name, value in spec.quick.items():
        values = value if isinstance(value, tuple) else (value,)
        argv += [option_name(name), *map(str, values)]
    return argv


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_config_field_is_documented_and_frozen(spec):
    docs = field_docs(spec.config)
    fields = [f.name for f in dataclasses.fields(spec.config)]
    assert {"seed", "device"} <= set(fields)
    assert {"epochs", "steps"} & set(fields), "a config has a budget: epochs or steps"
    assert [f for f in fields if not docs.get(f)] == [], "every field needs a docstring"
    assert spec.config.__dataclass_params__.frozen
    assert spec.metric_label and spec.seeds


def test_run_options_parse_into_the_config():
    args = build_parser().parse_args(
        ["run", "cnn", "--epochs", "3", "--channels", "4", "8", "--seed", "7", "--no-progress"]
    )
    config = config_from_options(args.spec.config, args)
    defaults = args.spec.config()
    assert (config.epochs, config.channels, config.seed) == (3, (4, 8), 7)
    assert config.lr == defaults.lr and config.device == "cpu"  # left out: the defaults
    assert args.no_progress and not args.json


def test_bool_fields_become_flag_pairs():
    import argparse

    from lessons.config import add_config_options

    @dataclasses.dataclass(frozen=True)
    class Demo:
        shuffle: bool = True
        """Reshuffle every epoch."""

    parser = argparse.ArgumentParser()
    add_config_options(parser, Demo)
    assert config_from_options(Demo, parser.parse_args(["--no-shuffle"])) == Demo(shuffle=False)
    assert config_from_options(Demo, parser.parse_args(["--shuffle"])) == Demo(shuffle=True)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_help_shows_every_field_docstring(spec, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "10000")  # no wrapping, which may split a word at a hyphen
    with pytest.raises(SystemExit) as exit_:
        main(["run", spec.name, "--help"])
    assert exit_.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse re-wraps the lines
    for name, doc in field_docs(spec.config).items():
        assert option_name(name) in shown
        assert " ".join(doc.split()) in shown, f"--help lacks the docstring of {name}"


def test_top_level_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in ("list", "run", "bench"))


ERRORS = [
    (
        ["run", "resnet"],
        "lessons run: unknown model 'resnet'; accepted: " + ", ".join(registry.names()),
    ),
    (["run", "cnn", "--epochs", "-3"], "lessons run cnn: --epochs must be an integer ≥ 1, got -3"),
    (
        ["run", "lstm-adding", "--steps", "0"],
        "lessons run lstm-adding: --steps must be an integer ≥ 1, got 0",
    ),
    (
        ["run", "mlp", "--dropout", "1.5"],
        "lessons run mlp: --dropout must be a number in [0, 1), got 1.5",
    ),
    (["run", "cnn", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
    (["run", "cnn", "--device", "tpu"], "--device must be one of"),
    (
        ["run", "cnn", "--device", "cuda:99"],
        "lessons run: --device cuda:99: not available here; accepted: cpu",
    ),
    (["bench", "--only", "resnet"], "--only resnet: unknown model; accepted: softmax, mlp"),
    (
        ["bench", "--only", "cnn", "--device", "cuda:99"],
        "lessons bench: --device cuda:99: not available here; accepted: cpu",
    ),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS, ids=lambda v: " ".join(v) or "nothing")
def test_bad_input_is_one_line_on_stderr_and_status_2(argv, message, capsys):
    status, out, err = run_cli(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert message in err


def test_an_unavailable_device_is_refused_before_training(capsys, monkeypatch):
    import lessons.bench.cli

    monkeypatch.setattr(lessons.bench.cli, "available_devices", lambda: ["cpu"])
    monkeypatch.setattr(lessons.bench.cli, "train_once", lambda *a, **k: pytest.fail("trained"))
    status, _, err = run_cli(capsys, "run", "cnn", "--device", "cuda")
    assert status == 2
    assert err == "lessons run: --device cuda: not available here; accepted: cpu\n"


def test_list_names_every_model(capsys):
    status, out, _ = run_cli(capsys, "list")
    assert status == 0 and all(spec.name in out for spec in SPECS)
    status, out, _ = run_cli(capsys, "list", "--json")
    assert [row["name"] for row in json.loads(out)] == registry.names()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_short_run_of_every_model(spec, capsys):
    status, out, _ = run_cli(capsys, "run", spec.name, *quick_options(spec), "--json")
    assert status == 0
    assert out.count("\n") == 1, "--json prints one JSON object and nothing else on stdout"
    record = json.loads(out)
    assert record["model"] == spec.name
    assert isinstance(record["value"], float) and record["value"] == record["metrics"][spec.metric]
    assert record["seconds"] > 0
    assert {"cpu", "cores", "threads", "python", "torch", "date"} <= set(record["environment"])
    for name, value in spec.quick.items():
        expected = list(value) if isinstance(value, tuple) else value
        assert record["config"][name] == expected


def test_run_prints_metric_time_and_environment(capsys):
    spec = registry.find("softmax")
    status, out, err = run_cli(capsys, "run", "softmax", *quick_options(spec), "--seed", "1")
    assert status == 0
    assert re.search(r"softmax: test accuracy \d+\.\d\d %", out)
    assert "seed 1" in out and " s wall time" in out
    assert "PyTorch" in out and "cores" in out


def test_bench_quick_writes_json_and_both_pages(tmp_path, capsys, monkeypatch):
    # the wiring, on two seeds of each model (a mean, a minimum and a maximum over runs)
    two_seeds = tuple(dataclasses.replace(s, seeds=s.seeds[:2]) for s in registry.MODELS)
    monkeypatch.setattr(registry, "MODELS", two_seeds)
    status, out, _ = run_cli(capsys, "bench", "--quick", "--out", str(tmp_path), "--no-progress")
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(results.FILES)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [m["name"] for m in data["models"]] == registry.names()
    for model in data["models"]:
        assert len(model["runs"]) == len(model["seeds"]) and model["quick"]
        assert model["min"] <= model["mean"] <= model["max"]
    english = (tmp_path / "results.md").read_text(encoding="utf-8")
    chinese = (tmp_path / "results.zh.md").read_text(encoding="utf-8")
    assert english == results.render(data, "en") and chinese == results.render(data, "zh")
    assert not english.startswith("---"), "plain Markdown: no front matter, never executed"
    summary, generators = english.split("\n## ")[:2]
    table = [line for line in summary.splitlines() if line.startswith("| [")]
    assert len(table) == len(SPECS), "one row per model"
    judged = [
        m["name"]
        for m in data["models"]
        if all(k in m["runs"][0]["metrics"] for k in results.GENERATOR_KEYS)
    ]
    assert {"gan", "dcgan"} <= set(judged)
    rows = [line for line in generators.splitlines() if line.startswith("| [")]
    fast = [m for m in data["models"] if "fast_confidence" in m["runs"][0]["metrics"]]
    assert len(rows) == len(judged) + len(fast), "one row per generator and per fast sampler"
    assert "python -m lessons bench" in english and "```python" not in english
    # Chinese prose: full-width punctuation next to Chinese characters (code and links aside)
    prose = re.sub(r"(?ms)^```.*?^```|`[^`\n]*`|\]\([^)]*\)", "X", chinese)
    assert not re.findall(r"[\u3400-\u9fff][,;:?!]|[,;:][\u3400-\u9fff]", prose)


def test_bench_only_keeps_the_other_rows(tmp_path, capsys):
    for name in ("softmax", "mlp"):
        status, *_ = run_cli(capsys, "bench", "--quick", "--only", name, "--out", str(tmp_path))
        assert status == 0
    data = results.read(tmp_path)
    assert [m["name"] for m in data["models"]] == ["softmax", "mlp"]


def test_bench_elsewhere_adds_its_own_table_and_keeps_the_main_one(tmp_path, capsys):
    out = str(tmp_path)
    assert run_cli(capsys, "bench", "--quick", "--only", "softmax", "--out", out)[0] == 0
    main_table = results.read(tmp_path)["models"]
    for _ in range(2):  # the same model on the same machine and device: one row, replaced
        status, *_ = run_cli(
            capsys, "bench", "--quick", "--only", "softmax", "--elsewhere", "--out", out
        )
        assert status == 0
    data = results.read(tmp_path)
    assert data["models"] == main_table
    assert [e["name"] for e in data["elsewhere"]] == ["softmax"]
    assert data["elsewhere"][0]["environment"]["device"] == "cpu"
    # a GPU's row of the same machine is compared with that machine's CPU row
    gpu = json.loads(json.dumps(data["elsewhere"][0]))
    gpu["environment"].update(device="cuda", device_name="Some GPU")
    gpu["seconds_mean"] = data["elsewhere"][0]["seconds_mean"] / 4
    data["elsewhere"].append(gpu)
    section = results.render(data, "en").split("## On other machines and devices")[1]
    section = section.split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| [")]
    assert len(rows) == 2
    assert "| cpu |" in rows[0] and rows[0].count("| – |") == 1, "a CPU row compares with nothing"
    assert "| cuda (Some GPU) |" in rows[1] and "| 4.0× faster |" in rows[1]
    assert "| 快 4.0 倍 |" in results.render(data, "zh")
    # a bench for the main table keeps the rows of other machines and devices
    results.write(data, tmp_path)
    assert run_cli(capsys, "bench", "--quick", "--only", "mlp", "--out", out)[0] == 0
    assert len(results.read(tmp_path)["elsewhere"]) == 2


def test_a_model_that_cannot_train_on_the_device_is_refused_before_training(capsys, monkeypatch):
    import lessons.bench.cli

    monkeypatch.setattr(lessons.bench.cli, "available_devices", lambda: ["cpu", "cuda"])
    monkeypatch.setattr(lessons.bench.cli, "train_once", lambda *a, **k: pytest.fail("trained"))
    message = "device must be \"cpu\" (the gloo workers train on the CPU), got 'cuda'"
    status, _, err = run_cli(capsys, "bench", "--only", "cnn", "ddp", "--device", "cuda")
    assert status == 2 and err == f"lessons bench: --only ddp: {message}\n"
    status, _, err = run_cli(capsys, "run", "ddp", "--device", "cuda")
    assert status == 2 and err == f"lessons run ddp: --{message}\n"


def test_python_dash_m_lessons_runs():
    done = subprocess.run(
        [sys.executable, "-m", "lessons", "run", "nonsense"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("lessons run: unknown model 'nonsense'; accepted: softmax")


# Fields where -5 is a valid value: a return to reach can be any number.
NEGATIVE_ALLOWED = {"solve_return"}
NUMERIC_TYPES = ("int", "float", "tuple[int, ...]", int, float, tuple[int, ...])
NUMERIC_OPTIONS = [
    (spec, field.name)
    for spec in SPECS
    for field in dataclasses.fields(spec.config)
    if field.type in NUMERIC_TYPES and field.name not in NEGATIVE_ALLOWED
]


def test_the_numeric_options_cover_every_registered_model():
    assert {spec.name for spec, _ in NUMERIC_OPTIONS} == set(registry.names())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_budget_of_zero_is_one_line_for_every_model(spec, capsys):
    """`lessons run gan --epochs 0` (or `--steps 0`): the rule's one wording, status 2."""
    (name,) = budget_of(spec.config())
    option = "--" + name
    status, out, err = run_cli(capsys, "run", spec.name, option, "0", "--no-progress")
    assert (status, out) == (2, "")
    assert err == f"lessons run {spec.name}: {option} must be an integer ≥ 1, got 0\n"


@pytest.mark.parametrize(
    ("spec", "name"), NUMERIC_OPTIONS, ids=[f"{s.name}-{n}" for s, n in NUMERIC_OPTIONS]
)
def test_every_numeric_option_of_every_model_refuses_a_bad_value_in_one_line(spec, name, capsys):
    """`lessons run MODEL --option -5`: one line naming the option, status 2, before training.

    Layer widths (``--hidden 256 256``) get one bad width, -5, too.
    """
    option = "--" + name.replace("_", "-")
    status, out, err = run_cli(capsys, "run", spec.name, option, "-5", "--no-progress")
    assert status == 2, f"status {status}; stderr {err!r}"
    assert out == "" and err.count("\n") == 1, f"not one line: {err!r}"
    assert "Traceback" not in err, err
    assert err.startswith(f"lessons run {spec.name}: {option} must be "), err
    assert re.search(r"got \(?-5(\.0)?,?\)?$", err.rstrip()), err  # the value given, shown back
