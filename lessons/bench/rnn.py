"""Full-budget runs of lesson 9's recurrent networks: the LSTM on the adding problem and the
character LSTM, for the command line and the results page."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import (
    RunConfig,
    check_budget,
    check_fraction,
    check_int_argument,
    check_positive,
)
from lessons.rnn import (
    DropoutCharLSTM,
    SequenceRegressor,
    _OnDevice,
    adding_problem,
    corpus_split,
    fit_adding,
)
from lessons.runtime import pick_device, progress_bar, seed_everything


@dataclass(frozen=True)
class AddingConfig(RunConfig):
    """Full-budget training of lesson 9's LSTM on the adding problem, at T = 100 steps."""

    steps: int = 2000
    """Optimizer steps, each on a fresh batch of random sequences."""
    T: int = 100
    """Length of each sequence; the two marked values are T / 2 steps apart on average."""
    hidden_size: int = 32
    """Numbers in the LSTM's hidden state."""
    lr: float = 1e-2
    """Adam's learning rate."""
    batch_size: int = 64
    """Sequences per optimizer step."""
    clip: float = 1.0
    """Largest gradient norm; larger gradients are scaled down to it."""
    eval_every: int = 50
    """Steps between two measurements of the validation MSE."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "hidden_size", "lr", "batch_size", "clip", "eval_every")
        check_int_argument("T", self.T, least=2)
        if self.eval_every > self.steps:
            raise ValueError(f"eval_every must be ≤ steps ({self.steps}), got {self.eval_every!r}")


def run_adding(config: AddingConfig, *, progress: bool = False) -> dict[str, float]:
    """Train an LSTM on the adding problem at ``config``'s budget; return its metrics.

    Trains with the page's ``fit_adding``, which watches the MSE on 1,000 validation sequences.
    Keys: ``test_mse`` (mean squared error after the last step on 1,000 test sequences, drawn
    from their own seed and read once; always answering 1.0 scores 0.167), ``best_mse`` (the
    lowest validation MSE along the way), ``solved_at`` (the first step at which the validation
    MSE was below 0.01, or -1 if never) and ``steps``. Shows a progress bar on stderr if
    ``progress``.

    >>> metrics = run_adding(AddingConfig(steps=20, T=10, hidden_size=8, eval_every=10))
    >>> sorted(metrics), metrics["steps"]
    (['best_mse', 'solved_at', 'steps', 'test_mse'], 20)
    """
    if not isinstance(config, AddingConfig):
        raise ValueError(f"config must be an AddingConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    model = SequenceRegressor(input_size=2, hidden_size=config.hidden_size, cell="lstm")
    bar = progress_bar(total=config.steps, desc="lstm-adding", unit="step", enabled=progress)
    with bar:
        curve = fit_adding(
            _OnDevice(model.to(device), bar),
            T=config.T,
            steps=config.steps,
            batch_size=config.batch_size,
            lr=config.lr,
            clip=config.clip,
            seed=config.seed,
            eval_every=config.eval_every,
        )
    solved = [config.eval_every * (k + 1) for k, mse in enumerate(curve) if mse < 0.01]
    # The test set's own stream. mt19937 keeps only a seed's low 32 bits, so 2**32 + seed would
    # repeat the validation set; flipping the top bit gives a stream no small seed trains on.
    test_gen = torch.Generator().manual_seed((config.seed + 2**31) % 2**32)
    x_test, y_test = adding_problem(1000, config.T, test_gen)
    with torch.no_grad():
        test_mse = F.mse_loss(model(x_test.to(device)).cpu(), y_test).item()
    return {
        "test_mse": test_mse,
        "best_mse": min(curve),
        "solved_at": solved[0] if solved else -1,
        "steps": config.steps,
    }


@dataclass(frozen=True)
class CharConfig(RunConfig):
    """Full-budget training of lesson 9's character-level LSTM on the shipped text.

    The test text is the page's: the text cut into blocks of 1,000 characters, every 10th block
    kept out of training. The page also keeps a validation tenth out, to watch its learning curve;
    this run watches no curve, so it trains on the other nine tenths. Dropout is off by default;
    on a smaller text, turn it on.
    """

    steps: int = 2000
    """Optimizer steps, each on a batch of random windows of the training text."""
    hidden_size: int = 256
    """Numbers in the LSTM's hidden state."""
    embedding_size: int = 32
    """Numbers in each character's learned vector."""
    dropout: float = 0.0
    """Probability of zeroing each input and output number of the LSTM during training."""
    lr: float = 1e-2
    """Adam's learning rate at the start; a cosine schedule takes it to zero by the last step."""
    batch_size: int = 32
    """Windows of text per optimizer step."""
    length: int = 64
    """Characters per window the model predicts (it reads one more)."""
    clip: float = 1.0
    """Largest gradient norm; larger gradients are scaled down to it."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "hidden_size", "embedding_size", "lr", "batch_size", "length", "clip")
        check_fraction(self, "dropout")


def run_char(config: CharConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the character-level LSTM at ``config``'s budget; return its metrics.

    Keys: ``test_bits_per_char`` (cross-entropy in bits per character on the held-out blocks, each
    read from its start), ``train_bits_per_char`` (the same on the last 20 training batches) and
    ``steps``. Shows a progress bar on stderr if ``progress``.

    >>> metrics = run_char(CharConfig(steps=3, hidden_size=16, length=16, batch_size=4))
    >>> 4.0 < metrics["test_bits_per_char"] < 7.0, metrics["steps"]
    (True, 3)
    """
    if not isinstance(config, CharConfig):
        raise ValueError(f"config must be a CharConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    train_ids, test_blocks, vocab_size = corpus_split()
    train_ids, test_blocks = train_ids.to(device), test_blocks.to(device)
    model = DropoutCharLSTM(
        vocab_size, config.hidden_size, config.embedding_size, config.dropout
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    generator = torch.Generator().manual_seed(config.seed)
    offsets = torch.arange(config.length + 1, device=device)
    recent: list[float] = []
    model.train()
    for _ in progress_bar(range(config.steps), desc="char-lstm", unit="step", enabled=progress):
        starts = torch.randint(
            0, len(train_ids) - config.length - 1, (config.batch_size,), generator=generator
        ).to(device)
        windows = train_ids[starts[:, None] + offsets]  # (B, length + 1)
        logits, _ = model(windows[:, :-1])  # (B, length, V)
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), windows[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        schedule.step()
        recent = [*recent[-19:], loss.item()]
    model.eval()
    with torch.no_grad():
        logits, _ = model(test_blocks[:, :-1])  # (n_blocks, block - 1, V)
        test_loss = F.cross_entropy(logits.reshape(-1, vocab_size), test_blocks[:, 1:].reshape(-1))
    return {
        "test_bits_per_char": test_loss.item() / math.log(2),  # nats -> bits
        "train_bits_per_char": sum(recent) / len(recent) / math.log(2),
        "steps": config.steps,
    }
