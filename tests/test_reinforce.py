"""Unit tests of lesson 12's policy gradients: the policy network, returns-to-go, the score-function
gradient on a bandit, REINFORCE on CartPole, the value measurement and the full-budget config."""

from __future__ import annotations

from dataclasses import fields

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from lessons import seed_everything
from lessons.bench.rl import ReinforceConfig, run_reinforce, sampled_returns
from lessons.config import field_docs
from lessons.rl import (
    PolicyNetwork,
    greedy_returns,
    returns_to_go,
    train_reinforce,
    value_estimates,
)


def test_policy_network_shapes_and_errors():
    net = PolicyNetwork(obs_size=4, n_actions=3, hidden=8)
    logits = net(torch.randn(7, 4))
    assert logits.shape == (7, 3)
    assert torch.allclose(torch.softmax(logits, dim=1).sum(dim=1), torch.ones(7))
    with pytest.raises(ValueError, match=r"obs must have shape \(B, 4\)"):
        net(torch.randn(4))
    with pytest.raises(ValueError, match="hidden must be an integer ≥ 1"):
        PolicyNetwork(hidden=0)
    with pytest.raises(ValueError, match="n_actions must be an integer ≥ 1"):
        PolicyNetwork(n_actions=1.5)


@pytest.mark.parametrize("gamma", [1.0, 0.9, 0.0])
def test_returns_to_go_against_the_sum(gamma):
    rewards = [1.0, -2.0, 0.5, 3.0]
    by_sum = [sum(gamma**k * r for k, r in enumerate(rewards[t:])) for t in range(len(rewards))]
    assert torch.allclose(returns_to_go(rewards, gamma), torch.tensor(by_sum))
    assert returns_to_go([], 0.9).shape == (0,)


def test_score_function_gradient_on_a_bandit():
    """grad E[R] = E[R grad log pi(a)]: Monte Carlo against the exact gradient and autograd."""
    theta = torch.tensor([0.2, -0.5, 0.3], dtype=torch.float64, requires_grad=True)
    means = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    pi = torch.softmax(theta, dim=0)
    expected = (pi * means).sum()
    (autograd,) = torch.autograd.grad(expected, theta)
    exact = (pi * (means - expected)).detach()  # d/d theta_k of sum_a pi_a mu_a
    assert torch.allclose(autograd, exact, atol=1e-12)
    generator = torch.Generator().manual_seed(0)
    n = 200_000
    arms = torch.multinomial(pi.detach(), n, replacement=True, generator=generator)
    rewards = means[arms] + torch.randn(n, dtype=torch.float64, generator=generator)
    score = nn.functional.one_hot(arms, 3).double() - pi.detach()  # grad log pi(a), (n, 3)
    for baseline in (0.0, expected.item()):
        samples = (rewards - baseline)[:, None] * score
        estimate, error = samples.mean(dim=0), samples.std(dim=0) / n**0.5
        assert ((estimate - exact).abs() < 4 * error).all(), (estimate, exact, error)
    plain = (rewards[:, None] * score).std(dim=0)
    centred = ((rewards - expected.item())[:, None] * score).std(dim=0)
    assert (centred < plain).all()  # the baseline cuts the noise, not the mean


def test_a_short_run_learns_and_is_deterministic():
    seed_everything(0)
    untrained = greedy_returns(PolicyNetwork(), episodes=20, seed=10**6).mean()
    seed_everything(0)
    first = train_reinforce(episodes=80, seed=0)
    seed_everything(0)
    second = train_reinforce(episodes=80, seed=0)
    assert first["returns"] == second["returns"]
    assert len(first["returns"]) == 80 and first["episode_ends"][-1] == sum(first["returns"])
    trained = greedy_returns(first["policy"], episodes=20, seed=10**6).mean()
    assert untrained < 50 and trained > 3 * untrained, (untrained, trained)
    assert np.mean(first["returns"][-20:]) > 1.5 * np.mean(first["returns"][:20])


def test_stop_is_asked_after_every_episode():
    asked = []

    def stop(history):
        asked.append(len(history["returns"]))
        return len(history["returns"]) == 3

    out = train_reinforce(episodes=10, stop=stop)
    assert asked == [1, 2, 3] and len(out["returns"]) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"episodes": 0}, "episodes must be an integer ≥ 1"),
        ({"episodes": 2.5}, "episodes must be an integer ≥ 1"),
        ({"lr": 0.0}, r"lr must be a number > 0, got 0.0"),
        ({"gamma": 1.5}, r"gamma must be a number in \[0, 1\], got 1.5"),
        ({"hidden": 0}, "hidden must be an integer ≥ 1"),
        ({"baseline_rate": -0.1}, r"baseline_rate must be a number in \[0, 1\]"),
    ],
)
def test_train_reinforce_names_a_bad_argument(change, message):
    arguments = {"episodes": 1, **change}
    with pytest.raises(ValueError, match=message):
        train_reinforce(**arguments)


class Constant(nn.Module):
    """A 'Q-network' that values every state at (c, c + 1): it always pushes right."""

    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.c + torch.tensor([0.0, 1.0]).expand(len(obs), 2)


def test_value_estimates_against_a_loop():
    gamma, env = 0.9, gym.make("CartPole-v1")
    observed = []
    for i in range(3):
        env.reset(seed=5 + i)
        length, done = 0, False
        while not done:
            _, _, terminated, truncated, _ = env.step(1)
            length, done = length + 1, terminated or truncated
        observed += [sum(gamma**k for k in range(length - t)) for t in range(length)]
    estimate, measured = value_estimates(Constant(2.0), gamma, episodes=3, seed=5)
    assert estimate == pytest.approx(3.0) and measured == pytest.approx(np.mean(observed))
    with pytest.raises(ValueError, match=r"gamma must be a number in \[0, 1\)"):
        value_estimates(Constant(2.0), 1.0)
    with pytest.raises(ValueError, match="episodes must be an integer ≥ 1"):
        value_estimates(Constant(2.0), 0.9, episodes=0)


def test_value_estimates_let_a_balanced_pole_run_past_the_time_limit():
    """A perfect 500-step policy earns 1 / (1 - gamma) from every state, even the last ones."""

    class Balance(nn.Module):  # pushes against the lean: keeps the pole up for a long time
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, obs: torch.Tensor) -> torch.Tensor:
            push_right = (obs[:, 2] + 0.5 * obs[:, 3] > 0).float()
            return torch.stack([1 - push_right, push_right], dim=1) + self.w

    net = Balance()
    assert greedy_returns(net, episodes=2, seed=0).min() == 500  # it balances to the limit
    _, observed = value_estimates(net, 0.9, episodes=2, seed=0)
    assert observed == pytest.approx(10.0, rel=1e-3)


def test_config_is_documented_and_checks_itself():
    names = {f.name for f in fields(ReinforceConfig)}
    assert set(field_docs(ReinforceConfig)) == names and {"steps", "seed", "device"} <= names
    for change, message in [
        ({"steps": 0}, "steps must be an integer ≥ 1"),
        ({"lr": -1.0}, "lr must be a number > 0"),
        ({"gamma": 2}, r"gamma must be a number in \[0, 1\]"),
        ({"device": "cuda"}, 'device must be "cpu" \\(REINFORCE plays one step'),
        ({"device": "tpu"}, "device must be one of"),
    ]:
        with pytest.raises(ValueError, match=message):
            ReinforceConfig(**change)
    with pytest.raises(ValueError, match="config must be a ReinforceConfig"):
        run_reinforce({"steps": 10})


def test_full_run_reports_plain_floats_and_is_repeatable():
    config = ReinforceConfig(steps=2_000, seed=1)
    threads = torch.get_num_threads()
    result, again = run_reinforce(config), run_reinforce(config)
    assert torch.get_num_threads() == threads
    assert {**result, "seconds": 0.0} == {**again, "seconds": 0.0}
    assert all(isinstance(v, float) for v in result.values())
    assert result["steps"] >= 2_000 and result["solved"] == 0.0 and result["steps_to_solve"] == 0.0


def test_full_run_stops_when_the_greedy_test_passes():
    """A bar an untrained policy passes: the run stops at the first test, after solve_window
    episodes."""
    config = ReinforceConfig(steps=10_000, solve_return=1.0, seed=0)
    result = run_reinforce(config)
    assert result["solved"] == 1.0 and result["episodes"] == config.solve_window == 5
    assert result["steps_to_solve"] == result["steps"]


def test_sampled_returns_are_seeded():
    torch.manual_seed(0)
    policy = PolicyNetwork()
    first, second = sampled_returns(policy, 3, seed=4), sampled_returns(policy, 3, seed=4)
    assert first.shape == (3,) and np.array_equal(first, second)
