"""Full-budget runs of lesson 14's models, for the command line and the results page: the
Transformer and its two LSTM rivals on the dates task, and the character-level GPT on lesson 9's
text."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lessons.attention import (
    GPT,
    AttentionLSTM,
    Seq2SeqLSTM,
    Transformer,
    exact_match,
    fit_language_model,
    fit_translation,
    windowed_bits_per_char,
)
from lessons.config import RunConfig, check_budget, check_int_argument, check_positive
from lessons.rnn import corpus_split
from lessons.runtime import pick_device, progress_bar, seed_everything, stopwatch
from lessons.translation import (
    SOURCE_ALPHABET,
    TARGET_ALPHABET,
    DateData,
    make_dates,
)


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
        if self.n_embd % self.n_head or self.n_embd % 2:
            raise ValueError(
                f"n_embd must be an even multiple of n_head ({self.n_head}), got {self.n_embd}"
            )


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
    if not isinstance(config, TransformerConfig):  # a TransformerConfig checked itself when built
        raise ValueError(f"config must be a TransformerConfig, got {type(config).__name__}")
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
    return _run_lstm(Seq2SeqLSTM, config, progress)


@dataclass(frozen=True)
class AttentionSeq2SeqConfig(Seq2SeqConfig):
    """Full-budget training of lesson 14's LSTM encoder-decoder with additive attention."""


def run_attention_seq2seq(
    config: AttentionSeq2SeqConfig, *, progress: bool = False
) -> dict[str, float]:
    """Train the LSTM encoder-decoder with attention at ``config``'s budget; score it on 1,000
    held-out dates.

    Returns the same keys as ``run_transformer``: ``exact_match``, ``final_loss``, ``steps`` and
    ``train_seconds``.
    """
    return _run_lstm(AttentionLSTM, config, progress)


def _run_lstm(
    model_class: type[nn.Module], config: Seq2SeqConfig, progress: bool
) -> dict[str, float]:
    """Build ``model_class`` (an LSTM encoder-decoder) at ``config``'s sizes; train and score it."""
    if not isinstance(config, Seq2SeqConfig):  # a Seq2SeqConfig checked itself when built
        raise ValueError(f"config must be a Seq2SeqConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    data = make_dates(n_train=config.n_train, n_test=1_000, seed=config.seed)
    model = model_class(
        len(SOURCE_ALPHABET), len(TARGET_ALPHABET), config.hidden_size, config.embedding_size
    ).to(device)
    return _run(model, data, config, progress)


class _BFloat16Forward(nn.Module):
    """Run ``model``'s forward pass under bfloat16 autocast and return float32 logits.

    Only the forward pass: with the backward pass and the optimizer step inside autocast too, the
    character GPT stopped learning (measured: 4.85 bits per character after 300 steps, against
    2.98 with autocast around the forward pass alone).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        with torch.autocast(idx.device.type, torch.bfloat16):
            return self.model(idx).float()


@dataclass(frozen=True)
class CharGPTConfig(RunConfig):
    """Full-budget training of lesson 14's character-level GPT on lesson 9's text.

    The test text is lesson 9's: the text cut into blocks of 1,000 characters, every 10th block
    kept out of training; the model trains on the other nine tenths. Each held-out character is
    predicted from at most ``context`` characters before it (at least half as many, or the whole
    block so far).
    """

    steps: int = 2500
    """Optimizer steps, each on a batch of random windows of the training text."""
    context: int = 64
    """Characters the model reads at once: the length of every training window."""
    n_embd: int = 128
    """Width C of every position's vector."""
    n_head: int = 4
    """Attention heads per block; must divide n_embd."""
    n_layer: int = 4
    """Transformer blocks."""
    batch_size: int = 32
    """Windows of text per optimizer step."""
    lr: float = 3e-3
    """Peak learning rate of the one-cycle schedule."""
    bf16: bool = True
    """Multiply matrices in bfloat16 while training (torch.autocast; on CPU or CUDA only). On this
    project's CPUs (AVX-512 BF16) a step takes about a third of the float32 time; turn it off
    (--no-bf16) on a CPU without bfloat16 arithmetic, where it is slower. Scoring is float32."""

    def __post_init__(self) -> None:
        check_budget(self)
        check_positive(self, "context", "n_embd", "n_head", "n_layer", "batch_size", "lr")
        if not isinstance(self.bf16, bool):
            raise ValueError(f"bf16 must be True or False, got {self.bf16!r}")
        if self.n_embd % self.n_head:
            raise ValueError(
                f"n_embd must be a multiple of n_head ({self.n_head}), got {self.n_embd}"
            )
        check_int_argument("context", self.context, least=2)


def run_char_gpt(config: CharGPTConfig, *, progress: bool = False) -> dict[str, float]:
    """Train the character GPT at ``config``'s budget; score it on lesson 9's held-out text.

    Returns ``bits_per_char`` (held-out cross-entropy in bits per character),
    ``train_bits_per_char`` (mean training loss of the last 50 steps), ``parameters``, ``steps``
    and ``train_seconds`` (wall time of training alone).
    """
    if not isinstance(config, CharGPTConfig):
        raise ValueError(f"config must be a CharGPTConfig, got {type(config).__name__}")
    seed_everything(config.seed)
    device = pick_device(config.device)
    train_ids, test_blocks, vocab_size = corpus_split()
    model = GPT(vocab_size, config.context, config.n_embd, config.n_head, config.n_layer)
    model = model.to(device)
    bar = progress_bar(total=config.steps, desc="char-gpt", unit="step", enabled=progress)
    bf16 = config.bf16 and device.type in ("cpu", "cuda")
    with stopwatch() as training:
        bits = fit_language_model(
            _BFloat16Forward(model) if bf16 else model,
            train_ids,
            steps=config.steps,
            length=config.context,
            batch_size=config.batch_size,
            lr=config.lr,
            seed=config.seed,
            on_step=bar.update,
        )
    bar.close()
    return {
        "bits_per_char": windowed_bits_per_char(model, test_blocks.to(device), config.context),
        "train_bits_per_char": sum(bits[-50:]) / len(bits[-50:]),
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": config.steps,
        "train_seconds": training["seconds"],
    }
