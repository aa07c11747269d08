"""Recurrent networks, taught in lesson 9: an RNN step by hand, sequence models, their data.

A recurrent network reads a sequence ``(B, T, C)`` one step at a time and carries a hidden state
``(B, H)`` from each step to the next. ``rnn_cell`` is one step of the plain (Elman) RNN, written
out; ``SequenceRegressor`` reads a whole sequence with ``nn.RNN`` or ``nn.LSTM`` and maps the last
hidden state to a prediction; ``CharLSTM`` predicts the next character at every position of a text.
``adding_problem`` makes the classic long-memory task and ``load_corpus`` returns the small English
text the character model trains on.

>>> import torch
>>> x, y = adding_problem(4, T=10, generator=torch.Generator().manual_seed(0))
>>> tuple(x.shape), tuple(y.shape), x[:, :, 1].sum(dim=1).tolist()  # two marked steps per row
((4, 10, 2), (4, 1), [2.0, 2.0, 2.0, 2.0])
>>> model = SequenceRegressor(input_size=2, hidden_size=8, cell="lstm")
>>> tuple(model(x).shape)
(4, 1)
>>> SequenceRegressor(input_size=2, hidden_size=8, cell="gru")
Traceback (most recent call last):
...
ValueError: cell must be 'rnn' or 'lstm', got 'gru'
>>> model(torch.zeros(4, 10))
Traceback (most recent call last):
...
ValueError: x must have shape (B, T, 2), got (4, 10)
>>> char_model = CharLSTM(vocab_size=30, hidden_size=16)
>>> logits, (h, c) = char_model(torch.zeros(3, 12, dtype=torch.long))
>>> tuple(logits.shape), tuple(h.shape)
((3, 12, 30), (1, 3, 16))
>>> curve = fit_adding(SequenceRegressor(2, 8), T=10, steps=20, eval_every=10)
>>> len(curve)
2
>>> text = load_corpus()
>>> 800_000 < len(text) < 1_000_000 and text.isascii()
True
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # plain: tqdm.auto warns on stderr in a notebook without ipywidgets

from lessons.config import check_int_argument

TAUGHT_IN = {
    "rnn_cell": "09-recurrent-networks-lstm",
    "lstm_cell": "09-recurrent-networks-lstm",
    "adding_problem": "09-recurrent-networks-lstm",
    "fit_adding": "09-recurrent-networks-lstm",
    "SequenceRegressor": "09-recurrent-networks-lstm",
    "CharLSTM": "09-recurrent-networks-lstm",
}

_CORPUS = Path(__file__).with_name("corpus.txt")


def rnn_cell(
    x_t: torch.Tensor,
    h_prev: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> torch.Tensor:
    """One step of a plain RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    x_t is (B, C), h_prev is (B, H); W_ih is (H, C), W_hh is (H, H), b_ih and b_hh are (H,).
    Returns h_t, (B, H).
    """
    return torch.tanh(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)


def lstm_cell(
    x_t: torch.Tensor,
    h_prev: torch.Tensor,
    c_prev: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of an LSTM, with PyTorch's layout: the four blocks of rows are i, f, g, o.

    x_t is (B, C); h_prev and c_prev are (B, H); W_ih is (4H, C), W_hh is (4H, H), b_ih and b_hh
    are (4H,). Returns the new hidden state h_t and cell state c_t, each (B, H).
    """
    z = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H): all four gates at once
    i, f, g, o = z.chunk(4, dim=1)  # four (B, H) blocks
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates: 0 = shut, 1 = open
    g = torch.tanh(g)  # the candidate values to write
    c_t = f * c_prev + i * g  # forget some of the old memory, write some of the new
    h_t = o * torch.tanh(c_t)  # show part of the memory as the output
    return h_t, c_t


class SequenceRegressor(nn.Module):
    """Read a sequence with a plain RNN or an LSTM; predict from the last hidden state.

    The recurrent layer (``nn.RNN`` with tanh, or ``nn.LSTM``) carries a hidden state of
    ``hidden_size`` numbers along the sequence; a linear head maps its value after the last step
    to ``output_size`` numbers.
    """

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int = 1, cell: str = "lstm"
    ) -> None:
        super().__init__()
        for name, value in [
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        ]:
            check_int_argument(name, value)
        if cell not in ("rnn", "lstm"):
            raise ValueError(f"cell must be 'rnn' or 'lstm', got {cell!r}")
        self.input_size = input_size
        recurrent = nn.RNN if cell == "rnn" else nn.LSTM
        self.recurrent = recurrent(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences (B, T, input_size) to predictions (B, output_size)."""
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (B, T, {self.input_size}), got {tuple(x.shape)}")
        states, _ = self.recurrent(x)  # (B, T, hidden_size): the hidden state after every step
        return self.head(states[:, -1])  # the last state has read the whole sequence


class CharLSTM(nn.Module):
    """A character-level language model: an embedding, an LSTM and a linear layer to logits.

    At every position the model outputs ``vocab_size`` logits for the character that comes next;
    position t sees only characters 0..t, because the LSTM reads left to right.
    """

    def __init__(self, vocab_size: int, hidden_size: int = 128, embedding_size: int = 32) -> None:
        super().__init__()
        for name, value in [
            ("vocab_size", vocab_size),
            ("hidden_size", hidden_size),
            ("embedding_size", embedding_size),
        ]:
            check_int_argument(name, value)
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embedding_size)  # one learned vector per character
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, idx: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Map character indices (B, T) to next-character logits (B, T, vocab_size).

        Also returns the LSTM's final state (h, c), each (1, B, hidden_size), so that a sampler
        can pass it back in and continue the text one character at a time.
        """
        if idx.ndim != 2 or idx.dtype != torch.long:
            raise ValueError(
                f"idx must be a (B, T) tensor of int64 character indices, "
                f"got {idx.dtype} with shape {tuple(idx.shape)}"
            )
        states, state = self.lstm(self.embed(idx), state)  # (B, T, embedding) -> (B, T, H)
        return self.head(states), state  # logits (B, T, vocab_size)


def adding_problem(
    n: int, T: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Make ``n`` examples of the adding problem with sequences of length ``T``.

    Each input step has two channels: a value drawn uniformly from [0, 1] and a marker, 1 at
    exactly two steps (one in the first half of the sequence, one in the second) and 0 elsewhere.
    The target is the sum of the two marked values. Returns x (n, T, 2) and y (n, 1), float32.
    Predicting the mean target, 1.0, scores a mean squared error of 1/6 ≈ 0.167.
    """
    check_int_argument("n", n)
    check_int_argument("T", T, least=2)
    values = torch.rand(n, T, generator=generator)
    half = T // 2
    first = torch.randint(0, half, (n,), generator=generator)
    second = torch.randint(half, T, (n,), generator=generator)
    markers = torch.zeros(n, T)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=2)  # (n, T, 2)
    y = (values * markers).sum(dim=1, keepdim=True)  # (n, 1)
    return x, y


def fit_adding(
    model: nn.Module,
    *,
    T: int,
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip: float = 1.0,
    seed: int = 0,
    eval_every: int = 50,
) -> list[float]:
    """Train ``model`` (B, T, 2) -> (B, 1) on the adding problem; return its validation MSE curve.

    Every step draws a fresh batch, takes an Adam step on the mean squared error and clips the
    gradient norm to ``clip``. Every ``eval_every`` steps the MSE on 1,000 validation sequences
    (drawn before training, never trained on) is recorded: ``steps // eval_every`` entries.
    """
    check_int_argument("T", T, least=2)
    for name, value in [("steps", steps), ("batch_size", batch_size), ("eval_every", eval_every)]:
        check_int_argument(name, value)
    generator = torch.Generator().manual_seed(seed)
    x_val, y_val = adding_problem(1000, T, generator)  # validation: never trained on
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    curve = []
    for step in range(1, steps + 1):
        x, y = adding_problem(batch_size, T, generator)
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()  # backpropagation through time
        nn.utils.clip_grad_norm_(model.parameters(), clip)  # tame the rare huge gradient
        optimizer.step()
        if step % eval_every == 0:
            with torch.no_grad():
                curve.append(F.mse_loss(model(x_val), y_val).item())
    return curve


def load_corpus() -> str:
    """Return the shipped English text for the character model: about 830,000 ASCII characters.

    The text is the prose paragraphs of the docstrings of Python's standard library (modules,
    classes and functions), wrapped at 79 columns; ``tools/make_corpus.py`` made it. It ships
    inside the package, so nothing is downloaded.
    """
    return _CORPUS.read_text(encoding="ascii")


# Full-budget runs: what `python -m lessons run lstm-adding` and `run char-lstm` train
# (lesson 9's page uses short ones).


class _OnDevice(nn.Module):
    """Run ``model`` on its device for callers that pass CPU tensors, and tick a progress bar.

    ``fit_adding`` (the page's loop) makes its batches on the CPU; this wrapper moves each batch
    to the model and the prediction back, and counts training calls (those that record gradients).
    """

    def __init__(self, model: nn.Module, bar: tqdm) -> None:
        super().__init__()
        self.model, self.bar = model, bar
        self.device = next(model.parameters()).device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            self.bar.update(1)
        return self.model(x.to(self.device)).cpu()


class DropoutCharLSTM(CharLSTM):
    """``CharLSTM`` with dropout on the LSTM's input (the embeddings) and output, for training.

    In evaluation mode (``model.eval()``) it computes exactly what ``CharLSTM`` does.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        embedding_size: int = 32,
        dropout: float = 0.2,
    ) -> None:
        super().__init__(vocab_size, hidden_size, embedding_size)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, idx: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Map character indices (B, T) to logits (B, T, vocab_size) and the final state."""
        states, state = self.lstm(self.drop(self.embed(idx)), state)  # (B, T, H)
        return self.head(self.drop(states)), state


def corpus_split(block: int = 1000) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The page's test split of the shipped text: every 10th block of ``block`` characters held out.

    Returns the training text as indices ``(N_train,)``, the held-out blocks ``(n_blocks, block)``
    and the size of the vocabulary (the distinct characters of the whole text).
    """
    text = load_corpus()
    chars = sorted(set(text))
    to_index = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([to_index[ch] for ch in text])
    blocks = data[: len(data) // block * block].view(-1, block)  # (n_blocks, block)
    held_out = torch.arange(len(blocks)) % 10 == 9
    return blocks[~held_out].reshape(-1), blocks[held_out], len(chars)
