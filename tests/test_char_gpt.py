"""Tests of lesson 14's additions: the LSTM with additive attention, the character GPT, its
training loop and its held-out score, and their full-budget runs at tiny budgets."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lessons import seed_everything
from lessons.attention import (
    GPT,
    TAUGHT_IN,
    AttentionLSTM,
    fit_language_model,
    windowed_bits_per_char,
)
from lessons.bench.attention import (
    AttentionSeq2SeqConfig,
    CharGPTConfig,
    run_attention_seq2seq,
    run_char_gpt,
)
from lessons.rnn import CharLSTM
from lessons.translation import PAD


def test_the_new_models_are_taught_in_lesson_14():
    assert TAUGHT_IN["AttentionLSTM"] == TAUGHT_IN["GPT"] == "14-attention-transformers"


def test_gpt_shapes_and_causality():
    seed_everything(0)
    gpt = GPT(vocab_size=20, context=12, n_embd=16, n_head=4, n_layer=2).eval()
    idx = torch.randint(0, 20, (3, 12))
    logits = gpt(idx)
    assert logits.shape == (3, 12, 20)
    changed = idx.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 20  # rewrite positions 7 to 11
    with torch.no_grad():
        moved = (gpt(changed) - logits).abs()
    assert moved[:, :7].max() == 0  # no position reads a later one
    assert moved[:, 7:].max() > 1e-3
    assert torch.allclose(gpt(idx[:, :5]), logits[:, :5], atol=1e-6)  # shorter inputs work too


def test_gpt_errors_name_the_argument():
    with pytest.raises(ValueError, match="context must be an integer ≥ 1"):
        GPT(vocab_size=20, context=0)
    with pytest.raises(ValueError, match="n_layer must be an integer ≥ 1"):
        GPT(vocab_size=20, n_layer=0)
    with pytest.raises(ValueError, match="n_embd must be a positive multiple of n_head"):
        GPT(vocab_size=20, n_embd=30, n_head=4)
    gpt = GPT(vocab_size=20, context=8, n_embd=16)
    with pytest.raises(ValueError, match=r"idx must be \(B, T\) with T <= 8"):
        gpt(torch.zeros(2, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="idx must be"):
        gpt(torch.zeros(9, dtype=torch.long))


def test_attention_lstm_ignores_extra_padding_and_does_not_peek():
    seed_everything(0)
    model = AttentionLSTM(src_vocab=12, tgt_vocab=7, hidden_size=16, embedding_size=8).eval()
    src = torch.randint(1, 12, (4, 9))
    src[0, 6:] = PAD  # one shorter source
    tgt = torch.randint(1, 7, (4, 5))
    with torch.no_grad():
        logits = model(src, tgt)
        padded = model(torch.cat([src, torch.full((4, 3), PAD)], dim=1), tgt)
        changed = tgt.clone()
        changed[:, 3:] = (changed[:, 3:] % 6) + 1
        moved = (model(src, changed) - logits).abs()
    assert logits.shape == (4, 5, 7)
    assert torch.allclose(logits, padded, atol=1e-6)  # padding gets weight 0, wherever it is
    assert moved[:, :3].max() == 0  # the output at t reads the target's symbols 0..t only
    assert moved[:, 3:].max() > 1e-4


def test_attention_lstm_errors_name_the_argument():
    with pytest.raises(ValueError, match="hidden_size must be an integer ≥ 1"):
        AttentionLSTM(src_vocab=12, tgt_vocab=7, hidden_size=0)
    model = AttentionLSTM(src_vocab=12, tgt_vocab=7, hidden_size=8)
    with pytest.raises(ValueError, match=r"src and tgt must be \(B, S\) and \(B, T\)"):
        model(torch.ones(2, 5, dtype=torch.long), torch.ones(3, 4, dtype=torch.long))


def test_windowed_score_equals_reading_whole_blocks_when_the_window_is_long_enough():
    seed_everything(0)
    blocks = torch.randint(0, 15, (3, 40))
    lstm = CharLSTM(vocab_size=15, hidden_size=8)
    with torch.no_grad():
        logits, _ = lstm(blocks[:, :-1])
    whole = F.cross_entropy(logits.flatten(0, 1), blocks[:, 1:].flatten()).item() / math.log(2)
    assert windowed_bits_per_char(lstm, blocks, context=40) == pytest.approx(whole, rel=1e-5)
    # A shorter window sees less of the past, so it scores differently.
    assert windowed_bits_per_char(lstm, blocks, context=6) != pytest.approx(whole, rel=1e-4)
    gpt = GPT(vocab_size=15, context=39, n_embd=16, n_layer=1).eval()
    with torch.no_grad():
        gpt_whole = F.cross_entropy(gpt(blocks[:, :-1]).flatten(0, 1), blocks[:, 1:].flatten())
    assert windowed_bits_per_char(gpt, blocks, 39) == pytest.approx(
        gpt_whole.item() / math.log(2), rel=1e-5
    )


def test_windowed_score_of_a_uniform_model_is_log2_v():
    class Uniform(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(()))

        def forward(self, idx):
            return torch.zeros(*idx.shape, 11) + 0 * self.anchor

    blocks = torch.randint(0, 11, (2, 25))
    assert windowed_bits_per_char(Uniform(), blocks, context=4) == pytest.approx(math.log2(11))


def test_windowed_score_errors_name_the_argument():
    gpt = GPT(vocab_size=5, context=8, n_embd=8, n_head=2, n_layer=1)
    with pytest.raises(ValueError, match="context must be an integer ≥ 2"):
        windowed_bits_per_char(gpt, torch.zeros(2, 10, dtype=torch.long), context=1)
    with pytest.raises(ValueError, match=r"blocks must have shape \(n, L\)"):
        windowed_bits_per_char(gpt, torch.zeros(10, dtype=torch.long), context=4)


def test_a_short_run_learns_a_repeating_text():
    seed_everything(0)
    text = torch.arange(5).repeat(200)  # 0 1 2 3 4 0 1 2 ...: each character fixes the next
    gpt = GPT(vocab_size=5, context=8, n_embd=16, n_head=2, n_layer=1)
    bits = fit_language_model(gpt, text, steps=60, length=8, batch_size=8, lr=1e-2)
    assert len(bits) == 60
    assert bits[0] > 1.5  # log2 5 = 2.32 before training
    assert sum(bits[-10:]) / 10 < 0.2


def test_fit_language_model_errors_name_the_argument():
    gpt = GPT(vocab_size=5, context=8, n_embd=8, n_head=2, n_layer=1)
    text = torch.arange(5).repeat(4)
    with pytest.raises(ValueError, match="schedule must be 'one-cycle' or 'constant'"):
        fit_language_model(gpt, text, steps=2, length=4, schedule="cosine")
    with pytest.raises(ValueError, match="steps must be an integer ≥ 1"):
        fit_language_model(gpt, text, steps=0, length=4)
    with pytest.raises(ValueError, match="train_ids must be a 1-D text of more than length"):
        fit_language_model(gpt, text, steps=2, length=20)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"n_embd": 30}, "n_embd must be a multiple of n_head"),
        ({"context": 1}, "context must be an integer ≥ 2"),
        ({"bf16": 1}, "bf16 must be True or False"),
        ({"steps": 0}, "steps must be an integer ≥ 1"),
        ({"lr": 0}, "lr must be a number > 0"),
    ],
)
def test_char_gpt_config_checks_itself(change, message):
    with pytest.raises(ValueError, match=message):
        CharGPTConfig(**change)


@pytest.mark.parametrize("bf16", [False, True])
def test_run_char_gpt_returns_its_keys(bf16):
    config = CharGPTConfig(
        steps=3, context=8, n_embd=16, n_head=2, n_layer=1, batch_size=4, bf16=bf16
    )
    metrics = run_char_gpt(config)
    assert sorted(metrics) == [
        "bits_per_char",
        "parameters",
        "steps",
        "train_bits_per_char",
        "train_seconds",
    ]
    assert 4.0 < metrics["bits_per_char"] < 8.0  # near log2 of the 96 characters after 3 steps
    assert metrics["steps"] == 3 and metrics["train_seconds"] > 0


def test_run_attention_seq2seq_returns_its_keys():
    config = AttentionSeq2SeqConfig(steps=3, hidden_size=8, embedding_size=8, n_train=64)
    metrics = run_attention_seq2seq(config)
    assert sorted(metrics) == ["exact_match", "final_loss", "steps", "train_seconds"]
    assert 0.0 <= metrics["exact_match"] <= 1.0 and metrics["steps"] == 3


def test_char_gpt_config_makes_command_line_options():
    import argparse

    from lessons.config import add_config_options, config_from_options, field_docs

    parser = argparse.ArgumentParser()
    add_config_options(parser, CharGPTConfig)
    config = config_from_options(CharGPTConfig, parser.parse_args(["--no-bf16", "--steps", "9"]))
    assert (config.bf16, config.steps, config.context) == (False, 9, CharGPTConfig().context)
    docs = field_docs(CharGPTConfig)
    assert all(docs.get(f) for f in ("steps", "context", "n_embd", "bf16", "seed", "device"))
