"""Full-budget run of lesson 15: one process against several, for the command line and the
results page.

>>> DDPConfig(world_size=1)
Traceback (most recent call last):
...
ValueError: world_size must be an integer ≥ 2, got 1
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from lessons.config import (
    RunConfig,
    check_budget,
    check_cpu_only,
    check_int_argument,
    check_positive,
    check_widths,
)
from lessons.distributed import (
    launch,
    train_data_parallel,
)
from lessons.runtime import progress_bar


@dataclass(frozen=True)
class DDPConfig(RunConfig):
    """Full-budget comparison of one process and several on lesson 7's MLP and the digits."""

    epochs: int = 20
    """Passes over the 1,437 training digits."""
    batch_size: int = 64
    """Global batch: rows per optimizer step, summed over all processes."""
    lr: float = 1e-2
    """Peak learning rate of the one-cycle schedule (AdamW)."""
    hidden: tuple[int, ...] = (256, 256)
    """Widths of the MLP's hidden layers."""
    world_size: int = 2
    """Number of worker processes (ranks) of the data-parallel run."""
    threads: int = 1
    """CPU threads per worker process."""
    snapshot_step: int = 10
    """Optimizer step after which the parameters of both runs are compared."""
    timeout: float = 300.0
    """Seconds the workers may take before they are killed and the run fails."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "batch_size", "threads", "snapshot_step", "lr", "timeout")
        check_widths(self, "hidden")
        check_int_argument("world_size", self.world_size, least=2)
        check_cpu_only(self, "the gloo workers train on the CPU")


def run_ddp(config: DDPConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the MLP in this process, then with ``config.world_size`` gloo workers; compare.

    The one-process baseline uses ``config.threads`` threads, like each worker.

    Returns ``test_accuracy_1proc`` and ``test_accuracy_2proc`` (fractions; the second is the
    data-parallel run whatever its ``world_size``), ``ms_per_step_1proc`` and
    ``ms_per_step_2proc`` (median milliseconds per optimizer step), ``all_reduce_ms`` (one
    all-reduce of all the gradients), ``local_step_ms`` (a worker's step on its shard alone,
    without DDP), ``max_param_diff`` (largest difference between the two
    runs' parameters after ``snapshot_step`` steps), ``max_replica_diff`` (largest difference
    between the ranks' final parameters; 0 means identical copies), ``steps`` and ``epochs``.
    The gloo workers train on the CPU, so ``device`` must be "cpu".
    """
    from lessons import seed_everything
    from lessons.data import load_digits_split
    from lessons.mlp import MLP
    from lessons.train import accuracy

    if not isinstance(config, DDPConfig):
        raise ValueError(f"config must be a DDPConfig, got {type(config).__name__}")
    bar = progress_bar(total=2, desc="1 process, then workers", enabled=progress)
    seed_everything(config.seed)
    split = load_digits_split()
    model = MLP(hidden=config.hidden)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)  # the baseline computes like one worker: core for core
    try:
        one = train_data_parallel(
            model,
            split.X_train,
            split.y_train,
            epochs=config.epochs,
            batch_size=config.batch_size,
            lr=config.lr,
            seed=config.seed,
            snapshot_step=config.snapshot_step,
        )
    finally:
        torch.set_num_threads(threads)
    accuracy_1proc = accuracy(model, split.X_test, split.y_test)
    bar.update()
    args = ["-m", "lessons.distributed", "--epochs", str(config.epochs)]
    args += [
        "--batch-size",
        str(config.batch_size),
        "--lr",
        str(config.lr),
        "--seed",
        str(config.seed),
    ]
    args += ["--hidden", *map(str, config.hidden), "--threads", str(config.threads)]
    args += ["--snapshot-step", str(config.snapshot_step)]
    with tempfile.TemporaryDirectory() as d:
        torch.save(vars(split), Path(d) / "digits.pt")
        args += ["--data", str(Path(d) / "digits.pt")]
        launch(
            [*args, "--out", d],
            config.world_size,
            log_dir=Path(d),
            threads=config.threads,
            timeout=config.timeout,
        )
        ranks = [torch.load(Path(d) / f"rank{r}.pt") for r in range(config.world_size)]
    bar.update()
    bar.close()
    first = ranks[0]
    param_diff = max(
        (first["snapshot"][k] - v).abs().max().item() for k, v in one["snapshot"].items()
    )
    replica_diff = max(
        (r["parameters"][k] - v).abs().max().item()
        for r in ranks[1:]
        for k, v in first["parameters"].items()
    )
    return {
        "test_accuracy_1proc": accuracy_1proc,
        "test_accuracy_2proc": first["test_accuracy"],
        "ms_per_step_1proc": one["ms_per_step"],
        "ms_per_step_2proc": first["ms_per_step"],
        "all_reduce_ms": first["all_reduce_ms"],
        "local_step_ms": first["local_step_ms"],
        "max_param_diff": param_diff,
        "max_replica_diff": replica_diff,
        "steps": one["steps"],
        "epochs": config.epochs,
    }
