"""Full-budget runs of lesson 14's Transformer and its LSTM rival on the dates task, for the
command line and the results page."""

from __future__ import annotations

from dataclasses import dataclass, fields

from torch import nn

from lessons.attention import (
    Seq2SeqLSTM,
    Transformer,
    exact_match,
    fit_translation,
)
from lessons.config import RunConfig, check_budget, check_positive
from lessons.runtime import pick_device, progress_bar, seed_everything, stopwatch
from lessons.translation import (
    SOURCE_ALPHABET,
    TARGET_ALPHABET,
    DateData,
    make_dates,
)


def _check_config(config: object) -> None:
    """Every numeric field but the seed must be positive, and an integer where it is typed int."""
    for field in fields(config):
        value = getattr(config, field.name)
        if field.name == "seed" or field.type not in ("int", "float"):
            continue
        kind = (int,) if field.type == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
            what = "integer" if field.type == "int" else "number"
            raise ValueError(f"{field.name} must be a positive {what}, got {value!r}")


@dataclass(frozen=True)
class TransformerConfig(RunConfig):
    """Full-budget training of lesson 14's Transformer on written dates to ISO dates."""

    steps: int = 1000
    """Optimizer steps, one batch each."""
    batch_size: int = 128
    """Translation pairs per batch."""
    lr: float = 1e-2
    """Peak learning rate of the one-cycle schedule."""
    n_embd: int = 32
    """Width C of every position's vector."""
    n_head: int = 4
    """Attention heads per attention layer; must divide n_embd."""
    n_layer: int = 1
    """Encoder blocks, and as many decoder blocks."""
    n_train: int = 20_000
    """Training pairs; 1,000 further dates, none of them in training, are held out."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "batch_size", "lr", "n_embd", "n_head", "n_layer", "n_train")


@dataclass(frozen=True)
class Seq2SeqConfig(RunConfig):
    """Full-budget training of lesson 14's LSTM encoder-decoder on the same dates."""

    steps: int = 1000
    """Optimizer steps, one batch each."""
    batch_size: int = 128
    """Translation pairs per batch."""
    lr: float = 1e-2
    """Peak learning rate of the one-cycle schedule."""
    hidden_size: int = 128
    """Numbers in the LSTMs' hidden and cell states: the whole source must fit in them."""
    embedding_size: int = 32
    """Length of each character's learned vector."""
    n_train: int = 20_000
    """Training pairs; 1,000 further dates, none of them in training, are held out."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "batch_size", "lr", "hidden_size", "embedding_size", "n_train")


def _run(model: nn.Module, data: DateData, config, progress: bool) -> dict[str, float]:
    """Train ``model`` on ``data`` at ``config``'s budget; score it on the held-out pairs."""
    bar = progress_bar(total=config.steps, unit="step", enabled=progress)
    with stopwatch() as training:
        losses = fit_translation(
            model,
            data.src_train,
            data.tgt_train,
            steps=config.steps,
            batch_size=config.batch_size,
            lr=config.lr,
            seed=config.seed,
            on_step=bar.update,
        )
    bar.close()
    return {
        "exact_match": exact_match(model, data.src_test, data.tgt_test),
        "final_loss": sum(losses[-50:]) / len(losses[-50:]),
        "steps": config.steps,
        "train_seconds": training["seconds"],
    }


def run_transformer(config: TransformerConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the Transformer at ``config``'s budget; score it on 1,000 held-out dates.

    Returns ``exact_match`` (fraction of held-out dates translated right in all 10 characters,
    by greedy decoding), ``final_loss`` (mean training cross-entropy of the last 50 steps),
    ``steps`` and ``train_seconds`` (wall time of training alone).
    """
    _check_config(config)
    if config.n_embd % config.n_head or config.n_embd % 2:
        raise ValueError(
            f"n_embd must be an even multiple of n_head ({config.n_head}), got {config.n_embd}"
        )
    seed_everything(config.seed)
    device = pick_device(config.device)
    data = make_dates(n_train=config.n_train, n_test=1_000, seed=config.seed)
    model = Transformer(
        len(SOURCE_ALPHABET), len(TARGET_ALPHABET), config.n_embd, config.n_head, config.n_layer
    ).to(device)
    return _run(model, data, config, progress)


def run_seq2seq(config: Seq2SeqConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the LSTM encoder-decoder at ``config``'s budget; score it on 1,000 held-out dates.

    Returns the same keys as ``run_transformer``: ``exact_match``, ``final_loss``, ``steps`` and
    ``train_seconds``.
    """
    _check_config(config)
    seed_everything(config.seed)
    device = pick_device(config.device)
    data = make_dates(n_train=config.n_train, n_test=1_000, seed=config.seed)
    model = Seq2SeqLSTM(
        len(SOURCE_ALPHABET), len(TARGET_ALPHABET), config.hidden_size, config.embedding_size
    ).to(device)
    return _run(model, data, config, progress)
