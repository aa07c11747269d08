"""Deep reinforcement learning, taught in lesson 12: Q-learning, a DQN and REINFORCE for CartPole.

An **agent** acts in an **environment** (here gymnasium's): it sees a state, picks an action, gets
a reward and the next state. ``q_learning`` learns a table of action values on a small grid world.
For CartPole, whose states are four real numbers, a ``QNetwork`` replaces the table; the DQN of
``train_dqn`` trains it from a ``ReplayBuffer`` of past steps against a slowly moving target
network, exploring with an ε that falls on a ``linear_schedule``; ``value_estimates`` measures how
far its values are from the returns it earns. ``train_reinforce`` learns a ``PolicyNetwork``
instead, by REINFORCE with a baseline, weighting each step by its ``returns_to_go``. The
full-budget runs live in ``lessons.bench.rl``; ``draw_cartpole`` draws a CartPole state without a
display.

>>> import torch
>>> net = QNetwork(obs_size=4, n_actions=2, hidden=32)
>>> tuple(net(torch.zeros(5, 4)).shape)
(5, 2)
>>> buffer = ReplayBuffer(capacity=3, obs_size=4, seed=0)
>>> for t in range(5):
...     buffer.add([t, 0, 0, 0], action=1, reward=1.0, next_obs=[t + 1, 0, 0, 0], terminated=False)
>>> len(buffer), sorted(buffer.obs[:, 0].tolist())  # the oldest two were overwritten
(3, [2.0, 3.0, 4.0])
>>> obs, actions, rewards, next_obs, terminated = buffer.sample(4)
>>> tuple(obs.shape), actions.dtype, tuple(terminated.shape)
((4, 4), torch.int64, (4,))
>>> [linear_schedule(step, start=1.0, end=0.05, duration=100) for step in (0, 50, 100, 1000)]
[1.0, 0.525, 0.05, 0.05]
>>> returns_to_go([1.0, 1.0, 1.0], gamma=0.5).tolist()  # 1 + 0.5 * (1 + 0.5 * 1), ...
[1.75, 1.5, 1.0]
>>> tuple(PolicyNetwork(hidden=8)(torch.zeros(5, 4)).shape)  # one logit per action
(5, 2)
>>> DQNConfig(steps=0)  # a config checks itself when built
Traceback (most recent call last):
...
ValueError: steps must be an integer ≥ 1, got 0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import (
    RunConfig,
    check_at_least_zero,
    check_budget,
    check_fraction,
    check_fraction_argument,
    check_int_argument,
    check_positive,
    check_positive_argument,
)
from lessons.runtime import progress_bar

TAUGHT_IN = {
    "q_learning": "12-deep-reinforcement-learning",
    "QNetwork": "12-deep-reinforcement-learning",
    "ReplayBuffer": "12-deep-reinforcement-learning",
    "linear_schedule": "12-deep-reinforcement-learning",
    "dqn_loss": "12-deep-reinforcement-learning",
    "train_dqn": "12-deep-reinforcement-learning",
    "PolicyNetwork": "12-deep-reinforcement-learning",
    "returns_to_go": "12-deep-reinforcement-learning",
    "train_reinforce": "12-deep-reinforcement-learning",
}


def q_learning(
    env: gym.Env,
    episodes: int,
    alpha: float = 0.5,
    gamma: float = 1.0,
    epsilon: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, list[float]]:
    """Tabular Q-learning on an environment with discrete states and actions.

    Plays ``episodes`` episodes, choosing ε-greedy actions from the table, and after every step
    moves Q(s, a) a fraction ``alpha`` of the way towards r + gamma * max_a' Q(s', a') (just r when
    the episode terminated). Returns the table Q, shape (n_states, n_actions), and the return of
    every episode.
    """
    check_int_argument("episodes", episodes)
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be a number in (0, 1], got {alpha!r}")
    rng = np.random.default_rng(seed)
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    returns = []
    for episode in range(episodes):
        state, _ = env.reset(seed=seed if episode == 0 else None)
        done, total = False, 0.0
        while not done:
            if rng.random() < epsilon:  # explore: a random action
                action = int(rng.integers(env.action_space.n))
            else:  # exploit: the best action so far, ties broken at random
                best = np.flatnonzero(Q[state] == Q[state].max())
                action = int(rng.choice(best))
            next_state, reward, terminated, truncated, _ = env.step(action)
            target = reward + (0.0 if terminated else gamma * Q[next_state].max())
            Q[state, action] += alpha * (target - Q[state, action])  # the Q-learning update
            state, total = next_state, total + reward
            done = terminated or truncated
        returns.append(total)
    return Q, returns


class QNetwork(nn.Module):
    """A fully connected network from a state to one value per action: Q(s, ·).

    Two hidden layers of ``hidden`` ReLU units; the last layer is linear, since action values may
    be any real numbers.
    """

    def __init__(self, obs_size: int = 4, n_actions: int = 2, hidden: int = 128) -> None:
        super().__init__()
        for name, value in [("obs_size", obs_size), ("n_actions", n_actions), ("hidden", hidden)]:
            check_int_argument(name, value)
        self.obs_size = obs_size
        self.layers = nn.Sequential(
            nn.Linear(obs_size, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_actions),
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Map states (B, obs_size) to action values (B, n_actions)."""
        if obs.ndim != 2 or obs.shape[1] != self.obs_size:
            raise ValueError(f"obs must have shape (B, {self.obs_size}), got {tuple(obs.shape)}")
        return self.layers(obs)


class ReplayBuffer:
    """A fixed-size memory of steps (s, a, r, s', terminated); the oldest is overwritten first.

    ``sample`` draws a batch uniformly at random, so that consecutive, strongly correlated steps
    are not learned from together.
    """

    def __init__(self, capacity: int, obs_size: int, seed: int = 0) -> None:
        for name, value in [("capacity", capacity), ("obs_size", obs_size)]:
            check_int_argument(name, value)
        self.capacity, self.size, self.position = capacity, 0, 0
        self.obs = np.zeros((capacity, obs_size), dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_size), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action: int, reward: float, next_obs, terminated: bool) -> None:
        """Store one step, overwriting the oldest once the buffer is full."""
        i = self.position
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, terminated
        self.position = (i + 1) % self.capacity  # a ring: wrap around to the start
        self.size = min(self.size + 1, self.capacity)

    def sample(
        self, batch_size: int, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, ...]:
        """Draw batch_size stored steps at random (with replacement).

        Returns obs (B, obs_size), actions (B,) int64, rewards (B,), next_obs (B, obs_size) and
        terminated (B,) as 0.0 or 1.0.
        """
        if self.size == 0:
            raise ValueError("the buffer is empty: add steps before sampling")
        idx = self.rng.integers(0, self.size, size=batch_size)
        arrays = (self.obs, self.actions, self.rewards, self.next_obs, self.terminated)
        return tuple(torch.from_numpy(a[idx]).to(device) for a in arrays)


def linear_schedule(step: int, start: float, end: float, duration: int) -> float:
    """A value that moves from ``start`` to ``end`` in a straight line over the first ``duration``
    steps, then stays at ``end``: the exploration rate ε and the learning rate both follow one."""
    fraction = min(step / duration, 1.0)
    return (1 - fraction) * start + fraction * end


def dqn_loss(
    online: nn.Module,
    target: nn.Module,
    batch: tuple[torch.Tensor, ...],
    gamma: float,
    double: bool = True,
) -> torch.Tensor:
    """The DQN loss on a batch: Huber distance between Q(s, a) and r + gamma * Q_target(s', a*).

    a* is the target network's best action at s' (plain DQN) or the online network's (Double DQN,
    which curbs the over-estimation of max). A terminated step has no future: its target is r.
    """
    obs, actions, rewards, next_obs, terminated = batch
    q = online(obs).gather(1, actions[:, None]).squeeze(1)  # (B,): Q(s, a) of the actions taken
    with torch.no_grad():  # the target is a fixed number, not something to differentiate
        next_q = target(next_obs)  # (B, n_actions)
        if double:  # choose with the online network, evaluate with the target network
            best = online(next_obs).argmax(dim=1, keepdim=True)
        else:
            best = next_q.argmax(dim=1, keepdim=True)
        next_value = next_q.gather(1, best).squeeze(1)  # (B,)
        td_target = rewards + gamma * (1.0 - terminated) * next_value
    return F.smooth_l1_loss(q, td_target)  # Huber: squared near 0, linear far out


@dataclass(frozen=True)
class DQNConfig(RunConfig):
    """Full-budget training of lesson 12's Double DQN on CartPole-v1."""

    steps: int = 80_000
    """Most environment steps to train for; training stops earlier once solved."""
    lr: float = 2.3e-3
    """Learning rate of Adam at the first step."""
    lr_end: float = 1e-4
    """Learning rate after the decay; it falls in a straight line from ``lr``."""
    lr_decay_steps: int = 40_000
    """Environment steps over which the learning rate falls from ``lr`` to ``lr_end``."""
    gamma: float = 0.99
    """Discount factor: how much a reward one step later counts."""
    batch_size: int = 64
    """Steps sampled from the replay buffer per update."""
    buffer_size: int = 100_000
    """Steps the replay buffer holds; the oldest is overwritten first."""
    hidden: int = 128
    """Units in each of the Q-network's two hidden layers."""
    learning_starts: int = 1_000
    """Steps of random play stored before the first update."""
    train_every: int = 2
    """Environment steps between two updates of the online network."""
    epsilon_start: float = 1.0
    """Exploration rate (chance of a random action) at the first step."""
    epsilon_end: float = 0.01
    """Exploration rate once the decay is over."""
    epsilon_decay_steps: int = 8_000
    """Environment steps over which the exploration rate falls in a straight line."""
    tau: float = 1.0
    """Fraction of the way the target network moves towards the online one per target update."""
    target_every: int = 128
    """Updates between target updates (tau 1, target_every 128: a hard copy every 128 updates)."""
    max_grad_norm: float = 10.0
    """Gradients with a larger norm are scaled down to it; 0 turns clipping off."""
    double: bool = True
    """Double DQN targets (choose with the online network, evaluate with the target one)."""
    solve_return: float = 475.0
    """Solved when ``eval_episodes`` greedy episodes average at least this (CartPole-v1's 475)."""
    solve_window: int = 5
    """The greedy test is tried once the last this-many training episodes average solve_return."""
    eval_episodes: int = 100
    """Greedy episodes (no exploration) of the solve test; Gym's standard is 100."""
    stop_when_solved: bool = True
    """Stop training as soon as the run is solved."""

    def __post_init__(self) -> None:
        check_budget(self)  # steps, seed, device
        _check_config(self)  # defined below, with the rule for each other field


def train_dqn(config: DQNConfig, progress: bool = False) -> dict[str, Any]:
    """Train a Double DQN on CartPole-v1 with the settings in ``config``.

    Returns a dict: "online", the trained QNetwork; "returns", the return of every finished
    training episode; "episode_ends", the environment step at which each ended; "solved_at", the
    step at which the run was solved (None if never): ``eval_episodes`` greedy episodes averaged
    ``solve_return`` or more, a test tried whenever the last ``solve_window`` training returns
    average that much, at most once per ``solve_window`` episodes; "steps", the environment steps
    taken. Runs on one CPU thread: the network is tiny, and one thread gives the same numbers on
    every machine.
    """
    device = torch.device(config.device)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    env = gym.make("CartPole-v1")  # ends an episode after 500 steps: a truncation
    obs_size, n_actions = env.observation_space.shape[0], int(env.action_space.n)
    online = QNetwork(obs_size, n_actions, config.hidden).to(device)
    target = QNetwork(obs_size, n_actions, config.hidden).to(device)
    target.load_state_dict(online.state_dict())  # the two start equal
    optimizer = torch.optim.Adam(online.parameters(), lr=config.lr, foreach=True)
    buffer = ReplayBuffer(config.buffer_size, obs_size, seed=config.seed)
    rng = np.random.default_rng(config.seed)  # for exploration
    returns, episode_ends, solved_at, updates = [], [], None, 0
    next_test = config.solve_window  # the episode count at which the greedy test may next be tried
    obs, _ = env.reset(seed=config.seed)
    episode_return, step = 0.0, 0
    steps = progress_bar(range(1, config.steps + 1), unit="step", enabled=progress)
    try:
        for step in steps:
            # act: at random while the buffer fills, then ε-greedily
            epsilon = linear_schedule(
                step, config.epsilon_start, config.epsilon_end, config.epsilon_decay_steps
            )
            if step <= config.learning_starts or rng.random() < epsilon:
                action = int(rng.integers(n_actions))
            else:
                with torch.no_grad():
                    action = int(online(torch.as_tensor(obs, device=device)[None]).argmax())
            next_obs, reward, terminated, truncated, _ = env.step(action)
            # only a real ending (the pole fell) cuts the future; a time limit does not
            buffer.add(obs, action, reward, next_obs, terminated)
            obs, episode_return = next_obs, episode_return + reward
            if terminated or truncated:
                returns.append(episode_return)
                episode_ends.append(step)
                obs, episode_return = env.reset()[0], 0.0
                recent = returns[-config.solve_window :]
                if (
                    solved_at is None
                    and len(returns) >= next_test
                    and sum(recent) / len(recent) >= config.solve_return
                ):  # training looks solved: test the greedy policy (at most once per window)
                    next_test = len(returns) + config.solve_window
                    test = greedy_returns(online, config.eval_episodes, seed=config.seed + 10**6)
                    if test.mean() >= config.solve_return:
                        solved_at = step
                        if config.stop_when_solved:
                            break
            # learn: one gradient step on a random batch, then nudge the target network
            if step > config.learning_starts and step % config.train_every == 0:
                lr = linear_schedule(step, config.lr, config.lr_end, config.lr_decay_steps)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                batch = buffer.sample(config.batch_size, device)
                loss = dqn_loss(online, target, batch, config.gamma, config.double)
                optimizer.zero_grad()
                loss.backward()
                if config.max_grad_norm > 0:
                    nn.utils.clip_grad_norm_(online.parameters(), config.max_grad_norm)
                optimizer.step()
                updates += 1
                if updates % config.target_every == 0:
                    with torch.no_grad():  # target <- target + tau * (online - target)
                        for p_target, p in zip(
                            target.parameters(), online.parameters(), strict=True
                        ):
                            p_target.lerp_(p, config.tau)
    finally:
        torch.set_num_threads(threads)
        env.close()
    return {
        "online": online,
        "returns": returns,
        "episode_ends": episode_ends,
        "solved_at": solved_at,
        "steps": step,
    }


def _check_config(config: DQNConfig) -> None:
    """Raise ValueError naming the first field of ``config`` that is out of range."""
    if not isinstance(config, DQNConfig):
        raise ValueError(f"config must be a DQNConfig, got {type(config).__name__}")
    check_positive(config, "batch_size", "buffer_size", "hidden", "train_every", "lr")
    check_positive(config, "epsilon_decay_steps", "lr_decay_steps", "target_every")
    check_positive(config, "solve_window", "eval_episodes")
    check_at_least_zero(config, "learning_starts", "lr_end", "max_grad_norm")
    check_fraction(config, "gamma", "epsilon_start", "epsilon_end", closed=True)
    tau = config.tau
    if isinstance(tau, bool) or not isinstance(tau, int | float) or not 0 < tau <= 1:
        raise ValueError(f"tau must be a number in (0, 1], got {tau!r}")


def check_reinforce_arguments(
    episodes: int, lr: float, gamma: float, hidden: int, baseline_rate: float
) -> None:
    """Raise ValueError naming the first of ``train_reinforce``'s arguments that is out of range.

    >>> check_reinforce_arguments(100, 0.01, 1.0, 32, 0.05)
    >>> check_reinforce_arguments(100, 0.01, 1.5, 32, 0.05)
    Traceback (most recent call last):
    ...
    ValueError: gamma must be a number in [0, 1], got 1.5
    """
    check_int_argument("episodes", episodes)
    check_int_argument("hidden", hidden)
    check_positive_argument("lr", lr)
    check_fraction_argument("gamma", gamma, closed=True)
    check_fraction_argument("baseline_rate", baseline_rate, closed=True)


class PolicyNetwork(nn.Module):
    """A network from a state to one logit per action; their softmax is the policy pi(a | s)."""

    def __init__(self, obs_size: int = 4, n_actions: int = 2, hidden: int = 32) -> None:
        super().__init__()
        for name, value in [("obs_size", obs_size), ("n_actions", n_actions), ("hidden", hidden)]:
            check_int_argument(name, value)
        self.obs_size = obs_size
        self.layers = nn.Sequential(
            nn.Linear(obs_size, hidden), nn.Tanh(), nn.Linear(hidden, n_actions)
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Map states (B, obs_size) to logits (B, n_actions)."""
        if obs.ndim != 2 or obs.shape[1] != self.obs_size:
            raise ValueError(f"obs must have shape (B, {self.obs_size}), got {tuple(obs.shape)}")
        return self.layers(obs)


def returns_to_go(rewards: list[float], gamma: float = 1.0) -> torch.Tensor:
    """G_t = r_{t+1} + gamma * G_{t+1} for every step t of one episode, shape (T,)."""
    G, running = torch.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):  # from the last step back to the first
        running = rewards[t] + gamma * running
        G[t] = running
    return G


def train_reinforce(
    episodes: int,
    lr: float = 0.01,
    gamma: float = 1.0,
    hidden: int = 32,
    baseline_rate: float = 0.05,
    seed: int = 0,
    stop: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """REINFORCE with a baseline on CartPole-v1: one Adam step after every episode.

    Returns {"policy", "returns": every episode's return, "episode_ends": the environment step at
    which each ended}. ``stop(history)``, if given, is asked after each episode whether to stop.
    """
    check_reinforce_arguments(episodes, lr, gamma, hidden, baseline_rate)  # names a bad one
    env = gym.make("CartPole-v1")
    policy = PolicyNetwork(env.observation_space.shape[0], int(env.action_space.n), hidden)
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    sampler = torch.Generator().manual_seed(seed)  # draws the actions
    history = {"policy": policy, "returns": [], "episode_ends": []}
    baseline, steps = 0.0, 0
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed if episode == 0 else None)
        states, actions, rewards, done = [], [], [], False
        while not done:  # play one episode, sampling every action from pi(. | s)
            with torch.no_grad():
                probs = torch.softmax(policy(torch.as_tensor(obs)[None]), dim=1)  # (1, n_actions)
            action = int(torch.multinomial(probs[0], 1, generator=sampler))
            states.append(obs)
            actions.append(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(reward)
            done = terminated or truncated
        G = returns_to_go(rewards, gamma)  # (T,)
        advantage = G - baseline  # (T,): how much better than usual it went from each step on
        log_pi = F.log_softmax(policy(torch.as_tensor(np.array(states))), dim=1)  # (T, n_actions)
        log_pi_taken = log_pi[torch.arange(len(actions)), torch.tensor(actions)]  # (T,)
        loss = -(log_pi_taken * advantage).sum()  # minus the REINFORCE estimate: descent ascends
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        baseline += baseline_rate * (G.mean().item() - baseline)  # after use: no peeking
        steps += len(rewards)
        history["returns"].append(sum(rewards))
        history["episode_ends"].append(steps)
        if stop is not None and stop(history):
            break
    env.close()
    return history


def greedy_returns(net: nn.Module, episodes: int = 100, seed: int = 0) -> np.ndarray:
    """Returns of ``episodes`` CartPole-v1 episodes played greedily (ε = 0) by Q-network ``net``.

    Episode i starts from ``reset(seed=seed + i)``. The episodes run side by side, so that one
    forward pass of ``net`` picks the actions of all those still going. Runs on one CPU thread,
    like ``train_dqn``: for batches this small, more threads only wait for each other.
    """
    check_int_argument("episodes", episodes)
    envs = [gym.make("CartPole-v1") for _ in range(episodes)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    device = next(net.parameters()).device
    returns, running = np.zeros(episodes), np.ones(episodes, dtype=bool)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            while running.any():
                playing = np.flatnonzero(running)
                q = net(torch.as_tensor(obs[playing], device=device))  # (playing, n_actions)
                for i, action in zip(playing, q.argmax(dim=1).tolist(), strict=True):
                    obs[i], reward, terminated, truncated, _ = envs[i].step(action)
                    returns[i] += reward
                    running[i] = not (terminated or truncated)
    finally:
        torch.set_num_threads(threads)
        for env in envs:
            env.close()
    return returns


def value_estimates(
    net: nn.Module, gamma: float, episodes: int = 10, seed: int = 0, horizon: int = 500
) -> tuple[float, float]:
    """What Q-network ``net`` believes its states are worth, and what they turn out to be worth.

    Plays ``episodes`` greedy CartPole episodes side by side (episode i from
    ``reset(seed=seed + i)``). For every state of an episode's first ``horizon`` steps it takes the
    network's value, max_a Q(s, a), and the discounted return (discount ``gamma``) observed from
    that state on. So that the time limit does not cut those returns short, each episode may run
    on past ``horizon`` until gamma**k < 1e-4: the part of a return left out is under 0.01 % of
    the most any policy could earn, 1 / (1 - gamma). Returns the mean of each over all those
    states: (estimate, observed), as in van Hasselt, Guez and Silver (2016), figure 3.
    """
    check_int_argument("episodes", episodes)
    check_int_argument("horizon", horizon)
    check_fraction_argument("gamma", gamma)
    tail = int(np.ceil(np.log(1e-4) / np.log(gamma))) if gamma > 0 else 1
    envs = [gym.make("CartPole-v1", max_episode_steps=horizon + tail) for _ in range(episodes)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    device = next(net.parameters()).device
    values = [[] for _ in envs]  # max_a Q(s, a) of each state of the first horizon steps
    rewards = [[] for _ in envs]  # every reward, to sum backwards into returns
    running = np.ones(episodes, dtype=bool)
    with torch.no_grad():
        while running.any():
            playing = np.flatnonzero(running)
            q = net(torch.as_tensor(obs[playing], device=device))  # (playing, n_actions)
            for i, row in zip(playing, q.cpu().numpy(), strict=True):
                if len(rewards[i]) < horizon:
                    values[i].append(float(row.max()))
                obs[i], reward, terminated, truncated, _ = envs[i].step(int(row.argmax()))
                rewards[i].append(reward)
                running[i] = not (terminated or truncated)
    for env in envs:
        env.close()
    observed = [returns_to_go(r, gamma)[: len(v)] for r, v in zip(rewards, values, strict=True)]
    estimate = float(np.mean(np.concatenate(values)))
    return estimate, float(torch.cat(observed).mean())


def draw_cartpole(ax, state, *, x_threshold: float = 2.4, pole_length: float = 1.0, alpha=1.0):
    """Draw one CartPole state on the matplotlib Axes ``ax`` (no display or pygame needed).

    ``state`` is CartPole's observation (x, x_dot, theta, theta_dot): the cart's position x in
    metres and the pole's angle theta in radians from upright, positive leaning right. The pole is
    drawn ``pole_length`` long (CartPole's pole: 1 m); the track spans ±``x_threshold``, where an
    episode ends. Returns ``ax``.
    """
    from matplotlib.patches import Rectangle

    state = np.asarray(state, dtype=float)
    if state.shape != (4,):
        raise ValueError(
            "state must be CartPole's 4 numbers (x, x_dot, theta, theta_dot), "
            f"got shape {state.shape}"
        )
    x, theta = state[0], state[2]
    cart_w, cart_h = 0.5, 0.3
    ax.plot([-x_threshold, x_threshold], [0, 0], color="0.4", lw=1.5, alpha=alpha)  # the track
    ax.add_patch(
        Rectangle((x - cart_w / 2, 0.0), cart_w, cart_h, fc="0.25", ec="black", alpha=alpha)
    )
    pivot = (x, cart_h)
    tip = (x + pole_length * np.sin(theta), cart_h + pole_length * np.cos(theta))
    ax.plot(
        [pivot[0], tip[0]],
        [pivot[1], tip[1]],
        color="#D55E00",
        lw=5,
        solid_capstyle="round",
        alpha=alpha,
    )
    ax.plot(*pivot, "o", color="black", ms=4, alpha=alpha)
    ax.set_xlim(-x_threshold - 0.3, x_threshold + 0.3)
    ax.set_ylim(-0.2, cart_h + pole_length + 0.2)
    ax.set_aspect("equal")
    return ax
