"""Unit tests of lessons.attention and lessons.translation: attention against PyTorch's, masks,
shapes and errors, the dates data, and a short training run that learns."""

from __future__ import annotations

import datetime

import pytest
import torch
import torch.nn.functional as F

from lessons import seed_everything
from lessons.attention import (
    TAUGHT_IN,
    MultiHeadAttention,
    Seq2SeqLSTM,
    Transformer,
    attention,
    causal_mask,
    exact_match,
    fit_translation,
    greedy_decode,
    positional_encoding,
)
from lessons.bench.attention import Seq2SeqConfig, TransformerConfig, run_seq2seq, run_transformer
from lessons.translation import (
    SOURCE_ALPHABET,
    SOURCE_LENGTH,
    TARGET_ALPHABET,
    decode,
    encode,
    make_dates,
    write_date,
)

V_SRC, V_TGT = len(SOURCE_ALPHABET), len(TARGET_ALPHABET)


def test_taught_in_names_lesson_14():
    assert set(TAUGHT_IN.values()) == {"14-attention-transformers"}
    assert {"attention", "MultiHeadAttention", "Transformer", "Seq2SeqLSTM"} <= set(TAUGHT_IN)


@pytest.mark.parametrize("masked", ["none", "causal", "padding"])
def test_attention_equals_torch(masked):
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 5)
    mask = {
        "none": None,
        "causal": causal_mask(6),
        "padding": torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]]).bool()[:, None, None],
    }[masked]
    ours, weights = attention(q, k, v, mask)
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.allclose(ours, theirs, atol=1e-6)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 6), atol=1e-6)
    if mask is not None:
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()


def test_attention_bad_shapes():
    with pytest.raises(ValueError, match="q, k, v must have shapes"):
        attention(torch.randn(2, 3, 4), torch.randn(2, 5, 3), torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="T must be an integer ≥ 1"):
        causal_mask(0)


def test_causal_self_attention_does_not_peek():
    torch.manual_seed(0)
    mha = MultiHeadAttention(n_embd=16, n_head=4)
    x = torch.randn(2, 7, 16)
    changed = x.clone()
    changed[:, 4:] = torch.randn(2, 3, 16)  # rewrite the future from position 4 on
    before, _ = mha(x, mask=causal_mask(7))
    after, _ = mha(changed, mask=causal_mask(7))
    assert torch.allclose(before[:, :4], after[:, :4], atol=1e-6)
    assert not torch.allclose(before[:, 4:], after[:, 4:])


def test_decoder_does_not_peek_at_later_target_symbols():
    torch.manual_seed(0)
    model = Transformer(V_SRC, V_TGT, n_embd=32, n_head=4, n_layer=2).eval()
    src = torch.randint(1, V_SRC, (3, SOURCE_LENGTH))
    tgt = torch.randint(1, V_TGT, (3, 10))
    changed = tgt.clone()
    changed[:, 6:] = (changed[:, 6:] + 1) % V_TGT
    assert torch.allclose(model(src, tgt)[:, :6], model(src, changed)[:, :6], atol=1e-5)


def test_padding_is_ignored():
    torch.manual_seed(0)
    model = Transformer(V_SRC, V_TGT, n_embd=32, n_head=4, n_layer=1).eval()
    lstm = Seq2SeqLSTM(V_SRC, V_TGT, hidden_size=16).eval()
    src = encode(["3 Mar 1987"], SOURCE_ALPHABET, 12)
    tgt = torch.randint(1, V_TGT, (1, 10))
    for m in (model, lstm):
        longer = torch.cat([src, torch.zeros(1, 9, dtype=torch.long)], dim=1)  # more padding
        assert torch.allclose(m(src, tgt), m(longer, tgt), atol=1e-5)


def test_multi_head_attention_shapes_and_errors():
    mha = MultiHeadAttention(n_embd=16, n_head=4)
    y, w = mha(torch.randn(2, 5, 16), context=torch.randn(2, 9, 16))
    assert y.shape == (2, 5, 16) and w.shape == (2, 4, 5, 9)
    with pytest.raises(ValueError, match="n_embd must be a positive multiple of n_head"):
        MultiHeadAttention(n_embd=10, n_head=4)
    with pytest.raises(ValueError, match="n_head must be an integer ≥ 1"):
        MultiHeadAttention(n_embd=16, n_head=0)


def test_positional_encoding():
    pe = positional_encoding(50, 16)
    assert pe.shape == (50, 16)
    assert torch.allclose(pe[0, 0::2], torch.zeros(8)) and torch.allclose(
        pe[0, 1::2], torch.ones(8)
    )
    assert torch.allclose(pe.pow(2).view(50, 8, 2).sum(-1), torch.ones(50, 8), atol=1e-5)
    with pytest.raises(ValueError, match="C must be an even integer ≥ 2"):
        positional_encoding(10, 7)


def test_models_shapes_and_errors():
    src, tgt = torch.randint(1, V_SRC, (4, SOURCE_LENGTH)), torch.randint(1, V_TGT, (4, 10))
    for model in (Transformer(V_SRC, V_TGT, 32, 4, 1), Seq2SeqLSTM(V_SRC, V_TGT, 16)):
        assert model(src, tgt).shape == (4, 10, V_TGT)
        assert greedy_decode(model, src, length=10).shape == (4, 10)
        with pytest.raises(ValueError, match=r"src and tgt must be \(B, S\) and \(B, T\)"):
            model(src[0], tgt)
    with pytest.raises(ValueError, match="hidden_size must be an integer ≥ 1"):
        Seq2SeqLSTM(V_SRC, V_TGT, hidden_size=0)
    with pytest.raises(ValueError, match="n_layer must be an integer ≥ 1"):
        Transformer(V_SRC, V_TGT, n_layer=0)
    with pytest.raises(ValueError, match="length must be an integer ≥ 1"):
        greedy_decode(Seq2SeqLSTM(V_SRC, V_TGT, 16), src, length=0)


def test_dates_are_deterministic_and_disjoint():
    a, b = make_dates(3000, 500, seed=1), make_dates(3000, 500, seed=1)
    assert torch.equal(a.src_train, b.src_train) and torch.equal(a.tgt_test, b.tgt_test)
    assert not torch.equal(make_dates(3000, 500, seed=2).src_train, a.src_train)
    train_dates = set(decode(a.tgt_train, TARGET_ALPHABET))
    test_dates = set(decode(a.tgt_test, TARGET_ALPHABET))
    assert len(train_dates) == 3000 and len(test_dates) == 500 and not train_dates & test_dates
    for text, iso in zip(decode(a.src_test, SOURCE_ALPHABET), test_dates, strict=False):
        assert 10 <= len(text) <= SOURCE_LENGTH and len(iso) == 10


def test_written_dates():
    day = datetime.date(2011, 9, 22)
    assert [write_date(day, s) for s in range(4)] == [
        "the 22nd of September 2011",
        "September 22, 2011",
        "22 Sep 2011",
        "22.09.2011",
    ]
    assert write_date(datetime.date(2012, 1, 11), 0) == "the 11th of January 2012"
    with pytest.raises(ValueError, match="style must be an integer in"):
        write_date(day, 4)
    with pytest.raises(ValueError, match="texts must use only characters of alphabet"):
        encode(["1987/03/03"], TARGET_ALPHABET, 10)
    with pytest.raises(ValueError, match="n_test must be an integer ≥ 1"):
        make_dates(10, n_test=0)


def test_a_short_training_run_learns():
    seed_everything(0)
    data = make_dates(2000, 200, seed=0)
    model = Transformer(V_SRC, V_TGT, n_embd=32, n_head=4, n_layer=1)
    losses = fit_translation(
        model, data.src_train, data.tgt_train, steps=60, batch_size=64, lr=1e-2
    )
    assert losses[-1] < 0.5 * losses[0]
    assert 0.0 <= exact_match(model, data.src_test[:50], data.tgt_test[:50]) <= 1.0


@pytest.mark.parametrize(
    ("config_class", "change", "message"),
    [
        (TransformerConfig, {"steps": 0}, "steps must be an integer ≥ 1, got 0"),
        (TransformerConfig, {"lr": -1.0}, "lr must be a number > 0, got -1.0"),
        (TransformerConfig, {"device": "tpu"}, "device must be one of"),
        (Seq2SeqConfig, {"hidden_size": 2.5}, "hidden_size must be an integer ≥ 1, got 2.5"),
    ],
)
def test_configs_check_themselves_when_built(config_class, change, message):
    with pytest.raises(ValueError, match=message):
        config_class(**change)


def test_transformer_config_refuses_a_width_the_heads_cannot_share():
    with pytest.raises(ValueError, match="n_embd must be an even multiple"):
        TransformerConfig(n_embd=30)


def test_run_functions_return_their_keys():
    result = run_seq2seq(Seq2SeqConfig(steps=3, n_train=200, hidden_size=8))
    assert set(result) == {"exact_match", "final_loss", "steps", "train_seconds"}
    assert result["steps"] == 3 and 0.0 <= result["exact_match"] <= 1.0


def test_run_functions_refuse_another_config():
    with pytest.raises(ValueError, match="config must be a TransformerConfig, got Seq2SeqConfig"):
        run_transformer(Seq2SeqConfig())
    with pytest.raises(ValueError, match="config must be a Seq2SeqConfig, got TransformerConfig"):
        run_seq2seq(TransformerConfig())
