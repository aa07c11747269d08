"""Full-budget runs of lesson 12's DQN and REINFORCE on CartPole, for the command line and the
results page.

>>> result = run_dqn(DQNConfig(steps=300, learning_starts=100))
>>> sorted(result)  # doctest: +NORMALIZE_WHITESPACE
['episodes', 'greedy_mean', 'last20_mean', 'seconds', 'solved', 'steps', 'steps_to_solve',
 'value_estimate', 'value_observed']
>>> result = run_reinforce(ReinforceConfig(steps=300))
>>> sorted(result)  # doctest: +NORMALIZE_WHITESPACE
['episodes', 'greedy_mean', 'last20_mean', 'sampled_mean', 'seconds', 'solved', 'steps',
 'steps_to_solve']
>>> ReinforceConfig(baseline_rate=2.0)
Traceback (most recent call last):
...
ValueError: baseline_rate must be a number in [0, 1], got 2.0
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from lessons.config import (
    RunConfig,
    check_budget,
    check_cpu_only,
    check_fraction,
    check_positive,
)
from lessons.rl import (
    DQNConfig,
    _check_config,
    greedy_returns,
    train_dqn,
    train_reinforce,
    value_estimates,
)
from lessons.runtime import pick_device, progress_bar, seed_everything, stopwatch


def run_dqn(config: DQNConfig, *, progress: bool = False) -> dict[str, float]:
    """Train lesson 12's Double DQN on CartPole-v1 at ``config``'s budget and report the result.

    Seeds everything with ``config.seed`` and trains with ``train_dqn`` until solved
    (``eval_episodes`` greedy episodes average ``solve_return`` or more; Gym's standard for
    CartPole-v1 is 100 episodes and 475) or until ``config.steps`` environment steps. Then it plays
    ``eval_episodes`` fresh greedy episodes, not the ones the solve test saw, with the final
    network. Same seed, same machine: the same numbers.

    Returns plain floats: ``solved`` (1.0 or 0.0), ``steps_to_solve`` (environment steps when
    solved; 0.0 if not), ``steps`` (environment steps taken), ``episodes`` (training episodes),
    ``last20_mean`` (mean return of the last 20 training episodes, exploration
    included), ``greedy_mean`` (mean return of the fresh greedy episodes), ``seconds``
    (training time), and ``value_estimate`` and ``value_observed``: the final network's mean
    max_a Q(s, a) over the states of 10 fresh greedy episodes, and the mean discounted return
    observed from those states (``lessons.rl.value_estimates``). With ``--no-double`` the
    command line runs plain DQN, to compare the two gaps.
    """
    _check_config(config)
    seed_everything(config.seed)
    device = pick_device(config.device)  # raises ValueError for a device this machine lacks
    config = replace(config, device=str(device))
    with stopwatch() as training:
        out = train_dqn(config, progress=progress)
    returns = out["returns"]
    last = returns[-20:]
    fresh = greedy_returns(out["online"], config.eval_episodes, seed=config.seed + 2 * 10**6)
    estimate, observed = value_estimates(out["online"], config.gamma, seed=config.seed + 3 * 10**6)
    return {
        "solved": float(out["solved_at"] is not None),
        "steps_to_solve": float(out["solved_at"] or 0),
        "steps": float(out["steps"]),
        "episodes": float(len(returns)),
        "last20_mean": float(np.mean(last)) if last else 0.0,
        "greedy_mean": float(fresh.mean()),
        "seconds": training["seconds"],
        "value_estimate": estimate,
        "value_observed": observed,
    }


@dataclass(frozen=True)
class ReinforceConfig(RunConfig):
    """Full-budget training of lesson 12's REINFORCE with a baseline on CartPole-v1."""

    steps: int = 200_000
    """Most environment steps to train for; training stops at the end of the episode that
    reaches it, or earlier once solved."""
    lr: float = 0.01
    """Learning rate of Adam."""
    gamma: float = 1.0
    """Discount factor of the returns-to-go (1: the plain return CartPole pays)."""
    hidden: int = 32
    """Units in the policy network's hidden layer."""
    baseline_rate: float = 0.05
    """Fraction of the way the baseline moves towards each episode's mean return-to-go."""
    solve_return: float = 475.0
    """Solved when ``eval_episodes`` greedy episodes average at least this (CartPole-v1's 475)."""
    solve_window: int = 5
    """The greedy test is tried once the last this-many training episodes average solve_return."""
    eval_episodes: int = 100
    """Greedy episodes (most probable action) of the solve test; Gym's standard is 100."""

    def __post_init__(self) -> None:
        check_budget(self)  # steps, seed, device
        check_positive(self, "lr", "hidden", "solve_return", "solve_window", "eval_episodes")
        check_fraction(self, "gamma", "baseline_rate", closed=True)
        check_cpu_only(self, "REINFORCE plays one step at a time; its tiny network gains nothing")


def sampled_returns(policy: torch.nn.Module, episodes: int, seed: int) -> np.ndarray:
    """Returns of ``episodes`` CartPole-v1 episodes that sample every action from ``policy``."""
    env, sampler = gym.make("CartPole-v1"), torch.Generator().manual_seed(seed)
    returns = np.zeros(episodes)
    with torch.no_grad():
        for i in range(episodes):
            obs, _ = env.reset(seed=seed + i)
            done = False
            while not done:
                probs = torch.softmax(policy(torch.as_tensor(obs)[None]), dim=1)[0]
                action = int(torch.multinomial(probs, 1, generator=sampler))
                obs, reward, terminated, truncated, _ = env.step(action)
                returns[i] += reward
                done = terminated or truncated
    env.close()
    return returns


def run_reinforce(config: ReinforceConfig, *, progress: bool = False) -> dict[str, float]:
    """Train lesson 12's REINFORCE on CartPole-v1 at ``config``'s budget and report the result.

    Seeds everything with ``config.seed`` and trains with ``train_reinforce`` on one CPU thread
    until solved by the same test as ``run_dqn`` (once the last ``solve_window`` training episodes
    average ``solve_return``, ``eval_episodes`` greedy episodes must too; tried at most once per
    ``solve_window`` episodes) or until ``config.steps`` environment steps. Then it plays
    ``eval_episodes`` fresh episodes with the final policy, greedily and sampling.

    Returns plain floats: ``solved``, ``steps_to_solve`` (0.0 if not solved), ``steps``,
    ``episodes``, ``last20_mean`` (last 20 training returns, actions sampled),
    ``greedy_mean`` and ``sampled_mean`` (the fresh episodes) and ``seconds`` (training time).
    """
    if not isinstance(config, ReinforceConfig):
        raise ValueError(f"config must be a ReinforceConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    state: dict[str, Any] = {"solved_at": None, "next_test": config.solve_window}
    bar = progress_bar(total=config.steps, unit="step", enabled=progress)

    def stop(history: dict[str, Any]) -> bool:
        returns, steps = history["returns"], history["episode_ends"][-1]
        bar.update(min(steps, config.steps) - bar.n)  # environment steps, up to the budget
        recent = returns[-config.solve_window :]
        if len(returns) >= state["next_test"] and np.mean(recent) >= config.solve_return:
            state["next_test"] = len(returns) + config.solve_window  # at most once per window
            test = greedy_returns(history["policy"], config.eval_episodes, seed=config.seed + 10**6)
            if test.mean() >= config.solve_return:
                state["solved_at"] = steps
                return True
        return steps >= config.steps

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny network: one thread is fastest and the same everywhere
    try:
        with stopwatch() as training:
            history = train_reinforce(
                episodes=config.steps,  # an upper bound: every episode takes at least one step
                lr=config.lr,
                gamma=config.gamma,
                hidden=config.hidden,
                baseline_rate=config.baseline_rate,
                seed=config.seed,
                stop=stop,
            )
        policy, returns = history["policy"], history["returns"]
        fresh_seed = config.seed + 2 * 10**6
        greedy = greedy_returns(policy, config.eval_episodes, seed=fresh_seed)
        sampled = sampled_returns(policy, config.eval_episodes, seed=fresh_seed)
    finally:
        torch.set_num_threads(threads)
        bar.close()
    return {
        "solved": float(state["solved_at"] is not None),
        "steps_to_solve": float(state["solved_at"] or 0),
        "steps": float(history["episode_ends"][-1]),
        "episodes": float(len(returns)),
        "last20_mean": float(np.mean(returns[-20:])),
        "greedy_mean": float(greedy.mean()),
        "sampled_mean": float(sampled.mean()),
        "seconds": training["seconds"],
    }
