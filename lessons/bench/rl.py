"""Full-budget run of lesson 12's DQN on CartPole, for the command line and the results page.

>>> result = run_dqn(DQNConfig(steps=300, learning_starts=100))
>>> sorted(result)
['episodes', 'greedy_mean', 'last20_mean', 'seconds', 'solved', 'steps', 'steps_to_solve']
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lessons.rl import (
    DQNConfig,
    _check_config,
    greedy_returns,
    train_dqn,
)
from lessons.runtime import pick_device, seed_everything, stopwatch


def run_dqn(config: DQNConfig, *, progress: bool = False) -> dict[str, float]:
    """Train lesson 12's Double DQN on CartPole-v1 at ``config``'s budget and report the result.

    Seeds everything with ``config.seed`` and trains with ``train_dqn`` until solved
    (``eval_episodes`` greedy episodes average ``solve_return`` or more; Gym's standard for
    CartPole-v1 is 100 episodes and 475) or until ``config.steps`` environment steps. Then it plays
    ``eval_episodes`` fresh greedy episodes, not the ones the solve test saw, with the final
    network. Same seed, same machine: the same numbers.

    Returns plain floats: ``solved`` (1.0 or 0.0), ``steps_to_solve`` (environment steps when
    solved; 0.0 if not), ``steps`` (environment steps taken), ``episodes`` (training episodes),
    ``last20_mean`` (mean return of the last ``solve_window`` training episodes, exploration
    included), ``greedy_mean`` (mean return of the fresh greedy episodes) and ``seconds``
    (training time).
    """
    _check_config(config)
    seed_everything(config.seed)
    device = pick_device(config.device)  # raises ValueError for a device this machine lacks
    config = replace(config, device=str(device))
    with stopwatch() as training:
        out = train_dqn(config, progress=progress)
    returns = out["returns"]
    last = returns[-config.solve_window :]
    fresh = greedy_returns(out["online"], config.eval_episodes, seed=config.seed + 2 * 10**6)
    return {
        "solved": float(out["solved_at"] is not None),
        "steps_to_solve": float(out["solved_at"] or 0),
        "steps": float(out["steps"]),
        "episodes": float(len(returns)),
        "last20_mean": float(np.mean(last)) if last else 0.0,
        "greedy_mean": float(fresh.mean()),
        "seconds": training["seconds"],
    }
