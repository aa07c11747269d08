"""Data-parallel training on several processes with ``torch.distributed``, taught in lesson 15.

Every process (a *rank*) holds a full copy of the model. For each batch, each rank computes the
gradient on its own shard of the rows; the ranks then average their gradients with an
*all-reduce*, so every copy takes the same optimizer step and the copies stay identical.

The pieces:

- ``average_gradients``: the all-reduce written by hand, which ``DistributedDataParallel`` (DDP)
  does for you, in buckets, while backward is still running.
- ``train_data_parallel``: the training loop every rank runs. Outside a process group it is plain
  one-process training on whole batches, so the same code gives the baseline.
- ``main``: the worker, ``python -m lessons.distributed``; it reads the variables ``torchrun`` sets
  (``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``).
- ``start_workers`` and ``launch``: a tiny ``torchrun`` for notebooks, which always ends and reaps
  its processes, also when something fails.
- ``lessons.bench.distributed`` runs one process against several at the full budget.

>>> model = nn.Linear(3, 2)
>>> X, y = torch.randn(40, 3), torch.randint(0, 2, (40,))
>>> result = train_data_parallel(model, X, y, epochs=2, batch_size=8, snapshot_step=3)
>>> result["steps"], sorted(result["snapshot"])
(10, ['bias', 'weight'])
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile  # noqa: F401  (the doctests use it)
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from lessons.config import check_int_argument, check_positive_argument

TAUGHT_IN = {
    "average_gradients": "15-data-parallel-training",
    "train_data_parallel": "15-data-parallel-training",
}

_ROOT = Path(__file__).resolve().parents[1]  # the folder that holds the package


def average_gradients(model: nn.Module) -> None:
    """Replace every gradient of ``model`` by its average over all ranks (call after backward)."""
    world_size = dist.get_world_size()
    for p in model.parameters():
        if p.grad is not None:
            # all_reduce leaves the sum over ranks in every rank's tensor, in place
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world_size


def train_data_parallel(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-2,
    weight_decay: float = 1e-4,
    seed: int = 0,
    snapshot_step: int = 10,
) -> dict[str, Any]:
    """Train ``model`` on ``X_train`` (N, ...) and ``y_train`` (N,), one shard of a batch per rank.

    Every rank runs this function. All draw the same shuffled order (same ``seed``) and cut the
    same global batches of ``batch_size`` rows; rank ``r`` keeps rows ``r, r + W, r + 2W, ...``
    of each (``W`` ranks). Outside a process group the one "rank" keeps whole batches.
    Returns ``ms_per_step`` (median milliseconds per step), ``steps``, and ``snapshot``: a copy
    of the parameters after ``snapshot_step`` steps.
    """
    check_int_argument("epochs", epochs)
    check_int_argument("batch_size", batch_size)
    in_group = dist.is_available() and dist.is_initialized()
    rank = dist.get_rank() if in_group else 0
    world_size = dist.get_world_size() if in_group else 1
    # DDP copies rank 0's parameters to every rank, then averages the gradients during backward
    net = DistributedDataParallel(model) if in_group else model
    n = X_train.shape[0]
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    total_steps = epochs * math.ceil(n / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)
    generator = torch.Generator().manual_seed(seed)  # the same order on every rank
    seconds, snapshot, step = [], {}, 0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            tic = time.perf_counter()
            batch = order[start : start + batch_size]  # the global batch: (B,) row numbers
            mine = batch[rank::world_size]  # this rank's shard: about B / W rows
            # Sum over my rows, divided by B, times W: DDP's average over the W ranks then gives
            # the mean over the whole global batch, even when the shards differ in size.
            loss_sum = F.cross_entropy(net(X_train[mine]), y_train[mine], reduction="sum")
            loss = loss_sum * world_size / len(batch)
            optimizer.zero_grad()
            loss.backward()  # under DDP this also all-reduces the gradients
            optimizer.step()
            schedule.step()
            seconds.append(time.perf_counter() - tic)
            step += 1
            if step == snapshot_step:
                snapshot = {k: v.detach().clone() for k, v in model.named_parameters()}
    return {"ms_per_step": 1000 * statistics.median(seconds), "steps": step, "snapshot": snapshot}


def time_all_reduce(numel: int, repeats: int = 30) -> float:
    """Median milliseconds for one all-reduce of ``numel`` float32 numbers across the group."""
    buffer = torch.zeros(numel)
    dist.barrier()
    seconds = []
    for _ in range(repeats):
        tic = time.perf_counter()
        dist.all_reduce(buffer)
        seconds.append(time.perf_counter() - tic)
    return 1000 * statistics.median(seconds)


def time_local_step(model: nn.Module, X: torch.Tensor, y: torch.Tensor, repeats: int = 30) -> float:
    """Median milliseconds of one AdamW step on the rows ``X`` (B, ...), ``y`` (B,), no talking.

    Trains a copy of ``model``, outside DDP: the computing a rank does per step if communication
    were free.
    """
    net = copy.deepcopy(model)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    seconds = []
    for _ in range(repeats):
        tic = time.perf_counter()
        loss = F.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seconds.append(time.perf_counter() - tic)
    return 1000 * statistics.median(seconds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lessons.distributed",
        description="One rank of data-parallel training of an MLP on the digits (gloo backend). "
        "Start it with torchrun, which sets MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE.",
    )
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training digits")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch, all ranks")
    parser.add_argument("--lr", type=float, default=1e-2, help="peak one-cycle learning rate")
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 256], help="layer widths")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model and the order")
    parser.add_argument("--snapshot-step", type=int, default=10, help="step to copy weights at")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per rank")
    parser.add_argument("--out", type=Path, default=None, help="folder for rankN.pt results")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a torch.save'd dict of X_train, y_train, X_test, y_test (default: load the digits)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run one rank: join the group, train, write ``rankN.pt`` to ``--out``; rank 0 prints."""
    from lessons import seed_everything
    from lessons.mlp import MLP
    from lessons.train import accuracy

    args = _parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo")  # reads MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
    try:
        rank, world_size = dist.get_rank(), dist.get_world_size()
        seed_everything(args.seed)
        # a file from the launcher spares each worker the import of scikit-learn
        if args.data is not None:
            data = torch.load(args.data)
        else:
            from lessons.data import load_digits_split

            data = vars(load_digits_split())
        model = MLP(hidden=tuple(args.hidden))
        result = train_data_parallel(
            model,
            data["X_train"],
            data["y_train"],
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=args.seed,
            snapshot_step=args.snapshot_step,
        )
        result["test_accuracy"] = accuracy(model, data["X_test"], data["y_test"])
        n_params = sum(p.numel() for p in model.parameters())
        result["all_reduce_ms"] = time_all_reduce(n_params)
        shard = torch.arange(rank, args.batch_size, world_size)  # a shard of a full batch
        local = time_local_step(model, data["X_train"][shard], data["y_train"][shard])
        result["local_step_ms"] = local
        result["parameters"] = {k: v.detach().clone() for k, v in model.named_parameters()}
        if args.out is not None:
            torch.save(result, args.out / f"rank{rank}.pt")
        if rank == 0:
            print(
                f"{world_size} ranks, {result['steps']} steps: "
                f"test accuracy {result['test_accuracy']:.4f}, "
                f"{result['ms_per_step']:.2f} ms per step; measured alone, a step on one shard "
                f"{result['local_step_ms']:.2f} ms and an all-reduce of {n_params} numbers "
                f"{result['all_reduce_ms']:.2f} ms"
            )
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no one was listening on a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_workers(
    args: Sequence[str], world_size: int, *, log_dir: Path, threads: int = 1
) -> Iterator[list[subprocess.Popen]]:
    """Start ``world_size`` copies of ``python ARGS``, as torchrun would; end them all on exit.

    Each copy gets the variables torchrun sets (``RANK``, ``WORLD_SIZE``, ...), one free port on
    127.0.0.1, ``OMP_NUM_THREADS=threads`` with ``OMP_WAIT_POLICY=PASSIVE`` (idle threads sleep
    instead of spinning; a worker's own ``torch.set_num_threads``, such as ``lessons.distributed``'s
    ``--threads``, overrides the count), and its output in ``log_dir/rankN.log``, never on our
    terminal. Leaving the ``with`` block, normally or by an exception, kills the workers still
    running and reaps them all: no orphans.

    >>> with tempfile.TemporaryDirectory() as d, start_workers(
    ...     ["-c", "print('hi')"], 2, log_dir=Path(d)
    ... ) as procs:
    ...     codes = [p.wait() for p in procs]
    >>> codes
    [0, 0]
    """
    check_int_argument("world_size", world_size)
    check_int_argument("threads", threads)
    port = free_port()
    path = os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH")) if p)
    procs: list[subprocess.Popen] = []
    try:
        for rank in range(world_size):
            env = {
                **os.environ,
                "MASTER_ADDR": "127.0.0.1",
                "MASTER_PORT": str(port),
                "RANK": str(rank),
                "LOCAL_RANK": str(rank),
                "WORLD_SIZE": str(world_size),
                "LOCAL_WORLD_SIZE": str(world_size),
                "OMP_NUM_THREADS": str(threads),
                "OMP_WAIT_POLICY": "PASSIVE",
                "PYTHONPATH": path,
            }
            with open(log_dir / f"rank{rank}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, *args],
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            p.wait()


def _log_tail(log_dir: Path, rank: int, chars: int) -> str:
    """The last ``chars`` characters of worker ``rank``'s log in ``log_dir``."""
    return (log_dir / f"rank{rank}.log").read_text(errors="replace")[-chars:]


def launch(
    args: Sequence[str], world_size: int, *, log_dir: Path, threads: int = 1, timeout: float = 120
) -> None:
    """Run ``world_size`` workers (see ``start_workers``) until all exit; fail loudly otherwise.

    Raises ``RuntimeError`` with the end of the worker's log if one exits with an error (the
    others are then killed), and ``TimeoutError`` if they are not done within ``timeout``
    seconds. Either way no worker outlives the call.

    >>> with tempfile.TemporaryDirectory() as d:  # doctest: +ELLIPSIS
    ...     launch(["-c", "import sys; sys.exit(3)"], 2, log_dir=Path(d))
    Traceback (most recent call last):
    ...
    RuntimeError: rank ... exited with code 3; the end of its log: ...
    """
    check_positive_argument("timeout", timeout)
    deadline = time.monotonic() + timeout
    with start_workers(args, world_size, log_dir=log_dir, threads=threads) as procs:
        while True:
            codes = [p.poll() for p in procs]
            for rank, code in enumerate(codes):
                if code not in (None, 0):
                    raise RuntimeError(
                        f"rank {rank} exited with code {code}; "
                        f"the end of its log: {_log_tail(log_dir, rank, 2000)}"
                    )
            if all(code == 0 for code in codes):
                return
            if time.monotonic() > deadline:
                tails = "".join(
                    f"\n--- rank {rank} ({'running' if code is None else f'exited {code}'}) ---\n"
                    + _log_tail(log_dir, rank, 1000)
                    for rank, code in enumerate(codes)
                )
                raise TimeoutError(f"the workers were not done within {timeout} s; logs:{tails}")
            time.sleep(0.02)


if __name__ == "__main__":
    main()
