"""Attention and Transformers, taught in lesson 14, and the LSTM they are compared with.

``attention`` is scaled dot-product attention written out; ``MultiHeadAttention`` runs several
attentions side by side; ``positional_encoding`` gives each position its sine-and-cosine signature.
``EncoderBlock`` and ``DecoderBlock`` are small pre-norm Transformer blocks (in nanoGPT's style) and
``Transformer`` stacks them into an encoder-decoder for sequence-to-sequence tasks.
``Seq2SeqLSTM`` is the same task done by an LSTM encoder and decoder without attention, and
``AttentionLSTM`` the same LSTMs with additive attention between them (Bahdanau et al., 2015).
``fit_translation`` trains any of them and ``greedy_decode`` translates with it. ``GPT`` is a
decoder-only Transformer over characters (Radford et al., 2018); ``fit_language_model`` trains it
(or lesson 9's ``CharLSTM``) on a text and ``windowed_bits_per_char`` scores it on held-out text.
Their full-budget runs live in ``lessons.bench.attention``.

Shapes: ``B`` batch, ``S`` source length, ``T`` target length, ``C`` width (``n_embd``),
``nh`` heads, ``hs = C / nh`` the width of one head, ``V`` alphabet size.

>>> import torch
>>> q, k, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 4)
>>> out, weights = attention(q, k, v)
>>> tuple(out.shape), tuple(weights.shape), bool(weights.sum(-1).allclose(torch.ones(2, 3)))
((2, 3, 4), (2, 3, 5), True)
>>> causal_mask(3)
tensor([[ True, False, False],
        [ True,  True, False],
        [ True,  True,  True]])
>>> model = Transformer(src_vocab=42, tgt_vocab=13, n_embd=32, n_head=4, n_layer=1)
>>> src, tgt = torch.randint(1, 42, (2, 26)), torch.randint(1, 13, (2, 10))
>>> tuple(model(src, tgt).shape)
(2, 10, 13)
>>> tuple(greedy_decode(model, src, length=10).shape)
(2, 10)
>>> tuple(AttentionLSTM(src_vocab=42, tgt_vocab=13, hidden_size=16)(src, tgt).shape)
(2, 10, 13)
>>> gpt = GPT(vocab_size=30, context=16, n_embd=32, n_head=4, n_layer=1)
>>> tuple(gpt(torch.zeros(3, 16, dtype=torch.long)).shape)
(3, 16, 30)
>>> MultiHeadAttention(n_embd=30, n_head=4)
Traceback (most recent call last):
...
ValueError: n_embd must be a positive multiple of n_head (4), got 30
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from lessons.config import check_int_argument
from lessons.translation import (
    BOS,
    PAD,
)

TAUGHT_IN = {
    "attention": "14-attention-transformers",
    "causal_mask": "14-attention-transformers",
    "positional_encoding": "14-attention-transformers",
    "MultiHeadAttention": "14-attention-transformers",
    "EncoderBlock": "14-attention-transformers",
    "DecoderBlock": "14-attention-transformers",
    "Transformer": "14-attention-transformers",
    "Seq2SeqLSTM": "14-attention-transformers",
    "AttentionLSTM": "14-attention-transformers",
    "GPT": "14-attention-transformers",
    "greedy_decode": "14-attention-transformers",
    "fit_translation": "14-attention-transformers",
}


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention: softmax(q k^T / sqrt(d)) v.

    q is (..., T, d), k is (..., S, d), v is (..., S, d_v); mask, if given, is a boolean tensor
    that broadcasts to (..., T, S), True where a query may look at a key. Returns the outputs
    (..., T, d_v) and the attention weights (..., T, S), each row of which sums to 1.
    """
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"q, k, v must have shapes (..., T, d), (..., S, d), (..., S, d_v), "
            f"got {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T, S): how well q meets k
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # a masked key gets weight exp(-inf) = 0
    weights = torch.softmax(scores, dim=-1)  # each query's weights over the keys sum to 1
    return weights @ v, weights


def causal_mask(T: int) -> torch.Tensor:
    """A (T, T) boolean mask, True on and below the diagonal: position t sees positions 0..t."""
    check_int_argument("T", T)
    return torch.ones(T, T, dtype=torch.bool).tril()


def positional_encoding(T: int, C: int) -> torch.Tensor:
    """Sinusoidal position signatures (T, C): sines and cosines of geometrically spaced frequencies.

    PE[t, 2i] = sin(t / 10000^(2i/C)) and PE[t, 2i+1] = cos(t / 10000^(2i/C)); C must be even.
    """
    if isinstance(C, bool) or not isinstance(C, int) or C < 2 or C % 2:
        raise ValueError(f"C must be an even integer ≥ 2, got {C!r}")
    t = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)
    frequencies = 10_000 ** (-torch.arange(0, C, 2, dtype=torch.float32) / C)  # (C/2,)
    pe = torch.zeros(T, C)
    pe[:, 0::2] = torch.sin(t * frequencies)  # even columns
    pe[:, 1::2] = torch.cos(t * frequencies)  # odd columns
    return pe


class MultiHeadAttention(nn.Module):
    """``n_head`` attentions side by side, each on its own ``n_embd / n_head`` slice of features."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        check_int_argument("n_head", n_head)
        if isinstance(n_embd, bool) or not isinstance(n_embd, int) or n_embd < 1 or n_embd % n_head:
            raise ValueError(
                f"n_embd must be a positive multiple of n_head ({n_head}), got {n_embd!r}"
            )
        self.n_head = n_head
        self.query = nn.Linear(n_embd, n_embd)
        self.key_value = nn.Linear(n_embd, 2 * n_embd)  # keys and values in one product
        self.proj = nn.Linear(n_embd, n_embd)  # mixes the heads' outputs back together

    def forward(
        self, x: torch.Tensor, context: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Map queries x (B, T, C) and context (B, S, C), by default x, to outputs (B, T, C).

        mask broadcasts to (B, nh, T, S), True where a query may look. Also returns the weights.
        """
        context = x if context is None else context
        B, T, C = x.shape
        S = context.shape[1]
        hs = C // self.n_head
        q = self.query(x).view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k, v = self.key_value(context).split(C, dim=2)  # each (B, S, C)
        k = k.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        v = v.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        y, weights = attention(q, k, v, mask)  # (B, nh, T, hs), (B, nh, T, S)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        return self.proj(y), weights


class EncoderBlock(nn.Module):
    """Self-attention over the source, then an MLP at each position; each with a residual path."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = MultiHeadAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(  # the same small MLP at every position, 4x wider inside
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Map states (B, S, C) to (B, S, C); mask is True where a position may look.

        In the encoder it is the padding mask (B, 1, 1, S); in a GPT, a causal mask (S, S).
        """
        x = x + self.attn(self.ln_1(x), mask=mask)[0]  # each position reads the others it may
        return x + self.mlp(self.ln_2(x))  # then thinks about it on its own


class DecoderBlock(nn.Module):
    """Causal self-attention, cross-attention to the source, then an MLP; each with a residual."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.self_attn = MultiHeadAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.cross_attn = MultiHeadAttention(n_embd, n_head)
        self.ln_3 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(  # the same small MLP at every position, 4x wider inside
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
        )

    def forward(
        self, x: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Map target states x (B, T, C) and encoder output memory (B, S, C) to (B, T, C).

        Also returns the cross-attention weights (B, nh, T, S): where each output position looked.
        """
        T = x.shape[1]
        x = x + self.self_attn(self.ln_1(x), mask=causal_mask(T).to(x.device))[0]  # no peeking
        y, weights = self.cross_attn(self.ln_2(x), context=memory, mask=src_mask)
        x = x + y  # what the source says, fetched by attention
        return x + self.mlp(self.ln_3(x)), weights


class Transformer(nn.Module):
    """An encoder-decoder Transformer: source indices (B, S) and target prefix (B, T) to logits."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        n_embd: int = 64,
        n_head: int = 4,
        n_layer: int = 2,
        max_len: int = 64,
    ) -> None:
        super().__init__()
        for name, value in [
            ("src_vocab", src_vocab),
            ("tgt_vocab", tgt_vocab),
            ("n_layer", n_layer),
        ]:
            check_int_argument(name, value)
        self.src_embed = nn.Embedding(src_vocab, n_embd)
        self.tgt_embed = nn.Embedding(tgt_vocab, n_embd)
        self.register_buffer("pe", positional_encoding(max_len, n_embd), persistent=False)
        self.encoder = nn.ModuleList(EncoderBlock(n_embd, n_head) for _ in range(n_layer))
        self.decoder = nn.ModuleList(DecoderBlock(n_embd, n_head) for _ in range(n_layer))
        self.ln_enc = nn.LayerNorm(n_embd)
        self.ln_dec = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, tgt_vocab)

    def forward_with_attention(
        self, src: torch.Tensor, tgt: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Like ``forward``; also returns each decoder block's cross-attention (B, nh, T, S)."""
        if src.ndim != 2 or tgt.ndim != 2 or src.shape[0] != tgt.shape[0]:
            raise ValueError(
                f"src and tgt must be (B, S) and (B, T) index tensors, "
                f"got shapes {tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        S, T = src.shape[1], tgt.shape[1]
        src_mask = (src != PAD)[:, None, None, :]  # (B, 1, 1, S): nobody looks at padding
        memory = self.src_embed(src) + self.pe[:S]  # (B, S, C): what and where
        for block in self.encoder:
            memory = block(memory, src_mask)
        memory = self.ln_enc(memory)
        x = self.tgt_embed(tgt) + self.pe[:T]  # (B, T, C)
        maps = []
        for block in self.decoder:
            x, weights = block(x, memory, src_mask)
            maps.append(weights)
        return self.head(self.ln_dec(x)), maps  # logits (B, T, V)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Map src (B, S) and tgt (B, T) indices to next-symbol logits (B, T, V)."""
        return self.forward_with_attention(src, tgt)[0]


class Seq2SeqLSTM(nn.Module):
    """An LSTM encoder squeezes the source into its final state (h, c); an LSTM decoder starts
    from it. Without attention, all the decoder learns about the source passes through (h, c)."""

    def __init__(
        self, src_vocab: int, tgt_vocab: int, hidden_size: int = 128, embedding_size: int = 32
    ) -> None:
        super().__init__()
        for name, value in [
            ("src_vocab", src_vocab),
            ("tgt_vocab", tgt_vocab),
            ("hidden_size", hidden_size),
            ("embedding_size", embedding_size),
        ]:
            check_int_argument(name, value)
        self.src_embed = nn.Embedding(src_vocab, embedding_size)
        self.tgt_embed = nn.Embedding(tgt_vocab, embedding_size)
        self.encoder = nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, tgt_vocab)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Map src (B, S) and tgt (B, T) indices to next-symbol logits (B, T, V)."""
        if src.ndim != 2 or tgt.ndim != 2 or src.shape[0] != tgt.shape[0]:
            raise ValueError(
                f"src and tgt must be (B, S) and (B, T) index tensors, "
                f"got shapes {tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        lengths = (src != PAD).sum(dim=1).clamp(min=1).cpu()  # stop reading at the padding
        packed = nn.utils.rnn.pack_padded_sequence(
            self.src_embed(src), lengths, batch_first=True, enforce_sorted=False
        )
        _, state = self.encoder(packed)  # (h, c), each (1, B, H): the whole source in two vectors
        out, _ = self.decoder(self.tgt_embed(tgt), state)  # (B, T, H)
        return self.head(out)  # (B, T, V)


class AttentionLSTM(Seq2SeqLSTM):
    """``Seq2SeqLSTM`` with additive attention from the decoder to every encoder state.

    Its decoder starts from zeros: all it learns about the source comes through attention.
    """

    def __init__(
        self, src_vocab: int, tgt_vocab: int, hidden_size: int = 48, embedding_size: int = 32
    ) -> None:
        super().__init__(src_vocab, tgt_vocab, hidden_size, embedding_size)
        H = hidden_size
        self.W, self.U = nn.Linear(H, H, bias=False), nn.Linear(H, H)  # v^T tanh(W d + U h_s)
        self.v = nn.Linear(H, 1, bias=False)
        self.decoder = nn.LSTMCell(embedding_size + H, H)  # reads the previous symbol and c
        self.head = nn.Linear(2 * H, tgt_vocab)  # predicts from [d; c]

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Map src (B, S) and tgt (B, T) indices to next-symbol logits (B, T, V)."""
        if src.ndim != 2 or tgt.ndim != 2 or src.shape[0] != tgt.shape[0]:
            raise ValueError(
                f"src and tgt must be (B, S) and (B, T) index tensors, "
                f"got shapes {tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        states = self.encoder(self.src_embed(src))[0]  # (B, S, H): h_s at every position s
        keys = self.U(states)  # (B, S, H): U h_s, the same at every step
        read = self.tgt_embed(tgt)  # (B, T, E)
        d = c = states.new_zeros(src.shape[0], states.shape[2])  # (B, H): the decoder's state
        outputs = []
        for t in range(tgt.shape[1]):  # a loop: each query is the state d just reached
            scores = self.v(torch.tanh(self.W(d).unsqueeze(1) + keys)).squeeze(2)  # (B, S)
            alpha = torch.softmax(scores.masked_fill(src == PAD, float("-inf")), dim=1)
            context = (alpha.unsqueeze(1) @ states).squeeze(1)  # (B, H): c, the weighted average
            d, c = self.decoder(torch.cat([read[:, t], context], dim=1), (d, c))
            outputs.append(torch.cat([d, context], dim=1))
        return self.head(torch.stack(outputs, dim=1))  # (B, T, V)


@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, length: int) -> torch.Tensor:
    """Translate src (B, S) one symbol at a time, always the likeliest: returns (B, length)."""
    check_int_argument("length", length)
    was_training = model.training
    model.eval()
    out = torch.full((src.shape[0], 1), BOS, dtype=torch.long, device=src.device)  # (B, 1)
    for _ in range(length):
        logits = model(src, out)  # (B, t, V): a prediction after every prefix
        out = torch.cat([out, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    model.train(was_training)
    return out[:, 1:]  # drop the start symbol


def fit_translation(
    model: nn.Module,
    src: torch.Tensor,
    tgt: torch.Tensor,
    *,
    steps: int,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = 0,
    on_step: Callable[[], object] | None = None,
) -> list[float]:
    """Train ``model`` (src (B, S), tgt (B, T)) -> logits (B, T, V) by teacher forcing.

    AdamW, one-cycle schedule up to ``lr``, batches drawn with a generator seeded by ``seed``;
    ``on_step()``, if given, after every step. Returns the training loss of every step.
    """
    for name, value in [("steps", steps), ("batch_size", batch_size)]:
        check_int_argument(name, value)
    if src.shape[0] != tgt.shape[0]:
        raise ValueError(
            f"src and tgt must have the same number of rows, got {len(src)}, {len(tgt)}"
        )
    device = next(model.parameters()).device
    src, tgt = src.to(device), tgt.to(device)
    start = torch.full((tgt.shape[0], 1), BOS, dtype=torch.long, device=device)
    tgt_in = torch.cat([start, tgt[:, :-1]], dim=1)  # "^1987-03-0" predicts "1987-03-03"
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    losses = []
    for _ in range(steps):
        batch = torch.randint(0, src.shape[0], (batch_size,), generator=generator).to(device)
        logits = model(src[batch], tgt_in[batch])  # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), tgt[batch].flatten())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step()  # for example, advance a progress bar
    return losses


def exact_match(model: nn.Module, src: torch.Tensor, tgt: torch.Tensor) -> float:
    """Fraction of rows of src (N, S) whose greedy translation equals tgt (N, T) in every symbol."""
    device = next(model.parameters()).device
    guess = greedy_decode(model, src.to(device), length=tgt.shape[1]).cpu()
    return (guess == tgt.cpu()).all(dim=1).float().mean().item()


class GPT(nn.Module):
    """A decoder-only Transformer: character indices (B, T), T <= context, to logits (B, T, V)."""

    def __init__(
        self,
        vocab_size: int,
        context: int = 64,
        n_embd: int = 64,
        n_head: int = 4,
        n_layer: int = 2,
    ) -> None:
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("context", context), ("n_layer", n_layer)]:
            check_int_argument(name, value)
        self.context = context
        self.token_embed = nn.Embedding(vocab_size, n_embd)  # what: one vector per character
        self.position_embed = nn.Embedding(context, n_embd)  # where: one vector per position
        self.blocks = nn.ModuleList(EncoderBlock(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size)
        self.register_buffer("mask", causal_mask(context), persistent=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.ndim != 2 or not 1 <= idx.shape[1] <= self.context:
            raise ValueError(f"idx must be (B, T) with T <= {self.context}, got {tuple(idx.shape)}")
        T = idx.shape[1]
        x = self.token_embed(idx) + self.position_embed.weight[:T]  # (B, T, C): what and where
        for block in self.blocks:
            x = block(x, self.mask[:T, :T])  # position t reads positions 0..t only
        return self.head(self.ln_f(x))  # (B, T, V)


def fit_language_model(
    model: nn.Module,
    train_ids: torch.Tensor,
    *,
    steps: int,
    length: int = 64,
    batch_size: int = 32,
    lr: float = 1e-2,
    schedule: str = "one-cycle",
    seed: int = 0,
    on_step: Callable[[], object] | None = None,
) -> list[float]:
    """Train ``model``, indices (B, T) -> logits (B, T, V), to predict the next character.

    Every step cuts ``batch_size`` random windows of ``length + 1`` characters from the text
    ``train_ids`` (N,), reads the first ``length`` and scores each prediction against the next
    character, with cross-entropy. AdamW at learning rate ``lr``, held ``"constant"`` or on a
    ``"one-cycle"`` schedule (up from lr/25 over the first 30 % of the steps, then down towards
    0); gradients clipped to norm 1; windows drawn with a generator seeded by ``seed``. Returns
    the training loss of every step, in bits per character.
    """
    for name, value in [("steps", steps), ("length", length), ("batch_size", batch_size)]:
        check_int_argument(name, value)
    if schedule not in ("one-cycle", "constant"):
        raise ValueError(f"schedule must be 'one-cycle' or 'constant', got {schedule!r}")
    if train_ids.ndim != 1 or len(train_ids) <= length:
        raise ValueError(
            f"train_ids must be a 1-D text of more than length ({length}) indices, "
            f"got shape {tuple(train_ids.shape)}"
        )
    device = next(model.parameters()).device
    train_ids = train_ids.to(device)
    offsets = torch.arange(length + 1, device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    if schedule == "one-cycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    bits = []
    for _ in range(steps):
        starts = torch.randint(0, len(train_ids) - length, (batch_size,), generator=generator)
        windows = train_ids[starts.to(device)[:, None] + offsets]  # (B, length + 1)
        logits = model(windows[:, :-1])  # (B, length, V)
        if isinstance(logits, tuple):  # CharLSTM also returns its state
            logits = logits[0]
        loss = F.cross_entropy(logits.flatten(0, 1), windows[:, 1:].flatten())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        bits.append(loss.item() / math.log(2))  # nats -> bits
        if on_step is not None:
            on_step()
    return bits


@torch.no_grad()
def windowed_bits_per_char(model: nn.Module, blocks: torch.Tensor, context: int) -> float:
    """Bits per character on held-out blocks (n, L), reading at most ``context`` characters.

    Every character but the first of each block is predicted from the ``context`` characters before
    it in its block, or all of them near the block's start: windows of ``context`` characters slide
    by half a window, and each scores only the characters the window before it left unscored, so
    every prediction sees at least ``context // 2`` characters or the whole block so far.
    """
    check_int_argument("context", context, least=2)
    if blocks.ndim != 2 or blocks.shape[1] < 2:
        raise ValueError(f"blocks must have shape (n, L) with L >= 2, got {tuple(blocks.shape)}")
    was_training = model.training
    model.eval()
    n, L = blocks.shape
    step = context // 2
    nats = 0.0
    for first in range(1, L, step):  # score the characters first .. last - 1
        last = min(first + step, L)
        start = max(0, last - 1 - context)  # characters start .. last - 2 predict the next ones
        logits = model(blocks[:, start : last - 1])  # (n, last - 1 - start, V)
        if isinstance(logits, tuple):  # CharLSTM also returns its state
            logits = logits[0]
        new = logits[:, first - 1 - start :]  # (n, last - first, V): the unscored predictions
        nats += F.cross_entropy(new.flatten(0, 1), blocks[:, first:last].flatten(), reduction="sum")
    model.train(was_training)
    return nats.item() / (n * (L - 1)) / math.log(2)
