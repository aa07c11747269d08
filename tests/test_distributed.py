"""Data-parallel training (lesson 15): exact gradients, and no worker process outlives a launch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from lessons.bench.distributed import DDPConfig, run_ddp
from lessons.distributed import launch, start_workers

ROOT = Path(__file__).resolve().parents[1]
SLEEPER = ["-c", "import os, time; print(os.getpid(), flush=True); time.sleep(60)"]


def gone(pid: int) -> bool:
    """True if no process has this id any more (it ended and was reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def logged_pids(folder: Path, world_size: int) -> list[int]:
    """The process ids the SLEEPER workers printed into their logs."""
    return [int((folder / f"rank{r}.log").read_text().split()[0]) for r in range(world_size)]


def wait_for_logs(folder: Path, world_size: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((folder / f"rank{r}.log").read_text().strip() for r in range(world_size)):
            return
        time.sleep(0.05)
    raise AssertionError("the workers did not start")


def test_an_exception_in_the_with_block_ends_every_worker(tmp_path: Path):
    with pytest.raises(KeyError), start_workers(SLEEPER, 2, log_dir=tmp_path) as procs:
        wait_for_logs(tmp_path, 2)
        raise KeyError("something failed in the notebook")
    assert all(p.returncode is not None for p in procs)
    assert all(gone(pid) for pid in logged_pids(tmp_path, 2))


def test_a_hanging_worker_is_killed_at_the_timeout(tmp_path: Path):
    tic = time.monotonic()
    with pytest.raises(TimeoutError, match="within 4 s") as error:
        launch(SLEEPER, 2, log_dir=tmp_path, timeout=4)  # time enough for both to start
    assert time.monotonic() - tic < 30
    pids = logged_pids(tmp_path, 2)
    assert all(
        f"--- rank {r} (running) ---\n{pid}" in str(error.value) for r, pid in enumerate(pids)
    )
    assert all(gone(pid) for pid in logged_pids(tmp_path, 2))


def test_a_failing_worker_ends_the_others(tmp_path: Path):
    code = (
        "import os, sys, time; print(os.getpid(), flush=True)\n"
        "if os.environ['RANK'] == '1': time.sleep(1); print('boom', flush=True); sys.exit(5)\n"
        "time.sleep(60)\n"
    )
    with pytest.raises(RuntimeError, match=r"(?s)rank 1 exited with code 5; .*boom"):
        launch(["-c", code], 2, log_dir=tmp_path, timeout=60)
    assert all(gone(pid) for pid in logged_pids(tmp_path, 2))


def test_bad_arguments_name_what_is_accepted(tmp_path: Path):
    with pytest.raises(ValueError, match="world_size must be an integer ≥ 1"):
        launch(SLEEPER, 0, log_dir=tmp_path)
    with pytest.raises(ValueError, match="timeout must be a number > 0"):
        launch(SLEEPER, 2, log_dir=tmp_path, timeout=0)
    with pytest.raises(ValueError, match="epochs must be an integer ≥ 1, got 0"):
        DDPConfig(epochs=0)
    with pytest.raises(ValueError, match="hidden must be a sequence of integers ≥ 1"):
        DDPConfig(hidden=(64, 0))


def test_average_gradients_averages_over_ranks(tmp_path: Path):
    code = (
        "import os, sys, torch, torch.distributed as dist\n"
        "from lessons.distributed import average_gradients\n"
        "dist.init_process_group('gloo'); rank = dist.get_rank()\n"
        "torch.manual_seed(0); model = torch.nn.Linear(3, 2)\n"
        "x = torch.full((4, 3), float(rank + 1))  # different data on each rank\n"
        "model(x).pow(2).sum().backward(); average_gradients(model)\n"
        "torch.save([p.grad for p in model.parameters()], sys.argv[1] + f'/grad{rank}.pt')\n"
        "dist.destroy_process_group()\n"
    )
    launch(["-c", code, str(tmp_path)], 2, log_dir=tmp_path, timeout=120)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    for rank in range(2):  # the mean over ranks of the gradients, computed in one process
        (model(torch.full((4, 3), float(rank + 1))).pow(2).sum() / 2).backward()
    expected = [p.grad for p in model.parameters()]
    for rank in range(2):
        got = torch.load(tmp_path / f"grad{rank}.pt")
        assert all(torch.allclose(g, e) for g, e in zip(got, expected, strict=True))


def test_two_processes_learn_what_one_learns():
    result = run_ddp(DDPConfig(epochs=2, hidden=(64,), snapshot_step=5))
    assert result["steps"] == 46 and result["epochs"] == 2
    assert abs(result["test_accuracy_2proc"] - result["test_accuracy_1proc"]) <= 0.005
    assert result["max_param_diff"] < 1e-6
    assert result["max_replica_diff"] == 0.0
    assert all(isinstance(v, float | int) for v in result.values())


@pytest.mark.skipif(
    shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None,
    reason="torchrun is not installed next to this Python",
)
def test_the_torchrun_command_of_the_page_runs():
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(ROOT)}
    args = ["--standalone", "--nproc-per-node", "2", "-m", "lessons.distributed"]
    done = subprocess.run(
        [torchrun, *args, "--epochs", "1", "--hidden", "32"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 ranks, 23 steps: test accuracy" in done.stdout
